"""The figures' shared style: width, footer, the "exactly 0" row of a log axis, argument checks.

Matplotlib only. Figures are made without pyplot (``matplotlib.figure.Figure``),
so nothing piles up in pyplot's state; ``report.save_figure`` writes them.
"""
import numpy as np
from matplotlib.figure import Figure

from course_companion.tables import backend_label

__all__ = ["MAX_WIDTH", "SCHEME_COLORS", "scheme_color", "check_recordings", "new_ax", "add_footer", "floor_for_zero",
           "zero_row"]

MAX_WIDTH = 7.2  # inches: a forum post's column
# One colour per scheme in every figure, so that "random" is the same orange in a lab and in compare's figures.
SCHEME_COLORS = {"constant": "C0", "random": "C1", "mirrored": "C2", "incoming-only": "C3", "perturbed": "C4"}


def scheme_color(label, k):
    """The colour of a scheme (``SCHEME_COLORS``); any other label gets the ``k``-th colour of matplotlib's cycle."""
    return SCHEME_COLORS.get(label, f"C{k % 10}")


def check_recordings(recordings):
    """``recordings`` if it is a non-empty dict from label to Recording; else TypeError."""
    if not isinstance(recordings, dict) or not recordings:
        raise TypeError(f"recordings must be a non-empty dict from label to Recording; got {type(recordings).__name__}")
    return recordings


def new_ax(ax, size=(6.4, 3.6)):
    """``ax``, or the Axes of a new Figure of ``size`` inches."""
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
    text = f"device: {', '.join(devices)} · Keras {meta.get('keras', '?')} · {backend_label(meta)}"
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
