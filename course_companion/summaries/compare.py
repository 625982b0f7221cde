"""``compare``'s words: the table, the tie check and the sentences chosen from the numbers, and ``summary.md``."""
from course_companion.experiments.compare import (BASELINE, SummaryRow, check_kept_ties, constant_moves, final_distinct,
                                                  kept_tie_verdicts, summary_from_recording)
from course_companion.tables import header_line, number, table

__all__ = ["compare_table", "tie_check", "constant_moved", "drift_sentence", "answer_finding", "summary_markdown"]


def _columns(layers=("L1", "L2")):
    """(heading, kind, the row's value) of ``compare``'s table, for the hidden layers reported."""
    def part(layer, name):  # None where the row has no such layer (the baseline row): the cell shows "-"
        return lambda row: getattr(row.per_layer[layer], name) if layer in row.per_layer else None

    columns = [("scheme", "scheme", lambda row: row.scheme), ("final accuracy", "accuracy", lambda row: row.accuracy),
               ("final loss", "loss", lambda row: row.loss)]
    columns += [(f"{layer} distinct units", "distinct", part(layer, "distinct")) for layer in layers]
    for layer in layers:
        columns += [(f"{layer} min distance", "distance", part(layer, "min")),
                    (f"{layer} max distance", "distance", part(layer, "max"))]
    return columns + [("tie gap", "tie gap", lambda row: row.tie_gap)]


def _cell(kind, value):
    if value is None:
        return "-"
    if kind == "accuracy":
        return f"{value:.3f}"
    if kind == "loss":
        return f"{value:.4f}"
    return number(value) if isinstance(value, float) else str(value)


def compare_table(rows, markdown=False):
    """``compare``'s rows (``SummaryRow``s, ``experiments.summary_row``) as a table."""
    columns = _columns(rows[0].layers if rows else ())
    cells = [[_cell(kind, value(row)) for _, kind, value in columns] for row in rows]
    return table([heading for heading, _, _ in columns], cells, markdown=markdown)


def tie_check(recordings, groups):
    """One sentence: did the schemes that keep ties (constant, mirrored) keep them at every record?

    The verdict is ``experiments.check_kept_ties``' (exact on the CPU, within the GPU tolerance for weights from a
    GPU; a NaN or infinite weight never holds).

    Args:
        recordings: dict from scheme to ``Recording``.
        groups: dict from scheme to its groups per layer index (``schemes.scheme_groups``).
    """
    check = check_kept_ties(recordings, groups)
    if not check.schemes:
        return "Tie check: no scheme here keeps ties (constant and mirrored do)."
    rule = "exactly (CPU)" if check.tolerance == 0 else f"within {check.tolerance:g} (GPU tolerance)"
    verdict = "held" if check.held else "FAILED (" + "; ".join(check.failures) + ")"
    return f"Tie check ({' and '.join(check.schemes)}, equal {rule}): {verdict}; largest tie gap {number(check.largest_gap)}."


def constant_moved(recordings):
    """One sentence on how far ``constant``'s weights moved from their start (``experiments.constant_moves``),
    chosen from the numbers ("" if none)."""
    moves = constant_moves(recordings)
    if moves is None:
        return ""
    if moves.hidden > 0:
        return f"Under `constant` the hidden weights moved (by up to {number(moves.hidden)}), all units of a layer together."
    text = f"Under `constant` not one hidden weight or bias moved: all are still exactly {moves.start:g} after training"
    if moves.kernel is None:
        return text + "."
    text += (f"; the output layer's weights moved by up to {number(moves.kernel)}, its biases by up to "
             f"{number(moves.bias)}")
    if moves.kernel == 0:
        text += (". Every hidden unit outputs 0 from this start, so no gradient reaches the hidden weights or the "
                 "output weights: only the output biases learn, and the model predicts the same class for every image")
    return text + "."


def drift_sentence(rows):
    """Whether the schemes that start tied without keeping the tie (incoming-only, perturbed) drifted apart ("" if none ran)."""
    parts = [f"`{r.scheme}` " + (f"drifted apart (tie gap {number(r.tie_gap)})" if r.tie_gap else "stayed exactly tied")
             for r in rows if r.scheme in ("incoming-only", "perturbed") and r.tie_gap is not None]
    return ("; ".join(parts) + ".") if parts else ""


def answer_finding(recordings, layer="L1"):
    """The answer figure's title: what this run shows of equal and of random starts, chosen from the numbers.

    Whether the groups a scheme started tied are still tied is ``experiments.kept_tie_verdicts``' verdict on the
    last record; distinct units are ``experiments.final_distinct``'s, the table's own count.
    """
    claims = []
    verdicts = kept_tie_verdicts(recordings, layer)
    for scheme, verdict in verdicts.items():
        if verdict.status == "not finite":
            claims.append(f"under {scheme} a weight became NaN or infinite (the run diverged)")
        elif not verdict.held:
            claims.append(f"units that started equal under {scheme} came apart")
    if verdicts and not claims:
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

    ``baseline``: ``experiments.run_baseline``'s ``Baseline``, for a row of the model with no hidden layer, or None.
    """
    first = next(iter(recordings.values())).metadata
    groups = {s: r.groups for s, r in recordings.items()}
    rows = [summary_from_recording(s, r, groups[s]) for s, r in recordings.items()]
    moved, drift = constant_moved(recordings), drift_sentence(rows)
    if baseline is not None:
        rows.append(SummaryRow(scheme=BASELINE, accuracy=baseline.accuracy, loss=baseline.loss, layers=rows[0].layers))
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
