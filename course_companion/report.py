"""What ``compare`` writes: figures, recordings and ``summary.md``, into one folder.

Every file is written to a temporary name and renamed into place, so a run
that stops half-way never leaves a half-written file under a promised name.
"""
from pathlib import Path

from course_companion.compare import format_table, summary_from_recording
from course_companion.files import atomic_path
from course_companion.models import scheme_groups

__all__ = ["summary_markdown", "sweep_markdown", "tie_check", "write_text", "write_compare_outputs", "compare_file_names"]

LAYERS = ("L1", "L2")
KEEPS_TIES = ("constant", "mirrored")  # the schemes whose tied groups must stay equal


def compare_file_names(schemes, fmt="png"):
    """The names ``write_compare_outputs`` writes, in order."""
    names = [f"answer.{fmt}"]
    names += [f"distances_{layer}.{fmt}" for layer in LAYERS]
    names += [f"heatmaps_{layer}.{fmt}" for layer in LAYERS]
    names += [f"units_{scheme}.{fmt}" for scheme in schemes]
    names += [f"{scheme}.npz" for scheme in schemes]
    return names + ["summary.md"]


def _header(meta, data_line):
    return (f"{data_line} Device: {meta.get('device', '?')}. "
            f"Keras {meta.get('keras', '?')}, TensorFlow {meta.get('tensorflow', '?')}.")


def tie_check(rows, device):
    """One sentence: did the schemes that keep ties (constant, mirrored) keep them?

    On the CPU a tie must hold exactly; on a GPU, within ``GPU_TIE_TOLERANCE``.
    """
    from course_companion.devices import GPU_TIE_TOLERANCE

    tolerance = GPU_TIE_TOLERANCE if str(device).startswith("GPU") else 0.0
    kept = [r for r in rows if r["scheme"] in KEEPS_TIES and r["tied_max_diff"] is not None]
    if not kept:
        return "Tie check: no scheme here keeps ties (constant and mirrored do)."
    held = all(r["tied_max_diff"] <= tolerance for r in kept)
    worst = max(r["tied_max_diff"] for r in kept)
    rule = "exactly (CPU)" if tolerance == 0 else f"within {tolerance:g} (GPU tolerance)"
    names = " and ".join(r["scheme"] for r in kept)
    return (f"Tie check ({names}, equal {rule}): {'held' if held else 'FAILED'}; "
            f"largest difference inside a tied group {worst:.3g}.")


def summary_markdown(recordings):
    """``summary.md``: the table to paste under the answer figure, and how it was made."""
    from course_companion.models import SCHEMES

    first = next(iter(recordings.values())).metadata
    rows = [summary_from_recording(s, r, scheme_groups(s) if s in SCHEMES else None) for s, r in recordings.items()]
    data_line = f"Data: {first.get('data', '?')}. Epochs: {_epochs(recordings)}. Seed: {first.get('seed', '?')}."
    return "\n".join([
        "# How far apart are the units?",
        "",
        _header(first, data_line),
        "",
        format_table(rows, markdown=True),
        "",
        tie_check(rows, first.get("device", "CPU")),
        "",
        "Distances are euclidean, between each unit's weights (incoming weights and bias) after training;",
        "0 means exactly equal. \"Largest difference in a tied group\" is over the groups the scheme started",
        "equal (all units for `constant`, the tied groups for `mirrored`, `incoming-only` and `perturbed`;",
        "`-` where there are none). `incoming-only` and `perturbed` are expected to drift apart.",
        "",
    ])


def sweep_markdown(rows, meta, epochs, seeds, data):
    """The sweep's ``summary.md``; ``seeds`` is the range of seeds each scheme ran."""
    from course_companion.sweep import format_sweep

    data_line = (f"Data: {data}. Epochs: {epochs}. Seeds {seeds[0]} to {seeds[-1]} of each scheme, "
                 "trained side by side as replicas of one model.")
    return "\n".join([
        "# Does a random start always separate the units?",
        "",
        _header(meta, data_line),
        "",
        format_sweep(rows),
        "",
        "Distances are euclidean, between units' weights (incoming weights and bias) at the end; 0 means exactly equal.",
        "Accuracy is on the training data, evaluated at the end of the last epoch.",
        "",
    ])


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
        vmax = max(float(rec.distances(layer, record=-1).max()) for rec in recordings.values())
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
