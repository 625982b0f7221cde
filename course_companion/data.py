"""Data for the course model: bundled digits, the learner's own files, coffee.

Everything here returns float32 ``X`` of shape (rows, features) and float32
``y`` of shape (rows, 1), checked by ``check_xy`` so that a bad file fails here,
with its name in the message, and not deep inside ``model.fit``.
"""
from importlib import resources
from pathlib import Path

import numpy as np

from course_companion.checks import check_int

__all__ = [
    "load_digits01",
    "load_course_data",
    "make_coffee_data",
    "coffee_standardization",
    "standardized_coffee_data",
    "coffee_training_set",
    "check_xy",
]

COURSE_FEATURES = 400  # 20x20 images, unrolled column-major


def load_digits01():
    """The bundled course-shaped digits: 500 zeros then 500 ones.

    Real handwritten MNIST digits shrunk to 20x20 and unrolled column-major
    exactly like the course's ``X.npy``, so ``X[i].reshape(20, 20).T`` shows
    digit ``i`` upright. Nothing is downloaded: the file ships in the package
    (see ``course_companion/bundled/README.md`` for source and licence).

    Examples:
        >>> X, y = load_digits01()
        >>> X.shape, y.shape, float(y[0, 0]), float(y[-1, 0])
        ((1000, 400), (1000, 1), 0.0, 1.0)

    Returns:
        ``(X, y)``: float32 arrays of shapes (1000, 400), values in [0, 1],
        and (1000, 1), labels 0.0 and 1.0.
    """
    ref = resources.files("course_companion").joinpath("bundled", "digits01.npz")
    with resources.as_file(ref) as path, np.load(path, allow_pickle=False) as f:
        X = f["X"].astype(np.float32) / np.float32(255.0)
        y = f["y"].astype(np.float32)
    return check_xy(X, y, n_features=COURSE_FEATURES, source="bundled digits01.npz")


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


def load_course_data(x_path, y_path, n_features=COURSE_FEATURES):
    """Load the learner's own course files and keep the digits 0 and 1.

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


def check_xy(X, y, n_features=None, source="X"):
    """Check features and labels, and return them as float32 (rows, f), (rows, 1).

    Args:
        X: array-like, 2-D features.
        y: array-like, labels of shape (rows,) or (rows, 1), only 0 and 1.
        n_features: int or None, the feature count required.
        source: str, named in error messages (a file name, say).

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
            f"{source}: X must have {n_features} features (20x20 images); got {X.shape[1]}"
        )
    for name, arr in (("X", X), ("y", y)):
        bad = ~np.isfinite(arr)
        if bad.any():
            row = int(np.argwhere(bad)[0][0])
            raise ValueError(
                f"{source}: {name} has {int(bad.sum())} NaN or infinite values (first in row {row})"
            )
    labels = np.unique(y)
    if not set(labels.tolist()) <= {0, 1}:
        raise ValueError(f"{source}: labels must be 0 and 1; got {labels.tolist()[:10]}")
    return X.astype(np.float32), y.astype(np.float32)


def make_coffee_data(n=200, seed=2):
    """The Week 1 coffee-roasting data: temperature and duration, good roast or not.

    Temperature is uniform in 150-285 C and duration in 11.5-15.5 min; a roast
    is good (label 1) when 175 < t < 260, 12 < d < 15 and d <= -3/85 * t + 21,
    the course's own rule. With the defaults the draws follow the course's
    ``load_coffee_data`` (``np.random.default_rng(2)``).

    Examples:
        >>> X, y = make_coffee_data()
        >>> X.shape, y.shape
        ((200, 2), (200, 1))

    Args:
        n: int >= 1, number of examples.
        seed: int, the NumPy generator's seed.

    Returns:
        ``(X, y)`` float32, shapes (n, 2) and (n, 1).
    """
    n = check_int(n, "n", minimum=1)
    rng = np.random.default_rng(check_int(seed, "seed", minimum=0))
    X = rng.random(2 * n).reshape(-1, 2)
    X[:, 1] = X[:, 1] * 4 + 11.5  # duration, minutes
    X[:, 0] = X[:, 0] * (285 - 150) + 150  # temperature, Celsius
    t, d = X[:, 0], X[:, 1]
    good = (t > 175) & (t < 260) & (d > 12) & (d < 15) & (d <= -3 / (260 - 175) * t + 21)
    return X.astype(np.float32), good.astype(np.float32).reshape(-1, 1)


def standardized_coffee_data(n=200, seed=2):
    """The coffee-roasting data with each feature standardized (as the course normalizes it).

    Each column has mean 0 and standard deviation 1 over the ``n`` examples,
    which is what the Week 1 lab's ``Normalization`` layer does before training.

    Examples:
        >>> X, y = standardized_coffee_data()
        >>> X.mean(axis=0).round(5).tolist(), X.std(axis=0).round(5).tolist()
        ([0.0, 0.0], [1.0, 1.0])

    Args:
        n, seed: as for ``make_coffee_data``.

    Returns:
        ``(X, y)`` float32, shapes (n, 2) and (n, 1).
    """
    X, y = make_coffee_data(n=n, seed=seed)
    mean, std = coffee_standardization(n=n, seed=seed)
    return ((X - mean) / std).astype(np.float32), y


def coffee_standardization(n=200, seed=2):
    """The per-feature mean and standard deviation that ``standardized_coffee_data`` uses.

    A model trained on the standardized data sees ``(x - mean) / std``; a
    figure drawn over raw temperatures and durations converts with these.

    Returns:
        ``(mean, std)``, float32 arrays of shape (2,): temperature, duration.
    """
    X, _ = make_coffee_data(n=n, seed=seed)
    return X.mean(axis=0), X.std(axis=0)


def coffee_training_set(tiles=500):
    """The course's 200 standardized coffee rows repeated ``tiles`` times, as the Week 1 lab trains on them.

    The course tiles its data 1000 times (200,000 rows) so that one epoch is
    many steps; ``tiles`` sets how many.

    Examples:
        >>> X, y = coffee_training_set(tiles=3)
        >>> X.shape, bool((X[:200] == X[200:400]).all())
        ((600, 2), True)

    Returns:
        ``(X, y)`` float32, shapes (200 * tiles, 2) and (200 * tiles, 1).
    """
    X, y = standardized_coffee_data()
    tiles = check_int(tiles, "tiles", minimum=1)
    return np.tile(X, (tiles, 1)), np.tile(y, (tiles, 1))
