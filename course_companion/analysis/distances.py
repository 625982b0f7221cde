"""How far apart the units of a layer are: pure NumPy.

A unit's weights are its incoming kernel column followed by its bias, as
``models.unit_weights`` reads them off a Dense layer and ``Recording.units``
holds them: arrays (units, d) or (records, units, d). Distances are computed from differences, never from the
``|a|^2 + |b|^2 - 2ab`` shortcut, so identical units are at distance exactly 0:
the claim the whole package is about.
"""
import numpy as np

from course_companion.checks import check_number

__all__ = [
    "METRICS",
    "FLOAT32_RESOLUTION",
    "cosine_similarities",
    "pairwise_distances",
    "off_diagonal",
    "smallest_distance",
    "identical_groups",
    "groups_from_distances",
    "distinct_units",
    "distinct_from_distances",
    "spread_over_records",
    "tie_gap",
    "relative_tie_gap",
]

METRICS = ("euclidean", "cosine")
FLOAT32_RESOLUTION = 2.0**-23  # about 1.2e-7: float32's step, relative to a value's size


def check_unit_weights(unit_weights, arg="unit_weights", ndims=(2, 3)):
    """``unit_weights`` as an array if it is numeric of shape (units, d) (or (records, units, d)); else ValueError."""
    w = np.asarray(unit_weights)
    if w.ndim not in ndims or not np.issubdtype(w.dtype, np.number):
        shapes = " or ".join({2: "(units, d)", 3: "(records, units, d)"}[n] for n in ndims)
        raise ValueError(f"{arg} must be a numeric array of shape {shapes}; got shape {w.shape}, dtype {w.dtype}")
    return w


def _one_record(w, metric):
    w = w.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf is NaN: a non-finite unit is at NaN from all
        diff = w[:, None, :] - w[None, :, :]
    if metric == "euclidean":
        return np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
    d = 1.0 - cosine_similarities(w, w)
    d[~np.any(diff, axis=2)] = 0.0  # identical units: exactly 0, whatever the rounding
    return d


def cosine_similarities(a, b):
    """(units_a, units_b) cosine similarity of every unit of ``a`` with every unit of ``b``, float64.

    A zero vector has no direction: its similarity is 1 with another zero
    vector and 0 with anything else (so its cosine distance, 1 minus this, is
    0 from a zero vector and 1 from any other).

    Examples:
        >>> cosine_similarities(np.array([[1.0, 0.0], [0.0, 0.0]]), np.array([[2.0, 0.0], [0.0, 0.0]])).tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """
    a = check_unit_weights(a, "a", ndims=(2,)).astype(np.float64)
    b = check_unit_weights(b, "b", ndims=(2,)).astype(np.float64)
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = (a @ b.T) / (na[:, None] * nb[None, :])
    zero_a, zero_b = (na == 0)[:, None], (nb == 0)[None, :]
    s[zero_a | zero_b] = 0.0
    s[zero_a & zero_b] = 1.0
    return np.clip(s, -1.0, 1.0)


def pairwise_distances(unit_weights, metric="euclidean"):
    """Distance between every pair of units, per record.

    Examples:
        >>> w = np.array([[0.0, 1.0], [0.0, 1.0], [3.0, 5.0]])
        >>> pairwise_distances(w)
        array([[0., 0., 5.],
               [0., 0., 5.],
               [5., 5., 0.]])

    Args:
        unit_weights: array (units, d) or (records, units, d).
        metric: "euclidean" or "cosine" (1 - cosine similarity, in [0, 2]).
            With cosine, two zero vectors are at 0 and a zero vector is at 1
            from any other; identical units are always at exactly 0.

    Returns:
        float64 array (units, units) or (records, units, units).
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {list(METRICS)}; got {metric!r}")
    w = check_unit_weights(unit_weights)
    if w.ndim == 2:
        return _one_record(w, metric)
    out = np.empty((w.shape[0], w.shape[1], w.shape[1]))
    for r in range(w.shape[0]):  # one record at a time keeps memory at units^2 * d
        out[r] = _one_record(w[r], metric)
    return out


def identical_groups(unit_weights, atol=0.0):
    """Groups of units with identical weights (each of two or more), by first index.

    What was observed, from incoming weights and biases alone; a tie (what a
    scheme sets up, ``schemes.scheme_groups``) also needs equal outgoing
    weights, which ``testing.assert_tied`` checks on a model.

    Units ``i`` and ``j`` are together when every weight differs by at most
    ``atol`` between ``j`` and the group's first member ``i``. With the default
    ``atol=0`` that is exact equality. A unit with a NaN or infinite weight is
    identical to no unit, itself included: NaN is never tied.

    Examples:
        >>> identical_groups(np.array([[1.0, 2.0], [5.0, 5.0], [1.0, 2.0]]))
        [[0, 2]]
        >>> identical_groups(np.array([[np.nan, 1.0], [np.nan, 1.0]]))
        []

    Args:
        unit_weights: array (units, d).
        atol: float >= 0.

    Returns:
        list of lists of unit indices.
    """
    return [g for g in _groups(unit_weights, atol) if len(g) > 1]


def distinct_units(unit_weights, atol=0.0):
    """How many different units there are (1 when all are identical); each unit with a NaN weight counts apart.

    Examples:
        >>> distinct_units(np.array([[1.0, 2.0], [5.0, 5.0], [1.0, 2.0]]))
        2
    """
    return len(_groups(unit_weights, atol))


def _groups(unit_weights, atol):
    w = check_unit_weights(unit_weights, ndims=(2,))
    atol = check_number(atol, "atol", minimum=0)
    finite = np.isfinite(w).all(axis=1)  # a unit with a NaN or infinite weight is never identical to another
    return _greedy(w.shape[0], lambda i, j: bool(finite[i] and finite[j]
                                                 and np.max(np.abs(w[j] - w[i]), initial=0.0) <= atol))


def _greedy(n, same):
    """All groups of 0..n-1: each takes the first unit left and every later unit ``same`` as it.

    The first unit always leaves with its group, so this ends after at most n
    rounds whatever ``same`` says (a NaN unit is ``same`` as nothing, itself
    included: it is a group of one, never tied).
    """
    left, groups = list(range(n)), []
    while left:
        first, rest = left[0], left[1:]
        group = [first] + [j for j in rest if same(first, j)]
        groups.append(group)
        left = [j for j in rest if j not in group]
    return groups


def distinct_from_distances(distances):
    """How many different units a (units, units) distance matrix shows (exactly-0 pairs are one unit).

    The same count as ``distinct_units`` with ``atol=0``, for recordings that
    kept only distances.

    Examples:
        >>> distinct_from_distances(np.array([[0.0, 3.0, 0.0], [3.0, 0.0, 3.0], [0.0, 3.0, 0.0]]))
        2
    """
    return len(_zero_distance_groups(distances))


def groups_from_distances(distances):
    """Groups (of two or more) of units at distance exactly 0, from a (units, units) matrix.

    The same grouping as ``identical_groups`` with ``atol=0``, for recordings that
    kept only distances (a euclidean distance is 0 exactly when the units are
    equal).

    Examples:
        >>> groups_from_distances(np.array([[0.0, 3.0, 0.0], [3.0, 0.0, 3.0], [0.0, 3.0, 0.0]]))
        [[0, 2]]
    """
    return [g for g in _zero_distance_groups(distances) if len(g) > 1]


def _zero_distance_groups(distances):
    """All groups of units at distance exactly 0 from the group's first (a NaN distance is never 0)."""
    d = np.asarray(distances)
    return _greedy(len(d), lambda i, j: d[i, j] == 0)


def off_diagonal(distances):
    """The distances between two different units: (..., units, units) -> (..., units * (units - 1))."""
    d = np.asarray(distances)
    return d[..., ~np.eye(d.shape[-1], dtype=bool)]


def smallest_distance(distances):
    """The distance between the two closest different units of a (units, units) matrix (0 for one unit)."""
    off = off_diagonal(distances)
    return float(off.min()) if off.size else 0.0


def spread_over_records(distances):
    """(records, units, units) -> smallest, median and largest distance between two different units, per record.

    Examples:
        >>> lo, med, hi = spread_over_records(pairwise_distances(np.array([[[0.0], [1.0], [3.0]]])))
        >>> lo.tolist(), med.tolist(), hi.tolist()
        ([1.0], [2.0], [3.0])
    """
    off = off_diagonal(distances)
    if off.shape[-1] == 0:  # one unit: nothing to be apart from
        zeros = np.zeros(off.shape[0])
        return zeros, zeros, zeros
    return off.min(axis=1), np.median(off, axis=1), off.max(axis=1)


def tie_gap(unit_weights, groups):
    """The tie gap: the largest absolute weight difference inside any group of units.

    0 means every group is exactly tied. Measured between any two members of
    a group (per weight, the largest value minus the smallest), on every
    weight (incoming weights and bias).

    Examples:
        >>> w = np.array([[1.0, 2.0], [1.0, 2.5], [7.0, 0.0]])
        >>> tie_gap(w, [[0, 1]])
        0.5
        >>> tie_gap(np.stack([w, w[[0, 0, 2]]]), [[0, 1]]).tolist()
        [0.5, 0.0]
        >>> tie_gap(np.array([[0.0], [0.25], [-0.25]]), [[0, 1, 2]])  # any two members, not only from the first
        0.5

    Args:
        unit_weights: one record (units, d) or many (records, units, d).
        groups: list of groups (lists of unit indices), or None.

    Returns:
        a float for one record, a float64 array (records,) for many; None
        when there are no groups.
    """
    w = check_unit_weights(unit_weights).astype(np.float64)
    if not groups:
        return None
    units = w.shape[-2]
    for group in groups:
        if max(group) >= units or min(group) < -units:
            raise ValueError(f"groups: group {list(group)} names a unit outside the {units} units")
    # Between any two members: per weight, the group's largest value minus its smallest (NaN stays NaN).
    gaps = np.max([np.ptp(w[..., g, :], axis=-2).max(axis=-1) for g in groups], axis=0)
    return float(gaps) if w.ndim == 2 else gaps


def relative_tie_gap(unit_weights, groups):
    """The relative tie gap: ``tie_gap`` over the largest absolute weight of the groups' units.

    What ``gaps`` follows, since float32 resolves only about 1e-7 of a weight's
    size: a relative tie gap below that is rounding, not dynamics.

    Examples:
        >>> relative_tie_gap(np.array([[1.0, 2.0], [1.0, 2.5], [7.0, 0.0]]), [[0, 1]])
        0.2

    Args:
        unit_weights, groups: as for ``tie_gap`` (groups must not be empty).

    Returns:
        a float for one record, a float64 array (records,) for many.
    """
    w = check_unit_weights(unit_weights).astype(np.float64)
    if not groups:
        raise ValueError(f"groups must name at least one group; got {groups!r}")
    members = sorted({u for g in groups for u in g})
    gap = tie_gap(w, groups) / np.abs(w[..., members, :]).max(axis=(-2, -1))
    return float(gap) if w.ndim == 2 else gap

