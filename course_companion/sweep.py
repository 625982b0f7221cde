"""Many seeds in one graph: K copies of the course model trained by one ``fit``.

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

from course_companion.checks import check_int
from course_companion.distances import METRICS, smallest_distance
from course_companion.models import PERTURBED_JITTER, SCHEMES, initial_weights, scheme_groups
from course_companion.optimizers import FusedAdam
from course_companion.recorder import Recording, UnitRecorder

__all__ = [
    "ReplicaDense",
    "replica_binary_crossentropy",
    "ReplicaMetrics",
    "per_replica_logs",
    "build_replicas",
    "ReplicaRecorder",
    "run_sweep",
    "sweep_rows",
    "alignment_rows",
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

    Args:
        replicas: int K.
    """

    def __init__(self, replicas, name="replicas", **kwargs):
        super().__init__(name=name, **kwargs)
        self.replicas = int(replicas)
        self.loss_sum = self.add_variable(shape=(self.replicas,), initializer="zeros", name="loss_sum")
        self.correct = self.add_variable(shape=(self.replicas,), initializer="zeros", name="correct")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        ops = keras.ops
        y_pred = ops.cast(y_pred, self.dtype)  # a float64 model still sums its metrics in the metric's dtype
        y_true, bce = _each_replica_bce(y_true, y_pred)
        self.loss_sum.assign_add(ops.sum(bce, axis=0))
        hits = ops.cast(ops.equal(ops.cast(y_pred > 0.5, y_pred.dtype), y_true), y_pred.dtype)
        self.correct.assign_add(ops.sum(hits, axis=0))
        self.count.assign_add(ops.cast(ops.shape(y_pred)[0], "float32"))

    def result(self):
        count = keras.ops.maximum(self.count, 1.0)
        return {"replica_loss": self.loss_sum / count, "replica_accuracy": self.correct / count}

    def get_config(self):
        return {"replicas": self.replicas, "name": self.name}


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
    # A missing or None noise size is perturbed's default, written out so the metadata can record it.
    padded = [spec if len(spec) == 3 else (*spec, None) for spec in specs]
    return [(scheme, seed, PERTURBED_JITTER if jitter is None else jitter) for scheme, seed, jitter in padded]


# Adam in one kernel per variable (optimizers.FusedAdam, Keras's formula): about 17% off a K = 32 step.
OPTIMIZERS = {"adam": FusedAdam, "sgd": keras.optimizers.SGD}


def build_replicas(
    specs, ties=None, input_dim=400, units=(25, 15, 1), activation="sigmoid", learning_rate=0.001, steps_per_execution=1,
    optimizer="adam", dtype="float32",
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
            seed, jitter) for ``perturbed`` replicas with their own noise size.
        ties, input_dim, units, activation, learning_rate: as for ``build_model``.
        steps_per_execution: int, batches per call into the TensorFlow graph
            (Keras's compile option); more is faster, but batch-level callbacks
            then run only once per call.
        optimizer: "adam" (the course's) or "sgd" (plain gradient descent),
            with ``learning_rate``.
        dtype: "float32", or "float64" where differences below float32's
            resolution (about 1e-7 of a weight's size) matter.

    Returns:
        a ``keras.Model`` whose output is (batch, K), compiled with Adam (``FusedAdam``) and
        ``replica_binary_crossentropy``; ``model.replica_specs`` lists the specs.
    """
    specs = _check_specs(specs)
    units = tuple(units)
    if units[-1] != 1:
        raise ValueError(f"units must end with 1 (a binary output); got {units}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {list(OPTIMIZERS)}; got {optimizer!r}")
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64'; got {dtype!r}")
    k = len(specs)
    starts = [initial_weights(scheme, seed, ties, input_dim, units, jitter, dtype) for scheme, seed, jitter in specs]
    inputs = keras.Input((int(input_dim),), dtype=dtype)
    h = inputs
    layers = []
    for i, n in enumerate(units):
        layer = ReplicaDense(n, k, activation=activation, squeeze=(i == len(units) - 1), name=f"L{i + 1}", dtype=dtype)
        h = layer(h)
        layers.append(layer)
    model = keras.Model(inputs, h, name=f"replicas_{k}")
    for i, layer in enumerate(layers):
        layer.kernel.assign(np.stack([start[i][0] for start in starts], axis=1))
        layer.bias.assign(np.stack([start[i][1] for start in starts], axis=0))
    model.compile(
        optimizer=OPTIMIZERS[optimizer](learning_rate=learning_rate),
        loss=replica_binary_crossentropy,
        metrics=[ReplicaMetrics(k)],
        steps_per_execution=int(steps_per_execution),
    )
    model.replica_specs = specs
    return model


class ReplicaRecorder(UnitRecorder):
    """A ``UnitRecorder`` for a replica model: one ``Recording`` per replica.

    Records every ``ReplicaDense`` layer; ``replicas()`` splits the recording
    into one ``Recording`` per replica, each in the layout of a standalone
    model's, so distances and plots work on it unchanged. Each replica's
    logs are the ``loss/k`` and ``accuracy/k`` entries that ``ReplicaMetrics``
    adds at every epoch's end.

    Args:
        every: "epoch" or an int N (batches).
        keep: "weights" or "distances".
        memory_budget: as for ``UnitRecorder``.
        metadata: dict stored in every replica's recording.
    """

    def __init__(self, every="epoch", keep="weights", memory_budget="1GiB", metadata=None):
        super().__init__(every=every, keep=keep, memory_budget=memory_budget, metadata=metadata)

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, per_replica_logs(logs))

    def _resolve_layers(self):
        found = [l for l in self.model.layers if isinstance(l, ReplicaDense)]
        if not found:
            raise ValueError(f"model {self.model.name!r} has no ReplicaDense layer; use UnitRecorder for a plain model")
        return found, [l.name for l in found]

    def _as_units(self, values):
        values = iter(values)  # per layer kernel ([records,] fan_in, K, units), bias ([records,] K, units)
        out = {}
        for layer in self._layers:
            kernel, bias = next(values), next(values)
            out[layer.name] = np.moveaxis(np.concatenate([kernel, bias[..., None, :, :]], axis=-3), -3, -1)
        return out  # per layer ([records,] K, units, fan_in + 1)

    def _layer_shapes(self):
        # K layers of (units, d) each: right for weights (K*u*d) and distances (K*u*u) alike.
        return [(l.units, l.kernel.shape[0] + 1) for l in self._layers for _ in range(l.replicas)]

    def replicas(self):
        """One ``Recording`` per replica, in the order of ``model.replica_specs``."""
        rec = self.recording
        specs = getattr(self.model, "replica_specs", None)
        # Stack each layer's records once; the replica axis is the second: (records, K, units, ...).
        if rec.keep == "weights":
            stacked = {n: rec.units(n) for n in rec.layers}
        else:
            stacked = {n: {m: rec.distances(n, m) for m in METRICS} for n in rec.layers}
        all_logs = rec.logs
        out = []
        for k in range(self._layers[0].replicas):
            meta = dict(rec.metadata, replica=k)
            if specs:
                meta.update(scheme=specs[k][0], seed=int(specs[k][1]))
                if specs[k][0] == "perturbed":
                    meta.update(jitter=float(specs[k][2]))
            logs = [{key.split("/")[0]: v for key, v in d.items() if key.endswith(f"/{k}")} for d in all_logs]
            if rec.keep == "weights":
                arrays = {"units": {n: a[:, k] for n, a in stacked.items()}}
            else:
                arrays = {"distances": {n: {m: a[:, k] for m, a in d.items()} for n, d in stacked.items()}}
            out.append(Recording.from_arrays(rec.layers, rec.steps, rec.epochs, logs=logs, metadata=meta, **arrays))
        return out


def run_sweep(schemes, seeds, X, y, epochs=20, every="epoch", batch_size=32, data="", progress=True, first_seed=0,
              units=(25, 15, 1), learning_rate=0.001, ties=None, input_dim=None, jitter=None):
    """Train ``seeds`` seeds of each scheme as replicas of one model.

    Seeds run from ``first_seed`` to ``first_seed + seeds - 1``; ``first_seed``
    also seeds the shuffling of batches. ``units``, ``learning_rate`` and
    ``ties`` choose the model (the course model by default; see
    ``datasets.DataSet.model_settings``); ``input_dim`` comes from ``X``;
    ``jitter`` is ``perturbed``'s noise size (None: ``PERTURBED_JITTER``).

    Returns:
        list of dicts ``{"scheme", "seed", "recording"}``, one per replica;
        each recording's metadata also holds the groups its scheme started tied.
    """
    from course_companion.data import check_xy
    from course_companion.progress import ProgressLine

    seeds = check_int(seeds, "seeds", minimum=1)
    first_seed = check_int(first_seed, "first_seed", minimum=0)
    X, y = check_xy(X, y)
    specs = [(scheme, first_seed + s, jitter) for scheme in schemes for s in range(int(seeds))]
    keras.utils.set_random_seed(first_seed)
    # Recording once an epoch needs no batch hooks, so a whole epoch can run in one graph call.
    per_call = int(np.ceil(len(X) / batch_size)) if every == "epoch" else 1
    model = build_replicas(specs, ties=ties, input_dim=X.shape[1], units=units, learning_rate=learning_rate,
                           steps_per_execution=per_call)
    recorder = ReplicaRecorder(every=every, metadata={"data": data})
    callbacks = [recorder] + ([ProgressLine(f"{len(specs)} replicas", loss_parts=len(specs))] if progress else [])
    model.fit(X, y, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=callbacks)
    results = []
    for (scheme, seed, _), rec in zip(specs, recorder.replicas()):
        rec.metadata["groups"] = scheme_groups(scheme, ties, units)
        results.append({"scheme": scheme, "seed": seed, "recording": rec})
    return results


def sweep_rows(results):
    """Per scheme: seeds, share of seeds in which every unit of the hidden layers separated,
    smallest L1 distance at the end (min, median, max over seeds), median final accuracy."""
    from course_companion.compare import hidden_layers

    rows = []
    for scheme in dict.fromkeys(r["scheme"] for r in results):
        mine = [r["recording"] for r in results if r["scheme"] == scheme]
        layers = hidden_layers(mine[0])
        smallest = np.array([smallest_distance(rec.distances(layers[0], record=-1)) for rec in mine])
        separated = [all(smallest_distance(rec.distances(l, record=-1)) > 0 for l in layers) for rec in mine]
        accuracy = np.array([rec.log("accuracy")[-1] for rec in mine])
        rows.append({
            "scheme": scheme,
            "layers": layers,
            "seeds": len(mine),
            "separated": float(np.mean(separated)),
            "smallest_min": float(smallest.min()),
            "smallest_median": float(np.median(smallest)),
            "smallest_max": float(smallest.max()),
            "accuracy_median": float(np.nanmedian(accuracy)) if np.any(~np.isnan(accuracy)) else float("nan"),
        })
    return rows


def alignment_rows(results, layer="L1"):
    """Each seed's units of ``layer`` matched to its scheme's first seed (``align.match_units``).

    Returns:
        one dict per seed after the first of each scheme: ``scheme``, ``seed``,
        ``reference`` (the first seed), ``match`` (an ``align.Match``), the
        matched cosine similarities' ``median`` and ``smallest``, and
        ``start_median`` and ``start_smallest``: the same matching done on
        the starting weights (record 0), the similarity that matching alone
        finds between two random starts.
    """
    from course_companion.align import match_units

    rows = []
    for scheme in dict.fromkeys(r["scheme"] for r in results):
        mine = [r for r in results if r["scheme"] == scheme]
        reference = mine[0]["recording"]
        for other in mine[1:]:
            match = match_units(reference.units(layer, record=-1), other["recording"].units(layer, record=-1))
            start = match_units(reference.units(layer, record=0), other["recording"].units(layer, record=0))
            rows.append({"scheme": scheme, "seed": other["seed"], "reference": mine[0]["seed"], "match": match,
                         "median": float(np.median(match.similarity)), "smallest": float(match.similarity.min()),
                         "start_median": float(np.median(start.similarity)), "start_smallest": float(start.similarity.min())})
    return rows
