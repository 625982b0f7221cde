"""``gaps``' figures: the output gap against epochs, and the epoch each jitter's output gap separated.

No training here: they read the ``GapsResult``s of ``experiments.run_gaps``.
"""
import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from course_companion.experiments.gaps import FLOAT32_RESOLUTION, GROWTH, THRESHOLD
from course_companion.figures.style import MAX_WIDTH, add_footer, floor_for_zero, zero_row

__all__ = ["plot_gap_curves", "plot_separation_epochs", "gaps_figures"]


def _label(result):
    return f"{result.name}, {result.optimizer.upper() if result.optimizer == 'sgd' else 'Adam'}({result.learning_rate:g})"


def plot_gap_curves(results):
    """One panel per run: each jitter's output gap over epochs, on a log scale, with its verdicts in the title.

    Returns:
        the Figure; the dashed line is ``THRESHOLD`` (separated), the dotted
        one float32's resolution (a gap below it is rounding in float32).
    """
    cols = 2 if len(results) > 1 else 1
    rows = int(np.ceil(len(results) / cols))
    fig = Figure(figsize=(MAX_WIDTH, 2.6 * rows + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    colors = colormaps["viridis"](np.linspace(0, 0.9, len(results[0].jitters)))
    for ax, result in zip(axes, results):
        # An output gap of exactly 0 (two tied ReLU units that died together) sits on an "exactly 0" row.
        zeros = bool(np.any(result.output == 0))
        floor = floor_for_zero([result.output]) if zeros else None
        for gap, curve, color in zip(result.jitters, result.output, colors):
            shown = np.where(curve > 0, curve, floor) if zeros else curve
            ax.plot(result.epochs, shown, color=color, lw=1.2, label=f"{gap:.0e}")
        ax.set_yscale("log")
        ax.axhline(THRESHOLD, color="0.3", ls="--", lw=0.8)
        ax.axhline(FLOAT32_RESOLUTION, color="tab:red", ls=":", lw=0.8)
        if zeros:
            zero_row(ax, floor)
        counts = ", ".join(f"{result.verdict.count(v)} {v}" for v in ("grew", "stayed", "shrank"))
        ax.set_title(f"{_label(result)}:\n{counts}", fontsize=8)
        ax.set_xlabel("epochs", fontsize=8)
        ax.set_ylabel("output gap: largest difference\nbetween tied units' outputs", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[len(results):]:
        ax.set_axis_off()
    axes[0].legend(title="jitter", fontsize=6, title_fontsize=6, ncols=2, loc="lower right")
    fig.suptitle("Does a tiny difference between tied units grow, stay or shrink? "
                 f"(grew or shrank: by {GROWTH:g}x or more)\n"
                 f"dashed: outputs {THRESHOLD:g} apart (separated); dotted red: float32's resolution", fontsize=9)
    return fig


def plot_separation_epochs(results):
    """The epoch each jitter's output gap reached ``THRESHOLD``, against the jitter (log scale).

    If gaps grow exponentially these fall on a straight line; its slope is in
    the legend as extra epochs per factor of 10 smaller. Runs where none
    separated are named inside the axes.
    """
    fig = Figure(figsize=(MAX_WIDTH, 3.8), layout="constrained")
    ax = fig.add_subplot()
    never = []
    for k, result in enumerate(results):
        ok = ~np.isnan(result.reached)
        if not ok.any():
            never.append(_label(result))
            continue
        slope = result.slope
        text = f", {slope:.2g} more epochs per factor of 10 smaller" if np.isfinite(slope) else ""
        ax.plot(result.jitters[ok], result.reached[ok], "o-", color=f"C{k}", label=_label(result) + text)
    ax.set_xscale("log")
    ax.set_xlabel("jitter: the standard deviation of the noise added at the start")
    ax.set_ylabel(f"epoch the output gap\nreached {THRESHOLD:g}")
    if ax.lines:  # above the axes, where it can hide no point
        fig.legend(*ax.get_legend_handles_labels(), loc="outside upper center", fontsize=7, ncols=2)
    if never:  # said inside the axes, so that it cannot read as the title of the lines drawn
        ax.text(0.02, 0.04, "no output gap reached " f"{THRESHOLD:g} within the run: " + "; ".join(never),
                transform=ax.transAxes, fontsize=7, color="0.3")
    ax.set_title(f"When did each tie break? The epoch each jitter's tied units' outputs came {THRESHOLD:g} apart", fontsize=9)
    return fig


def gaps_figures(results, meta):
    """Every figure of ``gaps``: {file name without suffix: Figure}, device in the footer."""
    figures = {"gaps": plot_gap_curves(results), "separation": plot_separation_epochs(results)}
    for fig in figures.values():
        add_footer(fig, metadata=meta)
    return figures
