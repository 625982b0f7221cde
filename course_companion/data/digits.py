"""The digits: the bundled 0-9 and their 0s and 1s, the learner's own course files, and ``check_xy``.

Everything here (and in ``data.coffee``) returns float32 ``X`` of shape (rows, features) and float32
``y`` of shape (rows, 1), checked by ``check_xy`` so that a bad file fails here,
with its name in the message, and not deep inside ``model.fit``.
"""
from importlib import resources
from pathlib import Path

import numpy as np

__all__ = ["COURSE_FEATURES", "DIGITS", "load_digits", "load_digits01", "load_course_data", "check_xy"]

COURSE_FEATURES = 400  # 20x20 images, unrolled column-major
DIGITS = tuple(range(10))  # the labels of load_digits; the binary model's are (0, 1)


def load_digits():
    """The bundled course-shaped digits 0-9: 500 of each, sorted by label, as the course's ``X.npy``.

    Real handwritten MNIST digits shrunk to 20x20 and unrolled column-major
    exactly like the course's ``X.npy``, so ``X[i].reshape(20, 20).T`` shows
    digit ``i`` upright. Nothing is downloaded: the file ships in the package
    (see ``course_companion/data/bundled/README.md`` for source and licence).

    Examples:
        >>> X, y = load_digits()
        >>> X.shape, y.shape, float(y[0, 0]), float(y[-1, 0])
        ((5000, 400), (5000, 1), 0.0, 9.0)

    Returns:
        ``(X, y)``: float32 arrays of shapes (5000, 400), values in [0, 1],
        and (5000, 1), labels 0.0 to 9.0.
    """
    ref = resources.files("course_companion.data").joinpath("bundled", "digits.npz")
    with resources.as_file(ref) as path, np.load(path, allow_pickle=False) as f:
        X = f["X"].astype(np.float32) / np.float32(255.0)
        y = f["y"].astype(np.float32)
    return check_xy(X, y, n_features=COURSE_FEATURES, source="bundled digits.npz", labels=DIGITS)


def load_digits01():
    """The binary lab's digits: the 0 and 1 rows of ``load_digits``, 500 zeros then 500 ones.

    Examples:
        >>> X, y = load_digits01()
        >>> X.shape, y.shape, float(y[0, 0]), float(y[-1, 0])
        ((1000, 400), (1000, 1), 0.0, 1.0)

    Returns:
        ``(X, y)``: float32 arrays of shapes (1000, 400), values in [0, 1],
        and (1000, 1), labels 0.0 and 1.0.
    """
    X, y = load_digits()
    keep = y[:, 0] <= 1  # the file is sorted by label: rows 0-999
    return X[keep], y[keep]


def _load_npy(path, name):
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{name}: no such file: {str(path)!r}")
    with open(path, "rb") as f:
        magic = f.read(6)
    if magic != b"\x93NUMPY":
        raise ValueError(f"{name}: {str(path)!r} is not a readable .npy file (no NumPy header)")
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as exc:
        # np.load says "Object arrays cannot be loaded when allow_pickle=False".
        if "pickle" in str(exc):
            raise ValueError(
                f"{name}: {str(path)!r} holds Python objects that need pickle to load; "
                "save it with np.save from a numeric array"
            ) from None
        raise ValueError(f"{name}: {str(path)!r} is not a readable .npy file ({exc})") from None
    except (OSError, EOFError) as exc:
        raise ValueError(f"{name}: {str(path)!r} is not a readable .npy file ({exc})") from None


def load_course_data(x_path, y_path, n_features=COURSE_FEATURES, labels=(0, 1)):
    """Load the learner's own course files; for a binary model keep the digits 0 and 1.

    The course's ``X.npy`` has 5000 rows of digits 0-9 sorted by label and
    ``y.npy`` shape (5000, 1); the binary lab keeps the 1000 rows labelled 0
    and 1, and so does this. Files whose labels are already only 0 and 1 load
    as they are. Files are read with ``allow_pickle=False``.

    Examples:
        >>> X, y = load_course_data("X.npy", "y.npy")  # doctest: +SKIP
        >>> X.shape  # doctest: +SKIP
        (1000, 400)

    Args:
        x_path: str or path, the features file (2-D ``.npy``).
        y_path: str or path, the labels file (``.npy`` of shape (rows,) or
            (rows, 1)).
        n_features: int or None; the feature count required (400, the
            course's 20x20 images), or None to accept any.
        labels: the labels the model takes: (0, 1) keeps those rows; ``DIGITS``
            keeps every row (Week 2's model) and needs at least two classes.

    Returns:
        ``(X, y)`` as float32, ``y`` of shape (rows, 1).

    Raises:
        FileNotFoundError: a file is missing.
        ValueError: a file needs pickle, shapes or row counts are wrong, values
            are NaN or infinite, or labels other than 0 and 1 remain.
    """
    X = _load_npy(x_path, "x_path")
    y = _load_npy(y_path, "y_path")
    y = _labels_column(y, f"y_path {str(y_path)!r}")
    if tuple(labels) != (0, 1):
        X, y = check_xy(X, y, n_features=n_features, source=f"x_path {str(x_path)!r}", labels=labels)
        classes = np.unique(y)
        if len(classes) < 2:
            raise ValueError(f"y_path {str(y_path)!r}: every label is {classes[0]:g}; a model of "
                             f"{len(labels)} classes needs examples of at least two")
        return X, y
    if X.ndim == 2 and X.shape[0] == y.shape[0] and np.issubdtype(y.dtype, np.number):
        labels = np.unique(y[np.isfinite(y)]) if y.size else y
        is_digit = np.all(labels == np.round(labels))
        if is_digit and not set(labels.tolist()) <= {0, 1}:
            keep = (y[:, 0] == 0) | (y[:, 0] == 1)  # the binary lab's rows
            X, y = X[keep], y[keep]
    return check_xy(X, y, n_features=n_features, source=f"x_path {str(x_path)!r}")


def _labels_column(y, source):
    y = np.asarray(y)
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    if y.ndim != 2 or y.shape[1] != 1:
        raise ValueError(f"{source}: labels must have shape (rows,) or (rows, 1); got {y.shape}")
    return y


def check_xy(X, y, n_features=None, source="X", labels=(0, 1)):
    """Check features and labels, and return them as float32 (rows, f), (rows, 1).

    Args:
        X: array-like, 2-D features.
        y: array-like, labels of shape (rows,) or (rows, 1).
        n_features: int or None, the feature count required.
        source: str, named in error messages (a file name, say).
        labels: the labels allowed: 0 and 1 (a binary model) by default, ``DIGITS`` for ten classes.

    Raises:
        ValueError: with ``source`` and what was received.
    """
    X = np.asarray(X)
    y = _labels_column(y, f"{source} labels")
    if X.ndim != 2:
        raise ValueError(f"{source}: X must be 2-D (rows, features); got shape {X.shape}")
    if not (np.issubdtype(X.dtype, np.number) and np.issubdtype(y.dtype, np.number)):
        raise ValueError(f"{source}: X and y must be numeric; got {X.dtype} and {y.dtype}")
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"{source}: X has {X.shape[0]} rows but y has {y.shape[0]}; they must match"
        )
    if X.shape[0] == 0:
        raise ValueError(f"{source}: no rows")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(
            f"{source}: X must have {n_features} features"
            + (" (20x20 images)" if n_features == COURSE_FEATURES else "") + f"; got {X.shape[1]}"
        )
    for name, arr in (("X", X), ("y", y)):
        bad = ~np.isfinite(arr)
        if bad.any():
            row = int(np.argwhere(bad)[0][0])
            raise ValueError(
                f"{source}: {name} has {int(bad.sum())} NaN or infinite values (first in row {row})"
            )
    found = np.unique(y)
    if not set(found.tolist()) <= set(labels):
        allowed = " and ".join(map(str, labels)) if len(labels) == 2 else f"{min(labels)} to {max(labels)}"
        raise ValueError(f"{source}: labels must be {allowed}; got {found.tolist()[:10]}")
    return X.astype(np.float32), y.astype(np.float32)
