"""The tie, decided in one place: are the units of each group equal in every part a tie needs?

A tie needs equal **incoming** weights and biases (the unit layout, (units,
fan_in + 1)), equal **outgoing** weights (the units' rows of the next Dense
layer's kernel) and equal per-unit values **between** the two layers (a
BatchNormalization's four). ``tie_verdict`` reads whichever of those parts it
is given and returns one ``TieVerdict``: held, apart (the first difference:
which part, which units, which weight, how large, which record), or not
finite. A NaN or infinite weight is never tied, not even to another NaN:
``assert_tied``, compare, explain, breakers and the titles all read this
verdict, so none of them can call a diverged run tied.

Two gaps, two names (``../shared/DESIGN.md``): the **tie gap**
(``distances.tie_gap``) is over incoming weights and biases; the **full tie
gap** (``full_tie_gap``) is over every part a tie needs, outgoing weights and
values in between included.
"""
from dataclasses import dataclass

import numpy as np

from course_companion.analysis.distances import check_unit_weights, tie_gap
from course_companion.checks import check_groups, check_number

__all__ = ["PARTS", "TieVerdict", "tie_verdict", "full_tie_gap"]

# The parts of a tie, in the order they are checked: incoming weights and bias, outgoing weights, values in between.
PARTS = ("incoming", "outgoing", "between")


@dataclass(frozen=True)
class TieVerdict:
    """One verdict on a tie.

    Attributes:
        status: "held" (every group equal within ``atol`` in every part), "apart" (a difference over
            ``atol``) or "not finite" (a NaN or infinite value in a group: never held).
        part: where the first problem is ("incoming", "outgoing", "between"), or None when held.
        units: (first unit of the group, the unit that differs from it, or the unit with the non-finite value),
            or None when held.
        group: the group where the problem is (a list of unit indices), or None when held.
        index: which value of that part (for "incoming": the input, or fan_in for the bias), or None.
        size: the difference found there (NaN for "not finite"), 0.0 when held.
        record: the record (0-based) where it was found, for parts with a records axis; else None.
        allowed: the tolerance the verdict was decided with (0.0: exact equality).
    """

    status: str
    part: str = None
    units: tuple = None
    index: int = None
    size: float = 0.0
    record: int = None
    allowed: float = 0.0
    group: list = None

    @property
    def held(self):
        """True only for "held"."""
        return self.status == "held"


def _as_records(array, name):
    a = check_unit_weights(array, f"parts[{name!r}]")
    return a if a.ndim == 3 else a[None]


def tie_verdict(parts, groups, atol=0.0):
    """Decide whether the units of every group are tied in every part given.

    Checked record by record, group by group, part by part (``PARTS`` order):
    a non-finite value in a group's rows gives "not finite" there; otherwise
    the largest difference of any member from the group's first unit, in
    float64, over ``atol`` gives "apart". The first problem found is returned.

    Examples:
        >>> w = np.array([[1.0, 2.0], [1.0, 2.0], [3.0, 0.0]])
        >>> tie_verdict({"incoming": w}, [[0, 1]]).held
        True
        >>> v = tie_verdict({"incoming": w, "outgoing": np.array([[0.5], [0.25], [1.0]])}, [[0, 1]])
        >>> v.status, v.part, v.units, v.index, v.size
        ('apart', 'outgoing', (0, 1), 0, 0.25)
        >>> tie_verdict({"incoming": np.array([[np.nan, 1.0], [5.0, 7.0]])}, [[0, 1]]).status
        'not finite'

    Args:
        parts: dict from a name in ``PARTS`` to an array (units, m) or (records, units, m); a missing or
            None part is not checked. Parts with a records axis must agree on its length.
        groups: list of groups of unit indices (``checks.check_groups``), at least one.
        atol: float >= 0, the largest difference allowed (0: exact equality).

    Returns:
        a ``TieVerdict``.
    """
    groups = check_groups(groups)
    if not groups:
        raise ValueError(f"groups must name at least one group; got {groups!r}")
    allowed = check_number(atol, "atol", minimum=0)
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise ValueError(f"parts must be named from {list(PARTS)}; got {sorted(unknown)}")
    given = {name: _as_records(parts[name], name) for name in PARTS if parts.get(name) is not None}
    if "incoming" not in given:
        raise ValueError("parts must hold the units' 'incoming' weights")
    count = given["incoming"].shape[1]
    for name, a in given.items():
        if a.shape[1] != count:
            raise ValueError(f"parts[{name!r}] has {a.shape[1]} units, but 'incoming' has {count}")
    for group in groups:
        if max(group) >= count:
            raise ValueError(f"groups: group {group} names unit {max(group)}, but there are {count} units")
    records = {a.shape[0] for a in given.values() if a.shape[0] > 1}
    if len(records) > 1:
        raise ValueError(f"parts with a records axis must agree on its length; got {sorted(records)}")
    many = bool(records)
    for r in range(records.pop() if records else 1):
        for group in groups:
            for name, a in given.items():
                rows = a[min(r, len(a) - 1)][group].astype(np.float64)
                where = r if many else None
                finite = np.isfinite(rows)
                if not finite.all():
                    member, index = np.argwhere(~finite)[0]
                    return TieVerdict("not finite", name, (group[0], group[member]), int(index), float("nan"), where,
                                      allowed, group)
                diff = np.abs(rows[1:] - rows[0])
                if diff.size and diff.max() > allowed:
                    member, index = np.unravel_index(np.argmax(diff), diff.shape)
                    return TieVerdict("apart", name, (group[0], group[1 + member]), int(index), float(diff.max()),
                                      where, allowed, group)
    return TieVerdict("held", allowed=allowed)


def full_tie_gap(parts, groups):
    """The full tie gap: the largest difference inside any group over every part a tie needs.

    ``distances.tie_gap`` over the parts side by side (incoming weights and
    bias, outgoing weights, values in between); NaN where any is NaN.

    Examples:
        >>> w = np.array([[1.0, 2.0], [1.0, 2.0], [3.0, 0.0]])
        >>> full_tie_gap({"incoming": w, "outgoing": np.array([[0.5], [0.25], [1.0]])}, [[0, 1]])
        0.25

    Args:
        parts: as for ``tie_verdict``, each (units, m) (one record).
        groups: list of groups of unit indices.

    Returns:
        a float, or None when there are no groups.
    """
    blocks = [np.asarray(parts[name], np.float64) for name in PARTS if parts.get(name) is not None]
    return tie_gap(np.concatenate(blocks, axis=-1), groups)
