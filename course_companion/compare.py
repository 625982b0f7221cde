"""Train named schemes side by side and summarize how far apart their units are.

This is the main job behind ``python -m course_companion compare``: each
scheme's model trains on the same data, and one row per scheme says how many
distinct units each layer has, the smallest and largest pairwise distance, and
the tie gap (the largest weight difference inside any group that the scheme
started tied). The tables and files are written by ``report``.
"""
import numpy as np

from course_companion.distances import distinct_units, off_diagonal, pairwise_distances, tie_gap

__all__ = ["summary_row", "summary_from_recording", "hidden_layers", "recorded_groups", "run_scheme", "run_compare"]


def summary_row(scheme, layer_units, accuracy, groups=None, layers=("L1", "L2")):
    """One table row from each layer's final unit weights.

    Args:
        scheme: str, the row's label.
        layer_units: dict from layer name to an array (units, d).
        accuracy: float, final training accuracy.
        groups: dict from layer index (0 = L1) to the groups the scheme
            started tied (``models.scheme_groups``), or None.
        layers: the names of the layers reported, in Dense-layer order.

    Returns:
        dict with ``scheme``, ``accuracy``, ``layers``, per layer
        ``L1_distinct``, ``L1_min``, ``L1_max`` (and L2's...), and
        ``tie_gap``: the largest tie gap over the layers' groups (None where
        the scheme has none).
    """
    row = {"scheme": scheme, "accuracy": float(accuracy), "layers": list(layers)}
    gaps = []
    for index, name in enumerate(layers):
        units = np.asarray(layer_units[name])
        off = off_diagonal(pairwise_distances(units))
        row[f"{name}_distinct"] = distinct_units(units)
        row[f"{name}_min"] = float(off.min()) if off.size else 0.0
        row[f"{name}_max"] = float(off.max()) if off.size else 0.0
        gap = tie_gap(units, (groups or {}).get(index))
        if gap is not None:
            gaps.append(gap)
    row["tie_gap"] = max(gaps) if gaps else None
    return row


def hidden_layers(recording):
    """The recorded layers before the output layer (``L1``, ``L2`` for the course model; ``L1`` for coffee)."""
    return [name for name in recording.dense_layers[:-1] if name in recording.layers]


def recorded_groups(recording):
    """The groups the recording's scheme started tied, per layer index, from its metadata ({} if none)."""
    groups = recording.metadata.get("groups")
    if groups is None:  # recordings made before the groups were stored: the course model's defaults
        from course_companion.models import SCHEMES, scheme_groups

        scheme = recording.metadata.get("scheme")
        groups = scheme_groups(scheme) if scheme in SCHEMES else {}
    return {int(k): v for k, v in groups.items()}  # JSON keeps the layer indices as strings


def summary_from_recording(scheme, recording, groups=None):
    """``summary_row`` from a ``Recording``: its hidden layers' last record, its last accuracy.

    ``groups`` defaults to the ones stored in the recording (``recorded_groups``).
    """
    names = hidden_layers(recording)
    layers = {name: recording.units(name, record=-1) for name in names}
    groups = recorded_groups(recording) if groups is None else groups
    return summary_row(scheme, layers, recording.last_log("accuracy"), groups, layers=names)


def run_scheme(scheme, X, y, epochs=20, seed=0, ties=None, batch_size=32, callbacks=(), units=(25, 15, 1),
               learning_rate=0.001, steps_per_execution=1, jitter=None):
    """Build ``scheme``'s model, train it, and return (model, history).

    Training is real: ``model.fit`` with Adam on ``X, y``. The shuffling of
    batches is seeded with ``seed`` too, so a run repeats. ``units``,
    ``learning_rate``, ``ties``, ``steps_per_execution`` and ``jitter``
    (``perturbed``'s noise; None for the default) go to
    ``models.build_model`` (the course model by default; see
    ``datasets.DataSet.model_settings`` for the coffee model's).
    """
    import keras  # here, not at the top: the table helpers need no TensorFlow

    from course_companion.models import build_model

    model = build_model(scheme, seed=seed, ties=ties, input_dim=X.shape[1], units=units,  # checks seed first
                        learning_rate=learning_rate, steps_per_execution=steps_per_execution, jitter=jitter)
    keras.utils.set_random_seed(int(seed))
    history = model.fit(X, y, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=list(callbacks))
    return model, history


def run_compare(schemes, X, y, epochs=20, seed=0, every="epoch", data="", progress=True, replicas=False, **settings):
    """Train each scheme with a ``UnitRecorder`` and return {scheme: Recording}.

    Examples:
        >>> from course_companion.datasets import load_dataset
        >>> coffee = load_dataset("coffee")
        >>> recordings = run_compare(["random"], coffee.X[:400], coffee.y[:400], epochs=1, progress=False,
        ...                          batch_size=coffee.batch_size, **coffee.model_settings)
        >>> recordings["random"].units("L1").shape
        (2, 3, 3)

    Args:
        schemes: scheme names (``models.SCHEMES``).
        X, y: training data (checked with ``data.check_xy``).
        epochs: int, epochs per scheme.
        seed: int, initializers' and shuffling seed.
        every: "epoch" or an int, how often the recorder records.
        data: str, what the data is, stored in each recording's metadata.
        progress: bool, print one progress line per scheme.
        replicas: bool; True trains the schemes side by side as replicas of
            one model in one ``fit`` (``sweep.run_sweep`` with one seed each),
            which costs about one scheme's time for a small model: each replica
            has its own weights, loss term and Adam state, and sees the same
            batches a standalone fit with this seed would.
        **settings: for ``run_scheme``: ``units``, ``learning_rate``,
            ``ties``, ``batch_size``, ``steps_per_execution``, ``jitter``
            (``input_dim`` is taken from ``X``).

    Each recording's metadata holds the scheme, the seed, the data and the
    groups the scheme started tied (``models.scheme_groups``).
    """
    from course_companion.data import check_xy
    from course_companion.models import SCHEMES, scheme_groups
    from course_companion.progress import ProgressLine
    from course_companion.recorder import UnitRecorder

    for scheme in schemes:
        if scheme not in SCHEMES:
            raise ValueError(f"schemes must be from {list(SCHEMES)}; got {scheme!r}")
    settings.pop("input_dim", None)
    X, y = check_xy(X, y)
    if replicas:
        from course_companion.sweep import run_sweep

        settings.pop("steps_per_execution", None)  # run_sweep runs whole epochs per call when it can
        results = run_sweep(schemes, 1, X, y, epochs=epochs, every=every, data=data, progress=progress, first_seed=seed,
                            **settings)
        return {r["scheme"]: r["recording"] for r in results}
    units = tuple(settings.get("units", (25, 15, 1)))
    recordings = {}
    for scheme in schemes:
        groups = scheme_groups(scheme, settings.get("ties"), units)
        recorder = UnitRecorder(every=every, metadata={"scheme": scheme, "seed": seed, "data": data, "groups": groups})
        callbacks = [recorder] + ([ProgressLine(scheme)] if progress else [])
        run_scheme(scheme, X, y, epochs=epochs, seed=seed, callbacks=callbacks, **settings)
        recordings[scheme] = recorder.recording
    return recordings
