"""Panels drawn from Recordings: how far apart the units are, and what they look like.

No training here: every function reads ``Recording`` objects. Functions that
draw one panel take an optional ``ax`` (a new ``Figure`` is made otherwise);
the others return a ``matplotlib.figure.Figure``.

Distances are drawn on a log axis with a floor row labelled "exactly 0", since
staying at exactly zero is the whole point and a log axis cannot show 0.
"""
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from course_companion.analysis.distances import groups_from_distances, spread_over_records
from course_companion.figures.maps import plot_unit_maps
from course_companion.figures.style import MAX_WIDTH, check_recordings, floor_for_zero, new_ax, scheme_color, zero_row

__all__ = ["plot_distances", "plot_distance_matrix", "unit_mosaic", "plot_unit_images", "draws_as_maps", "plot_units",
           "plot_history", "plot_gradients"]

def plot_distances(recordings, layer="L1", metric="euclidean", ax=None):
    """Smallest, median and largest pairwise unit distance per record, per scheme.

    Examples:
        >>> ax = plot_distances({"constant": rec_c, "random": rec_r})  # doctest: +SKIP

    Args:
        recordings: dict from label (a scheme) to ``Recording``.
        layer: the layer's name.
        metric: "euclidean" or "cosine".
        ax: a matplotlib Axes, or None for a new figure.

    Returns:
        the Axes: per label, a line at the median and a band from smallest to
        largest; exact zeros sit on the "exactly 0" row.
    """
    ax = new_ax(ax)
    curves = {label: (rec.epochs, *spread_over_records(rec.distances(layer, metric)))
              for label, rec in check_recordings(recordings).items()}
    floor = floor_for_zero([v for c in curves.values() for v in c[1:]])
    for k, (label, (epochs, lo, med, hi)) in enumerate(curves.items()):
        lo, med, hi = (np.where(v > 0, v, floor) for v in (lo, med, hi))
        (line,) = ax.plot(epochs, med, label=label, lw=1.6, color=scheme_color(label, k))
        ax.fill_between(epochs, lo, hi, color=line.get_color(), alpha=0.2, lw=0)
        if np.all(hi == floor):  # every pair identical at every record
            ax.plot(epochs, med, ls="none", marker="o", ms=3, color=line.get_color())
    zero_row(ax, floor)
    ax.set_xlabel("epochs")
    ax.set_ylabel(f"{metric} distance between units")
    ax.set_title(f"How far apart the units of {layer} are (line: median, band: min to max)", fontsize=9)
    ax.legend(fontsize=8, loc="center right")
    return ax


def plot_distance_matrix(recording, layer="L1", record=-1, ax=None, metric="euclidean", vmax=None, colorbar=True):
    """The units x units distance heatmap at one record, tied groups outlined.

    Args:
        recording: a ``Recording``.
        layer: the layer's name.
        record: which record (default the last).
        ax: a matplotlib Axes, or None for a new figure.
        metric: "euclidean" or "cosine".
        vmax: top of the colour scale (share it between panels), or None.
        colorbar: bool, draw a colour bar.

    Returns:
        the Axes. Cells of units at distance exactly 0 from each other (a tied
        group) are outlined in black.
    """
    d = recording.distances(layer, metric, record=record)
    ax = new_ax(ax, size=(4.0, 3.6))
    top = vmax if vmax is not None else float(d.max())
    image = ax.imshow(d, cmap="viridis", vmin=0, vmax=top if top > 0 else 1.0)
    for group in groups_from_distances(d):
        for i in group:
            for j in group:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="black", lw=0.8))
    if colorbar:
        ax.figure.colorbar(image, ax=ax, shrink=0.8, label=f"{metric} distance")
    step = recording.steps[record]
    ax.set_title(f"{layer} at step {step} (epoch {recording.epochs[record]:g})", fontsize=9)
    ax.set_xlabel("unit")
    ax.set_ylabel("unit")
    for axis in (ax.xaxis, ax.yaxis):  # unit indices are whole numbers
        axis.set_major_locator(MaxNLocator(integer=True))
    return ax


def unit_mosaic(weights, image_shape=(20, 20), order="F", cols=None, gap=1):
    """Tile each unit's incoming weights as an image; NaN between tiles.

    Args:
        weights: (units, pixels...) array; the first ``prod(image_shape)``
            entries of each row are drawn.
        image_shape: (rows, cols) of one unit's image.
        order: "F" for the course's column-major unrolling.
        cols: tiles per row (default: about the square root of the count).
        gap: pixels of NaN between tiles.

    Returns:
        (mosaic 2-D array, list of each tile's (top, left) corner).
    """
    h, w = image_shape
    n = len(weights)
    cols = cols or int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    mosaic = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), np.nan)
    corners = []
    for k in range(n):
        top, left = (k // cols) * (h + gap), (k % cols) * (w + gap)
        mosaic[top:top + h, left:left + w] = np.asarray(weights[k][: h * w]).reshape(image_shape, order=order)
        corners.append((top, left))
    return mosaic, corners


def plot_unit_images(recording, layer="L1", record=-1, image_shape=(20, 20), order="F", fig=None, title=None, match=None,
                     cols=None):
    """Each unit's incoming weights drawn as the image it responds to.

    The course unrolls its 20x20 images column-major, so ``order="F"`` puts
    each weight back on its pixel. One small tile per unit, numbered, one
    colour scale for all (red positive, blue negative): under ``constant`` all
    tiles look the same; under ``random`` they differ. The tiles share one
    image (``unit_mosaic``), which draws far faster than a grid of axes.
    With ``match`` (an ``analysis.Match``) the tiles follow its order, flipped
    units negated, each numbered with its own unit index.

    Returns:
        the Figure (or the given ``fig``, a Figure or SubFigure).
    """
    units = recording.units(layer, record=record)
    pixels = int(np.prod(image_shape))
    if units.shape[1] < pixels:
        raise ValueError(f"image_shape {tuple(image_shape)} needs {pixels} inputs; {layer} units have {units.shape[1]}")
    numbers = range(len(units)) if match is None else match.order
    w = (units if match is None else match.apply(units))[:, :pixels]
    mosaic, corners = unit_mosaic(w, image_shape, order, cols=cols)
    cols = cols or int(np.ceil(np.sqrt(len(w))))
    if fig is None:
        rows = int(np.ceil(len(w) / cols))
        fig = Figure(figsize=(min(MAX_WIDTH, 0.75 * cols + 0.4), 0.75 * rows + 0.5), layout="constrained")
    ax = fig.add_subplot()
    limit = float(np.abs(w).max()) or 1.0
    ax.imshow(mosaic, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
    for k, (top, left) in zip(numbers, corners):
        ax.text(left + 0.5, top + 0.5, str(k), fontsize=5, va="top", ha="left", color="0.2")
    ax.set_axis_off()
    ax.set_title(title or f"{layer} units' incoming weights at step {recording.steps[record]}", fontsize=9)
    return fig


def draws_as_maps(recording, layer):
    """True for the coffee model's L1 (2 inputs: temperature, duration), drawn as maps, not images."""
    return recording.keep == "weights" and recording.units(layer, -1).shape[1] == 3 and layer == recording.dense_layers[0]


def plot_units(recording, layer="L1", record=-1, fig=None, title=None):
    """What each unit of ``layer`` responds to: images for the digits, maps for the coffee model.

    A layer with 400 inputs (20x20 images) draws ``plot_unit_images``; the
    coffee model's L1 (2 inputs) draws ``figures.maps.plot_unit_maps``.

    Returns:
        the Figure (or the given ``fig``).
    """
    if draws_as_maps(recording, layer):
        return plot_unit_maps(recording, record=record, fig=fig, title=title)
    return plot_unit_images(recording, layer=layer, record=record, fig=fig, title=title)


def plot_history(recordings, fig=None):
    """Loss and accuracy per epoch, per scheme (from the recorded epoch logs).

    Returns:
        the Figure, with two panels.
    """
    fig = fig if fig is not None else Figure(figsize=(MAX_WIDTH, 2.8), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    for k, (label, rec) in enumerate(check_recordings(recordings).items()):
        has = ~np.isnan(rec.log("loss"))
        ax_loss.plot(rec.epochs[has], rec.log("loss")[has], label=label, color=scheme_color(label, k))
        ax_acc.plot(rec.epochs[has], rec.log("accuracy")[has], label=label, color=scheme_color(label, k))
    ax_loss.set(xlabel="epochs", ylabel="training loss (cross-entropy)", title="Loss")
    ax_acc.set(xlabel="epochs", ylabel="training accuracy", title="Accuracy", ylim=(0, 1.02))
    ax_acc.legend(fontsize=8)
    return fig


def plot_gradients(recording, layer="L1", record=0, ax=None):
    """Each unit's gradient norm at one record: tied units have equal bars.

    Returns:
        the Axes.
    """
    g = recording.gradients(layer)[record]
    norms = np.linalg.norm(g.astype(np.float64), axis=1)
    ax = new_ax(ax)
    ax.bar(np.arange(len(norms)), norms, color="tab:purple")
    ax.set_xlabel("unit")
    ax.set_ylabel("gradient norm (loss per weight)")
    ax.set_title(f"{layer}: each unit's gradient on the probe batch, step {recording.steps[record]}", fontsize=9)
    return ax
