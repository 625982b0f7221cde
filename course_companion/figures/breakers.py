"""``breakers``' figure: changes down, data sets across, held or broke in each cell with the accuracy.

No training here: it reads the ``ChangeResult``s of ``experiments.run_breakers``.
"""
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from course_companion.experiments.breakers import ROUNDING
from course_companion.figures.style import MAX_WIDTH, add_footer
from course_companion.summaries.breakers import change_words
from course_companion.tables import number

__all__ = ["VERDICT_COLORS", "plot_breakers", "breakers_figures"]

VERDICT_COLORS = {"held": "#9ecae1", "broke": "#fdae6b", "rounding": "#fee6ce"}


def _verdict(result):
    return "held" if result.held else ("rounding" if result.rounding else "broke")


def plot_breakers(results, metadata=None):
    """One row per change (grouped by the learner's condition), one column per data set.

    Each cell says held or broke (and how many distinct units L1 ended with, and the relative full tie gap at the end)
    and the final accuracy; its colour is the verdict, pale orange where the tie broke by rounding alone.
    """
    datasets = list(dict.fromkeys(r.data for r in results))
    changes = list(dict.fromkeys(r.change.name for r in results))
    cell = {(r.change.name, r.data): r for r in results}
    first = {r.change.name: r.change for r in results}
    rows = len(changes)
    fig = Figure(figsize=(MAX_WIDTH, 0.46 * rows + 1.4), layout="constrained")
    ax = fig.add_subplot()
    image = [[to_rgb(VERDICT_COLORS[_verdict(cell[c, d])]) if (c, d) in cell else (1, 1, 1) for d in datasets]
             for c in changes]
    ax.imshow(image, aspect="auto", interpolation="nearest")
    for i, c in enumerate(changes):
        for j, d in enumerate(datasets):
            r = cell.get((c, d))
            if r is None:
                continue
            verdict = "held" if r.held else f"broke: {r.distinct} distinct units"
            if r.gaps[0] > 0:  # the change was the start: apart before training began
                verdict = f"apart from the start: {r.distinct} units"
            # How far apart, so that a break of a few float steps does not read like Dropout's.
            size = "" if r.held else f"relative full tie gap {number(r.relative)}\n"
            ax.text(j, i, f"{verdict}\n{size}accuracy {r.accuracy:.3f}", ha="center", va="center", fontsize=6,
                    linespacing=1.1)
    said = change_words(results)
    labels = [said[c] for c in changes]
    ax.set_yticks(range(rows), labels, fontsize=6.5)
    ax.set_xticks(range(len(datasets)), datasets, fontsize=8)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    # A line between the learner's conditions, and each condition's name at the right, along its rows.
    spans = {}
    for i, c in enumerate(changes):
        spans.setdefault(first[c].condition, []).append(i)
    for condition, members in spans.items():
        if members[0]:
            ax.axhline(members[0] - 0.5, color="0.2", lw=1.0)
        ax.text(len(datasets) - 0.45, (members[0] + members[-1]) / 2, condition, fontsize=6.5, va="center",
                ha="left", rotation=90 if len(members) > 2 else 0, color="0.25", style="italic", clip_on=False)
    for j in range(1, len(datasets)):
        ax.axvline(j - 0.5, color="white", lw=2)
    ax.legend(handles=[Patch(color=VERDICT_COLORS["held"], label="held: L1's units exactly equal"),
                       Patch(color=VERDICT_COLORS["broke"], label="broke"),
                       Patch(color=VERDICT_COLORS["rounding"], label=f"broke by rounding only (under {ROUNDING} float steps)")],
              loc="upper center", bbox_to_anchor=(0.5, -0.01), ncols=3, fontsize=6.5, frameon=False)
    held = sum(r.held for r in results)
    fig.suptitle(f"What breaks a tie? One change at a time from tied units: {held} of {len(results)} kept the tie",
                 fontsize=9)
    add_footer(fig, metadata=metadata)
    return fig


def breakers_figures(results, metadata=None):
    """Every figure of ``breakers``, by file name (without the extension)."""
    return {"breakers": plot_breakers(results, metadata)}
