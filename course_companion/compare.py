"""Train named schemes side by side and summarize how far apart their units are.

This is the main job behind ``python -m course_companion compare``: each
scheme's model trains on the same data, and one row per scheme says how many
distinct units each layer has, the smallest and largest pairwise distance, and
the tie gap (the largest weight difference inside any group that the scheme
started tied). The tables and files are written by ``report``.
"""
import numpy as np

from course_companion.distances import distinct_units, off_diagonal, pairwise_distances, tie_gap

__all__ = ["summary_row", "summary_from_recording", "run_scheme", "run_compare"]


def summary_row(scheme, layer_units, accuracy, groups=None, layers=("L1", "L2")):
    """One table row from each layer's final unit weights.

    Args:
        scheme: str, the row's label.
        layer_units: dict from layer name to an array (units, d).
        accuracy: float, final training accuracy.
        groups: dict from layer index (0 = L1) to the groups the scheme
            started tied (``models.scheme_groups``), or None.
        layers: the two layer names reported.

    Returns:
        dict with ``scheme``, ``accuracy``, per layer ``L1_distinct``,
        ``L1_min``, ``L1_max`` (and L2's), and ``tie_gap``: the largest tie
        gap over the layers' groups (None where the scheme has none).
    """
    row = {"scheme": scheme, "accuracy": float(accuracy)}
    gaps = []
    for index, name in enumerate(layers):
        units = np.asarray(layer_units[name])
        off = off_diagonal(pairwise_distances(units))
        key = f"L{index + 1}"
        row[f"{key}_distinct"] = distinct_units(units)
        row[f"{key}_min"] = float(off.min()) if off.size else 0.0
        row[f"{key}_max"] = float(off.max()) if off.size else 0.0
        gap = tie_gap(units, (groups or {}).get(index))
        if gap is not None:
            gaps.append(gap)
    row["tie_gap"] = max(gaps) if gaps else None
    return row


def summary_from_recording(scheme, recording, groups=None):
    """``summary_row`` from a ``Recording``: its last record and last accuracy."""
    layers = {name: recording.units(name, record=-1) for name in ("L1", "L2")}
    accuracy = recording.log("accuracy")
    accuracy = accuracy[~np.isnan(accuracy)]
    return summary_row(scheme, layers, accuracy[-1] if accuracy.size else float("nan"), groups)


def run_scheme(scheme, X, y, epochs=20, seed=0, ties=None, batch_size=32, callbacks=()):
    """Build ``scheme``'s course model, train it, and return (model, history).

    Training is real: ``model.fit`` with Adam on ``X, y``. The shuffling of
    batches is seeded with ``seed`` too, so a run repeats.
    """
    import keras  # here, not at the top: the table helpers need no TensorFlow

    from course_companion.models import build_model

    model = build_model(scheme, seed=seed, ties=ties, input_dim=X.shape[1])  # checks seed first
    keras.utils.set_random_seed(int(seed))
    history = model.fit(X, y, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=list(callbacks))
    return model, history


def run_compare(schemes, X, y, epochs=20, seed=0, every="epoch", data="", progress=True):
    """Train each scheme with a ``UnitRecorder`` and return {scheme: Recording}.

    Args:
        schemes: scheme names (``models.SCHEMES``).
        X, y: training data (checked with ``data.check_xy``).
        epochs: int, epochs per scheme.
        seed: int, initializers' and shuffling seed.
        every: "epoch" or an int, how often the recorder records.
        data: str, what the data is, stored in each recording's metadata.
        progress: bool, print one progress line per scheme.
    """
    from course_companion.data import check_xy
    from course_companion.models import SCHEMES
    from course_companion.progress import ProgressLine
    from course_companion.recorder import UnitRecorder

    for scheme in schemes:
        if scheme not in SCHEMES:
            raise ValueError(f"schemes must be from {list(SCHEMES)}; got {scheme!r}")
    X, y = check_xy(X, y)
    recordings = {}
    for scheme in schemes:
        recorder = UnitRecorder(every=every, metadata={"scheme": scheme, "seed": seed, "data": data})
        callbacks = [recorder] + ([ProgressLine(scheme)] if progress else [])
        run_scheme(scheme, X, y, epochs=epochs, seed=seed, callbacks=callbacks)
        recordings[scheme] = recorder.recording
    return recordings
