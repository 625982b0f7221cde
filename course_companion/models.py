"""The course's 25-15-1 sigmoid model under named schemes, and ``tie_units``.

A scheme is a named way to initialize the whole model:

- ``constant``: every kernel ``Constant(CONSTANT_VALUE)``, biases zero; all
  units of a layer identical, and they stay so.
- ``random``: seeded Glorot-uniform kernels (``Random``), biases zero; the
  course's model, made reproducible.
- ``mirrored``: random, but the groups in ``ties`` are tied completely: their
  kernel columns and biases in the tied layer and their rows in the next
  layer's kernel. They stay identical through training.
- ``incoming-only``: the same groups with only the incoming columns and biases
  equal; the next layer's rows stay random, so the units drift apart.
- ``perturbed``: ``mirrored`` plus normal noise of ``jitter`` (default
  ``PERTURBED_JITTER``) on every weight.
"""
import keras
import numpy as np

from course_companion.checks import check_groups, check_int, check_number
from course_companion.initializers import Constant, Mirrored, Random
from course_companion.layers import layer_name

__all__ = [
    "SCHEMES",
    "DEFAULT_TIES",
    "CONSTANT_VALUE",
    "PERTURBED_JITTER",
    "build_model",
    "kernel_initializers",
    "initial_weights",
    "layer_seed",
    "scheme_groups",
    "dense_layers",
    "find_dense_layer",
    "following_dense_layer",
    "tie_units",
    "reset_optimizer",
]

SCHEMES = ("constant", "random", "mirrored", "incoming-only", "perturbed")
# Layer index (0 = L1) -> groups of unit indices. L1 units 0 and 1 are one
# group and 2, 3, 4 another; L2 units 0 and 1 a third.
DEFAULT_TIES = {0: [[0, 1], [2, 3, 4]], 1: [[0, 1]]}
# Zero: the classic "initialize everything to zero". The model still learns (as
# if each layer had one unit); larger constants saturate the 400-input sigmoids
# of L1 and, seen here, left accuracy at 0.5 after 20 epochs.
CONSTANT_VALUE = 0.0
PERTURBED_JITTER = 1e-6  # about 100 float32 steps at weights of size 0.1


def layer_seed(seed, layer):
    """The seed of one layer's kernel, derived from the model's seed.

    Uses NumPy's ``SeedSequence`` so that model seeds 0 and 1 give unrelated
    layers (a plain ``seed + layer`` would reuse L2's draws of seed 0 as L1's
    of seed 1).
    """
    return int(np.random.SeedSequence([int(seed), int(layer)]).generate_state(1)[0] >> 1)


def _check_ties(ties, units):
    if ties is None:
        ties = DEFAULT_TIES
    if not isinstance(ties, dict):
        raise TypeError(f"ties must be a dict from layer index to groups; got {ties!r}")
    out = {}
    for key, groups in ties.items():
        if isinstance(key, str) and key.startswith("L") and key[1:].isdigit():
            index = int(key[1:]) - 1  # "L1" is layer 0
        elif isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            index = int(key)
        else:
            raise TypeError(f"ties keys must be layer indices (0 = L1) or names 'L1'...; got {key!r}")
        if not 0 <= index < len(units):
            raise ValueError(f"ties names layer {key!r}, but the model has layers 0..{len(units) - 1}")
        groups = check_groups(groups, f"ties[{key!r}]")  # the form; the range needs the layer's size
        for group in groups:
            if max(group) >= units[index]:
                raise ValueError(
                    f"ties[{key!r}] group {group} names unit {max(group)}, "
                    f"but layer L{index + 1} has {units[index]} units"
                )
        out[index] = groups
    return out


def scheme_groups(scheme, ties=None, units=(25, 15, 1)):
    """The groups of units that ``scheme`` starts equal, per layer index.

    ``constant`` starts every layer with more than one unit as one group;
    ``random`` has none; the other schemes have ``ties`` (default
    ``DEFAULT_TIES``). ``perturbed`` and ``incoming-only`` start them equal (or
    nearly) but do not keep them so: that is what they show.
    """
    _check_scheme(scheme)
    units = tuple(units)
    if scheme == "constant":
        return {i: [list(range(n))] for i, n in enumerate(units) if n > 1}
    if scheme == "random":
        return {}
    return _check_ties(ties, units)


def _check_scheme(scheme):
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {list(SCHEMES)}; got {scheme!r}")


def _check_model_args(scheme, seed, input_dim, units, learning_rate):
    _check_scheme(scheme)
    check_int(seed, "seed", minimum=0)
    check_int(input_dim, "input_dim", minimum=1)
    units = tuple(units)
    if not units:
        raise ValueError(f"units must name at least one layer; got {units!r}")
    for i, n in enumerate(units):
        check_int(n, f"units[{i}]", minimum=1)
    check_number(learning_rate, "learning_rate", minimum=0, strict=True)
    return units


def kernel_initializers(scheme, seed=0, ties=None, units=(25, 15, 1), jitter=None):
    """Each layer's kernel initializer under ``scheme`` (biases always start at zero).

    ``build_model`` uses these; so do the replicas of ``course_companion.sweep``,
    so a replica starts exactly where the standalone model starts. ``jitter``
    is the standard deviation of the noise ``perturbed`` adds (None:
    ``PERTURBED_JITTER``; other schemes ignore it).
    """
    _check_scheme(scheme)
    units = tuple(units)
    groups = scheme_groups(scheme, ties, units) if scheme not in ("constant", "random") else {}
    for index in groups:
        if index == len(units) - 1:
            raise ValueError(
                f"ties names L{index + 1}, the last layer: its units have no outgoing weights "
                "to tie, and the loss treats its outputs differently"
            )
    if scheme != "perturbed":
        jitter = 0.0
    else:
        jitter = PERTURBED_JITTER if jitter is None else check_number(jitter, "jitter", minimum=0)
    kernels = []
    for i in range(len(units)):
        if scheme == "constant":
            kernels.append(Constant(CONSTANT_VALUE))
        elif scheme == "random":
            kernels.append(Random(seed=layer_seed(seed, i)))
        else:
            incoming = groups.get(i - 1) if scheme != "incoming-only" else None
            kernels.append(Mirrored(units=groups.get(i), inputs=incoming, seed=layer_seed(seed, i), jitter=jitter))
    return kernels


def initial_weights(scheme="random", seed=0, ties=None, input_dim=400, units=(25, 15, 1), jitter=None,
                    dtype="float32"):
    """The starting (kernel, bias) of each layer as NumPy arrays of ``dtype``, without building a model."""
    units = _check_model_args(scheme, seed, input_dim, units, 0.001)
    fans = (int(input_dim),) + units[:-1]
    return [
        (keras.ops.convert_to_numpy(init((fan, n), dtype=dtype)), np.zeros(n, dtype))
        for init, fan, n in zip(kernel_initializers(scheme, seed, ties, units, jitter), fans, units)
    ]


def build_model(
    scheme="random",
    seed=0,
    ties=None,
    input_dim=400,
    units=(25, 15, 1),
    activation="sigmoid",
    learning_rate=0.001,
    steps_per_execution=1,
    jitter=None,
):
    """The course's model, compiled, with its weights set by a named scheme.

    ``Input(400) -> Dense(25) -> Dense(15) -> Dense(1)``, sigmoid everywhere,
    layers named ``L1``, ``L2``, ``L3``, ``BinaryCrossentropy`` and
    ``Adam(learning_rate)`` with an accuracy metric: 10,431 parameters with the
    defaults. The same scheme and seed give the same weights every time.

    Examples:
        >>> model = build_model("mirrored", seed=0)
        >>> model.count_params()
        10431

    Args:
        scheme: str, one of ``SCHEMES``.
        seed: int >= 0; each layer's kernel gets ``layer_seed(seed, i)``.
        ties: dict from layer index (0 = L1; "L1" also works) to groups of unit
            indices, for ``mirrored``, ``incoming-only`` and ``perturbed``;
            default ``DEFAULT_TIES``. A tied layer must not be the last.
        input_dim: int, features per example.
        units: tuple of ints, units per Dense layer.
        activation: str, every layer's activation.
        learning_rate: float > 0, Adam's learning rate.
        jitter: float >= 0, the standard deviation of the noise ``perturbed``
            adds to every weight, or None for ``PERTURBED_JITTER`` (1e-6).
        steps_per_execution: int >= 1, batches per call into the TensorFlow
            graph (Keras's compile option): more is faster; batch-level
            callbacks then fire once per call.

    Returns:
        A compiled ``keras.Sequential``.
    """
    units = _check_model_args(scheme, seed, input_dim, units, learning_rate)
    kernels = kernel_initializers(scheme, seed, ties, units, jitter)

    layers = [keras.Input(shape=(int(input_dim),))]
    for i, (n, kernel) in enumerate(zip(units, kernels)):
        layers.append(
            keras.layers.Dense(
                int(n),
                activation=activation,
                kernel_initializer=kernel,
                bias_initializer="zeros",
                name=f"L{i + 1}",
            )
        )
    model = keras.Sequential(layers, name=f"course_model_{scheme.replace('-', '_')}")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=keras.losses.BinaryCrossentropy(),
        metrics=["accuracy"],
        steps_per_execution=check_int(steps_per_execution, "steps_per_execution", minimum=1),
    )
    return model


def dense_layers(model):
    """The model's Dense layers, in order."""
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def find_dense_layer(model, layer):
    """The Dense layer of ``model`` that ``layer`` means.

    Examples:
        >>> find_dense_layer(build_model(), 1).name
        'L2'

    Args:
        model: a Keras model.
        layer: a name, an index into the Dense layers (0 = L1, -1 the last;
            ``layers.layer_name``), or the layer itself.

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


def following_dense_layer(model, layer):
    """The Dense layer that takes ``layer``'s output (whose kernel rows are its units' outgoing weights).

    Args:
        model: a built Keras model.
        layer: as for ``find_dense_layer``.

    Returns:
        that Dense layer, or None when ``layer`` feeds nothing (the last layer).

    Raises:
        ValueError: ``layer`` feeds something other than exactly one Dense
            layer, so its units' outgoing weights are not one kernel's rows.
    """
    layer = find_dense_layer(model, layer)
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
    if not found:
        return None
    if len(found) != 1 or not isinstance(found[0], keras.layers.Dense):
        raise ValueError(
            f"layer {layer.name!r} must feed exactly one Dense layer for its units to be tied; "
            f"it feeds {[c.name for c in found]}"
        )
    return found[0]


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
