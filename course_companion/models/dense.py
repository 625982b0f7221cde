"""Dense layers of any Keras model: find them, read their units, tie, reorder and flip units.

``find_dense_layer`` is the one place where an argument becomes a layer (a
name, an index into the Dense layers as ``layer_names.layer_name`` counts
them, or the layer); ``following_dense_layer`` finds the layer whose kernel
rows are a layer's outgoing weights. ``tie_units`` and ``permute_units``
change a built (maybe trained) model in place and reset the optimizer's state.
"""
import keras
import numpy as np

from course_companion.analysis.layout import join_units
from course_companion.checks import check_groups
from course_companion.layer_names import layer_name

__all__ = ["PER_UNIT_LAYERS", "NORMALIZATION_LAYERS", "dense_layers", "find_dense_layer", "following_dense_layer",
           "units_path", "unit_weights", "tie_parts", "reset_optimizer", "tie_units", "permute_units"]


def dense_layers(model):
    """The model's Dense layers, in order."""
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def find_dense_layer(model, layer):
    """The Dense layer of ``model`` that ``layer`` means.

    Examples:
        >>> from course_companion.models import build_model
        >>> find_dense_layer(build_model(), 1).name
        'L2'

    Args:
        model: a Keras model.
        layer: a name, an index into the Dense layers (0 = L1, -1 the last;
            ``layer_names.layer_name``), or the layer itself.

    Raises:
        TypeError: ``layer`` is none of these.
        ValueError: the layer is not in the model, or is not Dense.
    """
    dense = dense_layers(model)
    names = [d.name for d in dense]
    if isinstance(layer, keras.layers.Layer):
        if layer not in model.layers:
            raise ValueError(f"layer {layer.name!r} is not in the model; Dense layers are {names}")
        found = layer
    elif isinstance(layer, str):
        matches = [l for l in model.layers if l.name == layer]
        if not matches:
            raise ValueError(f"layer {layer!r} is not in the model; Dense layers are {names}")
        found = matches[0]
    else:
        found = dense[names.index(layer_name(layer, names))]
    if not isinstance(found, keras.layers.Dense):
        raise ValueError(f"layer {found.name!r} is a {type(found).__name__}, not Dense; Dense layers are {names}")
    return found


# Layers that act on each unit's output alone and hold no weights: past them, a unit's outgoing weights are still
# the next Dense layer's kernel rows (what tie_units and permute_units change).
PER_UNIT_LAYERS = (keras.layers.Dropout, keras.layers.GaussianNoise, keras.layers.GaussianDropout,
                   keras.layers.AlphaDropout, keras.layers.Activation)
# BatchNormalization also works on each unit alone, but holds four values per unit (gamma, beta, moving mean and
# variance): ``units_path`` passes it where they are read as part of the units (``testing.assert_tied``).
NORMALIZATION_LAYERS = (keras.layers.BatchNormalization,)


def following_dense_layer(model, layer):
    """The Dense layer that takes ``layer``'s output (whose kernel rows are its units' outgoing weights).

    Dropout, GaussianNoise and other ``PER_UNIT_LAYERS`` in between are
    passed: they hold no weights and treat each unit alone.

    Args:
        model: a built Keras model.
        layer: as for ``find_dense_layer``.

    Returns:
        that Dense layer, or None when ``layer`` feeds nothing (the last layer).

    Raises:
        ValueError: ``layer`` feeds something other than exactly one Dense
            layer, so its units' outgoing weights are not one kernel's rows.
    """
    return units_path(model, layer)[1]


def units_path(model, layer, through=PER_UNIT_LAYERS):
    """(the layers of ``through`` between ``layer`` and the Dense layer it feeds, that Dense layer or None).

    Raises:
        ValueError: as for ``following_dense_layer``.
    """
    layer = find_dense_layer(model, layer)
    between, current = [], layer
    while True:
        found = _consumers(model, current)
        if not found:
            return between, None
        if len(found) == 1 and isinstance(found[0], through) and _acts_per_unit(found[0]):
            between.append(found[0])
            current = found[0]
            continue
        if len(found) != 1 or not isinstance(found[0], keras.layers.Dense):
            raise ValueError(
                f"layer {layer.name!r} must feed exactly one Dense layer for its units to be tied; "
                f"it feeds {[c.name for c in found]}"
            )
        return between, found[0]


def _acts_per_unit(layer):
    """False for a normalization over anything but the units' axis."""
    return not isinstance(layer, keras.layers.BatchNormalization) or layer.axis in (-1, len(layer.input.shape) - 1)


def _consumers(model, layer):
    """The layers of ``model`` that take ``layer``'s output."""
    found = []
    for other in model.layers:
        if other is layer or isinstance(other, keras.layers.InputLayer):
            continue
        try:
            inputs = keras.tree.flatten(other.input)
        except (AttributeError, ValueError):
            continue  # a layer used more than once or never called
        if any(t is layer.output for t in inputs):
            found.append(other)
    return found


def unit_weights(layer, dtype="float32"):
    """A Dense layer's units as rows: (units, fan_in + 1), incoming column then bias, as ``dtype``.

    A layer built with ``use_bias=False`` gives (units, fan_in); ``dtype=None`` keeps the layer's own (a float64
    layer's differences below float32's resolution stay visible).

    Examples:
        >>> layer = keras.layers.Dense(3)
        >>> layer.build((None, 4))
        >>> unit_weights(layer).shape
        (3, 5)
    """
    kernel = getattr(layer, "kernel", None)
    if kernel is None or len(kernel.shape) != 2:
        raise TypeError(f"layer must be a built Dense layer; got {type(layer).__name__}")
    bias = layer.bias.numpy() if getattr(layer, "use_bias", False) and layer.bias is not None else None
    units = join_units(kernel.numpy(), bias)
    return units if dtype is None else units.astype(dtype)


def tie_parts(model, layer):
    """What a tie of ``layer``'s units needs equal, read from ``model``: incoming weights and biases, outgoing weights
    and the per-unit values of any BatchNormalization in between.

    Returns:
        dict with "units" (units, fan_in + 1) incoming column then bias in the layer's own dtype; "outgoing" (units,
        next layer's units) or None where the layer feeds nothing or not one Dense layer; "between" (units, m) or None,
        and "between_names" (m names, such as "batch_normalization's gamma").
    """
    dense = find_dense_layer(model, layer)
    try:
        passed, following = units_path(model, dense, through=PER_UNIT_LAYERS + NORMALIZATION_LAYERS)
    except ValueError:
        passed, following = [], None  # its outgoing weights are not one kernel's rows
    columns, names = [], []
    for other in passed:
        for v in other.weights:
            if tuple(v.shape) == (dense.units,):
                columns.append(np.asarray(v.numpy(), np.float64))
                names.append(f"{other.name}'s {v.name}")
    return {"units": unit_weights(dense, dtype=None), "outgoing": None if following is None else following.kernel.numpy(),
            "between": np.stack(columns, axis=1) if columns else None, "between_names": names}


def reset_optimizer(model):
    """Zero the optimizer's state (step count, Adam's moments), keep its settings.

    Moments built up by earlier training hold different values for the units
    that are now tied; left in place they would pull them apart again.
    """
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return
    for var in optimizer.variables:
        if var.name == "learning_rate":
            continue
        var.assign(np.zeros(var.shape, dtype=var.dtype))


def tie_units(model, layer, groups):
    """Tie groups of units of an existing (maybe trained) model, in place.

    For each group, copies the first unit's incoming column and bias, and its
    outgoing row in the next Dense layer, onto the others; then resets the
    optimizer's state, because Adam's moments from earlier training would
    otherwise pull the tied units apart (what happens after a plain
    ``set_weights`` following a ``fit``).

    Examples:
        >>> from course_companion.models import build_model
        >>> model = build_model("random", seed=0)
        >>> tie_units(model, "L1", [[0, 1]])
        >>> k = model.get_layer("L1").kernel.numpy()
        >>> bool(np.array_equal(k[:, 0], k[:, 1]))
        True

    Args:
        model: a built Keras model (Sequential or functional).
        layer: str name, int index into the Dense layers, or the layer.
        groups: list of groups (lists of >= 2 unit indices).

    Raises:
        ValueError: the layer is not Dense, is not followed by exactly one
            Dense layer that takes only its output, or a unit index is out of
            range.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model; got {type(model).__name__}")
    if not model.built:
        raise ValueError("model is not built yet; build it (or call it once) before tying units")
    tied = find_dense_layer(model, layer)
    groups = check_groups(groups)
    if groups is None:
        raise ValueError("groups must name at least one group; got None")
    following = following_dense_layer(model, tied)
    if following is None:
        raise ValueError(f"layer {tied.name!r} must feed exactly one Dense layer for its units to be tied; it feeds nothing")
    n = tied.units
    for group in groups:
        if max(group) >= n:
            raise ValueError(f"group {group} names unit {max(group)}, but {tied.name!r} has {n} units")
    kernel = tied.kernel.numpy().copy()
    after = following.kernel.numpy().copy()
    bias = tied.bias.numpy().copy() if tied.use_bias else None
    for group in groups:
        kernel[:, group[1:]] = kernel[:, group[:1]]
        after[group[1:]] = after[group[:1]]
        if bias is not None:
            bias[group[1:]] = bias[group[0]]
    tied.kernel.assign(kernel)
    following.kernel.assign(after)
    if bias is not None:
        tied.bias.assign(bias)
    reset_optimizer(model)


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
        >>> model = build_model("random", seed=0, input_dim=2, layer_sizes=(3, 1))
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
