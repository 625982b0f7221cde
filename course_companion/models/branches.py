"""Branch models: several variants of a course model side by side in one Keras model, trained by one ``fit``.

``breakers`` changes one thing at a time in a model that starts tied: a
Dropout or GaussianNoise layer, BatchNormalization, an input mask, a second
activation, an L2 penalty, another start. Variants that share the training
settings (optimizer, batch size, epochs, dtype) run as **branches** of one
model: every branch is a plain ``keras.Sequential`` of real Keras layers with
its own weights, they share the input batches, and the loss is the sum of the
branches' losses, so each branch's gradient is its own loss's. Unlike
``models.replicas`` the branches may differ in their layers; each stays a
model that ``testing.assert_tied`` can check on its own (``model.branches``).
"""
from dataclasses import dataclass

import keras
import numpy as np

from course_companion.devices import allow_float64
from course_companion.layer_names import course_name
from course_companion.models.course import kernel_initializers
from course_companion.models.layers import MaskedDense, MixedDense
from course_companion.schemes import BINARY, CONSTANT_VALUE, LOSSES, check_scheme

__all__ = ["Branch", "BETWEEN", "OPTIMIZERS", "build_branch", "build_branches", "branch_accuracy"]

# The layers a branch may put on its input or between L1 and L2, each one made the way a Keras user writes it.
BETWEEN = {
    "dropout": lambda dtype: keras.layers.Dropout(0.2, dtype=dtype),
    "noise": lambda dtype: keras.layers.GaussianNoise(0.1, dtype=dtype),
    "batchnorm": lambda dtype: keras.layers.BatchNormalization(dtype=dtype),
}
OPTIMIZERS = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD, "rmsprop": keras.optimizers.RMSprop}


@dataclass(frozen=True)
class Branch:
    """One variant of a course model.

    Attributes:
        scheme, seed, jitter, constant, ties: its start, as for ``models.build_model``.
        on_input: a key of ``BETWEEN`` applied to the input (every unit sees the same result), or None.
        after_l1: a key of ``BETWEEN`` between L1 and L2 (each unit's output on its own), or None.
        input_mask: L1 is a ``MaskedDense``: each unit sees its own subset of the inputs.
        second_activation: L1 is a ``MixedDense`` whose second half of units uses this activation, or None.
        l2: the L2 penalty on every kernel (0: none).
    """

    scheme: str = "constant"
    seed: int = 0
    jitter: float = None
    constant: float = CONSTANT_VALUE
    ties: dict = None
    on_input: str = None
    after_l1: str = None
    input_mask: bool = False
    second_activation: str = None
    l2: float = 0.0

    def __post_init__(self):
        check_scheme(self.scheme, "Branch scheme")
        for name in ("on_input", "after_l1"):
            value = getattr(self, name)
            if value is not None and value not in BETWEEN:
                raise ValueError(f"Branch {name} must be None or one of {list(BETWEEN)}; got {value!r}")
        if self.input_mask and self.second_activation:
            raise ValueError("a Branch changes one thing in L1: input_mask or second_activation, not both")


def build_branch(branch, input_dim, layer_sizes=BINARY.layer_sizes, activation=BINARY.activation,
                 output_activation=None, dtype="float32", name="branch"):
    """One branch as an uncompiled ``keras.Sequential``: Input, [on_input], L1, [after_l1], L2, ...

    Its Dense layers are named ``L1``, ``L2``, ... and start where
    ``build_model(branch.scheme, ...)`` starts them (biases zero).
    """
    layer_sizes = tuple(layer_sizes)
    kernels = kernel_initializers(branch.scheme, branch.seed, branch.ties, layer_sizes, branch.jitter, branch.constant)
    penalty = keras.regularizers.L2(branch.l2) if branch.l2 else None
    layers = [keras.Input((int(input_dim),), dtype=dtype)]
    if branch.on_input:
        layers.append(BETWEEN[branch.on_input](dtype))
    for i, (n, kernel) in enumerate(zip(layer_sizes, kernels)):
        last = i == len(layer_sizes) - 1
        kind = keras.layers.Dense
        extra = {}
        if i == 0 and branch.input_mask:
            kind = MaskedDense
        elif i == 0 and branch.second_activation:
            kind, extra = MixedDense, {"second_activation": branch.second_activation}
        layers.append(kind(int(n), activation=(output_activation or activation) if last else activation,
                           kernel_initializer=kernel, bias_initializer="zeros", kernel_regularizer=penalty,
                           name=course_name(i), dtype=dtype, **extra))
        if i == 0 and branch.after_l1:
            layers.append(BETWEEN[branch.after_l1](dtype))
    return keras.Sequential(layers, name=name)


def build_branches(branches, input_dim, layer_sizes=BINARY.layer_sizes, activation=BINARY.activation,
                   output_activation=None, loss=BINARY.loss, optimizer="adam", learning_rate=BINARY.learning_rate,
                   dtype="float32", steps_per_execution=1):
    """One compiled Keras model whose outputs are the ``branches``' (a list of ``Branch``), in order.

    Examples:
        >>> model = build_branches([Branch(), Branch(after_l1="dropout")], input_dim=400)
        >>> [b.name for b in model.branches]
        ['branch_0', 'branch_1']

    Args:
        branches: list of ``Branch``.
        input_dim, layer_sizes, activation, output_activation, loss: the course model's (as for ``build_model``).
        optimizer: a key of ``OPTIMIZERS`` ("adam", "sgd", "rmsprop"), with ``learning_rate``.
        dtype: "float32" or "float64", of every layer.
        steps_per_execution: batches per call into the graph.

    Returns:
        a compiled ``keras.Model``; ``model.branches`` lists the branch models. Each output has the loss
        and an accuracy metric; Keras adds the losses (and any L2 penalties), so each branch trains as if alone.
    """
    branches = list(branches)
    if not branches or not all(isinstance(b, Branch) for b in branches):
        raise TypeError(f"branches must be a non-empty list of Branch; got {branches!r}")
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {list(LOSSES)}; got {loss!r}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {list(OPTIMIZERS)}; got {optimizer!r}")
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64'; got {dtype!r}")
    allow_float64(dtype)  # JAX: float64 only with x64 on
    inputs = keras.Input((int(input_dim),), dtype=dtype)
    models = [build_branch(b, input_dim, layer_sizes, activation, output_activation, dtype, f"branch_{k}")
              for k, b in enumerate(branches)]
    model = keras.Model(inputs, [m(inputs) for m in models], name=f"branches_{len(models)}")
    if loss == "binary_crossentropy":
        make_loss = keras.losses.BinaryCrossentropy
    else:
        def make_loss():
            return keras.losses.SparseCategoricalCrossentropy(from_logits=output_activation == "linear")
    model.compile(optimizer=OPTIMIZERS[optimizer](learning_rate=learning_rate), loss=[make_loss() for _ in models],
                  steps_per_execution=int(steps_per_execution))
    model.branches = models
    return model


def branch_accuracy(model, X, y, batch_size=1024):
    """Each branch's accuracy on (X, y) in inference mode (no Dropout or noise): one float per branch."""
    outputs = model.predict(X, batch_size=batch_size, verbose=0)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    labels = np.ravel(y)
    out = []
    for p in outputs:
        guess = (np.ravel(p) > 0.5) if p.shape[-1] == 1 else np.argmax(p, axis=-1)
        out.append(float(np.mean(guess == labels)))
    return out
