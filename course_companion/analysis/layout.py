"""The unit layout, in one place: one row per unit, its incoming weights (a kernel column) then its bias.

NumPy only, at the bottom of the data path, so the Dense-layer helpers
(``models.dense.unit_weights``), the recorders, ``Recording`` and the
analysis all build and split units the same way.
"""
import numpy as np

__all__ = ["join_units", "split_units"]


def join_units(kernel, bias=None):
    """A Dense kernel and bias -> the unit layout: one row per unit, its incoming weights then its bias.

    The one place that layout is built; ``split_units`` takes it apart.

    Examples:
        >>> kernel = np.array([[1., 2., 3.], [4., 5., 6.]])  # (fan_in 2, units 3)
        >>> join_units(kernel, np.array([7., 8., 9.]))
        array([[1., 4., 7.],
               [2., 5., 8.],
               [3., 6., 9.]])

    Args:
        kernel: (..., fan_in, units), any leading axes (records, replicas).
        bias: (..., units), or None for a layer without biases.

    Returns:
        (..., units, fan_in + 1) in the arrays' dtype; (..., units, fan_in) without a bias.
    """
    kernel = np.asarray(kernel)
    parts = [kernel] if bias is None else [kernel, np.asarray(bias)[..., None, :]]
    return np.swapaxes(np.concatenate(parts, axis=-2), -1, -2)


def split_units(units):
    """The unit layout -> (incoming weights (..., units, fan_in), biases (..., units)): ``join_units`` undone.

    Examples:
        >>> incoming, bias = split_units(np.array([[1., 4., 7.], [2., 5., 8.]]))
        >>> incoming.tolist(), bias.tolist()
        ([[1.0, 4.0], [2.0, 5.0]], [7.0, 8.0])
    """
    units = np.asarray(units)
    return units[..., :-1], units[..., -1]
