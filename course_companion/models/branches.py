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

from course_companion.models.builder import OPTIMIZERS, Start, check_dtype, compile_model, course_layers, make_loss, model_spec
from course_companion.models.layers import MaskedDense, MixedDense
from course_companion.schemes import BINARY, CONSTANT_VALUE, check_scheme

__all__ = ["Branch", "BETWEEN", "OPTIMIZERS", "build_branch", "build_branches", "branch_accuracy"]  # OPTIMIZERS: builder's

# The layers a branch may put on its input or between L1 and L2, each one made the way a Keras user writes it.
BETWEEN = {
    "dropout": lambda dtype: keras.layers.Dropout(0.2, dtype=dtype),
    "noise": lambda dtype: keras.layers.GaussianNoise(0.1, dtype=dtype),
    "batchnorm": lambda dtype: keras.layers.BatchNormalization(dtype=dtype),
}


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

    @property
    def start(self):
        """Its start, for ``models.builder``: scheme, seed, ties, jitter, constant."""
        return Start(self.scheme, self.seed, self.ties, self.jitter, self.constant)


def build_branch(branch, input_dim, layer_sizes=BINARY.layer_sizes, activation=BINARY.activation,
                 output_activation=None, dtype="float32", name="branch"):
    """One branch as an uncompiled ``keras.Sequential``: Input, [on_input], L1, [after_l1], L2, ...

    Its Dense layers are named ``L1``, ``L2``, ... and start where
    ``build_model(branch.scheme, ...)`` starts them (biases zero): both come
    from the one builder (``models.builder.course_layers``).
    """
    spec = model_spec(input_dim, layer_sizes, activation, output_activation)
    return _branch_model(branch, spec, dtype, name)


def _branch_model(branch, spec, dtype, name):
    def make(i, units, **kwargs):  # L1 may be a MaskedDense or a MixedDense; the others are Dense
        if i == 0 and branch.input_mask:
            return MaskedDense(units, **kwargs)
        if i == 0 and branch.second_activation:
            return MixedDense(units, second_activation=branch.second_activation, **kwargs)
        return keras.layers.Dense(units, **kwargs)

    inputs = keras.Input((int(spec.input_dim),), dtype=dtype)
    on_input = [BETWEEN[branch.on_input](dtype)] if branch.on_input else []
    after_l1 = [BETWEEN[branch.after_l1](dtype)] if branch.after_l1 else []
    penalty = keras.regularizers.L2(branch.l2) if branch.l2 else None
    dense = course_layers(branch.start, spec, make, kernel_regularizer=penalty, dtype=dtype)
    return keras.Sequential([inputs, *on_input, dense[0], *after_l1, *dense[1:]], name=name)


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
        optimizer: a key of ``models.builder.OPTIMIZERS`` ("adam", "sgd", "rmsprop"), with ``learning_rate``.
        dtype: "float32" or "float64", of every layer.
        steps_per_execution: batches per call into the graph.

    Returns:
        a compiled ``keras.Model``; ``model.branches`` lists the branch models. Each output has its own
        loss (no metric); Keras adds the losses (and any L2 penalties), so each branch trains as if alone.
    """
    branches = list(branches)
    if not branches or not all(isinstance(b, Branch) for b in branches):
        raise TypeError(f"branches must be a non-empty list of Branch; got {branches!r}")
    spec = model_spec(input_dim, layer_sizes, activation, output_activation, loss, optimizer, learning_rate)
    check_dtype(dtype)
    inputs = keras.Input((int(input_dim),), dtype=dtype)
    models = [_branch_model(b, spec, dtype, f"branch_{k}") for k, b in enumerate(branches)]
    model = keras.Model(inputs, [m(inputs) for m in models], name=f"branches_{len(models)}")
    compile_model(model, spec, steps_per_execution, loss=[make_loss(spec) for _ in models])
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
