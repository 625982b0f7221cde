"""What tied units compute: their outputs on the data, the output gap, and the inputs that never teach them.

A tie gap measures weights; the **output gap** measures what the units do:
the largest difference between two tied units' outputs over the training
rows. Weights from an input that is 0 in every row (``silent_inputs``) change
no output and never get a gradient, so they can hold a tie gap that means
nothing. NumPy only.
"""
import numpy as np

from course_companion.analysis.distances import check_unit_weights
from course_companion.analysis.layout import split_units

__all__ = ["ACTIVATIONS", "silent_inputs", "unit_outputs", "output_gap"]

# The activations of the course's models, in NumPy (float64), to compute units' outputs from recorded weights.
ACTIVATIONS = {
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh": np.tanh,
    "linear": lambda z: z,
}


def silent_inputs(X):
    """The inputs (columns of ``X``) that are 0 in every row, as an int array.

    A first-layer weight from such an input never gets a gradient (dJ/dw_kj
    sums x_k times the unit's error over the rows), so it keeps its starting
    value, jitter and all, however long the model trains.

    Examples:
        >>> silent_inputs(np.array([[0.0, 1.0, 0.0], [0.0, 2.0, 3.0]])).tolist()
        [0]
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (rows, features); got shape {X.shape}")
    return np.flatnonzero(~np.any(X != 0, axis=0))


def unit_outputs(X, unit_weights, units=None, activation="sigmoid"):
    """Each unit's output on every row of ``X``: ``activation(X @ w + b)``, float64.

    Args:
        X: (rows, fan_in) inputs of the layer.
        unit_weights: (units, fan_in + 1) or (records, units, fan_in + 1), incoming weights then bias.
        units: the unit indices to compute (default all).
        activation: a name from ``ACTIVATIONS``.

    Returns:
        (rows, units) or (records, rows, units).
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {list(ACTIVATIONS)}; got {activation!r}")
    w = check_unit_weights(unit_weights).astype(np.float64)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != w.shape[-1] - 1:
        raise ValueError(f"X must be (rows, {w.shape[-1] - 1}) for units with {w.shape[-1] - 1} incoming weights; "
                         f"got shape {X.shape}")
    if units is not None:
        w = w[..., list(units), :]
    incoming, bias = split_units(w)
    z = np.einsum("nf,...uf->...nu", X, incoming) + bias[..., None, :]
    return ACTIVATIONS[activation](z)


def output_gap(X, unit_weights, groups, activation="sigmoid"):
    """The output gap: the largest difference between the outputs of two units of a group, over the rows of ``X``.

    What a learner means by "the units differ": 0 when the tied units compute
    the same function of the data, whatever their weights from inputs that
    are always 0.

    Examples:
        >>> w = np.array([[1.0, 0.0, 0.0], [1.0, 5.0, 0.0], [2.0, 0.0, 0.0]])  # unit 1 differs only on input 1
        >>> output_gap(np.array([[1.0, 0.0], [2.0, 0.0]]), w, [[0, 1]], "linear")  # input 1 is always 0
        0.0
        >>> w3 = np.array([[1.0, 0.0], [1.1, 0.0], [0.9, 0.0]])  # any two members: 1.1 - 0.9, not only from unit 0
        >>> round(output_gap(np.array([[1.0]]), w3, [[0, 1, 2]], "linear"), 12)
        0.2

    Returns:
        a float for one record, a float64 array (records,) for many.
    """
    if not groups:
        raise ValueError(f"groups must name at least one group; got {groups!r}")
    members = sorted({u for g in groups for u in g})
    out = unit_outputs(X, unit_weights, members, activation)
    where = {u: k for k, u in enumerate(members)}
    # Between any two members, as the tie gap: per row, the group's largest output minus its smallest.
    gaps = np.max([np.ptp(out[..., [where[u] for u in g]], axis=-1).max(axis=-1) for g in groups], axis=0)
    return float(gaps) if np.ndim(gaps) == 0 else gaps
