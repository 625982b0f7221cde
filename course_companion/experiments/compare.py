"""``compare``: train named schemes side by side and summarize how far apart their units are.

Each scheme's model trains on the same data with a ``UnitRecorder``, and one
row per scheme says how many distinct units each layer has, the smallest and
largest pairwise distance, and the tie gap (the largest weight difference
inside any group that the scheme started tied: a ``SummaryRow``). The tie
check and the numbers behind the answer's title are here too;
``summaries.compare`` words them (``summary_markdown``, the ``summary.md``
that the command writes) and ``figures.compare`` draws the rest.
"""
from dataclasses import dataclass, field

import numpy as np

from course_companion.analysis.distances import distinct_units, off_diagonal, pairwise_distances, tie_gap
from course_companion.analysis.tie import tie_verdict
from course_companion.data import check_xy
from course_companion.schemes import BINARY, PERTURBED_JITTER, check_scheme, class_labels, scheme_groups

__all__ = ["KEEPS_TIES", "BASELINE", "LayerDistances", "SummaryRow", "Baseline", "TieCheck", "ConstantMoves",
           "summary_row", "summary_from_recording", "run_compare", "run_baseline", "check_kept_ties", "constant_moves",
           "final_distinct", "kept_tie_verdicts"]

KEEPS_TIES = ("constant", "mirrored")  # the schemes whose tied groups must stay equal
BASELINE = "no hidden layer"  # the summary's row for the linear model a hidden layer has to beat


@dataclass(frozen=True)
class LayerDistances:
    """One layer's units at the end, as ``compare``'s table gives them.

    Attributes:
        distinct: int, distinct units (``analysis.distinct_units``; ``final_distinct``, the answer title's count).
        min, max: float, the smallest and largest euclidean distance between two of its units (0.0 with one unit).
    """

    distinct: int
    min: float
    max: float


@dataclass(frozen=True)
class SummaryRow:
    """One row of ``compare``'s table: a scheme's training, and how far apart its units ended (``summary_row``).

    Attributes:
        scheme: str, the row's label (a scheme, or ``BASELINE``).
        accuracy: float, final training accuracy.
        loss: float, final training loss, or None.
        layers: the names of the hidden layers reported, in Dense-layer order.
        per_layer: {layer name: ``LayerDistances``}; empty for the ``BASELINE`` row, which has no hidden layer.
        tie_gap: float, the largest tie gap over the layers' groups the scheme started tied, or None where it has none.
    """

    scheme: str
    accuracy: float
    loss: float = None
    layers: list = field(default_factory=list)
    per_layer: dict = field(default_factory=dict)
    tie_gap: float = None


@dataclass(frozen=True)
class Baseline:
    """The model with no hidden layer, trained on the same data (``run_baseline``).

    Attributes:
        accuracy: float, final training accuracy.
        loss: float, final training loss.
    """

    accuracy: float
    loss: float


@dataclass(frozen=True)
class TieCheck:
    """Whether the schemes that keep ties (``KEEPS_TIES``) kept them at every record (``check_kept_ties``).

    Attributes:
        schemes: the schemes checked: those of ``KEEPS_TIES`` that ran and started with tied groups (none: nothing
            to check).
        failures: one "scheme: message" (``testing.assert_tied``'s) per layer whose tie did not hold.
        largest_gap: float, the largest tie gap over every group checked and every record (NaN where a weight was NaN).
        tolerance: float, what "equal" allowed: 0 on the CPU, ``testing.GPU_TIE_TOLERANCE`` for weights from a GPU.
    """

    schemes: tuple
    failures: tuple
    largest_gap: float
    tolerance: float

    @property
    def held(self):
        """True when every tie checked held."""
        return not self.failures


@dataclass(frozen=True)
class ConstantMoves:
    """How far ``constant``'s weights moved from their start over training (``constant_moves``).

    Attributes:
        hidden: float, the largest move of a hidden weight or bias.
        start: float, the value the hidden weights started at.
        kernel, bias: float, the largest move of the output layer's weights and of its biases; None where the
            output layer was not recorded.
    """

    hidden: float
    start: float
    kernel: float = None
    bias: float = None


def summary_row(scheme, layer_units, accuracy, groups=None, layers=("L1", "L2"), loss=None):
    """One table row from each layer's final unit weights.

    Args:
        scheme: str, the row's label.
        layer_units: dict from layer name to an array (units, d).
        accuracy: float, final training accuracy.
        groups: dict from layer index (0 = L1) to the groups the scheme
            started tied (``schemes.scheme_groups``), or None.
        layers: the names of the layers reported, in Dense-layer order.
        loss: float, final training loss, or None.

    Returns:
        a ``SummaryRow``.
    """
    per_layer, gaps = {}, []
    for index, name in enumerate(layers):
        units = np.asarray(layer_units[name])
        off = off_diagonal(pairwise_distances(units))
        per_layer[name] = LayerDistances(distinct=distinct_units(units),  # = final_distinct, the answer title's count
                                         min=float(off.min()) if off.size else 0.0,
                                         max=float(off.max()) if off.size else 0.0)
        gap = tie_gap(units, (groups or {}).get(index))
        if gap is not None:
            gaps.append(gap)
    return SummaryRow(scheme=scheme, accuracy=float(accuracy), loss=None if loss is None else float(loss),
                      layers=list(layers), per_layer=per_layer, tie_gap=max(gaps) if gaps else None)


def summary_from_recording(scheme, recording, groups=None):
    """``summary_row`` from a ``Recording``: its hidden layers' last record, its last accuracy.

    ``groups`` defaults to the ones stored in the recording (``Recording.groups``).
    """
    names = recording.hidden_layers
    layers = {name: recording.units(name, record=-1) for name in names}
    groups = recording.groups if groups is None else groups
    return summary_row(scheme, layers, recording.last_log("accuracy"), groups, layers=names, loss=recording.last_log("loss"))


def run_compare(schemes, X, y, epochs=20, seed=0, every="epoch", data="", progress=True, replicas=False, **settings):
    """Train each scheme with a ``UnitRecorder`` and return {scheme: Recording}.

    Examples:
        >>> from course_companion.data import load_dataset
        >>> coffee = load_dataset("coffee")
        >>> recordings = run_compare(["random"], coffee.X[:400], coffee.y[:400], epochs=1, progress=False,
        ...                          batch_size=coffee.batch_size, **coffee.model_settings)
        >>> recordings["random"].units("L1").shape
        (2, 3, 3)

    Args:
        schemes: scheme names (``schemes.SCHEMES``).
        X, y: training data (checked with ``data.check_xy``).
        epochs: int, epochs per scheme.
        seed: int, initializers' and shuffling seed.
        every: "epoch" or an int, how often the recorder records.
        data: str, what the data is, stored in each recording's metadata.
        progress: bool, print one progress line per scheme.
        replicas: bool; True trains the schemes side by side as replicas of
            one model in one ``fit`` (``training.train_seeds`` with one seed each),
            which costs about one scheme's time for a small model: each replica
            has its own weights, loss term and Adam state, and sees the same
            batches a standalone fit with this seed would.
        **settings: for ``training.train_scheme``: ``layer_sizes``, ``learning_rate``,
            ``ties``, ``batch_size``, ``steps_per_execution``, ``jitter``
            (``input_dim`` is taken from ``X``; ``DataSet.model_settings`` gives them).

    Each recording's metadata holds the scheme, the seed, the data and the
    groups the scheme started tied (``schemes.scheme_groups``).
    """
    from course_companion.callbacks import UnitRecorder
    from course_companion.training import train_scheme, train_seeds

    for scheme in schemes:
        check_scheme(scheme, "schemes")
    X, y = check_xy(X, y, labels=class_labels(tuple(settings.get("layer_sizes", BINARY.layer_sizes))[-1]))
    if replicas:
        settings.pop("steps_per_execution", None)  # train_seeds runs whole epochs per call when it can
        results = train_seeds(schemes, 1, X, y, epochs=epochs, every=every, data=data, progress=progress, first_seed=seed,
                              **settings)
        return {r["scheme"]: r["recording"] for r in results}
    layer_sizes = tuple(settings.get("layer_sizes", BINARY.layer_sizes))
    recordings = {}
    for scheme in schemes:
        groups = scheme_groups(scheme, settings.get("ties"), layer_sizes)
        meta = {"scheme": scheme, "seed": seed, "data": data, "groups": groups}
        if scheme == "perturbed":  # its jitter, as the replica runs record it
            meta["jitter"] = PERTURBED_JITTER if settings.get("jitter") is None else float(settings["jitter"])
        recorder = UnitRecorder(every=every, metadata=meta)
        train_scheme(scheme, X, y, epochs=epochs, seed=seed, callbacks=[recorder], progress=scheme if progress else None,
                     **settings)
        recordings[scheme] = recorder.recording
    return recordings


def run_baseline(X, y, epochs=20, seed=0, batch_size=32, progress=True, **settings):
    """The same data and training with no hidden layer (Input -> Dense(outputs)): the linear model to beat.

    For Week 2's model that is softmax regression: if identical hidden units do worse than it, each hidden
    layer is passing on a single number. ``settings`` as for ``run_compare``.

    Returns:
        a ``Baseline``.
    """
    from course_companion.training import train_scheme

    settings = {k: v for k, v in settings.items() if k not in ("ties", "jitter", "constant")}
    outputs = tuple(settings.pop("layer_sizes", BINARY.layer_sizes))[-1:]
    X, y = check_xy(X, y, labels=class_labels(outputs[0]))
    _, history = train_scheme("random", X, y, epochs=epochs, seed=seed, batch_size=batch_size, layer_sizes=outputs,
                              progress=BASELINE if progress else None, **settings)
    return Baseline(accuracy=float(history.history["accuracy"][-1]), loss=float(history.history["loss"][-1]))


def check_kept_ties(recordings, groups):
    """Whether the schemes that keep ties (constant, mirrored) kept them at every record: a ``TieCheck``.

    Decided by ``analysis.tie_verdict`` through ``testing.assert_tied`` on each
    recording: exactly on the CPU, within ``GPU_TIE_TOLERANCE`` for weights
    that came from a GPU; a NaN or infinite weight never holds. The largest tie
    gap is over every record (NaN where a weight was NaN).

    Args:
        recordings: dict from scheme to ``Recording``.
        groups: dict from scheme to its groups per layer index (``schemes.scheme_groups``).
    """
    from course_companion.testing import assert_tied, tie_tolerance

    kept = [s for s in recordings if s in KEEPS_TIES and groups.get(s)]
    failures, gaps = [], [0.0]
    for scheme in kept:
        rec = recordings[scheme]
        for index, layer_groups in groups[scheme].items():
            if index >= len(rec.dense_layers) or rec.dense_layers[index] not in rec.layers:
                continue
            gaps.append(np.max(tie_gap(rec.units(index), layer_groups)))
            try:
                assert_tied(rec, index, layer_groups)
            except AssertionError as exc:
                failures.append(f"{scheme}: {exc}")
    tolerance = tie_tolerance(next(iter(recordings.values())).metadata.get("device", "CPU"))
    return TieCheck(schemes=tuple(kept), failures=tuple(failures), largest_gap=float(np.max(gaps)), tolerance=tolerance)


def constant_moves(recordings):
    """How far ``constant``'s weights moved from their start: ``ConstantMoves``, or None where ``constant`` did not
    run or its recording kept no weights."""
    rec = recordings.get("constant")
    if rec is None or rec.keep != "weights":
        return None

    def moved(name, part=slice(None)):
        w = rec.units(name).astype(np.float64)[..., part]
        return float(np.abs(w[-1] - w[0]).max())

    hidden = max(moved(n) for n in rec.hidden_layers)
    start = float(rec.units(rec.hidden_layers[0], 0).flat[0])
    out = rec.dense_layers[-1]
    if out not in rec.layers:
        return ConstantMoves(hidden=hidden, start=start)
    return ConstantMoves(hidden=hidden, start=start, kernel=moved(out, slice(0, -1)), bias=moved(out, slice(-1, None)))


def final_distinct(recording, layer):
    """Distinct units of ``layer`` at the recording's last record: what the table and the answer title both show."""
    return distinct_units(recording.units(layer, record=-1))


def kept_tie_verdicts(recordings, layer="L1"):
    """{scheme: ``analysis.tie_verdict``'s verdict} on ``layer``'s last record, for the schemes that keep ties
    (``KEEPS_TIES``) and whose recording names groups in ``layer`` (only those can be checked): incoming weights
    and biases, as a recording holds them."""
    kept = {s: r.groups.get(r.dense_layers.index(r.layer_name(layer))) for s, r in recordings.items() if s in KEEPS_TIES}
    return {s: tie_verdict({"incoming": recordings[s].units(layer, record=-1)}, groups)
            for s, groups in kept.items() if groups}
