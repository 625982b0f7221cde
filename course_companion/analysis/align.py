"""Matching the units of two runs: the same units in another order (and, for sigmoid units, flipped).

The units of a layer have no fixed order: swapping two units (their incoming
columns, biases and outgoing rows) gives the same function. A sigmoid unit
has one more symmetry: weights (-w, -b) output 1 - a, which the next layer
absorbs by negating the unit's outgoing row and adding it to its own bias.
So "did two runs learn the same units?" needs the units matched first:
``match_units`` finds the one-to-one matching with the largest total cosine
similarity (the Hungarian algorithm, ``scipy.optimize.linear_sum_assignment``),
and ``models.permute_units`` reorders (and flips) a model's units without
changing what it computes.
"""
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from course_companion.analysis.distances import cosine_similarities

__all__ = ["Match", "match_units"]


@dataclass(frozen=True)
class Match:
    """How the units of ``other`` line up with those of ``reference``.

    Attributes:
        order: int array (units,): ``other[order]`` lines up with ``reference``.
        flipped: bool array (units,): whether matched unit i is sign-flipped.
        similarity: float64 array (units,): cosine similarity of each matched
            pair, after the flip (1: the same direction).
    """

    order: np.ndarray
    flipped: np.ndarray
    similarity: np.ndarray

    def apply(self, other):
        """``other``'s units in the reference's order, flipped ones negated: (units, d)."""
        other = np.asarray(other)
        return other[self.order] * np.where(self.flipped, -1.0, 1.0)[:, None]


def _check_units(units, arg):
    w = np.asarray(units)
    if w.ndim != 2 or not np.issubdtype(w.dtype, np.number):
        raise ValueError(f"{arg} must be a numeric array (units, d); got shape {w.shape}, dtype {w.dtype}")
    if w.shape[0] == 0 or w.shape[1] == 0:
        raise ValueError(f"{arg} must hold at least one unit with at least one weight; got shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{arg} has {int(np.sum(~np.isfinite(w)))} NaN or infinite weights")
    return w.astype(np.float64)


def match_units(reference, other, allow_flips=True):
    """Pair each unit of ``reference`` with one unit of ``other``, as alike as possible.

    The matching maximizes the total cosine similarity over all one-to-one
    pairings (an optimal assignment, not a greedy one). With ``allow_flips`` a unit
    may be matched sign-flipped (its similarity is then that of its negation),
    the sigmoid symmetry above.

    Examples:
        >>> ref = np.array([[1.0, 0.0, 0.5], [0.0, 2.0, -1.0], [3.0, 3.0, 0.0]])
        >>> m = match_units(ref, np.stack([ref[2], -ref[0], ref[1]]))
        >>> m.order.tolist(), m.flipped.tolist(), m.similarity.round(6).tolist()
        ([1, 2, 0], [True, False, False], [1.0, 1.0, 1.0])

    Args:
        reference: (units, d) array, as ``Recording.units(layer, record)``
            gives it (incoming weights, then bias).
        other: (units, d) array of the same shape.
        allow_flips: bool, allow sign-flipped matches (``Match.flipped`` says which were).

    Returns:
        a ``Match``.

    Raises:
        ValueError: shapes differ, a layer has no units, or a weight is NaN
            or infinite.
    """
    ref, oth = _check_units(reference, "reference"), _check_units(other, "other")
    if ref.shape != oth.shape:
        raise ValueError(f"reference and other must have the same shape; got {ref.shape} and {oth.shape}")
    if not isinstance(allow_flips, bool):
        raise TypeError(f"allow_flips must be True or False; got {allow_flips!r}")
    s = cosine_similarities(ref, oth)
    score = np.abs(s) if allow_flips else s
    rows, cols = linear_sum_assignment(score, maximize=True)
    order = cols[np.argsort(rows)]
    matched = s[np.arange(len(order)), order]
    flipped = (matched < 0) if allow_flips else np.zeros(len(order), dtype=bool)
    return Match(order=order.astype(np.int64), flipped=flipped, similarity=np.where(flipped, -matched, matched))
