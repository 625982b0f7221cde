"""The coffee model's units drawn the way the course's Week 1 lab draws them.

Each L1 unit's output (a sigmoid, 0 to 1) over the temperature (150-285 C) by
duration (11.5-15.5 min) plane, shaded, with the 200 training roasts on top
(good roasts and bad roasts marked differently) and the edges of the true
good-roast region; one more panel shows the whole model's output. Units that
stay tied draw the same map. No training here: the maps are computed from a
recording's weights with NumPy.
"""
import numpy as np
from matplotlib import colormaps
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from course_companion.data.coffee import DURATION, GOOD_ROAST, TEMPERATURE, coffee_standardization, make_coffee_data
from course_companion.figures.style import MAX_WIDTH, check_recordings

__all__ = ["unit_outputs", "plot_unit_maps", "unit_maps_figure"]

# Matplotlib's "Blues" up to a mid blue, so that the roasts stay visible on units that output 1.
_CMAP = LinearSegmentedColormap.from_list("blues_light", colormaps["Blues"](np.linspace(0.0, 0.7, 64)))


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def unit_outputs(recording, record=-1, grid=80, match=None):
    """Every L1 unit's output and the model's output over the temperature x duration plane.

    Args:
        recording: a ``Recording`` of the coffee model (2 inputs), every
            Dense layer recorded.
        record: which record (default the last).
        grid: points per axis.
        match: an ``analysis.Match`` for L1, to put the units in its order (a
            flipped unit is drawn as 1 - a); None keeps the recorded order.

    Returns:
        ``(temperature, duration, units, model)``: 1-D axes of ``grid``
        points, L1 outputs (units, grid, grid) and the model's output
        (grid, grid), rows along duration.
    """
    layers = recording.dense_layers
    missing = [name for name in layers if name not in recording.layers]
    if missing:
        raise ValueError(f"unit maps need every Dense layer recorded; {missing} was not")
    l1 = recording.units(layers[0], record).astype(np.float64)
    if l1.shape[1] != 3:
        raise ValueError(f"unit maps need a model with 2 inputs (temperature, duration); L1 units have {l1.shape[1] - 1}")
    t, d = np.linspace(*TEMPERATURE, grid), np.linspace(*DURATION, grid)
    tt, dd = np.meshgrid(t, d)
    mean, std = coffee_standardization()
    x = (np.stack([tt.ravel(), dd.ravel()], axis=1) - mean) / std
    a = _sigmoid(x @ l1[:, :2].T + l1[:, 2])  # (points, units)
    out = a
    for name in layers[1:]:
        w = recording.units(name, record).astype(np.float64)
        out = _sigmoid(out @ w[:, :-1].T + w[:, -1])
    if match is not None:
        a = np.where(match.flipped, 1.0 - a[:, match.order], a[:, match.order])
    return t, d, a.T.reshape(-1, grid, grid), out[:, 0].reshape(grid, grid)


def plot_unit_maps(recording, record=-1, fig=None, title=None, match=None, model=True):
    """One row of maps: each L1 unit's output, then (with ``model``) the whole model's.

    Args:
        recording: a ``Recording`` of the coffee model.
        record: which record (default the last).
        fig: a Figure or SubFigure to draw into, or None for a new one.
        title: the row's title; default the record's step and final accuracy.
        match: an ``analysis.Match``, to draw the units in matched order.
        model: bool, add the model's output as a last panel.

    Returns:
        the Figure (or the given ``fig``).
    """
    t, d, units, out = unit_outputs(recording, record, match=match)
    panels = list(units) + ([out] if model else [])
    if fig is None:
        fig = Figure(figsize=(MAX_WIDTH, 2.2), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(panels), sharey=True))
    X, y = make_coffee_data()
    good = y[:, 0] == 1
    for i, (ax, values) in enumerate(zip(axes, panels)):
        image = ax.imshow(values, origin="lower", extent=(*TEMPERATURE, *DURATION), aspect="auto",
                          cmap=_CMAP, vmin=0, vmax=1, interpolation="bilinear")
        if model and i == len(panels) - 1:
            ax.contour(t, d, values, levels=[0.5], colors="tab:green", linewidths=1.2)
            ax.set_title("model output\n(green: 0.5)", fontsize=8)
        else:
            unit = int(match.order[i]) if match is not None else i
            flipped = match is not None and bool(match.flipped[i])
            ax.set_title(f"unit {unit}" + (", flipped (1 - a)" if flipped else ""), fontsize=8)
        ax.plot(*GOOD_ROAST.T, color="black", lw=0.9, ls="--")
        ax.scatter(X[good, 0], X[good, 1], marker="x", s=9, lw=0.8, color="tab:orange", label="good roast")
        ax.scatter(X[~good, 0], X[~good, 1], marker="o", s=7, lw=0.5, facecolors="none", edgecolors="black", label="bad roast")
        ax.set_xlabel("temperature (C)", fontsize=7)
        ax.tick_params(labelsize=6)
    axes[0].set_ylabel("duration (min)", fontsize=7)
    fig.colorbar(image, ax=list(axes), shrink=0.9, pad=0.01).set_label("output (0 to 1)", fontsize=7)
    if title is None:
        accuracy = recording.last_log("accuracy")
        title = f"step {recording.steps[record]}" + (f", final accuracy {accuracy:.3f}" if np.isfinite(accuracy) else "")
    fig.suptitle(title, fontsize=9)
    return fig


def unit_maps_figure(recordings, title="What each L1 unit detects (dashed: the true good-roast region)"):
    """One row of ``plot_unit_maps`` per scheme, each row titled with its final accuracy."""
    recordings = check_recordings(recordings)
    fig = Figure(figsize=(MAX_WIDTH, 2.1 * len(recordings) + 0.5), layout="constrained")
    rows = np.atleast_1d(fig.subfigures(len(recordings), 1))
    for row, (label, rec) in zip(rows, recordings.items()):
        accuracy = rec.last_log("accuracy")
        plot_unit_maps(rec, fig=row, title=f"{label}: final accuracy {accuracy:.3f}" if np.isfinite(accuracy) else label)
    fig.suptitle(title, fontsize=10)
    return fig
