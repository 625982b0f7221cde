"""Every file the commands write, and every table they print.

``compare``, ``explain`` and ``sweep`` each have a ``write_*_outputs`` here
that takes what the training module computed and writes the figures (drawn
by ``plots``), recordings and ``summary.md`` into one folder. Every file is
written to a temporary name and renamed into place, so a run that stops
half-way never leaves a half-written file under a promised name. All tables
go through ``table`` and all distances through ``number``.
"""
from pathlib import Path

import numpy as np

from course_companion.files import atomic_path

__all__ = [
    "number", "table", "compare_columns", "compare_table", "sweep_table", "alignment_table", "alignment_finding",
    "explain_table", "tie_check", "summary_markdown", "sweep_markdown", "landscape_markdown", "gaps_finding",
    "gaps_markdown", "write_text", "compare_file_names", "sweep_file_names", "write_compare_outputs",
    "write_sweep_outputs", "write_explain_outputs", "write_landscape_outputs", "write_gaps_outputs",
]

KEEPS_TIES = ("constant", "mirrored")  # the schemes whose tied groups must stay equal


def compare_columns(layers=("L1", "L2")):
    """(row key, heading) of ``compare``'s table, for the hidden layers reported."""
    columns = [("scheme", "scheme"), ("accuracy", "final accuracy")]
    columns += [(f"{layer}_distinct", f"{layer} distinct units") for layer in layers]
    for layer in layers:
        columns += [(f"{layer}_min", f"{layer} min distance"), (f"{layer}_max", f"{layer} max distance")]
    return columns + [("tie_gap", "tie gap")]


# -- tables ------------------------------------------------------------------
def number(value):
    """A distance or gap for a table: exactly 0 prints as 0, anything else with 3 significant digits."""
    return "0" if value == 0 else f"{value:.3g}"


def table(heads, rows, markdown=False):
    """Rows of cells (strings) under ``heads``: aligned plain text, or Markdown with ``markdown=True``.

    Examples:
        >>> print(table(["a", "bb"], [["1", "2"]], markdown=True))
        | a | bb |
        | --- | --- |
        | 1 | 2 |
    """
    if markdown:
        lines = ["| " + " | ".join(heads) + " |", "|" + "|".join(" --- " for _ in heads) + "|"]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(heads)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(heads, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)


def _compare_cell(key, value):
    if value is None:
        return "-"
    if key == "accuracy":
        return f"{value:.3f}"
    return number(value) if isinstance(value, float) else str(value)


def compare_table(rows, markdown=False):
    """``compare``'s rows (``compare.summary_row``) as a table."""
    columns = compare_columns(rows[0]["layers"] if rows else ())
    cells = [[_compare_cell(key, row.get(key)) for key, _ in columns] for row in rows]
    return table([title for _, title in columns], cells, markdown=markdown)


def sweep_table(rows):
    """``sweep``'s rows (``sweep.sweep_rows``) as a Markdown table."""
    layers = " and ".join(rows[0]["layers"]) if rows else "L1"
    heads = ["scheme", "seeds", f"seeds in which every {layers} unit separated",
             "smallest L1 distance at the end (min / median / max over seeds)", "median final accuracy"]
    cells = [[r["scheme"], str(r["seeds"]), f"{r['separated']:.0%}",
              " / ".join(number(r[k]) for k in ("smallest_min", "smallest_median", "smallest_max")),
              f"{r['accuracy_median']:.3f}"] for r in rows]
    return table(heads, cells, markdown=True)


SAME_UNIT = 0.99  # a matched similarity at least this counts as "the same unit" in the sweep's words


def alignment_table(aligned):
    """Per scheme, how alike the seeds' matched L1 units are (``sweep.alignment_rows``), as Markdown."""
    heads = ["scheme", "seeds matched to the first", "at the start: median / least alike unit (median over seeds)",
             "median similarity per seed (min / median / max)",
             "least alike unit per seed (min / median / max)", f"seeds with every unit at >= {SAME_UNIT}",
             "flipped matches"]
    cells = []
    for scheme in dict.fromkeys(r["scheme"] for r in aligned):
        mine = [r for r in aligned if r["scheme"] == scheme]
        spread = [" / ".join(f"{f([r[key] for r in mine]):.3f}" for f in (min, np.median, max)) for key in ("median", "smallest")]
        same = sum(r["smallest"] >= SAME_UNIT for r in mine)
        flips = sum(int(r["match"].flipped.sum()) for r in mine)
        start = " / ".join(f"{np.median([r[key] for r in mine]):.3f}" for key in ("start_median", "start_smallest"))
        cells.append([scheme, str(len(mine)), start, *spread, f"{same} of {len(mine)}", str(flips)])
    return table(heads, cells, markdown=True)


def alignment_finding(aligned):
    """One plain sentence per scheme on what the matching shows, whichever way it went."""
    lines = []
    for scheme in dict.fromkeys(r["scheme"] for r in aligned):
        mine = [r for r in aligned if r["scheme"] == scheme]
        same = sum(r["smallest"] >= SAME_UNIT for r in mine)
        worst = np.median([r["smallest"] for r in mine])
        verdict = ("the same units, up to order and sign" if same == len(mine) else
                   "not the same units" if same == 0 else "the same units in some seeds, not in others")
        lines.append(f"- {scheme}: in {same} of {len(mine)} seeds every L1 unit matched a unit of seed "
                     f"{mine[0]['reference']} with cosine similarity >= {SAME_UNIT}; the least alike unit of the "
                     f"median seed has {worst:.3f}. In words: {verdict}.")
    return "\n".join(lines)


def explain_table(recordings):
    """The six weights and their gradients at step 0 and at the end, tied and untied."""
    from course_companion.explain import WEIGHT_NAMES, weights_and_gradients_at

    heads, columns = ["weight"], []
    for label, rec in recordings.items():
        for record, when in ((0, "step 0"), (-1, f"step {rec.steps[-1]}")):
            values = weights_and_gradients_at(rec, record)
            heads += [f"{label} {when}", f"dJ/dw ({label}, {when})"]
            columns.append([f"{values[n][0]:+.6f}" for n in WEIGHT_NAMES])
            columns.append([f"{values[n][1]:+.3e}" for n in WEIGHT_NAMES])
    return table(heads, [[n] + [c[i] for c in columns] for i, n in enumerate(WEIGHT_NAMES)])


# -- summaries ---------------------------------------------------------------
def _header(meta, data_line):
    return (f"{data_line} Device: {meta.get('device', '?')}. "
            f"Keras {meta.get('keras', '?')}, TensorFlow {meta.get('tensorflow', '?')}.")


def tie_check(recordings, groups):
    """One sentence: did the schemes that keep ties (constant, mirrored) keep them at every record?

    Checked with ``testing.assert_tied`` on each recording: exactly on the
    CPU, within ``GPU_TIE_TOLERANCE`` for weights that came from a GPU.

    Args:
        recordings: dict from scheme to ``Recording``.
        groups: dict from scheme to its groups per layer index (``models.scheme_groups``).
    """
    from course_companion.distances import tie_gap
    from course_companion.testing import assert_tied, tie_tolerance

    kept = [s for s in recordings if s in KEEPS_TIES and groups.get(s)]
    if not kept:
        return "Tie check: no scheme here keeps ties (constant and mirrored do)."
    failures, worst = [], 0.0
    for scheme in kept:
        rec = recordings[scheme]
        for index, layer_groups in groups[scheme].items():
            if index >= len(rec.dense_layers) or rec.dense_layers[index] not in rec.layers:
                continue
            worst = max(worst, float(tie_gap(rec.units(index), layer_groups).max()))
            try:
                assert_tied(rec, index, layer_groups)
            except AssertionError as exc:
                failures.append(f"{scheme}: {exc}")
    tolerance = tie_tolerance(next(iter(recordings.values())).metadata.get("device", "CPU"))
    rule = "exactly (CPU)" if tolerance == 0 else f"within {tolerance:g} (GPU tolerance)"
    verdict = "held" if not failures else "FAILED (" + "; ".join(failures) + ")"
    return f"Tie check ({' and '.join(kept)}, equal {rule}): {verdict}; largest tie gap {number(worst)}."


def summary_markdown(recordings):
    """``summary.md``: the table to paste under the answer figure, and how it was made."""
    from course_companion.compare import recorded_groups, summary_from_recording

    first = next(iter(recordings.values())).metadata
    groups = {s: recorded_groups(r) for s, r in recordings.items()}
    rows = [summary_from_recording(s, r, groups[s]) for s, r in recordings.items()]
    epochs = ", ".join(sorted({f"{r.epochs[-1]:g}" for r in recordings.values()}))
    data_line = f"Data: {first.get('data', '?')}. Epochs: {epochs}. Seed: {first.get('seed', '?')}."
    if "replica" in first:
        data_line += (" The schemes trained side by side as replicas of one model (each with its own weights,"
                      " loss term and Adam state, on the same batches).")
    return "\n".join([
        "# How far apart are the units?",
        "",
        _header(first, data_line),
        "",
        compare_table(rows, markdown=True),
        "",
        tie_check(recordings, groups),
        "",
        "Distances are euclidean, between each unit's weights (incoming weights and bias) after training;",
        "0 means exactly equal. The tie gap is the largest weight difference inside a group the scheme started",
        "equal (all units for `constant`, the tied groups for `mirrored`, `incoming-only` and `perturbed`;",
        "`-` where there are none). `incoming-only` and `perturbed` are expected to drift apart.",
        "",
    ])


def sweep_markdown(rows, meta, epochs, seeds, data, aligned=()):
    """The sweep's ``summary.md``; ``seeds`` is the range of seeds each scheme ran."""
    data_line = (f"Data: {data}. Epochs: {epochs}. Seeds {seeds[0]} to {seeds[-1]} of each scheme, "
                 "trained side by side as replicas of one model.")
    lines = [
        "# Does a random start always separate the units?",
        "",
        _header(meta, data_line),
        "",
        sweep_table(rows),
        "",
        "Distances are euclidean, between units' weights (incoming weights and bias) at the end; 0 means exactly equal.",
        "Accuracy is on the training data, evaluated at the end of the last epoch.",
        "",
    ]
    if aligned:
        lines += [
            "## Do different seeds learn the same units, in another order?",
            "",
            "Each seed's L1 units, at the end, matched one to one to those of its scheme's first seed (the",
            "matching with the largest total cosine similarity; a sigmoid unit may match sign-flipped, since",
            "weights (-w, -b) give 1 - a, which the next layer absorbs). Similarity 1 means the same unit.",
            "\"At the start\" is the same matching on the starting weights: what matching finds between two starts.",
            "",
            alignment_table(aligned),
            "",
            alignment_finding(aligned),
            "",
        ]
    return "\n".join(lines)


# -- files -------------------------------------------------------------------
def write_text(path, text):
    """Write ``text`` to ``path`` via a temporary name in the same folder."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return Path(path)


def compare_file_names(schemes, fmt="png", layers=("L1", "L2")):
    """The names ``write_compare_outputs`` writes, in order; ``layers`` are the model's hidden layers."""
    names = [f"answer.{fmt}"]
    names += [f"distances_{layer}.{fmt}" for layer in layers]
    names += [f"heatmaps_{layer}.{fmt}" for layer in layers]
    names += [f"units_{scheme}.{fmt}" for scheme in schemes]
    names += [f"{scheme}.npz" for scheme in schemes]
    return names + ["summary.md"]


def write_compare_outputs(recordings, out, fmt="png"):
    """Write every file of ``compare_file_names`` into ``out``; return their paths."""
    from course_companion.compare import hidden_layers
    from course_companion.plots import add_footer, answer_figure, distances_figure, heatmaps_figure, plot_units, save_figure

    out = Path(out)
    layers = hidden_layers(next(iter(recordings.values())))
    written = [save_figure(answer_figure(recordings), out / f"answer.{fmt}")]
    written += [save_figure(distances_figure(recordings, layer), out / f"distances_{layer}.{fmt}") for layer in layers]
    written += [save_figure(heatmaps_figure(recordings, layer), out / f"heatmaps_{layer}.{fmt}") for layer in layers]
    for scheme, rec in recordings.items():
        fig = plot_units(rec, title=f"{scheme}: what each L1 unit responds to, after training")
        add_footer(fig, rec)
        written.append(save_figure(fig, out / f"units_{scheme}.{fmt}"))
    written += [rec.save(out / f"{scheme}.npz") for scheme, rec in recordings.items()]
    written.append(write_text(out / "summary.md", summary_markdown(recordings)))
    return written


def sweep_file_names(schemes, seeds, fmt="png"):
    """The names ``write_sweep_outputs`` writes: the alignment figures need two seeds or more."""
    names = [f"sweep.{fmt}"]
    if seeds > 1:
        names += [f"alignment.{fmt}"] + ([f"aligned_units.{fmt}"] if "random" in schemes else [])
    return names + ["summary.md"]


def write_sweep_outputs(results, rows, aligned, out, epochs, seeds, data, fmt="png"):
    """Every file of ``sweep_file_names`` into ``out``; return their paths.

    Args:
        results, rows, aligned: ``sweep.run_sweep``'s results, and ``sweep.sweep_rows``
            and ``sweep.alignment_rows`` of them.
        out: the folder (it exists).
        epochs: int; seeds: the range of seeds each scheme ran; data: str.
    """
    from course_companion.plots import save_figure
    from course_companion.sweep_plots import aligned_units_figure, plot_alignment, plot_sweep

    out = Path(out)
    written = [save_figure(plot_sweep(results, rows), out / f"sweep.{fmt}")]
    if aligned:
        written.append(save_figure(plot_alignment(results, aligned), out / f"alignment.{fmt}"))
        if any(r["scheme"] == "random" for r in aligned):
            written.append(save_figure(aligned_units_figure(results, aligned, "random"), out / f"aligned_units.{fmt}"))
    summary = sweep_markdown(rows, results[0]["recording"].metadata, epochs, seeds, data, aligned)
    return written + [write_text(out / "summary.md", summary)]


def write_explain_outputs(recordings, out, fmt="png"):
    """``explain.FORMAT``, the two-neuron figure, into ``out``; return its path in a list."""
    from course_companion.plots import plot_two_neuron_weights, save_figure

    return [save_figure(plot_two_neuron_weights(recordings), Path(out) / f"explain.{fmt}")]


def landscape_markdown(results, meta):
    """The landscape's ``summary.md``: per data set, the end and middle loss of every path walked."""
    from course_companion.landscape_plots import ROUNDING, middle_rise

    lines = ["# Is the loss a soup bowl?", "",
             _header(meta, "Each data set's model trained from a random start, then the loss walked along the straight "
                     "line from the network to its copy with two L1 units swapped (the same function)."), ""]
    for result in results:
        rise = middle_rise(result)
        ends = np.array([losses[0] for _, _, losses in result["paths"]])
        higher = int(np.sum(rise > ROUNDING * ends))
        middle = len(result["alphas"]) // 2
        lines += [f"## {result['name']}", "",
                  f"Data: {result['data']}. Random start, seed {result['seed']}, {result['epochs']} epochs, final accuracy "
                  f"{result['accuracy']:.3f}. Pairs: {len(result['paths'])} of the {result['pairs_of']} pairs of L1 units"
                  + (" (drawn at random with the seed)." if len(result["paths"]) < result["pairs_of"] else " (all)."), "",
                  f"The middle (units i and j equal) is higher than the ends for {higher} of {len(rise)} pairs "
                  f"(by more than {ROUNDING:g} of the end loss, float32's rounding); middle minus ends: "
                  f"min {rise.min():.3g}, median {np.median(rise):.3g}, max {rise.max():.3g}, against an end loss of "
                  f"{np.median(ends):.3g}.", "",
                  table(["units i, j", "loss at the ends (alpha 0 / 1)", "loss in the middle", "middle minus ends"],
                        [[f"{i}, {j}", f"{losses[0]:.6g} / {losses[-1]:.6g}", f"{losses[middle]:.6g}", f"{r:+.3g}"]
                         for (i, j, losses), r in zip(result["paths"], rise)], markdown=True), ""]
    return "\n".join(lines)


def write_landscape_outputs(results, out, meta, fmt="png"):
    """``landscape.FORMAT`` and ``summary.md`` into ``out``; return their paths."""
    from course_companion.landscape_plots import plot_swap_paths
    from course_companion.plots import add_footer, save_figure

    out = Path(out)
    fig = plot_swap_paths(results)
    add_footer(fig, metadata=meta)
    return [save_figure(fig, out / f"landscape.{fmt}"), write_text(out / "summary.md", landscape_markdown(results, meta))]


def gaps_finding(result):
    """What one tie-gap run shows, in one plain sentence, whichever way it went."""
    from course_companion.gaps import THRESHOLD

    below = result["started_below"]
    separated = int(np.sum(~np.isnan(result["reached"])))
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
    """The tie-gap run's ``summary.md``: per data set and optimizer, every starting gap's path."""
    from course_companion.gaps import FLOAT32_RESOLUTION, THRESHOLD

    lines = ["# How big must a difference be to break a tie?", "",
             _header(meta, "Each replica starts tied (the `perturbed` scheme: the data set's tied groups, then normal "
                     "noise of the given size on every weight) and is followed every epoch."), "",
             f"The tie gap is the largest weight difference inside the L1 groups, divided by the largest weight in "
             f"them. A gap of {THRESHOLD:g} counts as separated. float32 resolves about {FLOAT32_RESOLUTION:.1e} of "
             f"a weight's size, so a gap below that would be rounding there; these runs used "
             f"{results[0]['dtype'] if results else 'float64'}.", ""]
    lines += [f"- {gaps_finding(r)}" for r in results] + [""]
    for r in results:
        lines += [f"## {r['name']}, {r['optimizer']} (learning rate {r['learning_rate']:g})", "", f"Data: {r['data']}. Seed {r['seed']}.", "",
                  table(["noise at the start", "gap at the start", "lowest gap", "gap at the end", f"epoch it reached {THRESHOLD:g}",
                         "final accuracy"],
                        [[f"{g:.0e}", f"{c[0]:.3g}", f"{c.min():.3g}", f"{c[-1]:.3g}",
                          ("started there" if not b else "-") if np.isnan(e) else f"{e:.1f}", f"{a:.3f}"]
                         for g, c, e, a, b in zip(r["starting_gaps"], r["relative"], r["reached"], r["accuracy"],
                                                  r["started_below"])],
                        markdown=True), ""]
    return "\n".join(lines)


def write_gaps_outputs(results, out, meta, fmt="png"):
    """``gaps.FORMAT``, ``separation.FORMAT`` and ``summary.md`` into ``out``; return their paths."""
    from course_companion.gaps_plots import plot_gap_curves, plot_separation_epochs
    from course_companion.plots import add_footer, save_figure

    out = Path(out)
    written = []
    for fig, name in ((plot_gap_curves(results), "gaps"), (plot_separation_epochs(results), "separation")):
        add_footer(fig, metadata=meta)
        written.append(save_figure(fig, out / f"{name}.{fmt}"))
    return written + [write_text(out / "summary.md", gaps_markdown(results, meta))]
