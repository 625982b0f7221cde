"""How big must a difference be to break a tie? Tie gaps over many starting sizes, in one graph.

Each replica of one model is the ``perturbed`` scheme (tied groups, then
normal noise on every weight) with its own noise size, from 1e-8 to 1e-1, a
decade apart. Near a tie the gap between two units either shrinks (the tie
attracts) or grows about exponentially (it repels); if it grows, the epochs it
needs to reach a given size grow with the logarithm of where it started: each
factor of 10 smaller costs about the same number of extra epochs.

Gaps are measured relative to the size of the tied units' weights (the
largest absolute weight in the groups), since float32 resolves only about
1e-7 of a weight's size; the runs use float64 by default so that the smallest
gaps are dynamics, not rounding.
"""
import numpy as np

__all__ = ["STARTING_GAPS", "THRESHOLD", "FLOAT32_RESOLUTION", "SGD_LEARNING_RATE", "GAP_EPOCHS", "run_gaps",
           "epoch_reaching"]

STARTING_GAPS = 10.0 ** np.arange(-8, 0)  # 1e-8 ... 1e-1, the noise's standard deviation
THRESHOLD = 0.1  # a gap of a tenth of the weights' size counts as separated
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


def run_gaps(data, optimizer="adam", epochs=None, seed=0, gaps=STARTING_GAPS, dtype="float64", progress=True):
    """Train one ``perturbed`` replica per starting gap and follow each tie gap, every epoch.

    Args:
        data: a ``datasets.DataSet`` (its ties are the groups followed in L1).
        optimizer: "adam" (the data set's learning rate) or "sgd" (``SGD_LEARNING_RATE``).
        epochs: default ``GAP_EPOCHS`` for the data set.
        seed: the starts' seed (every replica has the same starting weights
            but for the noise's size) and the shuffling's.
        gaps: the noise sizes, one replica each.
        dtype: "float64" (default) or "float32".

    Returns:
        dict with ``name``, ``optimizer``, ``learning_rate``, ``dtype``,
        ``epochs`` (per record), ``starting_gaps``, ``relative`` (replicas x
        records: tie gap over the groups' largest weight), ``started_below``
        (bool per replica: its gap started under ``THRESHOLD``), ``reached``
        (the epoch it grew to ``THRESHOLD``, NaN if never or if it started
        there), ``slope`` (the extra epochs each factor of 10 smaller cost,
        from a straight-line fit; NaN with fewer than two that reached it) and
        ``accuracy`` (final, per replica).
    """
    import keras

    from course_companion.distances import tie_gap
    from course_companion.progress import ProgressLine
    from course_companion.sweep import ReplicaRecorder, build_replicas

    epochs = epochs or GAP_EPOCHS.get(data.name, data.epochs)
    rate = data.learning_rate if optimizer == "adam" else SGD_LEARNING_RATE
    groups = data.ties[0]
    keras.utils.set_random_seed(seed)
    model = build_replicas([("perturbed", seed, float(g)) for g in gaps], ties=data.ties, input_dim=data.X.shape[1],
                           units=data.units, learning_rate=rate, optimizer=optimizer, dtype=dtype,
                           steps_per_execution=int(np.ceil(len(data.X) / data.batch_size)))
    recorder = ReplicaRecorder()
    label = f"{data.name}, {optimizer}, {len(gaps)} starting gaps"
    model.fit(data.X, data.y, epochs=epochs, batch_size=data.batch_size, verbose=0,
              callbacks=[recorder] + ([ProgressLine(label, loss_parts=len(gaps))] if progress else []))
    replicas = recorder.replicas()
    members = sorted({u for g in groups for u in g})
    relative = []
    for rec in replicas:
        units = rec.units("L1").astype(np.float64)
        relative.append(tie_gap(units, groups) / np.abs(units[:, members]).max(axis=(1, 2)))
    relative = np.array(relative)
    record_epochs = replicas[0].epochs
    # Noise of 1e-2 or more can start the gap at THRESHOLD already: such a start says nothing about growth.
    below = relative[:, 0] < THRESHOLD
    reached = np.array([epoch_reaching(record_epochs, r) if b else np.nan for r, b in zip(relative, below)])
    ok = ~np.isnan(reached)
    # Extra epochs per factor of 10 smaller: minus the fitted slope of epoch against log10(starting gap).
    slope = -float(np.polyfit(np.log10(np.asarray(gaps)[ok]), reached[ok], 1)[0]) if ok.sum() >= 2 else float("nan")
    return {"name": data.name, "data": data.description, "optimizer": optimizer, "learning_rate": rate, "dtype": dtype,
            "epochs": record_epochs, "starting_gaps": np.asarray(gaps, dtype=np.float64), "relative": relative,
            "reached": reached, "started_below": below, "slope": slope,
            "accuracy": np.array([r.last_log("accuracy") for r in replicas]),
            "seed": seed, "metadata": replicas[0].metadata}
