"""``gaps``: how big must a difference be to break a tie? Relative tie gaps over many jitters, in one graph.

Each replica of one model is the ``perturbed`` scheme (tied groups, then
normal noise on every weight, the jitter) with its own jitter, from 1e-8 to
1e-1, a decade apart. Near a tie the gap between two units either shrinks (the tie
attracts) or grows about exponentially (it repels); if it grows, the epochs it
needs to reach a given size grow with the logarithm of where it started: each
factor of 10 smaller costs about the same number of extra epochs.

What is followed is the relative tie gap (``analysis.relative_tie_gap``: the
tie gap over the largest absolute weight in the groups), since float32
resolves only about 1e-7 of a weight's size; the runs use float64 by default
so that the smallest gaps are dynamics, not rounding. ``gaps_finding`` and
``gaps_markdown`` are the summary; ``figures.gaps`` draws the curves.
"""
import numpy as np

from course_companion.analysis.distances import relative_tie_gap
from course_companion.tables import header_line, table

__all__ = ["JITTERS", "THRESHOLD", "FLOAT32_RESOLUTION", "SGD_LEARNING_RATE", "GAP_EPOCHS", "run_gaps",
           "epoch_reaching", "gaps_finding", "gaps_markdown"]

JITTERS = 10.0 ** np.arange(-8, 0)  # 1e-8 ... 1e-1: the standard deviation of the noise on a tied start
THRESHOLD = 0.1  # a relative tie gap of a tenth (of the weights' size) counts as separated
FLOAT32_RESOLUTION = 2.0**-23  # about 1.2e-7: float32's step, relative to a weight's size
SGD_LEARNING_RATE = 1.0  # plain SGD needs a far larger step than Adam; at 1.0 both models still train well
# Long enough to see what happens: coffee's gaps had all separated (or not) well before 24 epochs (12,000
# steps); the digits' shrank for the first epochs and then barely moved, seen over 60 epochs.
GAP_EPOCHS = {"coffee": 24, "digits": 60}


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
    """Train one ``perturbed`` replica per jitter and follow each relative tie gap, every epoch.

    Args:
        data: a ``data.DataSet`` (its ties are the groups followed in L1).
        optimizer: "adam" (the data set's learning rate) or "sgd" (``SGD_LEARNING_RATE``).
        epochs: default ``GAP_EPOCHS`` for the data set.
        seed: the starts' seed (every replica has the same starting weights
            but for the jitter) and the shuffling's.
        jitters: the jitters (noise sizes), one replica each.
        dtype: "float64" (default) or "float32".

    Returns:
        dict with ``name``, ``optimizer``, ``learning_rate``, ``dtype``,
        ``epochs`` (per record), ``jitters``, ``relative`` (replicas x
        records: the relative tie gap), ``started_below``
        (bool per replica: its gap started under ``THRESHOLD``), ``reached``
        (the epoch it grew to ``THRESHOLD``, NaN if never or if it started
        there), ``separated`` (how many reached it), ``slope`` (the extra epochs each factor of 10 smaller cost,
        from a straight-line fit; NaN with fewer than two that reached it) and
        ``accuracy`` (final, per replica).
    """
    from course_companion.callbacks import ReplicaRecorder
    from course_companion.training import train_replicas

    epochs = epochs or GAP_EPOCHS.get(data.name, data.epochs)
    rate = data.learning_rate if optimizer == "adam" else SGD_LEARNING_RATE
    groups = data.ties[0]
    recorder = ReplicaRecorder()
    label = f"{data.name}, {optimizer}, {len(jitters)} jitters" if progress else None
    train_replicas([("perturbed", seed, float(j)) for j in jitters], data.X, data.y, epochs, seed, data.batch_size,
                   [recorder], label, steps_per_execution=int(np.ceil(len(data.X) / data.batch_size)), ties=data.ties,
                   layer_sizes=data.layer_sizes, learning_rate=rate, optimizer=optimizer, dtype=dtype)
    replicas = recorder.replicas()
    relative = np.array([relative_tie_gap(rec.units("L1"), groups) for rec in replicas])
    record_epochs = replicas[0].epochs
    # A jitter of 1e-2 or more can start the gap at THRESHOLD already: such a start says nothing about growth.
    below = relative[:, 0] < THRESHOLD
    reached = np.array([epoch_reaching(record_epochs, r) if b else np.nan for r, b in zip(relative, below)])
    ok = ~np.isnan(reached)
    # Extra epochs per factor of 10 smaller: minus the fitted slope of epoch against log10(jitter).
    slope = -float(np.polyfit(np.log10(np.asarray(jitters)[ok]), reached[ok], 1)[0]) if ok.sum() >= 2 else float("nan")
    return {"name": data.name, "data": data.description, "optimizer": optimizer, "learning_rate": rate, "dtype": dtype,
            "epochs": record_epochs, "jitters": np.asarray(jitters, dtype=np.float64), "relative": relative,
            "reached": reached, "started_below": below, "separated": int(ok.sum()), "slope": slope,
            "accuracy": np.array([r.last_log("accuracy") for r in replicas]),
            "seed": seed, "metadata": replicas[0].metadata}


def gaps_finding(result):
    """What one tie-gap run shows, in one plain sentence, whichever way it went."""
    below = result["started_below"]
    separated = result["separated"]
    total = int(below.sum())
    ratio = (result["relative"][:, -1] / result["relative"][:, 0])[below]
    run = f"{result['name']} with {result['optimizer']} ({result['epochs'][-1]:g} epochs)"
    skipped = f" ({int((~below).sum())} larger ones started there already)" if (~below).any() else ""
    if separated == 0:
        return (f"{run}: none of the {total} gaps that started below {THRESHOLD:g} of the weights' size grew to it"
                f"{skipped}; they ended at {np.min(ratio):.2g} to {np.max(ratio):.2g} times where they started.")
    slope = result["slope"]
    growth = (f"; each factor of 10 smaller cost about {slope:.2g} more epochs" if np.isfinite(slope) else "")
    return (f"{run}: {separated} of the {total} gaps that started below {THRESHOLD:g} of the weights' size grew to "
            f"it{skipped}{growth}.")


def gaps_markdown(results, meta):
    """The tie-gap run's ``summary.md``: per data set and optimizer, every jitter's path."""
    lines = ["# How big must a difference be to break a tie?", "",
             header_line(meta, "Each replica starts tied (the `perturbed` scheme: the data set's tied groups, then normal "
                     "noise, the jitter, on every weight) and is followed every epoch."), "",
             f"The relative tie gap is the largest weight difference inside the L1 groups (the tie gap), divided by "
             f"the largest weight in "
             f"them. A gap of {THRESHOLD:g} counts as separated. float32 resolves about {FLOAT32_RESOLUTION:.1e} of "
             f"a weight's size, so a gap below that would be rounding there; these runs used "
             f"{results[0]['dtype'] if results else 'float64'}.", ""]
    lines += [f"- {gaps_finding(r)}" for r in results] + [""]
    for r in results:
        lines += [f"## {r['name']}, {r['optimizer']} (learning rate {r['learning_rate']:g})", "", f"Data: {r['data']}. Seed {r['seed']}.", "",
                  table(["jitter", "gap at the start", "lowest gap", "gap at the end", f"epoch it reached {THRESHOLD:g}",
                         "final accuracy"],
                        [[f"{g:.0e}", f"{c[0]:.3g}", f"{c.min():.3g}", f"{c[-1]:.3g}",
                          ("started there" if not b else "-") if np.isnan(e) else f"{e:.1f}", f"{a:.3f}"]
                         for g, c, e, a, b in zip(r["jitters"], r["relative"], r["reached"], r["accuracy"],
                                                  r["started_below"])],
                        markdown=True), ""]
    return "\n".join(lines)
