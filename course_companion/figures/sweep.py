"""``sweep``'s figures: many seeds per scheme, trained as replicas.

No training here: every function reads the ``ReplicaRun``s of
``experiments.run_sweep`` and the rows computed from them (``SweepRow``,
``AlignmentRow``).
"""
import numpy as np
from matplotlib.figure import Figure

from course_companion.analysis.distances import smallest_distance
from course_companion.experiments.sweep import SAME_UNIT
from course_companion.figures.maps import plot_unit_maps
from course_companion.figures.panels import draws_as_maps, plot_unit_images
from course_companion.figures.style import MAX_WIDTH, add_footer, floor_for_zero, scheme_color, zero_row

__all__ = ["plot_sweep", "plot_alignment", "aligned_units_figure", "sweep_figures"]


def plot_sweep(results, rows):
    """Many seeds per scheme: how close the two closest L1 units end, and how often all separate.

    Args:
        results: ``ReplicaRun``s (``experiments.run_sweep``).
        rows: ``experiments.sweep_rows(results)``.

    Returns:
        the Figure: left, one dot per seed at its smallest L1 distance after
        training (the "exactly 0" row for seeds whose units stayed tied);
        right, the share of seeds in which every unit of the hidden layers separated.
    """
    schemes = [r.scheme for r in rows]
    smallest = {s: [] for s in schemes}
    for result in results:
        smallest[result.scheme].append(smallest_distance(result.recording.distances("L1", record=-1)))
    fig = Figure(figsize=(MAX_WIDTH, 3.4), layout="constrained")
    ax, ax_share = fig.subplots(1, 2, width_ratios=[1.6, 1])
    floor = floor_for_zero([np.asarray(v) for v in smallest.values()])
    rng = np.random.default_rng(0)  # horizontal jitter only, so dots do not hide each other
    for i, scheme in enumerate(schemes):
        values = np.asarray(smallest[scheme])
        ax.plot(i + rng.uniform(-0.2, 0.2, len(values)), np.where(values > 0, values, floor), "o", ms=3, alpha=0.7,
                color=scheme_color(scheme, i))
    zero_row(ax, floor)
    ax.set_xticks(range(len(schemes)), schemes)
    ax.set_ylabel("smallest distance between two L1 units")
    ax.set_title("Closest two L1 units after training, a dot per seed", fontsize=9)
    shares = [r.separated * 100 for r in rows]
    ax_share.bar(range(len(schemes)), shares, color=[scheme_color(s, i) for i, s in enumerate(schemes)])
    ax_share.set_xticks(range(len(schemes)), schemes)
    ax_share.set(ylim=(0, 105), ylabel="% of seeds")
    ax_share.set_title(f"Every {' and '.join(rows[0].layers) if rows else 'L1'} unit separated", fontsize=9)
    seeds = rows[0].seeds if rows else 0
    shares_text = ", ".join(f"{r.scheme} {r.separated:.0%}" for r in rows)
    fig.suptitle(f"Does every unit end up different? Share of {seeds} seeds per scheme:\n{shares_text}", fontsize=10)
    add_footer(fig, [r.recording for r in results])
    return fig


def plot_alignment(results, aligned):
    """How alike each seed's L1 units are to its scheme's first seed, after matching.

    Args:
        results: ``experiments.run_sweep``'s results (for the footer).
        aligned: ``experiments.alignment_rows(results)``.

    Returns:
        the Figure: per scheme, one dot per seed at the median matched cosine
        similarity (filled) and one at the smallest (hollow).
    """
    schemes = list(dict.fromkeys(r.scheme for r in aligned))
    fig = Figure(figsize=(MAX_WIDTH, 3.2), layout="constrained")
    ax = fig.add_subplot()
    rng = np.random.default_rng(0)  # horizontal jitter only
    for i, scheme in enumerate(schemes):
        mine = [r for r in aligned if r.scheme == scheme]
        x = i + rng.uniform(-0.15, 0.15, len(mine))
        ax.plot(x - 0.2, [r.median for r in mine], "o", ms=4, color=scheme_color(scheme, i), alpha=0.8,
                label="median over units" if i == 0 else None)
        ax.plot(x + 0.2, [r.smallest for r in mine], "o", ms=4, mfc="none", color=scheme_color(scheme, i), alpha=0.8,
                label="smallest over units" if i == 0 else None)
        ax.plot(x, [r.start_median for r in mine], "x", ms=4, color="0.5",
                label="median at the start (before training)" if i == 0 else None)
    ax.set_xticks(range(len(schemes)), schemes)
    ax.set_ylim(min(0.0, *(min(r.smallest, r.start_median) - 0.05 for r in aligned)), 1.05)
    ax.axhline(1.0, color="0.6", lw=0.8, ls=":")
    ax.set_ylabel("cosine similarity of matched units")
    ax.legend(fontsize=8, loc="lower left")
    reference = aligned[0].reference
    medians = ", ".join(f"{s} {np.median([r.median for r in aligned if r.scheme == s]):.3f}" for s in schemes)
    fig.suptitle(f"Did other seeds learn the same L1 units as seed {reference}, in another order?\n"
                 "Cosine similarity of matched units, a dot per seed (1 = the same unit)\n"
                 f"median over seeds: {medians}", fontsize=9)
    add_footer(fig, [r.recording for r in results])
    return fig


def _shown_seeds(mine, rows, coffee, seeds):
    """(result, label) rows to draw: the reference first; coffee: the first matching seeds and *every* seed that did
    not match; digits (25 images a seed): the most and the least alike seed."""
    by_seed = {r.seed: r for r in rows}
    others = [r for r in mine[1:] if r.seed in by_seed]
    if coffee:
        matched = [r for r in others if by_seed[r.seed].smallest >= SAME_UNIT][: max(seeds - 1, 0)]
        unmatched = [r for r in others if by_seed[r.seed].smallest < SAME_UNIT]
        picked = sorted(matched + unmatched, key=lambda r: r.seed)
        return [(mine[0], "")] + [(r, "" if r in matched else "did not match") for r in picked]
    if not others:
        return [(mine[0], "")]
    most = max(others, key=lambda r: by_seed[r.seed].median)
    least = min(others, key=lambda r: by_seed[r.seed].smallest)
    picked = [(most, "most alike")] + ([(least, "least alike")] if least is not most else [])
    return [(mine[0], "")] + picked


def aligned_units_figure(results, aligned, scheme="random", seeds=4):
    """The units of a scheme's seeds side by side, each in the order that matches the first seed.

    Coffee (2 inputs): one row of unit maps per seed: the first seed's in its
    own order, then the first ``seeds - 1`` seeds that matched it and every
    seed that did not (marked), the others in the order that matches it (a
    flipped unit drawn as 1 - a). Digits: the unit images of the first seed,
    the most alike seed (highest median similarity) and the least alike
    (lowest smallest similarity), in matched order (a flipped unit negated).
    Every row gives its seed's final accuracy.

    Returns:
        the Figure.
    """
    mine = [r for r in results if r.scheme == scheme]
    rows = [r for r in aligned if r.scheme == scheme]
    matches = {r.seed: r.match for r in rows}
    coffee = draws_as_maps(mine[0].recording, "L1")
    shown = _shown_seeds(mine, rows, coffee, seeds)
    fig = Figure(figsize=(MAX_WIDTH, (2.0 if coffee else 1.7) * len(shown) + 0.6), layout="constrained")
    for row, (result, mark) in zip(np.atleast_1d(fig.subfigures(len(shown), 1)), shown):
        match = matches.get(result.seed)
        what = "the reference, in its own order" if match is None else (
            f"matched to seed {mine[0].seed}: similarity median {np.median(match.similarity):.3f}, "
            f"smallest {match.similarity.min():.3f}" + ("" if coffee else f"; {int(match.flipped.sum())} flipped, drawn negated"))
        title = (f"seed {result.seed}" + (f" ({mark.upper() if mark == 'did not match' else mark})" if mark else "")
                 + (", " if coffee else ",\n") + f"{what}; final accuracy {result.recording.last_log('accuracy'):.3f}")
        if coffee:
            plot_unit_maps(result.recording, fig=row, title=title, match=match)
        else:
            plot_unit_images(result.recording, fig=row, title=title, match=match, cols=13)
    same = sum(r.smallest >= SAME_UNIT for r in rows)
    fig.suptitle(f"{scheme}: the L1 units of {len(shown)} of {len(mine)} seeds, each in the order that matches seed "
                 f"{mine[0].seed}\n{same} of {len(rows)} other seeds matched it (every unit at similarity >= {SAME_UNIT})",
                 fontsize=10)
    add_footer(fig, [r.recording for r, _ in shown])
    return fig


def sweep_figures(results, rows, aligned):
    """Every figure of ``sweep``: {file name without suffix: Figure}; the alignment ones need two seeds or more."""
    figures = {"sweep": plot_sweep(results, rows)}
    if aligned:
        figures["alignment"] = plot_alignment(results, aligned)
        if any(r.scheme == "random" for r in aligned):
            figures["aligned_units"] = aligned_units_figure(results, aligned, "random")
    return figures
