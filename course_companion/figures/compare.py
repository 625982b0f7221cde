"""``compare``'s figures: the answer figure, distance curves, heatmaps and each scheme's units.

``compare_figures`` gives them all, by file name without the suffix, for
``report.write_outputs``.
"""
import numpy as np
from matplotlib.figure import Figure

from course_companion.figures.panels import draws_as_maps, plot_distance_matrix, plot_distances, plot_units
from course_companion.figures.style import MAX_WIDTH, add_footer, check_recordings, scheme_color
from course_companion.summaries.compare import answer_finding

__all__ = ["answer_figure", "distances_figure", "heatmaps_figure", "units_figure", "compare_figures"]

def answer_figure(recordings, layer="L1"):
    """One figure for a forum post: distances over training, units at the end, accuracy.

    At most 7.2 inches wide; the title states the finding in plain words,
    with the count of distinct units per scheme read off the recordings.

    Returns:
        the Figure.
    """
    recordings = check_recordings(recordings)
    k = len(recordings)
    maps = draws_as_maps(next(iter(recordings.values())), layer)
    height = 3.4 + 2.0 * k if maps else 6.4  # maps: one row per scheme
    fig = Figure(figsize=(MAX_WIDTH, height), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[3.4, 2.0 * k] if maps else [1.1, 1])
    ax_d, ax_a = top.subplots(1, 2, width_ratios=[1.7, 1])
    plot_distances(recordings, layer=layer, ax=ax_d)
    ax_d.set_title(f"Distance between {layer} units", fontsize=9)
    for n, (label, rec) in enumerate(recordings.items()):
        acc = rec.log("accuracy")
        has = ~np.isnan(acc)
        ax_a.plot(rec.epochs[has], acc[has], label=label, color=scheme_color(label, n))
    ax_a.set(xlabel="epochs", ylabel="training accuracy", ylim=(0, 1.02))
    ax_a.set_title("Accuracy", fontsize=9)
    subs = bottom.subfigures(k, 1) if maps else bottom.subfigures(1, k)
    for sub, (label, rec) in zip(np.atleast_1d(subs), recordings.items()):
        if rec.keep == "weights":
            accuracy = rec.last_log("accuracy")
            plot_units(rec, layer=layer, fig=sub, title=f"{label}: {layer} units at the end"
                       + (f" (final accuracy {accuracy:.3f})" if maps else ""))
    fig.suptitle(answer_finding(recordings, layer), fontsize=10)
    add_footer(fig, recordings)
    return fig


def distances_figure(recordings, layer="L1"):
    """``plot_distances`` for one layer as a whole figure, device in the footer."""
    fig = Figure(figsize=(MAX_WIDTH, 3.6), layout="constrained")
    plot_distances(recordings, layer=layer, ax=fig.add_subplot())
    add_footer(fig, recordings)
    return fig


def heatmaps_figure(recordings, layer="L1"):
    """Each recording's distance heatmap at its last record, side by side on one colour scale."""
    recordings = check_recordings(recordings)
    fig = Figure(figsize=(MAX_WIDTH, 2.9), layout="constrained")
    vmax = max(float(rec.distances(layer, record=-1).max()) for rec in recordings.values())
    axes = np.atleast_1d(fig.subplots(1, len(recordings)))
    for ax, (scheme, rec) in zip(axes, recordings.items()):
        plot_distance_matrix(rec, layer=layer, ax=ax, vmax=vmax, colorbar=False)
        ax.set_title(scheme, fontsize=9)
    fig.colorbar(axes[0].images[0], ax=list(axes), shrink=0.8, label="euclidean distance")
    fig.suptitle(f"Distance between every pair of {layer} units after training (outlined: exactly equal)", fontsize=9)
    add_footer(fig, recordings)
    return fig


def units_figure(recording, scheme):
    """One scheme's L1 units after training (images for the digits, maps for coffee), device in the footer."""
    fig = plot_units(recording, title=f"{scheme}: what each L1 unit responds to, after training")
    add_footer(fig, recording)
    return fig


def compare_figures(recordings):
    """Every figure of ``compare``: {file name without suffix: Figure}, in the order they are written."""
    layers = next(iter(recordings.values())).hidden_layers
    figures = {"answer": answer_figure(recordings)}
    figures.update({f"distances_{layer}": distances_figure(recordings, layer) for layer in layers})
    figures.update({f"heatmaps_{layer}": heatmaps_figure(recordings, layer) for layer in layers})
    figures.update({f"units_{scheme}": units_figure(rec, scheme) for scheme, rec in recordings.items()})
    return figures
