"""Which layer an argument means, and what the course's layers are called: one rule for the whole package.

An integer layer always counts the Dense layers of the model, in order (0 is
``L1``, -1 the last), whether it is given to ``models``, ``UnitRecorder``,
a ``Recording`` or ``testing.assert_tied``; a string is a layer's name. The
course's models name their Dense layers ``L1``, ``L2``, ... (``course_name``).
Pure Python, so a ``Recording`` can use it without Keras.
"""
import numbers

__all__ = ["layer_name", "course_name", "layer_index"]


def course_name(index):
    """The name the course gives its Dense layer ``index`` (0 -> ``"L1"``)."""
    return f"L{int(index) + 1}"


def layer_index(key, arg="layer"):
    """A layer index (0 = L1) from an int or a course name such as ``"L2"``.

    Examples:
        >>> layer_index("L2"), layer_index(0)
        (1, 0)
    """
    if isinstance(key, str) and key.startswith("L") and key[1:].isdigit():
        return int(key[1:]) - 1
    if isinstance(key, numbers.Integral) and not isinstance(key, bool):
        return int(key)
    raise TypeError(f"{arg} must be a layer index (0 = L1) or a name 'L1', 'L2'...; got {key!r}")


def layer_name(layer, dense_names):
    """The name of the Dense layer that ``layer`` means.

    Examples:
        >>> layer_name(0, ["L1", "L2", "L3"]), layer_name(-1, ["L1", "L2", "L3"]), layer_name("L2", ["L1", "L2"])
        ('L1', 'L3', 'L2')

    Args:
        layer: an int (0 = the first Dense layer, -1 the last) or a name.
        dense_names: the Dense layers' names, in order.

    Raises:
        TypeError: ``layer`` is neither an int nor a str.
        ValueError: the index is out of range, or no Dense layer has that name.
    """
    names = list(dense_names)
    if isinstance(layer, str):
        if layer not in names:
            raise ValueError(f"layer {layer!r} is not a Dense layer of the model; Dense layers are {names}")
        return layer
    if isinstance(layer, bool) or not isinstance(layer, numbers.Integral):
        raise TypeError(f"layer must be a name or an index into the Dense layers (0 = L1); got {layer!r}")
    if not -len(names) <= layer < len(names):
        raise ValueError(f"layer index {layer} is out of range; Dense layers are {names}")
    return names[int(layer)]
