"""``landscape``'s figure: the unit-swap paths. Is the loss one bowl?

No training here: it reads the ``LandscapeResult``s of ``experiments.run_landscape``,
asks ``experiments.landscape`` which middles are higher, and words a rise as
``summaries.landscape`` does.
"""
import numpy as np
from matplotlib.figure import Figure

from course_companion.experiments.landscape import ROUNDING_MARGIN, end_loss, middle_rise, middles
from course_companion.figures.style import MAX_WIDTH, add_footer
from course_companion.summaries.landscape import rise_in_words

__all__ = ["plot_swap_paths", "landscape_figures"]


def plot_swap_paths(results):
    """One panel per data set: the loss along every chosen pair's swap path, over the loss at the ends.

    Each path is a thin line; the highest and the lowest middle are drawn
    bold and named. The ends are the same network with units i and j swapped;
    the middle is the network with units i and j equal. The panels share one
    log axis of loss / loss at the ends, so a ridge of 100 times the loss and
    a bump of a few per cent look as different as they are.

    Returns:
        the Figure.
    """
    fig = Figure(figsize=(MAX_WIDTH, 3.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(results), sharey=True))
    for ax, result in zip(axes, results):
        alphas, paths = result.alphas, result.paths
        rise, kinds, end = middle_rise(result), middles(result), end_loss(result)
        for _, _, losses in paths:
            ax.plot(alphas, losses / end, color="tab:blue", lw=0.6, alpha=0.35)
        for k, color, word in ((int(np.argmax(rise)), "tab:red", "highest"), (int(np.argmin(rise)), "tab:green", "lowest")):
            i, j, losses = paths[k]
            ax.plot(alphas, losses / end, color=color, lw=1.8, label=f"{word} middle: units {i} and {j} ({rise_in_words(rise[k], end)})")
        ax.set_yscale("log")
        ax.set_xticks([0, 0.5, 1])
        ax.set_xlabel("position on the straight line from the network (0)\nto its copy with i and j swapped (1); "
                      "0.5: i and j equal", fontsize=8)
        pairs = f"{len(paths)} of {result.pairs_of} L1 pairs" if len(paths) < result.pairs_of else "every L1 pair"
        counts = ", ".join(f"{int((kinds == v).sum())} {v}" for v in ("higher", "level", "lower") if (kinds == v).any())
        ax.set_title(f"{result.name}, {pairs}; loss at the ends {end:.3g}\nmiddle: {counts}", fontsize=8)
        ax.legend(fontsize=7, loc="upper left")
        ax.tick_params(labelsize=7)
    axes[0].set_ylabel("training loss / loss at the ends (log scale)", fontsize=8)
    fig.suptitle("Is the loss one bowl? The loss between a trained network and its copy with two units swapped\n"
                 f"(higher or lower: by more than {ROUNDING_MARGIN}x the float32 rounding seen between the two ends)",
                 fontsize=9)
    return fig


def landscape_figures(results, meta):
    """Every figure of ``landscape``: {file name without suffix: Figure}, device in the footer."""
    fig = plot_swap_paths(results)
    add_footer(fig, metadata=meta)
    return {"landscape": fig}
