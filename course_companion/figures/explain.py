"""``explain``'s figure: the forum network's six weights over training, tied and untied."""
import numpy as np
from matplotlib.figure import Figure

from course_companion.experiments.explain import pairs_equal, six_weights
from course_companion.figures.style import MAX_WIDTH, add_footer, check_recordings

__all__ = ["plot_two_neuron_weights", "explain_figures"]

def plot_two_neuron_weights(recordings):
    """The forum network's six weights over training, one panel per setup.

    With the units tied, w1 and w3 (and w2 and w4, w5 and w6) draw one line;
    untied, they split.

    Returns:
        the Figure.
    """
    recordings = check_recordings(recordings)
    fig = Figure(figsize=(MAX_WIDTH, 3.0), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(recordings), sharey=True))
    # Same colour for the pairs that tying makes equal; solid unit 1, dashed unit 2.
    styles = ["-", "-", "--", "--", "-", "--"]
    colors = ["tab:blue", "tab:orange", "tab:blue", "tab:orange", "tab:green", "tab:green"]
    for ax, (label, rec) in zip(axes, recordings.items()):
        series = six_weights({layer: rec.units(layer) for layer in ("hidden", "out")})
        for (name, s), ls, color in zip(series.items(), styles, colors):
            ax.plot(rec.epochs, s, ls=ls, color=color, label=name, lw=1.5)
        ax.set_title(f"{label}" + ("\n(dashed hidden under solid)" if pairs_equal(rec) else ""), fontsize=9)
        ax.set_xlabel("epochs")
    axes[0].set_ylabel("weight value")
    axes[-1].legend(fontsize=7, ncols=3)
    tied = recordings.get("tied")
    if tied is None:
        title = "Two-neuron network: the six weights over training"
    elif pairs_equal(tied):
        title = "Two-neuron network: tied units keep equal weights (w1 = w3, w2 = w4, w5 = w6)"
    else:
        title = "Two-neuron network: the tied units' weights came apart (w1 = w3, w2 = w4, w5 = w6 did not hold)"
    fig.suptitle(title, fontsize=9)
    add_footer(fig, recordings)
    return fig


def explain_figures(recordings):
    """Every figure of ``explain``: {file name without suffix: Figure}."""
    return {"explain": plot_two_neuron_weights(recordings)}
