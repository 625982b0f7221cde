"""``compare``: train named schemes side by side and summarize how far apart their units are.

Each scheme's model trains on the same data with a ``UnitRecorder``, and one
row per scheme says how many distinct units each layer has, the smallest and
largest pairwise distance, and the tie gap (the largest weight difference
inside any group that the scheme started tied). ``summary_markdown`` is the
``summary.md`` that the command writes; ``figures.compare`` draws the rest.
"""
import numpy as np

from course_companion.analysis.distances import distinct_units, off_diagonal, pairwise_distances, tie_gap
from course_companion.analysis.tie import tie_verdict
from course_companion.data import check_xy
from course_companion.schemes import BINARY, PERTURBED_JITTER, check_scheme, class_labels, scheme_groups
from course_companion.tables import header_line, number, table

__all__ = ["KEEPS_TIES", "BASELINE", "summary_row", "summary_from_recording", "run_compare", "run_baseline",
           "compare_table", "tie_check", "constant_moved", "drift_sentence", "final_distinct", "answer_finding",
           "summary_markdown"]

KEEPS_TIES = ("constant", "mirrored")  # the schemes whose tied groups must stay equal
BASELINE = "no hidden layer"  # the summary's row for the linear model a hidden layer has to beat


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
        dict with ``scheme``, ``accuracy``, ``loss``, ``layers``, per layer
        ``L1_distinct``, ``L1_min``, ``L1_max`` (and L2's...), and
        ``tie_gap``: the largest tie gap over the layers' groups (None where
        the scheme has none).
    """
    row = {"scheme": scheme, "accuracy": float(accuracy), "loss": None if loss is None else float(loss), "layers": list(layers)}
    gaps = []
    for index, name in enumerate(layers):
        units = np.asarray(layer_units[name])
        off = off_diagonal(pairwise_distances(units))
        row[f"{name}_distinct"] = distinct_units(units)  # = final_distinct, the answer title's count
        row[f"{name}_min"] = float(off.min()) if off.size else 0.0
        row[f"{name}_max"] = float(off.max()) if off.size else 0.0
        gap = tie_gap(units, (groups or {}).get(index))
        if gap is not None:
            gaps.append(gap)
    row["tie_gap"] = max(gaps) if gaps else None
    return row


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
        dict with the final training ``accuracy`` and ``loss``.
    """
    from course_companion.training import train_scheme

    settings = {k: v for k, v in settings.items() if k not in ("ties", "jitter", "constant")}
    outputs = tuple(settings.pop("layer_sizes", BINARY.layer_sizes))[-1:]
    X, y = check_xy(X, y, labels=class_labels(outputs[0]))
    _, history = train_scheme("random", X, y, epochs=epochs, seed=seed, batch_size=batch_size, layer_sizes=outputs,
                              progress=BASELINE if progress else None, **settings)
    return {"accuracy": float(history.history["accuracy"][-1]), "loss": float(history.history["loss"][-1])}


# -- summary.md --------------------------------------------------------------
def _columns(layers=("L1", "L2")):
    """(row key, heading) of ``compare``'s table, for the hidden layers reported."""
    columns = [("scheme", "scheme"), ("accuracy", "final accuracy"), ("loss", "final loss")]
    columns += [(f"{layer}_distinct", f"{layer} distinct units") for layer in layers]
    for layer in layers:
        columns += [(f"{layer}_min", f"{layer} min distance"), (f"{layer}_max", f"{layer} max distance")]
    return columns + [("tie_gap", "tie gap")]


def _cell(key, value):
    if value is None:
        return "-"
    if key == "accuracy":
        return f"{value:.3f}"
    if key == "loss":
        return f"{value:.4f}"
    return number(value) if isinstance(value, float) else str(value)


def compare_table(rows, markdown=False):
    """``compare``'s rows (``summary_row``) as a table."""
    columns = _columns(rows[0]["layers"] if rows else ())
    cells = [[_cell(key, row.get(key)) for key, _ in columns] for row in rows]
    return table([title for _, title in columns], cells, markdown=markdown)


def tie_check(recordings, groups):
    """One sentence: did the schemes that keep ties (constant, mirrored) keep them at every record?

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
    if not kept:
        return "Tie check: no scheme here keeps ties (constant and mirrored do)."
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
    rule = "exactly (CPU)" if tolerance == 0 else f"within {tolerance:g} (GPU tolerance)"
    verdict = "held" if not failures else "FAILED (" + "; ".join(failures) + ")"
    return f"Tie check ({' and '.join(kept)}, equal {rule}): {verdict}; largest tie gap {number(float(np.max(gaps)))}."


def constant_moved(recordings):
    """One sentence on how far ``constant``'s weights moved from their start, chosen from the numbers ("" if none)."""
    rec = recordings.get("constant")
    if rec is None or rec.keep != "weights":
        return ""

    def moved(name, part=slice(None)):
        w = rec.units(name).astype(np.float64)[..., part]
        return float(np.abs(w[-1] - w[0]).max())

    hidden = max(moved(n) for n in rec.hidden_layers)
    if hidden > 0:
        return f"Under `constant` the hidden weights moved (by up to {number(hidden)}), all units of a layer together."
    start = float(rec.units(rec.hidden_layers[0], 0).flat[0])
    out = rec.dense_layers[-1]
    text = f"Under `constant` not one hidden weight or bias moved: all are still exactly {start:g} after training"
    if out not in rec.layers:
        return text + "."
    kernel, bias = moved(out, slice(0, -1)), moved(out, slice(-1, None))
    text += f"; the output layer's weights moved by up to {number(kernel)}, its biases by up to {number(bias)}"
    if kernel == 0:
        text += (". Every hidden unit outputs 0 from this start, so no gradient reaches the hidden weights or the "
                 "output weights: only the output biases learn, and the model predicts the same class for every image")
    return text + "."


def drift_sentence(rows):
    """Whether the schemes that start tied without keeping the tie (incoming-only, perturbed) drifted apart ("" if none ran)."""
    parts = [f"`{r['scheme']}` " + (f"drifted apart (tie gap {number(r['tie_gap'])})" if r["tie_gap"] else "stayed exactly tied")
             for r in rows if r["scheme"] in ("incoming-only", "perturbed") and r.get("tie_gap") is not None]
    return ("; ".join(parts) + ".") if parts else ""


def final_distinct(recording, layer):
    """Distinct units of ``layer`` at the recording's last record: what the table and the answer title both show."""
    return distinct_units(recording.units(layer, record=-1))


def answer_finding(recordings, layer="L1"):
    """The answer figure's title: what this run shows of equal and of random starts, chosen from the numbers.

    Whether the groups a scheme started tied are still tied is ``analysis.tie_verdict``'s verdict on the last
    record (incoming weights and biases, as a recording holds them); distinct units are ``final_distinct``'s, the
    table's own count.
    """
    claims = []
    kept = {s: r.groups.get(r.dense_layers.index(r.layer_name(layer))) for s, r in recordings.items() if s in KEEPS_TIES}
    kept = {s: groups for s, groups in kept.items() if groups}  # only groups the recording names can be checked
    for scheme, groups in kept.items():
        verdict = tie_verdict({"incoming": recordings[scheme].units(layer, record=-1)}, groups)
        if verdict.status == "not finite":
            claims.append(f"under {scheme} a weight became NaN or infinite (the run diverged)")
        elif not verdict.held:
            claims.append(f"units that started equal under {scheme} came apart")
    if kept and not claims:
        claims.append("Units that start equal stay equal")
    if "random" in recordings:
        distinct, n = final_distinct(recordings["random"], layer), recordings["random"].units(layer, -1).shape[0]
        claims.append("random starts make them differ" if distinct == n else
                      f"a random start left {distinct} of {n} units distinct")
    counts = ", ".join(f"{s}: {final_distinct(r, layer)}" for s, r in recordings.items())
    n = next(iter(recordings.values())).units(layer, -1).shape[0]
    head = "; ".join(claims)
    return (f"{head[:1].upper()}{head[1:]}.\n" if head else "") + f"Distinct units of {layer} ({n}) after training - {counts}"


def summary_markdown(recordings, baseline=None):
    """``summary.md``: the table to paste under the answer figure, and how it was made.

    ``baseline``: ``run_baseline``'s result, for a row of the model with no hidden layer, or None.
    """
    first = next(iter(recordings.values())).metadata
    groups = {s: r.groups for s, r in recordings.items()}
    rows = [summary_from_recording(s, r, groups[s]) for s, r in recordings.items()]
    moved, drift = constant_moved(recordings), drift_sentence(rows)
    if baseline is not None:
        rows.append({"scheme": BASELINE, "accuracy": baseline["accuracy"], "loss": baseline["loss"],
                     "layers": rows[0]["layers"]})
    epochs = ", ".join(sorted({f"{r.epochs[-1]:g}" for r in recordings.values()}))
    data_line = f"Data: {first.get('data', '?')}. Epochs: {epochs}. Seed: {first.get('seed', '?')}."
    if "replica" in first:
        data_line += (" The schemes trained side by side as replicas of one model (each with its own weights,"
                      " loss term and Adam state, on the same batches).")
    return "\n".join([
        "# How far apart are the units?",
        "",
        header_line(first, data_line),
        "",
        compare_table(rows, markdown=True),
        "",
        tie_check(recordings, groups),
        "",
        *([moved, ""] if moved else []),
        *([drift, ""] if drift else []),
        *([f"`{BASELINE}`: the same data and training without a hidden layer (a linear model), in the same run."]
          + [""] if baseline is not None else []),
        "Distances are euclidean, between each unit's weights (incoming weights and bias) after training;",
        "0 means exactly equal. The tie gap is the largest weight difference inside a group the scheme started",
        "equal (all units for `constant`, the tied groups for `mirrored`, `incoming-only` and `perturbed`;",
        "`-` where there are none).",
        "",
    ])
