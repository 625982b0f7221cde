"""The Week 1 coffee-roasting data, and the good-roast region: one home for the course's rule.

Temperature is uniform in 150-285 C and duration in 11.5-15.5 min; a roast is
good (label 1) when 175 < t < 260, 12 < d < 15 and d <= -3/85 * t + 21. The
model trains on the features standardized (as the course's ``Normalization``
layer does), tiled so that an epoch is many steps.
"""
import numpy as np

from course_companion.checks import check_int

__all__ = ["TEMPERATURE", "DURATION", "GOOD_ROAST", "is_good_roast", "make_coffee_data", "coffee_standardization",
           "standardized_coffee_data", "coffee_training_set"]

TEMPERATURE = (150.0, 285.0)  # C
DURATION = (11.5, 15.5)  # minutes
# The course's rule (is_good_roast) is a triangle: the slanted edge meets
# d = 12 at t = 255 and t = 175 below d = 15.
GOOD_ROAST = np.array([[175.0, 12.0], [255.0, 12.0], [175.0, 21.0 - 3.0 / 85.0 * 175.0], [175.0, 12.0]])


def is_good_roast(t, d):
    """The course's rule: 175 < t < 260, 12 < d < 15 and d <= -3/85 * t + 21 (bool array)."""
    return (t > 175) & (t < 260) & (d > 12) & (d < 15) & (d <= -3 / (260 - 175) * t + 21)


def make_coffee_data(n=200, seed=2):
    """The Week 1 coffee-roasting data: temperature and duration, good roast or not.

    Temperature is uniform in ``TEMPERATURE`` and duration in ``DURATION``;
    a roast is good (label 1) by ``is_good_roast``, the course's own rule. With the defaults the draws follow the course's
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
    X[:, 1] = X[:, 1] * (DURATION[1] - DURATION[0]) + DURATION[0]  # minutes
    X[:, 0] = X[:, 0] * (TEMPERATURE[1] - TEMPERATURE[0]) + TEMPERATURE[0]  # Celsius
    good = is_good_roast(X[:, 0], X[:, 1])
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
