"""The course's models, built and compiled under a named scheme (``schemes``).

``build_model`` builds ``Input -> Dense -> ... -> Dense`` with the layers named
``L1``, ``L2``, ... through the one builder (``models.builder``), whose
``kernel_initializers`` and ``initial_weights`` the replicas and branches use
too, so a replica or a branch starts exactly where the standalone model starts.
"""
import keras

from course_companion.models.builder import Start, compile_model, course_layers, initial_weights, kernel_initializers, model_spec
from course_companion.schemes import BINARY, CONSTANT_VALUE

__all__ = ["build_model", "kernel_initializers", "initial_weights"]


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
    optimizer="adam",
):
    """The course's model, compiled, with its weights set by a named scheme.

    ``Input(400) -> Dense(25) -> Dense(15) -> Dense(1)``, sigmoid everywhere,
    layers named ``L1``, ``L2``, ``L3``, ``BinaryCrossentropy`` and
    ``Adam(learning_rate)`` with an accuracy metric: 10,431 parameters with the
    defaults. The same scheme and seed give the same weights every time. The
    start (scheme, seed, ties, jitter, constant) and the model spec (the rest)
    reach the one builder, ``models.builder``.

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
        learning_rate: float > 0, the optimizer's learning rate.
        jitter: float >= 0, the standard deviation of the noise ``perturbed``
            adds to every weight, or None for ``PERTURBED_JITTER`` (1e-6).
        steps_per_execution: int >= 1, batches per call into the TensorFlow
            graph (Keras's compile option): more is faster; batch-level
            callbacks then fire once per call.
        output_activation: str or None (the same as ``activation``); "linear" for logits: the loss then
            reads logits (``ModelSpec.from_logits``).
        loss: "binary_crossentropy", or "sparse_categorical_crossentropy" on
            logits or a softmax (Week 2's lab: ``schemes.MULTICLASS.settings`` gives its model).
        constant: float, every weight's value under ``constant`` (default 0).
        optimizer: a key of ``models.builder.OPTIMIZERS`` ("adam", the course's), with ``learning_rate``.

    Returns:
        A compiled ``keras.Sequential``.
    """
    start = Start(scheme, seed, ties, jitter, constant)
    spec = model_spec(input_dim, layer_sizes, activation, output_activation, loss, optimizer, learning_rate)
    layers = [keras.Input(shape=(int(input_dim),)), *course_layers(start, spec)]
    model = keras.Sequential(layers, name=f"course_model_{scheme.replace('-', '_')}")
    return compile_model(model, spec, steps_per_execution, metrics=["accuracy"])
