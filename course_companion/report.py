"""What ``compare`` writes: figures, recordings and ``summary.md``, into one folder.

Every file is written to a temporary name and renamed into place, so a run
that stops half-way never leaves a half-written file under a promised name.
"""
from pathlib import Path

from course_companion.compare import format_table, summary_from_recording
from course_companion.files import atomic_path
from course_companion.models import scheme_groups

__all__ = ["summary_markdown", "write_text", "write_compare_outputs", "compare_file_names"]

LAYERS = ("L1", "L2")


def compare_file_names(schemes, fmt="png"):
    """The names ``write_compare_outputs`` writes, in order."""
    names = [f"answer.{fmt}"]
    names += [f"distances_{layer}.{fmt}" for layer in LAYERS]
    names += [f"heatmaps_{layer}.{fmt}" for layer in LAYERS]
    names += [f"units_{scheme}.{fmt}" for scheme in schemes]
    names += [f"{scheme}.npz" for scheme in schemes]
    return names + ["summary.md"]


def summary_markdown(recordings):
    """``summary.md``: the table to paste under the answer figure, and how it was made."""
    first = next(iter(recordings.values())).metadata
    rows = [summary_from_recording(s, r, scheme_groups(s) if s in _schemes() else None) for s, r in recordings.items()]
    return "\n".join([
        "# How far apart are the units?",
        "",
        f"Data: {first.get('data', '?')}. Epochs: {_epochs(recordings)}. Seed: {first.get('seed', '?')}. "
        f"Device: {first.get('device', '?')}. Keras {first.get('keras', '?')}, TensorFlow {first.get('tensorflow', '?')}.",
        "",
        format_table(rows, markdown=True),
        "",
        "Distances are euclidean, between each unit's weights (incoming weights and bias) after training;",
        "0 means exactly equal. \"Largest difference in a tied group\" is over the groups the scheme started",
        "equal (all units for `constant`, the mirrored groups for `mirrored`; `-` where there are none).",
        "",
    ])


def _schemes():
    from course_companion.models import SCHEMES

    return SCHEMES


def _epochs(recordings):
    return ", ".join(sorted({f"{r.epochs[-1]:g}" for r in recordings.values()}))


def write_text(path, text):
    """Write ``text`` to ``path`` via a temporary name in the same folder."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return Path(path)


def write_compare_outputs(recordings, out, fmt="png"):
    """Write every file of ``compare_file_names`` into ``out``; return their paths."""
    import numpy as np
    from matplotlib.figure import Figure

    from course_companion.plots import (
        MAX_WIDTH,
        add_footer,
        answer_figure,
        plot_distance_matrix,
        plot_distances,
        plot_unit_images,
        save_figure,
    )

    out = Path(out)
    written = [save_figure(answer_figure(recordings), out / f"answer.{fmt}")]
    for layer in LAYERS:
        fig = Figure(figsize=(MAX_WIDTH, 3.6), layout="constrained")
        plot_distances(recordings, layer=layer, ax=fig.add_subplot())
        add_footer(fig, recordings)
        written.append(save_figure(fig, out / f"distances_{layer}.{fmt}"))
    for layer in LAYERS:
        fig = Figure(figsize=(MAX_WIDTH, 2.9), layout="constrained")
        vmax = max(float(rec.distances(layer)[-1].max()) for rec in recordings.values())
        axes = np.atleast_1d(fig.subplots(1, len(recordings)))
        for ax, (scheme, rec) in zip(axes, recordings.items()):
            plot_distance_matrix(rec, layer=layer, ax=ax, vmax=vmax, colorbar=False)
            ax.set_title(scheme, fontsize=9)
        fig.colorbar(axes[0].images[0], ax=list(axes), shrink=0.8, label="euclidean distance")
        fig.suptitle(f"Distance between every pair of {layer} units after training (outlined: exactly equal)", fontsize=9)
        add_footer(fig, recordings)
        written.append(save_figure(fig, out / f"heatmaps_{layer}.{fmt}"))
    for scheme, rec in recordings.items():
        fig = plot_unit_images(rec, layer="L1", title=f"{scheme}: what each L1 unit responds to, after training")
        add_footer(fig, rec)
        written.append(save_figure(fig, out / f"units_{scheme}.{fmt}"))
    written += [rec.save(out / f"{scheme}.npz") for scheme, rec in recordings.items()]
    written.append(write_text(out / "summary.md", summary_markdown(recordings)))
    return written
