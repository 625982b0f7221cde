"""Writing files so that nothing half-written is ever left under the real name."""
import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["atomic_path"]


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; when the block succeeds, rename it onto ``path``.

    The temporary file keeps ``path``'s suffix (some writers pick the format
    from it) and gets the usual permissions before the rename; if the block
    raises, it is removed and ``path`` is untouched.

    Examples:
        >>> with atomic_path("summary.md") as tmp:  # doctest: +SKIP
        ...     Path(tmp).write_text("done")
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"path: folder {str(path.parent)!r} does not exist")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix or ".tmp")
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes files private (0600)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
