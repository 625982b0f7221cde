"""The course's models, built and compiled under a named scheme (``schemes``).

``build_model`` builds ``Input -> Dense -> ... -> Dense`` with the layers named
``L1``, ``L2``, ...; every scheme's kernels come from ``kernel_initializers``,
which the replica models (``models.replicas``) use too, so a replica starts
exactly where the standalone model starts.
"""
import keras
import numpy as np

from course_companion.checks import check_int, check_number
from course_companion.layer_names import course_name
from course_companion.models.initializers import Constant, Mirrored, Random
from course_companion.schemes import (BINARY, CONSTANT_VALUE, LOSSES, PERTURBED_JITTER, check_scheme, layer_seed,
                                      scheme_groups)

__all__ = ["build_model", "kernel_initializers", "initial_weights"]


def _check_model_args(scheme, seed, input_dim, layer_sizes, learning_rate):
    check_scheme(scheme)
    check_int(seed, "seed", minimum=0)
    check_int(input_dim, "input_dim", minimum=1)
    layer_sizes = tuple(layer_sizes)
    if not layer_sizes:
        raise ValueError(f"layer_sizes must name at least one layer; got {layer_sizes!r}")
    for i, n in enumerate(layer_sizes):
        check_int(n, f"layer_sizes[{i}]", minimum=1)
    check_number(learning_rate, "learning_rate", minimum=0, strict=True)
    return layer_sizes


def kernel_initializers(scheme, seed=0, ties=None, layer_sizes=BINARY.layer_sizes, jitter=None, constant=CONSTANT_VALUE):
    """Each layer's kernel initializer under ``scheme`` (biases always start at zero).

    ``build_model`` uses these; so do the replicas of ``models.replicas``,
    so a replica starts exactly where the standalone model starts. ``jitter``
    is the standard deviation of the noise ``perturbed`` adds (None:
    ``PERTURBED_JITTER``; other schemes ignore it); ``constant`` is the value
    of every weight under ``constant``.
    """
    check_scheme(scheme)
    layer_sizes = tuple(layer_sizes)
    groups = scheme_groups(scheme, ties, layer_sizes) if scheme not in ("constant", "random") else {}
    for index in groups:
        if index == len(layer_sizes) - 1:
            raise ValueError(
                f"ties names L{index + 1}, the last layer: its units have no outgoing weights "
                "to tie, and the loss treats its outputs differently"
            )
    if scheme != "perturbed":
        jitter = 0.0
    else:
        jitter = PERTURBED_JITTER if jitter is None else check_number(jitter, "jitter", minimum=0)
    kernels = []
    for i in range(len(layer_sizes)):
        if scheme == "constant":
            kernels.append(Constant(check_number(constant, "constant")))
        elif scheme == "random":
            kernels.append(Random(seed=layer_seed(seed, i)))
        else:
            # Rows of this kernel are the previous layer's units' outgoing weights: tie them too, unless incoming-only.
            outgoing = groups.get(i - 1) if scheme != "incoming-only" else None
            kernels.append(Mirrored(unit_groups=groups.get(i), input_groups=outgoing, seed=layer_seed(seed, i), jitter=jitter))
    return kernels


def initial_weights(scheme="random", seed=0, ties=None, input_dim=BINARY.input_dim, layer_sizes=BINARY.layer_sizes,
                    jitter=None, dtype="float32", constant=CONSTANT_VALUE):
    """The starting (kernel, bias) of each layer as NumPy arrays of ``dtype``, without building a model."""
    layer_sizes = _check_model_args(scheme, seed, input_dim, layer_sizes, BINARY.learning_rate)
    fans = (int(input_dim),) + layer_sizes[:-1]
    return [
        (keras.ops.convert_to_numpy(init((fan, n), dtype=dtype)), np.zeros(n, dtype))
        for init, fan, n in zip(kernel_initializers(scheme, seed, ties, layer_sizes, jitter, constant), fans, layer_sizes)
    ]


def build_model(
    scheme="random",
    seed=0,
    ties=None,
    input_dim=BINARY.input_dim,
    layer_sizes=BINARY.layer_sizes,
    activation=BINARY.activation,
    learning_rate=BINARY.learning_rate,
    steps_per_execution=1,
    jitter=None,
    output_activation=None,
    loss="binary_crossentropy",
    constant=CONSTANT_VALUE,
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
        scheme: str, one of ``schemes.SCHEMES``.
        seed: int >= 0; each layer's kernel gets ``layer_seed(seed, i)``.
        ties: dict from layer index (0 = L1; "L1" also works) to groups of unit
            indices, for ``mirrored``, ``incoming-only`` and ``perturbed``;
            default ``DEFAULT_TIES``. A tied layer must not be the last.
        input_dim: int, features per example.
        layer_sizes: tuple of ints, units per Dense layer.
        activation: str, the hidden layers' activation (and the last's, unless ``output_activation``).
        learning_rate: float > 0, Adam's learning rate.
        jitter: float >= 0, the standard deviation of the noise ``perturbed``
            adds to every weight, or None for ``PERTURBED_JITTER`` (1e-6).
        steps_per_execution: int >= 1, batches per call into the TensorFlow
            graph (Keras's compile option): more is faster; batch-level
            callbacks then fire once per call.
        output_activation: str or None (the same as ``activation``); "linear" for logits.
        loss: "binary_crossentropy", or "sparse_categorical_crossentropy" on
            logits (Week 2's lab: ``schemes.MULTICLASS.settings`` gives its model).
        constant: float, every weight's value under ``constant`` (default 0).

    Returns:
        A compiled ``keras.Sequential``.
    """
    layer_sizes = _check_model_args(scheme, seed, input_dim, layer_sizes, learning_rate)
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {list(LOSSES)}; got {loss!r}")
    kernels = kernel_initializers(scheme, seed, ties, layer_sizes, jitter, constant)

    layers = [keras.Input(shape=(int(input_dim),))]
    for i, (n, kernel) in enumerate(zip(layer_sizes, kernels)):
        last = i == len(layer_sizes) - 1
        layers.append(
            keras.layers.Dense(
                int(n),
                activation=(output_activation or activation) if last else activation,
                kernel_initializer=kernel,
                bias_initializer="zeros",
                name=course_name(i),
            )
        )
    model = keras.Sequential(layers, name=f"course_model_{scheme.replace('-', '_')}")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=keras.losses.BinaryCrossentropy() if loss == "binary_crossentropy" else
        keras.losses.SparseCategoricalCrossentropy(from_logits=output_activation == "linear"),
        metrics=["accuracy"],
        steps_per_execution=check_int(steps_per_execution, "steps_per_execution", minimum=1),
    )
    return model


