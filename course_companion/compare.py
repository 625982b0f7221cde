"""Train named schemes side by side and summarize how far apart their units are.

This is the main job behind ``python -m course_companion compare``: each
scheme's model trains on the same data, and one row per scheme says how many
distinct units each layer has, the smallest and largest pairwise distance, and
the largest difference inside any group that the scheme started tied.
"""
import numpy as np

from course_companion.distances import distinct_units, off_diagonal, pairwise_distances

__all__ = ["COLUMNS", "summary_row", "summary_from_recording", "group_spread", "format_table", "run_scheme", "run_compare"]

COLUMNS = (
    ("scheme", "scheme"),
    ("accuracy", "final accuracy"),
    ("L1_distinct", "L1 distinct units"),
    ("L2_distinct", "L2 distinct units"),
    ("L1_min", "L1 min distance"),
    ("L1_max", "L1 max distance"),
    ("L2_min", "L2 min distance"),
    ("L2_max", "L2 max distance"),
    ("tied_max_diff", "largest difference in a tied group"),
)


def group_spread(units, groups):
    """The largest absolute weight difference inside any group (None: no groups)."""
    if not groups:
        return None
    units = np.asarray(units, dtype=np.float64)
    return max(float(np.max(np.abs(units[g] - units[g[0]]))) for g in groups)


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
        dict keyed by the names in ``COLUMNS``.
    """
    row = {"scheme": scheme, "accuracy": float(accuracy)}
    spreads = []
    for index, name in enumerate(layers):
        units = np.asarray(layer_units[name])
        off = off_diagonal(pairwise_distances(units))
        key = f"L{index + 1}"
        row[f"{key}_distinct"] = distinct_units(units)
        row[f"{key}_min"] = float(off.min()) if off.size else 0.0
        row[f"{key}_max"] = float(off.max()) if off.size else 0.0
        spread = group_spread(units, (groups or {}).get(index))
        if spread is not None:
            spreads.append(spread)
    row["tied_max_diff"] = max(spreads) if spreads else None
    return row


def summary_from_recording(scheme, recording, groups=None):
    """``summary_row`` from a ``Recording``: its last record and last accuracy."""
    layers = {name: recording.units(name, record=-1) for name in ("L1", "L2")}
    accuracy = recording.log("accuracy")
    accuracy = accuracy[~np.isnan(accuracy)]
    return summary_row(scheme, layers, accuracy[-1] if accuracy.size else float("nan"), groups)


def _cell(key, value):
    if value is None:
        return "-"
    if key == "accuracy":
        return f"{value:.3f}"
    if isinstance(value, float):
        return "0" if value == 0 else f"{value:.3g}"  # an exact zero prints as 0
    return str(value)


def format_table(rows, markdown=False):
    """The rows as a plain-text table, or a Markdown table with ``markdown=True``."""
    heads = [title for _, title in COLUMNS]
    cells = [[_cell(key, row.get(key)) for key, _ in COLUMNS] for row in rows]
    if markdown:
        lines = ["| " + " | ".join(heads) + " |", "|" + "|".join(" --- " for _ in heads) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in cells]
        return "\n".join(lines)
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(heads)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(heads, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    return "\n".join(lines)


def run_scheme(scheme, X, y, epochs=20, seed=0, ties=None, batch_size=32, callbacks=()):
    """Build ``scheme``'s course model, train it, and return (model, history).

    Training is real: ``model.fit`` with Adam on ``X, y``. The shuffling of
    batches is seeded with ``seed`` too, so a run repeats.
    """
    import keras  # here, not at the top: the table helpers need no TensorFlow

    from course_companion.models import build_model

    keras.utils.set_random_seed(int(seed))
    model = build_model(scheme, seed=seed, ties=ties, input_dim=X.shape[1])
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
