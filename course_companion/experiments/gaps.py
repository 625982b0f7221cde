"""``gaps``: how big must a difference be to break a tie? Tie gaps and output gaps over many jitters, in one graph.

Each replica of one model is the ``perturbed`` scheme (tied groups, then
normal noise on every weight, the jitter) with its own jitter, from 1e-8 to
1e-1, a decade apart. Near a tie the difference between two units either
shrinks (the tie attracts), stays (it is neutral) or grows about
exponentially (it repels); if it grows, the epochs it needs to reach a given
size grow with the logarithm of where it started.

Three measures, side by side, since each can mislead alone:

- the **tie gap** (``analysis.tie_gap``), the largest weight difference
  inside the groups, also over the weights from the inputs that vary only
  (weights from an input that is 0 in every row never get a gradient and keep
  their jitter: ``analysis.silent_inputs``);
- the **relative tie gap**, the tie gap over the largest weight in the
  groups, which also moves when the weights grow;
- the **output gap** (``analysis.output_gap``), the largest difference
  between the tied units' outputs on the training rows: what "the units
  differ" means. The verdicts and the epoch of separation are read from it.

The runs use float64 by default, since float32 resolves only about 1e-7 of a
value's size. ``run_gaps`` returns a ``GapsResult``; ``summaries.gaps``
words it (``gaps_finding``, ``gaps_markdown``) and ``figures.gaps`` draws
the curves.
"""
from dataclasses import dataclass

import numpy as np

from course_companion.analysis import FLOAT32_RESOLUTION, output_gap, relative_tie_gap, silent_inputs, tie_gap

__all__ = ["JITTERS", "THRESHOLD", "GROWTH", "FLOAT32_RESOLUTION", "SGD_LEARNING_RATE", "GAP_EPOCHS", "GapsResult",
           "run_gaps", "epoch_reaching", "verdict"]

JITTERS = 10.0 ** np.arange(-8, 0)  # 1e-8 ... 1e-1: the standard deviation of the noise on a tied start
THRESHOLD = 0.1  # an output gap of a tenth (outputs run 0 to 1) counts as separated
GROWTH = 10.0  # a gap that ends this many times larger (or smaller) than it started grew (or shrank); else it stayed
SGD_LEARNING_RATE = 1.0  # plain SGD needs a far larger step than Adam; at 1.0 the sigmoid models train well, Week 2's does not
# Long enough to see what happens: coffee's gaps had all separated (or not) well before 24 epochs (12,000
# steps); the digits' barely moved after the first epochs, seen over 60 epochs.
GAP_EPOCHS = {"coffee": 24, "digits": 60}


@dataclass(frozen=True, eq=False)
class GapsResult:
    """One data set and optimizer's replicas, one per jitter, followed every epoch (``run_gaps``).

    Arrays "per replica and record" are (replicas, records); "per replica", (replicas,).

    Attributes:
        name: the data set's label.
        data: the data set's description.
        optimizer: "adam" or "sgd".
        learning_rate: float, the optimizer's.
        dtype: "float64" or "float32".
        epochs: the epoch of each record (record 0 is the start).
        jitters: float64 array, the jitter (noise size) of each replica.
        tie_gap: per replica and record, the tie gap inside L1's groups (``analysis.tie_gap``).
        live_tie_gap: per replica and record, the tie gap over the weights from the inputs that vary and the bias.
        relative: per replica and record, the relative tie gap.
        output: per replica and record, the output gap (``analysis.output_gap``).
        silent: the inputs that are 0 in every training row (``analysis.silent_inputs``).
        inputs: int, the number of inputs.
        verdict: per replica, "grew", "shrank", "stayed" or "started apart" (``verdict``, on the output gap).
        reached: per replica, the epoch its output gap grew to ``THRESHOLD``; NaN if never or if it started there.
        started_below: per replica, bool: its output gap started under ``THRESHOLD``.
        separated: int, how many replicas reached ``THRESHOLD``.
        slope: float, the extra epochs each factor of 10 smaller cost (a straight-line fit); NaN with fewer than two
            that reached it.
        accuracy: per replica, the final training accuracy.
        seed: int, the starts' and shuffling's seed.
        metadata: the first replica's recording metadata (device, versions, ...).
    """

    name: str
    data: str
    optimizer: str
    learning_rate: float
    dtype: str
    epochs: np.ndarray
    jitters: np.ndarray
    tie_gap: np.ndarray
    live_tie_gap: np.ndarray
    relative: np.ndarray
    output: np.ndarray
    silent: np.ndarray
    inputs: int
    verdict: list
    reached: np.ndarray
    started_below: np.ndarray
    separated: int
    slope: float
    accuracy: np.ndarray
    seed: int
    metadata: dict


def verdict(start, end, started_below=True):
    """"grew", "shrank" or "stayed": how ``end`` compares with ``start``, by a factor of ``GROWTH``.

    Examples:
        >>> verdict(1e-8, 0.5), verdict(1e-6, 1e-8), verdict(1e-6, 2e-6), verdict(0.3, 0.9, started_below=False)
        ('grew', 'shrank', 'stayed', 'started apart')
    """
    if not started_below:
        return "started apart"
    if end >= GROWTH * start:
        return "grew"
    return "shrank" if end <= start / GROWTH else "stayed"


def epoch_reaching(epochs, gaps, threshold=THRESHOLD):
    """The first epoch at which ``gaps`` reaches ``threshold``, interpolated in log scale; NaN if never.

    Examples:
        >>> epoch_reaching(np.array([0.0, 1.0, 2.0]), np.array([1e-3, 1e-2, 1.0]))
        1.5
    """
    above = np.flatnonzero(gaps >= threshold)
    if above.size == 0:
        return float("nan")
    k = int(above[0])
    if k == 0:
        return float(epochs[0])
    lo, hi = np.log10(gaps[k - 1]), np.log10(gaps[k])
    return float(epochs[k - 1] + (epochs[k] - epochs[k - 1]) * (np.log10(threshold) - lo) / (hi - lo))


def run_gaps(data, optimizer="adam", epochs=None, seed=0, jitters=JITTERS, dtype="float64", progress=True):
    """Train one ``perturbed`` replica per jitter and follow its gaps every epoch.

    Args:
        data: a ``data.DataSet`` (its ties are the groups followed in L1; its
            rows without repeats are where the outputs are compared).
        optimizer: "adam" (the data set's learning rate) or "sgd" (``SGD_LEARNING_RATE``).
        epochs: default ``GAP_EPOCHS`` for the data set.
        seed: the starts' seed (every replica has the same starting weights
            but for the jitter) and the shuffling's.
        jitters: the jitters (noise sizes), one replica each.
        dtype: "float64" (default) or "float32".

    Returns:
        a ``GapsResult``.
    """
    from course_companion.callbacks import ReplicaRecorder
    from course_companion.training import train_replicas

    epochs = epochs or GAP_EPOCHS.get(data.name, data.epochs)
    rate = data.learning_rate if optimizer == "adam" else SGD_LEARNING_RATE
    groups = data.ties[0]
    recorder = ReplicaRecorder()
    label = f"{data.name}, {optimizer}, {len(jitters)} jitters" if progress else None
    train_replicas([("perturbed", seed, float(j)) for j in jitters], data.X, data.y, epochs, seed, data.batch_size,
                   [recorder], label, steps_per_execution=data.batches_per_epoch, ties=data.ties,
                   layer_sizes=data.layer_sizes, learning_rate=rate, optimizer=optimizer, dtype=dtype,
                   activation=data.model.activation, output_activation=data.model.output_activation, loss=data.model.loss)
    replicas = recorder.replicas()
    X, _ = data.loss_data
    silent = silent_inputs(X)
    live = np.setdiff1d(np.arange(X.shape[1] + 1), silent)  # every weight but those from silent inputs; the bias
    units = [rec.units("L1") for rec in replicas]
    gaps = {
        "tie_gap": np.array([tie_gap(u, groups) for u in units]),
        "live_tie_gap": np.array([tie_gap(u[..., live], groups) for u in units]),
        "relative": np.array([relative_tie_gap(u, groups) for u in units]),
        "output": np.array([output_gap(X, u, groups, data.model.activation) for u in units]),
    }
    output = gaps["output"]
    record_epochs = replicas[0].epochs
    # A jitter of 1e-2 or more can start the outputs THRESHOLD apart already: such a start says nothing about growth.
    below = output[:, 0] < THRESHOLD
    reached = np.array([epoch_reaching(record_epochs, g) if b else np.nan for g, b in zip(output, below)])
    ok = ~np.isnan(reached)
    # Extra epochs per factor of 10 smaller: minus the fitted slope of epoch against log10(jitter).
    slope = -float(np.polyfit(np.log10(np.asarray(jitters)[ok]), reached[ok], 1)[0]) if ok.sum() >= 2 else float("nan")
    return GapsResult(name=data.label, data=data.description, optimizer=optimizer, learning_rate=rate, dtype=dtype,
                      epochs=record_epochs, jitters=np.asarray(jitters, dtype=np.float64), **gaps,
                      silent=silent, inputs=X.shape[1],
                      verdict=[verdict(g[0], g[-1], b) for g, b in zip(output, below)],
                      reached=reached, started_below=below, separated=int(ok.sum()), slope=slope,
                      accuracy=np.array([r.last_log("accuracy") for r in replicas]),
                      seed=seed, metadata=replicas[0].metadata)
