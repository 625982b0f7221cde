"""Matching the units of two runs: the same units in another order (and, for sigmoid units, flipped).

The units of a layer have no fixed order: swapping two units (their incoming
columns, biases and outgoing rows) gives the same function. A sigmoid unit
has one more symmetry: weights (-w, -b) output 1 - a, which the next layer
absorbs by negating the unit's outgoing row and adding it to its own bias.
So "did two runs learn the same units?" needs the units matched first:
``match_units`` finds the one-to-one matching with the largest total cosine
similarity (the Hungarian algorithm, ``scipy.optimize.linear_sum_assignment``),
and ``permute_units`` reorders (and flips) a model's units without changing
what it computes.
"""
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = ["Match", "match_units", "cosine_similarities", "permute_units"]


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


def cosine_similarities(a, b):
    """(units_a, units_b) cosine similarity of every unit of ``a`` with every unit of ``b``.

    A zero vector has no direction: its similarity is 1 with another zero
    vector and 0 with anything else (as ``distances``' cosine distance).
    """
    a, b = _check_units(a, "a"), _check_units(b, "b")
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = (a @ b.T) / (na[:, None] * nb[None, :])
    zero_a, zero_b = (na == 0)[:, None], (nb == 0)[None, :]
    s[zero_a | zero_b] = 0.0
    s[zero_a & zero_b] = 1.0
    return np.clip(s, -1.0, 1.0)


def match_units(reference, other, flips=True):
    """Pair each unit of ``reference`` with one unit of ``other``, as alike as possible.

    The matching maximizes the total cosine similarity over all one-to-one
    pairings (an optimal assignment, not a greedy one). With ``flips`` a unit
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
        flips: bool, allow sign-flipped matches.

    Returns:
        a ``Match``.

    Raises:
        ValueError: shapes differ, a layer has no units, or a weight is NaN
            or infinite.
    """
    ref, oth = _check_units(reference, "reference"), _check_units(other, "other")
    if ref.shape != oth.shape:
        raise ValueError(f"reference and other must have the same shape; got {ref.shape} and {oth.shape}")
    if not isinstance(flips, bool):
        raise TypeError(f"flips must be True or False; got {flips!r}")
    s = cosine_similarities(ref, oth)
    score = np.abs(s) if flips else s
    rows, cols = linear_sum_assignment(score, maximize=True)
    order = cols[np.argsort(rows)]
    matched = s[np.arange(len(order)), order]
    flipped = (matched < 0) if flips else np.zeros(len(order), dtype=bool)
    return Match(order=order.astype(np.int64), flipped=flipped, similarity=np.where(flipped, -matched, matched))


def permute_units(model, layer, order, flipped=None):
    """Reorder (and flip) the units of a Dense layer in place; the model computes the same function.

    Unit i of the layer becomes the old unit ``order[i]``; where ``flipped[i]``
    its incoming weights and bias are negated (a sigmoid then outputs 1 - a),
    and the next Dense layer's kernel rows are reordered the same way, a
    flipped unit's row negated and added to that layer's bias. Predictions
    stay the same up to float32 rounding. The optimizer's state is reset, as
    ``tie_units`` does (Adam's moments belong to the old order).

    Examples:
        >>> from course_companion.models import build_model
        >>> model = build_model("random", seed=0, input_dim=2, units=(3, 1))
        >>> permute_units(model, "L1", [2, 0, 1], flipped=[False, True, False])

    Args:
        model: a built Keras model whose layer feeds exactly one Dense layer.
        layer: a name, an index into the Dense layers (0 = L1), or the layer.
        order: a permutation of the layer's unit indices.
        flipped: bools, one per unit, or None for no flips (flips need a
            sigmoid activation).

    Raises:
        ValueError: ``order`` is not a permutation of the units, ``flipped``
            has the wrong length, a flip on a layer that is not sigmoid, or the
            layer does not feed exactly one Dense layer.
    """
    import keras

    from course_companion.models import find_dense_layer, following_dense_layer, reset_optimizer

    dense = find_dense_layer(model, layer)
    n = dense.units
    order = np.asarray(order)
    if order.shape != (n,) or not np.issubdtype(order.dtype, np.integer) or sorted(order.tolist()) != list(range(n)):
        raise ValueError(f"order must be a permutation of 0..{n - 1} (the units of {dense.name!r}); got {order.tolist()}")
    flips = np.zeros(n, dtype=bool) if flipped is None else np.asarray(flipped)
    if flips.shape != (n,) or flips.dtype != bool:
        raise ValueError(f"flipped must be {n} bools, one per unit of {dense.name!r}; got {np.asarray(flipped).tolist()}")
    if flips.any() and dense.activation is not keras.activations.sigmoid:
        raise ValueError(f"flipped units need a sigmoid layer; {dense.name!r} uses {dense.activation.__name__}")
    following = following_dense_layer(model, dense)
    if following is None:
        raise ValueError(f"layer {dense.name!r} feeds nothing; its units' order is the model's output order")
    if flips.any() and not following.use_bias:
        raise ValueError(f"flipped units need a bias in {following.name!r} to absorb the flip")
    sign = np.where(flips, -1.0, 1.0)
    kernel, after = dense.kernel.numpy(), following.kernel.numpy()
    dense.kernel.assign((kernel.astype(np.float64)[:, order] * sign).astype(kernel.dtype))
    if dense.use_bias:
        bias = dense.bias.numpy()
        dense.bias.assign((bias.astype(np.float64)[order] * sign).astype(bias.dtype))
    rows = after.astype(np.float64)[order]
    if flips.any():
        # a' = 1 - a: v a = v - v a', so the row is negated and v joins the next layer's bias.
        following_bias = following.bias.numpy()
        following.bias.assign((following_bias.astype(np.float64) + rows[flips].sum(axis=0)).astype(following_bias.dtype))
    following.kernel.assign((rows * sign[:, None]).astype(after.dtype))
    reset_optimizer(model)
