"""Argument checks shared by the whole package.

One rule everywhere: a value of the wrong type raises ``TypeError``, a value
of the right type out of range raises ``ValueError``, and the message names
the argument and echoes what was received. (The command line's option types
are in ``options``.)
"""
import math
import numbers

__all__ = ["FLOAT32_MAX", "check_int", "check_number", "check_groups"]

FLOAT32_MAX = 3.4028234663852886e38  # the largest float32: a weight beyond it is infinity in the model


def check_int(value, arg, minimum=None):
    """``value`` as an int (bools refused), at least ``minimum`` if given.

    Examples:
        >>> check_int(3, "epochs", minimum=1)
        3
        >>> check_int(-1, "seed", minimum=0)
        Traceback (most recent call last):
        ...
        ValueError: seed must be an int >= 0; got -1
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{arg} must be an int; got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{arg} must be an int >= {minimum}; got {value!r}")
    return int(value)


def check_number(value, arg, minimum=None, strict=False, float32=False):
    """``value`` as a finite float (bools refused), ``>= minimum`` (``> minimum`` with ``strict``).

    With ``float32=True`` it must also fit in float32 (at most ``FLOAT32_MAX`` in size): a weight or a jitter
    that float32 turns into infinity is refused here, before any model is built.

    Examples:
        >>> check_number(1e308, "constant", float32=True)
        Traceback (most recent call last):
        ...
        ValueError: constant must fit in float32 (at most 3.4e+38 in size); got 1e+308
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{arg} must be a number; got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{arg} must be finite; got {value!r}")
    if float32 and abs(value) > FLOAT32_MAX:
        raise ValueError(f"{arg} must fit in float32 (at most {FLOAT32_MAX:.2g} in size); got {value!r}")
    if minimum is not None and (value <= minimum if strict else value < minimum):
        raise ValueError(f"{arg} must be a number {'>' if strict else '>='} {minimum}; got {value!r}")
    return float(value)


def check_groups(groups, arg="groups"):
    """Check groups of unit (or input) indices; return them as lists of ints, or None.

    Each group is a list of at least two distinct ints >= 0, and no index is
    in two groups.

    Examples:
        >>> check_groups([(0, 1), [2, 3, 4]])
        [[0, 1], [2, 3, 4]]
        >>> check_groups([[0, 3], [3, 4]])
        Traceback (most recent call last):
        ...
        ValueError: groups must not overlap; index 3 is in groups [0, 3] and [3, 4]

    Raises:
        TypeError: not a list of lists of ints.
        ValueError: a group has fewer than two indices, a negative or repeated
            one, or shares an index with another group.
    """
    if groups is None:
        return None
    if isinstance(groups, (str, bytes)) or not hasattr(groups, "__iter__"):
        raise TypeError(f"{arg} must be a list of groups (lists of ints); got {groups!r}")
    out = []
    seen = {}
    for g, group in enumerate(groups):
        if isinstance(group, (str, bytes)) or not hasattr(group, "__iter__"):
            raise TypeError(f"{arg}[{g}] must be a list of ints; got {group!r}")
        group = list(group)
        for i in group:
            if isinstance(i, bool) or not isinstance(i, numbers.Integral):
                raise TypeError(f"{arg}[{g}] must hold ints; got {i!r} in {group!r}")
            if i < 0:
                raise ValueError(f"{arg}[{g}] must hold non-negative ints; got {i} in {group!r}")
        group = [int(i) for i in group]
        if len(group) < 2:
            raise ValueError(f"{arg}[{g}] must name at least two units; got {group!r}")
        if len(set(group)) != len(group):
            raise ValueError(f"{arg}[{g}] must not repeat an index; got {group!r}")
        for i in group:
            if i in seen:
                raise ValueError(
                    f"{arg} must not overlap; index {i} is in groups {out[seen[i]]!r} and {group!r}"
                )
            seen[i] = len(out)
        out.append(group)
    return out
