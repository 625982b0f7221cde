"""Figures from Recordings: how far apart the units are, and what they look like.

No training here: every function reads ``Recording`` objects. Functions that
draw one panel take an optional ``ax`` (a new ``Figure`` is made otherwise);
the others return a ``matplotlib.figure.Figure``. Figures are made without
pyplot, so nothing piles up in pyplot's state; ``save_figure`` writes one to
a temporary name and renames it into place.

Distances are drawn on a log axis with a floor row labelled "exactly 0", since
staying at exactly zero is the whole point and a log axis cannot show 0.
"""
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from course_companion.distances import distinct_from_distances, groups_from_distances, spread_over_records
from course_companion.files import atomic_path

__all__ = [
    "MAX_WIDTH",
    "check_recordings",
    "plot_distances",
    "plot_distance_matrix",
    "plot_unit_images",
    "plot_units",
    "draws_as_maps",
    "unit_mosaic",
    "plot_history",
    "plot_gradients",
    "answer_figure",
    "save_figure",
    "add_footer",
    "distances_figure",
    "heatmaps_figure",
    "plot_two_neuron_weights",
    "floor_for_zero",
    "zero_row",
]

MAX_WIDTH = 7.2  # inches: a forum post's column


def check_recordings(recordings):
    """``recordings`` if it is a non-empty dict from label to Recording; else TypeError."""
    if not isinstance(recordings, dict) or not recordings:
        raise TypeError(f"recordings must be a non-empty dict from label to Recording; got {type(recordings).__name__}")
    return recordings


def _new_ax(ax, size=(6.4, 3.6)):
    if ax is not None:
        return ax
    return Figure(figsize=size, layout="constrained").add_subplot()


def add_footer(fig, recordings=(), metadata=None):
    """Write the device (and versions) small at the foot of ``fig``.

    Args:
        recordings: one ``Recording``, a dict of them, or a list of them.
        metadata: instead, a dict as ``devices.run_metadata()`` gives it.
    """
    if isinstance(recordings, dict):
        recordings = recordings.values()
    elif not isinstance(recordings, (list, tuple)):
        recordings = [recordings]
    metas = [r.metadata for r in recordings] or [metadata or {}]
    devices = sorted({m.get("device", "?") for m in metas})
    meta = metas[0]
    text = f"device: {', '.join(devices)} · Keras {meta.get('keras', '?')} · TensorFlow {meta.get('tensorflow', '?')}"
    # supxlabel takes part in the constrained layout, so the footer never covers an axis label.
    fig.supxlabel(text, x=0.995, ha="right", fontsize=6, color="0.4")


def floor_for_zero(values):
    """Where the "exactly 0" row of a log axis goes: a tenth of the smallest positive value."""
    positive = np.concatenate([v[v > 0] for v in values]) if values else np.array([])
    return float(positive.min()) / 10 if positive.size else 1e-3


def zero_row(ax, floor):
    """A log y axis whose lowest row, at ``floor``, stands for exactly 0."""
    ax.set_yscale("log")
    ax.axhline(floor, color="0.5", lw=0.8, ls=":")
    ax.set_ylim(bottom=floor / 2)
    ticks = [t for t in ax.get_yticks() if t > floor * 1.5]
    ax.set_yticks([floor] + ticks, ["exactly 0"] + [f"{t:g}" for t in ticks])
    ax.set_ylim(bottom=floor / 2)


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
    ax = _new_ax(ax)
    curves = {label: (rec.epochs, *spread_over_records(rec.distances(layer, metric)))
              for label, rec in check_recordings(recordings).items()}
    floor = floor_for_zero([v for c in curves.values() for v in c[1:]])
    for label, (epochs, lo, med, hi) in curves.items():
        lo, med, hi = (np.where(v > 0, v, floor) for v in (lo, med, hi))
        (line,) = ax.plot(epochs, med, label=label, lw=1.6)
        ax.fill_between(epochs, lo, hi, color=line.get_color(), alpha=0.2, lw=0)
        if np.all(hi == floor):  # every pair identical at every record
            ax.plot(epochs, med, ls="none", marker="o", ms=3, color=line.get_color())
    zero_row(ax, floor)
    ax.set_xlabel("epochs")
    ax.set_ylabel(f"{metric} distance between units")
    ax.set_title(f"How far apart the units of {layer} are (line: median, band: min to max)", fontsize=9)
    ax.legend(fontsize=8, loc="center right")
    return ax


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
    ax = _new_ax(ax, size=(4.0, 3.6))
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
    With ``match`` (an ``align.Match``) the tiles follow its order, flipped
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
    coffee model's L1 (2 inputs) draws ``maps.plot_unit_maps``.

    Returns:
        the Figure (or the given ``fig``).
    """
    if draws_as_maps(recording, layer):
        from course_companion.maps import plot_unit_maps  # maps builds on this module

        return plot_unit_maps(recording, record=record, fig=fig, title=title)
    return plot_unit_images(recording, layer=layer, record=record, fig=fig, title=title)


def plot_history(recordings, fig=None):
    """Loss and accuracy per epoch, per scheme (from the recorded epoch logs).

    Returns:
        the Figure, with two panels.
    """
    fig = fig if fig is not None else Figure(figsize=(MAX_WIDTH, 2.8), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    for label, rec in check_recordings(recordings).items():
        has = ~np.isnan(rec.log("loss"))
        ax_loss.plot(rec.epochs[has], rec.log("loss")[has], label=label)
        ax_acc.plot(rec.epochs[has], rec.log("accuracy")[has], label=label)
    ax_loss.set(xlabel="epochs", ylabel="training loss (binary cross-entropy)", title="Loss")
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
    ax = _new_ax(ax)
    ax.bar(np.arange(len(norms)), norms, color="tab:purple")
    ax.set_xlabel("unit")
    ax.set_ylabel("gradient norm (loss per weight)")
    ax.set_title(f"{layer}: each unit's gradient on the probe batch, step {recording.steps[record]}", fontsize=9)
    return ax


def _finding(recordings, layer):
    parts = []
    for label, rec in recordings.items():
        d = rec.distances(layer, record=-1)
        parts.append(f"{label}: {distinct_from_distances(d)}")
    n = len(d)
    return (f"Units that start equal stay equal; random starts make them differ.\n"
            f"Distinct units of {layer} ({n}) after training - " + ", ".join(parts))


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
    for label, rec in recordings.items():
        acc = rec.log("accuracy")
        has = ~np.isnan(acc)
        ax_a.plot(rec.epochs[has], acc[has], label=label)
    ax_a.set(xlabel="epochs", ylabel="training accuracy", ylim=(0, 1.02))
    ax_a.set_title("Accuracy", fontsize=9)
    subs = bottom.subfigures(k, 1) if maps else bottom.subfigures(1, k)
    for sub, (label, rec) in zip(np.atleast_1d(subs), recordings.items()):
        if rec.keep == "weights":
            accuracy = rec.last_log("accuracy")
            plot_units(rec, layer=layer, fig=sub, title=f"{label}: {layer} units at the end"
                       + (f" (final accuracy {accuracy:.3f})" if maps else ""))
    fig.suptitle(_finding(recordings, layer), fontsize=10)
    add_footer(fig, recordings)
    return fig


def save_figure(fig, path, dpi=150):
    """Save ``fig`` at ``path`` (format from the suffix) via a temporary name."""
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format=path.suffix.lstrip(".") or "png")
    return path


def plot_two_neuron_weights(recordings):
    """The forum network's six weights over training, one panel per setup.

    With the units tied, w1 and w3 (and w2 and w4, w5 and w6) draw one line;
    untied, they split.

    Returns:
        the Figure.
    """
    from course_companion.explain import six_weights

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
        same = all(np.array_equal(series[a], series[b]) for a, b in (("w1", "w3"), ("w2", "w4"), ("w5", "w6")))
        ax.set_title(f"{label}" + (" (each dashed line lies under its solid twin)" if same else ""), fontsize=9)
        ax.set_xlabel("epochs")
    axes[0].set_ylabel("weight value")
    axes[-1].legend(fontsize=7, ncols=3)
    fig.suptitle("Two-neuron network: tied units keep equal weights (w1 = w3, w2 = w4, w5 = w6)", fontsize=9)
    add_footer(fig, recordings)
    return fig
