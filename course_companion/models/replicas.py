"""Replica models: K copies of a course model side by side in one Keras model, trained by one ``fit``.

One training step of the 25-15-1 model costs about a millisecond, almost all
of it framework overhead. Training K copies one after another pays that K
times; side by side in one Keras model they share the input batches and pay
it about once. Each copy (a replica) has its own weights, its own loss term
and so its own gradients and Adam state: the loss is the *sum* of the
replicas' losses, so replica k's gradient is exactly its own loss's gradient,
and Adam's update is element-wise. A replica therefore trains as its
standalone ``build_model`` would on the same batches, up to float32 rounding
(the matrix products sum in a different order).
"""
import keras
import numpy as np

from course_companion.models.builder import OPTIMIZERS as BUILDER_OPTIMIZERS
from course_companion.models.builder import Start, check_dtype, compile_model, course_layers, model_spec
from course_companion.models.optimizers import FusedAdam
from course_companion.schemes import BINARY, CONSTANT_VALUE, PERTURBED_JITTER, SCHEMES

__all__ = [
    "ReplicaDense",
    "replica_binary_crossentropy",
    "replica_sparse_categorical_crossentropy",
    "ReplicaMetrics",
    "per_replica_logs",
    "OPTIMIZERS",
    "build_replicas",
]


@keras.saving.register_keras_serializable(package="course_companion")
class ReplicaDense(keras.layers.Layer):
    """K independent Dense layers side by side.

    Kernel (fan_in, K, units) and bias (K, units). A 2-D input (batch,
    fan_in) is shared by all replicas (one matrix product with all K kernels
    at once); a 3-D input (batch, K, fan_in) gives each replica its own.
    With ``squeeze=True`` (units must be 1) the output is (batch, K), and the
    activation is the last op, so Keras's cross-entropy sees the logits just
    as it does for a standalone ``Dense``.

    Args:
        units: int, units per replica.
        replicas: int K.
        activation: activation name.
        squeeze: bool, drop the units axis of size 1.
    """

    def __init__(self, units, replicas, activation="sigmoid", squeeze=False, **kwargs):
        super().__init__(**kwargs)
        if squeeze and units != 1:
            raise ValueError(f"squeeze needs units=1; got units={units}")
        self.units = int(units)
        self.replicas = int(replicas)
        self.activation = keras.activations.get(activation)
        self.squeeze = bool(squeeze)
        self.use_bias = True  # always: the course model's units have biases

    def build(self, input_shape):
        fan_in = int(input_shape[-1])
        self.shared_input = len(input_shape) == 2
        self.kernel = self.add_weight(shape=(fan_in, self.replicas, self.units), initializer="zeros", name="kernel")
        self.bias = self.add_weight(shape=(self.replicas, self.units), initializer="zeros", name="bias")

    def call(self, inputs):
        ops = keras.ops
        if self.shared_input:
            fan_in = self.kernel.shape[0]
            z = ops.matmul(inputs, ops.reshape(self.kernel, (fan_in, self.replicas * self.units)))
            z = ops.add(z, ops.reshape(self.bias, (self.replicas * self.units,)))
            z = ops.reshape(z, (-1, self.replicas, self.units))
        else:
            z = ops.add(ops.einsum("bki,iku->bku", inputs, self.kernel), self.bias)
        if self.squeeze:
            z = ops.reshape(z, (-1, self.replicas))
        return self.activation(z)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.replicas) if self.squeeze else (input_shape[0], self.replicas, self.units)

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "replicas": self.replicas,
            "activation": keras.activations.serialize(self.activation),
            "squeeze": self.squeeze,
        })
        return config


@keras.saving.register_keras_serializable(package="course_companion")
def replica_binary_crossentropy(y_true, y_pred):
    """Per example, the *sum* over replicas of binary cross-entropy (y_pred: (batch, K)).

    Keras then averages over the batch, so the total is the sum of the
    replicas' own losses and each replica's gradient is its own.
    """
    return keras.ops.sum(_each_replica_bce(y_true, y_pred)[1], axis=-1)


def _each_replica_bce(y_true, y_pred):
    """(labels broadcast to (batch, K), element-wise binary cross-entropy (batch, K))."""
    y_true = keras.ops.broadcast_to(keras.ops.cast(y_true, y_pred.dtype), keras.ops.shape(y_pred))
    return y_true, keras.ops.binary_crossentropy(y_true, y_pred)


@keras.saving.register_keras_serializable(package="course_companion")
def replica_sparse_categorical_crossentropy(y_true, y_pred):
    """Per example, the *sum* over replicas of softmax cross-entropy on logits (y_pred: (batch, K, classes)).

    Week 2's loss, ``SparseCategoricalCrossentropy(from_logits=True)``, once per replica; summed, so each
    replica's gradient is its own.
    """
    return keras.ops.sum(_each_replica_scce(y_true, y_pred)[1], axis=-1)


def _each_replica_scce(y_true, y_pred):
    """(integer labels broadcast to (batch, K), softmax cross-entropy per example and replica (batch, K))."""
    ops = keras.ops
    labels = ops.broadcast_to(ops.cast(ops.reshape(y_true, (-1, 1)), "int32"), ops.shape(y_pred)[:2])
    return labels, ops.sparse_categorical_crossentropy(labels, y_pred, from_logits=True)


@keras.saving.register_keras_serializable(package="course_companion")
class ReplicaMetrics(keras.metrics.Metric):
    """Each replica's own loss and accuracy over the epoch, as a standalone fit reports them.

    Averages each replica's binary cross-entropy and accuracy (threshold 0.5)
    over every example seen since the last reset, the way Keras's loss tracker
    and ``"accuracy"`` do for one model. ``result()`` is a dict of two
    vectors, ``{"replica_loss": (K,), "replica_accuracy": (K,)}``, which Keras
    puts in the logs as arrays (``per_replica_logs`` splits them); it costs a
    few element-wise ops per batch instead of an extra forward pass. (One
    scalar output per replica and metric, as it was, made the graph's tracing
    grow with K: about 2.9 s at K = 64 instead of 0.8 s.)

    With ``classes > 1`` (Week 2's softmax output, y_pred (batch, K,
    classes) of logits) the loss is the softmax cross-entropy and a hit is
    the largest logit on the label.

    Args:
        replicas: int K.
        classes: int, 1 for a binary output.
    """

    def __init__(self, replicas, classes=1, name="replicas", **kwargs):
        super().__init__(name=name, **kwargs)
        self.replicas = int(replicas)
        self.classes = int(classes)
        self.loss_sum = self.add_variable(shape=(self.replicas,), initializer="zeros", name="loss_sum")
        self.correct = self.add_variable(shape=(self.replicas,), initializer="zeros", name="correct")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        ops = keras.ops
        y_pred = ops.cast(y_pred, self.dtype)  # a float64 model still sums its metrics in the metric's dtype
        if self.classes > 1:
            labels, loss = _each_replica_scce(y_true, y_pred)
            hits = ops.cast(ops.equal(ops.cast(ops.argmax(y_pred, axis=-1), "int32"), labels), y_pred.dtype)
        else:
            y_true, loss = _each_replica_bce(y_true, y_pred)
            hits = ops.cast(ops.equal(ops.cast(y_pred > 0.5, y_pred.dtype), y_true), y_pred.dtype)
        self.loss_sum.assign_add(ops.sum(loss, axis=0))
        self.correct.assign_add(ops.sum(hits, axis=0))
        self.count.assign_add(ops.cast(ops.shape(y_pred)[0], "float32"))

    def result(self):
        count = keras.ops.maximum(self.count, 1.0)
        return {"replica_loss": self.loss_sum / count, "replica_accuracy": self.correct / count}

    def get_config(self):
        return {"replicas": self.replicas, "classes": self.classes, "name": self.name}


def per_replica_logs(logs):
    """Logs with ``ReplicaMetrics``' vectors -> the same logs with scalar ``loss/k`` and ``accuracy/k``.

    Examples:
        >>> per_replica_logs({"loss": 0.5, "replica_loss": np.array([0.2, 0.3])})
        {'loss': 0.5, 'loss/0': 0.2, 'loss/1': 0.3}
    """
    out = {}
    for key, value in (logs or {}).items():
        if key in ("replica_loss", "replica_accuracy"):
            name = key.split("_", 1)[1]
            out.update({f"{name}/{k}": float(v) for k, v in enumerate(np.ravel(value))})
        else:
            out[key] = value
    return out


def _check_specs(specs):
    if isinstance(specs, (str, bytes)) or not hasattr(specs, "__iter__"):
        raise TypeError(f"specs must be a list of (scheme, seed) pairs; got {specs!r}")
    specs = [tuple(s) for s in specs]
    if not specs:
        raise ValueError("specs must name at least one (scheme, seed) replica; got none")
    for spec in specs:
        if len(spec) not in (2, 3) or spec[0] not in SCHEMES:
            raise ValueError(f"each spec must be (scheme, seed) or (scheme, seed, jitter) with a scheme from "
                             f"{list(SCHEMES)}; got {spec!r}")
    # A missing or None jitter is perturbed's default, written out so the metadata can record it.
    padded = [spec if len(spec) == 3 else (*spec, None) for spec in specs]
    return [(scheme, seed, PERTURBED_JITTER if jitter is None else jitter) for scheme, seed, jitter in padded]


# The replicas' one change to the builder's optimizers: Adam in one kernel per variable (optimizers.FusedAdam,
# Keras's formula), about 17% off a K = 32 step.
FUSED = {"adam": FusedAdam}
OPTIMIZERS = {**BUILDER_OPTIMIZERS, **FUSED}  # the class each optimizer name gets in a replica model


def build_replicas(
    specs, ties=None, input_dim=BINARY.input_dim, layer_sizes=BINARY.layer_sizes, activation=BINARY.activation,
    learning_rate=BINARY.learning_rate, steps_per_execution=1, optimizer="adam", dtype="float32", constant=CONSTANT_VALUE,
    output_activation=None, loss="binary_crossentropy",
):
    """One compiled Keras model holding one course model per (scheme, seed) in ``specs``.

    Replica k starts with exactly the weights of ``build_model(*specs[k])``.
    Layers are named ``L1``, ``L2``, ... like the course model's.

    Examples:
        >>> model = build_replicas([("random", s) for s in range(8)])
        >>> model.output.shape
        (None, 8)

    Args:
        specs: list of (scheme, seed) pairs, one per replica, or (scheme,
            seed, jitter) for ``perturbed`` replicas with their own jitter.
        ties, input_dim, layer_sizes, activation, learning_rate: as for ``build_model``.
        steps_per_execution: int, batches per call into the TensorFlow graph
            (Keras's compile option); more is faster, but batch-level callbacks
            then run only once per call.
        optimizer: "adam" (the course's, as ``FusedAdam``), "sgd" (plain gradient descent) or "rmsprop",
            with ``learning_rate`` (``models.builder.OPTIMIZERS``).
        dtype: "float32", or "float64" where differences below float32's
            resolution (about 1e-7 of a weight's size) matter.
        constant: every weight's value under ``constant`` (default 0).
        output_activation, loss: as for ``build_model``: Week 2's model is
            "linear" (logits) and "sparse_categorical_crossentropy"; a replica's
            softmax cross-entropy reads logits and its binary one a sigmoid's output.

    Returns:
        a ``keras.Model`` whose output is (batch, K) (binary) or (batch, K, classes) (logits), compiled with Adam
        (``FusedAdam``) and the replicas' summed loss; ``model.replica_specs`` lists the specs.
    """
    specs = _check_specs(specs)
    spec = model_spec(input_dim, layer_sizes, activation, output_activation, loss, optimizer, learning_rate)
    binary = spec.loss == "binary_crossentropy"
    if binary and spec.layer_sizes[-1] != 1:
        raise ValueError(f"layer_sizes must end with 1 (a binary output); got {spec.layer_sizes}")
    if spec.from_logits != (not binary):  # the replicas' losses read a sigmoid's output (binary) or logits (softmax)
        raise ValueError(f"a replica model's {spec.loss} reads {'probabilities' if binary else 'logits'}: output_activation "
                         f"must {'not ' if binary else ''}be 'linear'; got {spec.output!r}")
    check_dtype(dtype)
    k = len(specs)
    starts = [Start(scheme, seed, ties, jitter, constant).weights(spec, dtype) for scheme, seed, jitter in specs]
    inputs = keras.Input((int(input_dim),), dtype=dtype)
    last = len(spec.layer_sizes) - 1
    layers = course_layers(None, spec, lambda i, n, **kw: ReplicaDense(n, k, squeeze=i == last and binary, **kw),
                           dtype=dtype)
    h = inputs
    for layer in layers:
        h = layer(h)
    model = keras.Model(inputs, h, name=f"replicas_{k}")
    for i, layer in enumerate(layers):
        layer.kernel.assign(np.stack([start[i][0] for start in starts], axis=1))
        layer.bias.assign(np.stack([start[i][1] for start in starts], axis=0))
    compile_model(model, spec, steps_per_execution,
                  loss=replica_binary_crossentropy if binary else replica_sparse_categorical_crossentropy,
                  metrics=[ReplicaMetrics(k, classes=1 if binary else spec.layer_sizes[-1])], optimizers=FUSED)
    model.replica_specs = specs
    return model
