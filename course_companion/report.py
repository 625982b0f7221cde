"""Every file a command writes: figures, recordings and texts into one output folder.

``output_folder`` makes the folder and checks that it can be written before
any training; ``write_outputs`` writes what a command computed (figures
drawn by ``figures``, ``Recording``s, texts from ``summaries``), each under
the one name its dict gives it. Every file is written to a temporary name and
renamed into place, so a run that stops half-way never leaves a half-written
file under a promised name, and a run that fails before writing removes the
folders it made.
"""
import contextlib
import os
import tempfile
from pathlib import Path

from course_companion.files import atomic_path

__all__ = ["output_folder", "save_figure", "write_text", "write_outputs"]


@contextlib.contextmanager
def output_folder(out, arg="out"):
    """Make the folder ``out`` (and its missing parents) and check it can be written; yield it as a Path.

    If the block raises, the folders this call made are removed again where
    they are still empty, so a run that fails before writing leaves nothing.

    Raises:
        ValueError: naming ``arg``, when ``out`` is a file, sits under a
            file, or cannot be made or written (a read-only place, say).
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{arg}: {str(out)!r} exists and is not a folder")
    made, parent = [], out.absolute()
    while not parent.exists():
        made.append(parent)  # deepest first
        parent = parent.parent
    if not parent.is_dir():
        raise ValueError(f"{arg}: cannot make {str(out)!r}: {str(parent)!r} is a file")
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=out, prefix=".write-check.")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        _remove_empty(made)
        raise ValueError(f"{arg}: cannot write into {str(out)!r} ({exc.strerror or exc})") from None
    try:
        yield out
    except BaseException:
        _remove_empty(made)
        raise


def _remove_empty(folders):
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return  # not empty (or gone): leave it and everything above it


def save_figure(fig, path, dpi=150):
    """Save ``fig`` at ``path`` (format from the suffix) via a temporary name."""
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format=path.suffix.lstrip(".") or "png")
    return path


def write_text(path, text):
    """Write ``text`` to ``path`` via a temporary name in the same folder."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return Path(path)


def write_outputs(out, figures=None, recordings=None, texts=None, fmt="png"):
    """Write a command's files into the folder ``out``; return their paths, in the order written.

    Args:
        out: the folder (it exists: ``output_folder``).
        figures: {name: Figure}, saved as ``name.FMT``.
        recordings: {name: Recording}, saved as ``name.npz``.
        texts: {file name: str}, written as they are (``summary.md``).
        fmt: "png" or "svg".
    """
    out = Path(out)
    written = [save_figure(fig, out / f"{name}.{fmt}") for name, fig in (figures or {}).items()]
    written += [rec.save(out / f"{name}.npz") for name, rec in (recordings or {}).items()]
    written += [write_text(out / name, text) for name, text in (texts or {}).items()]
    return written
