"""Which layer an argument means: one rule for the whole package.

An integer layer always counts the Dense layers of the model, in order (0 is
``L1``, -1 the last), whether it is given to ``models``, ``UnitRecorder``,
a ``Recording`` or ``testing.assert_tied``; a string is a layer's name. Pure
Python, so a ``Recording`` can use it without Keras.
"""
import numbers

__all__ = ["layer_name"]


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
