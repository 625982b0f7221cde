"""The one model builder: a start and a model spec reach one layer loop, one loss table and one optimizer table.

A **start** (``Start``: scheme, seed, ties, jitter, constant) says how the
weights begin; a **model spec** (``schemes.ModelSpec``: input size, layer
sizes, activations, loss, optimizer, learning rate) says what the model is,
and whether its loss reads logits (``ModelSpec.from_logits``). ``course_layers``
turns both into the Dense layers ``L1``, ``L2``, ...; ``compile_model``
compiles with ``LOSSES`` (``make_loss``) and ``OPTIMIZERS``. ``build_model``,
``build_replicas`` and ``build_branches`` all build through here: a replica or
a branch passes its own layer factory (``ReplicaDense``, ``MaskedDense``,
``MixedDense``), so it starts exactly where the standalone model starts.
"""
from dataclasses import dataclass

import keras
import numpy as np

from course_companion.checks import check_int, check_number
from course_companion.devices import allow_float64
from course_companion.layer_names import course_name
from course_companion.models.initializers import Constant, Mirrored, Random
from course_companion.schemes import (BINARY, CONSTANT_VALUE, PERTURBED_JITTER, ModelSpec, check_scheme, layer_seed,
                                      scheme_groups)

__all__ = ["LOSSES", "OPTIMIZERS", "Start", "model_spec", "kernel_initializers", "initial_weights", "course_layers",
           "make_loss", "compile_model", "check_dtype"]

# Each of schemes.LOSSES and the Keras loss it names; the spec says whether it reads logits.
LOSSES = {"binary_crossentropy": keras.losses.BinaryCrossentropy,
          "sparse_categorical_crossentropy": keras.losses.SparseCategoricalCrossentropy}
# The optimizers a model spec may name, each made with the spec's learning rate.
OPTIMIZERS = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD, "rmsprop": keras.optimizers.RMSprop}


@dataclass(frozen=True)
class Start:
    """How a model's weights begin: a scheme, its seed, ties, jitter and constant.

    Examples:
        >>> (w1, b1), (w2, b2) = Start("mirrored", ties={0: [[0, 1]]}).weights(model_spec(4, layer_sizes=(3, 1)))
        >>> w1.shape, bool((w1[:, 0] == w1[:, 1]).all()), b1.tolist()
        ((4, 3), True, [0.0, 0.0, 0.0])

    Attributes:
        scheme: one of ``schemes.SCHEMES``.
        seed: int >= 0; each layer's kernel gets ``layer_seed(seed, i)``.
        ties: dict from layer index (0 = L1; "L1" also works) to groups, or None for ``DEFAULT_TIES``.
        jitter: ``perturbed``'s noise, or None for ``PERTURBED_JITTER``.
        constant: every weight's value under ``constant``.
    """

    scheme: str = "random"
    seed: int = 0
    ties: dict = None
    jitter: float = None
    constant: float = CONSTANT_VALUE

    def __post_init__(self):
        check_scheme(self.scheme)
        check_int(self.seed, "seed", minimum=0)

    def kernels(self, layer_sizes):
        """Each layer's kernel initializer (``kernel_initializers``)."""
        return kernel_initializers(self.scheme, self.seed, self.ties, layer_sizes, self.jitter, self.constant)

    def weights(self, spec, dtype="float32"):
        """The starting (kernel, bias) of each layer of ``spec`` as NumPy arrays of ``dtype``, without a model."""
        fans = (int(spec.input_dim),) + spec.layer_sizes[:-1]
        return [(keras.ops.convert_to_numpy(init((fan, n), dtype=dtype)), np.zeros(n, dtype))
                for init, fan, n in zip(self.kernels(spec.layer_sizes), fans, spec.layer_sizes)]


def model_spec(input_dim=BINARY.input_dim, layer_sizes=BINARY.layer_sizes, activation=BINARY.activation,
               output_activation=None, loss=BINARY.loss, optimizer="adam", learning_rate=BINARY.learning_rate):
    """A builder's arguments as a checked ``schemes.ModelSpec`` (named "custom").

    Examples:
        >>> model_spec(output_activation="linear").from_logits
        True
        >>> model_spec(optimizer="lbfgs")
        Traceback (most recent call last):
        ...
        ValueError: optimizer must be one of ['adam', 'sgd', 'rmsprop']; got 'lbfgs'

    Args:
        input_dim, layer_sizes, activation, learning_rate: as for ``build_model``.
        output_activation: the last layer's, or None for ``activation``'s.
        loss: a key of ``LOSSES``.
        optimizer: a key of ``OPTIMIZERS``.
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {list(OPTIMIZERS)}; got {optimizer!r}")
    return ModelSpec("custom", input_dim, layer_sizes, activation, learning_rate, None, output_activation, loss,
                     optimizer)


def kernel_initializers(scheme, seed=0, ties=None, layer_sizes=BINARY.layer_sizes, jitter=None, constant=CONSTANT_VALUE):
    """Each layer's kernel initializer under ``scheme`` (biases always start at zero).

    Every builder's start comes from here, so a replica or a branch starts
    exactly where the standalone model starts. ``jitter`` is the standard
    deviation of the noise ``perturbed`` adds (None: ``PERTURBED_JITTER``;
    other schemes ignore it); ``constant`` is the value of every weight under
    ``constant``.

    Examples:
        >>> [type(k).__name__ for k in kernel_initializers("mirrored")]
        ['Mirrored', 'Mirrored', 'Mirrored']
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
        jitter = PERTURBED_JITTER if jitter is None else check_number(jitter, "jitter", minimum=0, float32=True)
    kernels = []
    for i in range(len(layer_sizes)):
        if scheme == "constant":
            kernels.append(Constant(check_number(constant, "constant", float32=True)))
        elif scheme == "random":
            kernels.append(Random(seed=layer_seed(seed, i)))
        else:
            # Rows of this kernel are the previous layer's units' outgoing weights: tie them too, unless incoming-only.
            outgoing = groups.get(i - 1) if scheme != "incoming-only" else None
            kernels.append(Mirrored(unit_groups=groups.get(i), input_groups=outgoing, seed=layer_seed(seed, i), jitter=jitter))
    return kernels


def initial_weights(scheme="random", seed=0, ties=None, input_dim=BINARY.input_dim, layer_sizes=BINARY.layer_sizes,
                    jitter=None, dtype="float32", constant=CONSTANT_VALUE):
    """The starting (kernel, bias) of each layer as NumPy arrays of ``dtype``, without building a model.

    Examples:
        >>> [b.shape for _, b in initial_weights("random", seed=0)]
        [(25,), (15,), (1,)]
    """
    start = Start(scheme, seed, ties, jitter, constant)
    return start.weights(model_spec(input_dim, layer_sizes), dtype)


def _dense(index, units, **kwargs):
    return keras.layers.Dense(units, **kwargs)


def course_layers(start, spec, make=_dense, **kwargs):
    """The Dense layers ``L1``, ``L2``, ... of ``spec``, starting at ``start``: the one layer loop.

    Examples:
        >>> [(l.name, l.units) for l in course_layers(Start(), model_spec())]
        [('L1', 25), ('L2', 15), ('L3', 1)]

    Args:
        start: a ``Start``, or None where the layers' weights are set after the model is built (replicas).
        spec: a ``schemes.ModelSpec``.
        make: ``make(index, units, **kwargs)`` makes one layer (default: a ``keras.layers.Dense``); it gets
            ``activation`` and ``name``, and with a start ``kernel_initializer`` and ``bias_initializer="zeros"``.
        **kwargs: passed to every layer (``dtype``, ``kernel_regularizer``).
    """
    kernels = start.kernels(spec.layer_sizes) if start is not None else [None] * len(spec.layer_sizes)
    layers = []
    for i, (n, activation, kernel) in enumerate(zip(spec.layer_sizes, spec.activations, kernels)):
        init = {} if kernel is None else {"kernel_initializer": kernel, "bias_initializer": "zeros"}
        layers.append(make(i, int(n), activation=activation, name=course_name(i), **init, **kwargs))
    return layers


def make_loss(spec):
    """``spec``'s loss as a new Keras loss, reading logits where ``spec.from_logits``.

    Examples:
        >>> make_loss(model_spec(layer_sizes=(3, 2), activation="relu", output_activation="softmax",
        ...                      loss="sparse_categorical_crossentropy")).from_logits
        False
    """
    return LOSSES[spec.loss](from_logits=spec.from_logits)


def compile_model(model, spec, steps_per_execution=1, loss=None, metrics=None, optimizers=None):
    """Compile ``model`` with ``spec``'s optimizer at its learning rate and its loss from ``LOSSES``.

    Args:
        model: a Keras model.
        spec: a ``schemes.ModelSpec``; ``spec.from_logits`` says whether the loss reads logits.
        steps_per_execution: int >= 1, batches per call into the graph.
        loss: a loss (or one per output) in place of ``spec``'s, or None.
        metrics: as for ``keras.Model.compile``.
        optimizers: dict from optimizer name to the class this builder uses for it instead of ``OPTIMIZERS``'
            (the replicas' ``FusedAdam``), or None.

    Returns:
        ``model``, compiled.
    """
    optimizer = {**OPTIMIZERS, **(optimizers or {})}[spec.optimizer]
    model.compile(
        optimizer=optimizer(learning_rate=spec.learning_rate),
        loss=make_loss(spec) if loss is None else loss,
        metrics=metrics,
        steps_per_execution=check_int(steps_per_execution, "steps_per_execution", minimum=1),
    )
    return model


def check_dtype(dtype):
    """``dtype`` if it is "float32" or "float64" (allowed on the backend); else ValueError."""
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64'; got {dtype!r}")
    allow_float64(dtype)  # JAX: float64 only with x64 on
    return dtype
