"""An animated GIF of each scheme's distance heatmap over training.

Kept apart from the other figures because it writes its file itself, frame by frame,
through matplotlib's Pillow writer (to a temporary name, then renamed).
"""
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from course_companion.files import atomic_path
from course_companion.figures.style import MAX_WIDTH, check_recordings

__all__ = ["animate_distances"]


def animate_distances(recordings, path, layer="L1", fps=4):
    """An animated GIF of each scheme's distance heatmap over training.

    Written with matplotlib's Pillow writer to a temporary name, then renamed.

    Returns:
        the path.
    """
    from matplotlib.animation import FuncAnimation, PillowWriter

    recordings = check_recordings(recordings)
    mats = {label: rec.distances(layer) for label, rec in recordings.items()}
    frames = min(len(m) for m in mats.values())
    vmax = max(float(m.max()) for m in mats.values()) or 1.0
    fig = Figure(figsize=(min(MAX_WIDTH, 2.4 * len(mats)), 2.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(mats)))
    images = []
    for ax, (label, m) in zip(axes, mats.items()):
        images.append(ax.imshow(m[0], cmap="viridis", vmin=0, vmax=vmax))
        ax.set_title(label, fontsize=9)
        ax.set_xlabel("unit")
    axes[0].set_ylabel("unit")
    first = next(iter(recordings.values()))
    suptitle = fig.suptitle("")

    def draw(r):
        for image, m in zip(images, mats.values()):
            image.set_data(m[r])
        suptitle.set_text(f"{layer} unit distances, epoch {first.epochs[r]:g}")
        return images

    anim = FuncAnimation(fig, draw, frames=frames)
    path = Path(path)
    with atomic_path(path) as tmp:
        anim.save(tmp, writer=PillowWriter(fps=fps))
    return path
