"""``landscape``'s figure: the unit-swap paths. Is the loss one bowl?

No training here: it reads the results of ``experiments.run_landscape``, and
asks ``experiments.landscape`` which middles are higher.
"""
import numpy as np
from matplotlib.figure import Figure

from course_companion.experiments.landscape import middle_higher, middle_rise
from course_companion.figures.style import MAX_WIDTH, add_footer

__all__ = ["plot_swap_paths", "landscape_figures"]


def plot_swap_paths(results):
    """One panel per data set: the loss along every chosen pair's swap path.

    Each path is a thin line; the highest and the lowest middle are drawn
    bold and named. The ends are the same network with units i and j swapped;
    the middle is the network with units i and j equal.

    Returns:
        the Figure.
    """
    fig = Figure(figsize=(MAX_WIDTH, 3.5), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(results)))
    for ax, result in zip(axes, results):
        alphas, paths = result["alphas"], result["paths"]
        rise = middle_rise(result)
        for _, _, losses in paths:
            ax.plot(alphas, losses, color="tab:blue", lw=0.6, alpha=0.35)
        for k, color, word in ((int(np.argmax(rise)), "tab:red", "highest"), (int(np.argmin(rise)), "tab:green", "lowest")):
            i, j, losses = paths[k]
            ax.plot(alphas, losses, color=color, lw=1.8, label=f"{word} middle: units {i} and {j}")
        ax.set_xticks([0, 0.5, 1], ["0\nthe network", "0.5\nunits i and j\nequal", "1\nunits i and j\nswapped"])
        ax.set_xlabel("position on the straight line between the two networks", fontsize=8)
        ax.set_ylabel("training loss (binary cross-entropy)", fontsize=8)
        higher = int(middle_higher(result).sum())
        pairs = f"{len(paths)} of {result['pairs_of']} L1 pairs" if len(paths) < result["pairs_of"] else "every L1 pair"
        ax.set_title(f"{result['name']}, {pairs}: loss at the ends {paths[0][2][0]:.3g}\n"
                     f"middle higher in {higher} of {len(paths)}, by up to {rise.max():.3g}", fontsize=8)
        ax.legend(fontsize=7)
        ax.tick_params(labelsize=7)
    fig.suptitle("Is the loss one bowl? The loss between a trained network and its copy with two units swapped",
                 fontsize=9)
    return fig


def landscape_figures(results, meta):
    """Every figure of ``landscape``: {file name without suffix: Figure}, device in the footer."""
    fig = plot_swap_paths(results)
    add_footer(fig, metadata=meta)
    return {"landscape": fig}
