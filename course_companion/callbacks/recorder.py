"""Record every unit's weights (and gradients) while a Keras model trains.

``UnitRecorder`` is a Keras callback; what it records is a ``Recording``
(``course_companion.recording``), which the distances and figures read and
which saves to (and loads from) one ``.npz``. A record is one
snapshot; its step is the number of batches seen so far, and record 0 is the
state before the first batch (step 0).
"""
import datetime
import warnings

import keras
import numpy as np

from course_companion.callbacks.probe import probe_gradients
from course_companion.callbacks.snapshots import StepSnapshots, attach, detach
from course_companion.checks import check_int
from course_companion.devices import run_metadata
from course_companion.memory import parse_bytes, recording_advice
from course_companion.models.dense import dense_layers, find_dense_layer
from course_companion.recording import Recording, join_units, record_dtype

__all__ = ["UnitRecorder", "DenseGatherer"]


class DenseGatherer:
    """What a recorder reads off a model: its recorded Dense layers, their variables, and their units.

    ``UnitRecorder`` holds one; ``ReplicaRecorder`` holds a
    ``ReplicaGatherer`` with the same methods. ``bind`` finds the layers at
    the start of each fit.

    Args:
        layers: None for every Dense layer, or a list of layer names or
            indices into the Dense layers.
    """

    def __init__(self, layers=None):
        self.selection = layers
        self.layers = []

    def bind(self, model):
        """Find the recorded layers in ``model``; return the names of every layer an integer counts."""
        dense = dense_layers(model)
        if not dense:
            raise ValueError(f"model {model.name!r} has no Dense layer to record")
        self.layers = dense if self.selection is None else [_find(model, item) for item in self.selection]
        return [l.name for l in dense]

    def variables(self):
        """Every recorded layer's kernel, then its bias (if any), in layer order."""
        return [v for l in self.layers for v in ([l.kernel, l.bias] if l.use_bias else [l.kernel])]

    def units(self, values):
        """Arrays in ``variables()``'s order -> {layer name: (units, d)}; with a leading records axis, (records, units, d)."""
        values = iter(values)
        return {l.name: join_units(next(values), next(values) if l.use_bias else None) for l in self.layers}

    def shapes(self):
        """(units, d) per recorded layer, for the memory estimate."""
        return [(l.units, l.kernel.shape[0] + int(l.use_bias)) for l in self.layers]

    def logs(self, logs):
        """An epoch's logs as the recording keeps them."""
        return logs


def _find(model, layer):
    try:
        return find_dense_layer(model, layer)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"layers: {exc}") from None


class UnitRecorder(keras.callbacks.Callback):
    """Record every unit's weights of Dense layers as a model trains.

    Works with any Keras model whose recorded layers are Dense (Sequential or
    functional, any layer names). Record 0 is the state before the first batch
    (step 0); then a record every epoch (``every="epoch"``) or every N batches
    (``every=N``), and always one at the end of training. Per layer a record
    holds each unit's incoming column then its bias; per record the step,
    the epoch (fractional between epoch ends) and the epoch's logs where the
    record falls at an epoch end.

    The same instance passed to ``fit`` again *continues* the recording: steps
    keep counting and records are appended (with one extra record at the start
    of the new ``fit`` if the weights changed in between, e.g. by
    ``tie_units``). No file is written unless you call
    ``recorder.recording.save(path)``.

    With ``every=N`` on TensorFlow (and no ``gradients``), the records are
    taken inside the compiled train step, right after the weights' update,
    into buffers on the device that are copied out at each epoch's end; the
    recorder has no batch hook. Such a fit must know its batches per epoch
    (arrays, a sized dataset, or ``steps_per_epoch``). While it trains, the
    model runs a train function of the recorder's; it gets its own back when
    the fit ends. On JAX a batch hook reads them: Keras's JAX trainer keeps
    the weights outside the variables during an epoch, and the recorder asks
    it for them (``jax_state_sync``) at each record.

    If ``fit`` stops with an exception or Ctrl-C, what was recorded so far
    stays in ``recorder.recording``: with ``every=N`` that is every record up
    to the failing step when a step raised (Ctrl-C usually lands in one), but
    only up to the last epoch's end when another callback raised; the model
    then keeps the recorder's train function (slower, harmless) until it
    fits with a ``UnitRecorder`` again or is compiled.

    Examples:
        >>> recorder = UnitRecorder(every="epoch")
        >>> model.fit(X, y, epochs=20, callbacks=[recorder])  # doctest: +SKIP
        >>> recorder.recording.units("L1").shape  # doctest: +SKIP
        (21, 25, 401)

    Args:
        every: "epoch", or an int N >= 1 to record every N batches.
        layers: None for every Dense layer, or a list of layer names or
            indices into the Dense layers (0 = the first Dense layer, ``L1``).
        gradients: bool; also record each unit's gradient of the loss on the
            fixed ``probe`` batch (TensorFlow or JAX).
        probe: ``(X, y)`` arrays, the batch gradients are computed on.
        keep: "weights", or "distances" to keep only each record's pairwise
            unit distances (euclidean and cosine) so long per-batch recordings
            stay small.
        memory_budget: size such as "1GiB"; above it the recorder warns once
            at the start of training, with what would fit.
        metadata: dict stored in the recording (scheme, seed, data...).
        gatherer: what reads the layers: None for a ``DenseGatherer`` of
            ``layers``; ``ReplicaRecorder`` gives its ``ReplicaGatherer``.
    """

    def __init__(
        self,
        every="epoch",
        layers=None,
        gradients=False,
        probe=None,
        keep="weights",
        memory_budget="1GiB",
        metadata=None,
        *,
        gatherer=None,
    ):
        super().__init__()
        if isinstance(every, str) and every != "epoch":
            raise ValueError(f"every must be 'epoch' or an int >= 1; got {every!r}")
        if layers is not None and (isinstance(layers, (str, int)) or not hasattr(layers, "__iter__")):
            raise TypeError(f"layers must be None or a list of layer names or indices; got {layers!r}")
        if not isinstance(gradients, bool):
            raise TypeError(f"gradients must be True or False; got {gradients!r}")
        if keep not in ("weights", "distances"):
            raise ValueError(f"keep must be 'weights' or 'distances'; got {keep!r}")
        if metadata is not None and not isinstance(metadata, dict):
            raise TypeError(f"metadata must be a dict or None; got {type(metadata).__name__}")
        if gatherer is not None and layers is not None:
            raise ValueError(f"give layers or a gatherer, not both; got layers={layers!r}")
        self.every = every if every == "epoch" else check_int(every, "every", minimum=1)
        self.layers = None if layers is None else list(layers)
        self.gatherer = DenseGatherer(self.layers) if gatherer is None else gatherer
        self.gradients = gradients
        self.probe = self._check_probe(probe) if probe is not None else None
        if gradients and self.probe is None:
            raise ValueError(
                "gradients=True needs probe=(X, y): a callback cannot see the training data, "
                "so gradients are computed on a fixed probe batch"
            )
        if gradients and keras.backend.backend() not in ("tensorflow", "jax"):
            raise ValueError(
                f"gradients=True needs the TensorFlow or JAX backend; this Keras runs {keras.backend.backend()!r}"
            )
        self.keep = keep
        self.memory_budget = parse_bytes(memory_budget)
        self.metadata = dict(metadata or {})
        self.recording = None
        self._step = 0
        self._epochs_done = 0
        self._snapshots = None
        # every=N on TensorFlow: the compiled train step copies the weights into
        # on-device buffers (callbacks.snapshots), copied out once per epoch.
        # Otherwise (probe gradients, other backends) a batch hook reads them from
        # Python; only that case has a batch hook (see snapshots for what one costs).
        self._on_device = self.every != "epoch" and not gradients and keras.backend.backend() == "tensorflow"
        if self.every != "epoch" and not self._on_device:
            self.on_train_batch_end = self._on_batch

    @staticmethod
    def _check_probe(probe):
        if not isinstance(probe, (tuple, list)) or len(probe) != 2:
            raise TypeError(f"probe must be a pair (X, y) of arrays; got {type(probe).__name__}")
        X, y = (np.asarray(a, dtype=np.float32) for a in probe)
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        if X.ndim < 2 or X.shape[0] != y.shape[0] or X.shape[0] == 0:
            raise ValueError(f"probe must be (X, y) with the same number of rows >= 1; got shapes {X.shape} and {y.shape}")
        return X, y

    # -- set-up ----------------------------------------------------------
    def _warn_if_over_budget(self):
        dtype = np.result_type(*(record_dtype(v.dtype) for v in self.gatherer.variables()))
        advice = recording_advice(self.memory_budget, self.every, self.keep, self.gradients,
                                  int(self.params.get("epochs") or 1), self._steps_per_epoch(), self.gatherer.shapes(), dtype)
        if advice is not None:
            warnings.warn(f"UnitRecorder: {advice}", stacklevel=2)

    # -- Keras hooks -----------------------------------------------------
    def on_train_begin(self, logs=None):
        if self._on_device and not self._steps_per_epoch():
            raise ValueError(
                f"UnitRecorder(every={self.every}) needs the number of batches per epoch, and this fit "
                "does not know it: pass steps_per_epoch to fit, or use every='epoch'"
            )
        dense_names = self.gatherer.bind(self.model)
        names = [l.name for l in self.gatherer.layers]
        self._it0 = self._iterations()
        self._step0 = self._step
        self._epoch_start = self._step
        self._epoch_end = None  # (step, logs) of the last epoch end
        if self.recording is None:
            meta = {"created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
            meta.update(run_metadata())
            meta.update({"model": self.model.name, "every": self.every, "steps_per_epoch": self._steps_per_epoch()})
            meta.update(self.metadata)
            self.recording = Recording(names, keep=self.keep, metadata=meta, has_gradients=self.gradients,
                                       dense_layers=dense_names)
            self._warn_if_over_budget()
            self._take()
            self._attach()
            return
        if names != self.recording.layers:
            raise ValueError(
                f"this recorder recorded layers {self.recording.layers}; the model now has {names}: "
                "use a new UnitRecorder for another model"
            )
        self._warn_if_over_budget()
        now = self._snapshot()
        if any(not np.array_equal(self._last_units[n], now[n]) for n in names):
            self._take(units=now)  # the weights changed between the two fits
        self._attach()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = self._step

    def _on_batch(self, batch, logs=None):
        # Keras gives the index of the batch just trained, counted from 0 in each epoch:
        # batch 0 ends step 1 of the epoch (step 0 is record 0, taken before any batch).
        self._step = self._epoch_start + batch + 1
        if self._step % self.every == 0:
            self._take()

    def on_epoch_end(self, epoch, logs=None):
        logs = self.gatherer.logs(logs)
        self._copy_out()
        self._step = self._step0 + self._iterations() - self._it0
        self._epochs_done += 1
        self._epoch_start = self._step
        self._epoch_end = (self._step, logs)
        if self.recording.steps[-1] == self._step:
            self.recording.set_logs(len(self.recording) - 1, logs)
        elif self.every == "epoch":
            self._take(logs=logs)

    def on_train_end(self, logs=None):
        self._copy_out()
        if self._snapshots is not None:
            detach(self.model, self._snapshots)
            self._snapshots = None
        self._step = self._step0 + self._iterations() - self._it0
        if self.recording.steps[-1] != self._step:
            at_epoch_end = self._epoch_end is not None and self._epoch_end[0] == self._step
            self._take(logs=self._epoch_end[1] if at_epoch_end else None)

    # -- on-device snapshots (every=N on TensorFlow) -----------------------
    def _attach(self):
        if not self._on_device:
            return
        rows = self._steps_per_epoch() // self.every + 2  # the records of one epoch, and one row half-way
        self._snapshots = StepSnapshots(self.gatherer.variables(), self.every, rows, self._step)
        attach(self.model, self._snapshots, self._abort, fit=self.params)

    def _copy_out(self):
        """Append the records the train step wrote since the last copy."""
        if self._snapshots is None:
            return
        steps, values = self._snapshots.take()
        stacked = self.gatherer.units(values)  # each layer's records at once: (records, units, d)
        for i, step in enumerate(steps):
            self._step = int(step)
            self._take(units={name: records[i] for name, records in stacked.items()})

    def _abort(self):
        """A step raised: keep what was recorded up to it (the model's own train function is back)."""
        self._copy_out()
        self._snapshots = None

    # -- recording -------------------------------------------------------
    def _read_variables(self):
        """Every recorded layer's kernel, then bias (if any), as NumPy arrays.

        Read one by one: a compiled reader read them in one call (0.45 ms instead
        of 0.75 ms per record of the course model) but cost a trace per recorder,
        more than it saved now that per-batch records are copied on the device.
        """
        self._sync()
        return [keras.ops.convert_to_numpy(v.value) for v in self.gatherer.variables()]

    def _sync(self):
        """On JAX, put the training state back into the model's variables.

        During an epoch Keras's JAX trainer keeps the weights outside the
        variables (and empties them); ``jax_state_sync`` is its way for a
        callback to read them, and the next step takes the state up again.
        """
        sync = getattr(self.model, "jax_state_sync", None)
        if sync is not None:
            sync()

    def _snapshot(self):
        """{layer name: (units, d) weights} now."""
        return self.gatherer.units(self._read_variables())

    def _iterations(self):
        self._sync()
        return int(self.model.optimizer.iterations.numpy())

    def _steps_per_epoch(self):
        """Batches per epoch as Keras gives it (``params["steps"]``; None when the fit does not know)."""
        return self.params.get("steps")

    def _epoch_now(self):
        steps_per_epoch = self._steps_per_epoch()
        into = self._step - self._epoch_start
        if not steps_per_epoch or into <= 0:
            return float(self._epochs_done)
        return self._epochs_done + min(into, steps_per_epoch) / steps_per_epoch

    def _take(self, logs=None, units=None):
        units = units or self._snapshot()
        grads = self._probe_gradients() if self.gradients else None
        self.recording.append(self._step, self._epoch_now(), units, gradients=grads, logs=logs)
        self._last_units = units

    def _probe_gradients(self):
        """The loss's gradient on the probe batch for every recorded variable, as unit weights."""
        self._sync()
        return self.gatherer.units(probe_gradients(self.model, self.gatherer.variables(), *self.probe))
