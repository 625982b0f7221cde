"""``Recording``: what a ``UnitRecorder`` recorded, and its ``.npz`` file.

Plain NumPy: this module imports neither Keras nor TensorFlow, so a script
that only loads a recording and plots it does not pay TensorFlow's start-up.
A record is one snapshot; its step is the number of batches seen so far, and
record 0 is the state before the first batch (step 0).
"""
import json
from pathlib import Path

import numpy as np

from course_companion.analysis.distances import METRICS, pairwise_distances
from course_companion.analysis.layout import join_units, split_units  # the unit layout's home; re-exported
from course_companion.files import atomic_path
from course_companion.memory import available_bytes
from course_companion.recording_file import FORMAT_VERSION, read_recording_file
from course_companion.layer_names import layer_name
from course_companion.schemes import SCHEMES, scheme_groups

__all__ = ["Recording", "FORMAT_VERSION", "join_units", "split_units", "record_dtype"]

KEEPS = ("weights", "distances")


def record_dtype(dtype):
    """The dtype a recording keeps weights of ``dtype`` in: float64 for float64 (a float64 model), else float32.

    Examples:
        >>> record_dtype("float64"), record_dtype("bfloat16")
        (<class 'numpy.float64'>, <class 'numpy.float32'>)
    """
    try:
        wide = np.dtype(dtype) == np.float64
    except TypeError:  # a dtype NumPy does not know (bfloat16): not float64
        wide = False
    return np.float64 if wide else np.float32


def _weights_dtype(values):
    return record_dtype(np.asarray(values).dtype)


def _scalars(logs):
    return {k: float(v) for k, v in (logs or {}).items() if np.ndim(v) == 0}


class Recording:
    """What a ``UnitRecorder`` recorded: per record, every unit of each layer.

    Arrays are per layer with the records first: ``units(layer)`` is
    (records, units, fan_in + 1), incoming column then bias (``join_units``),
    float32 (float64 for a model trained in float64, so its small differences
    survive, in memory and in the file). A layer
    is named, or counted among the model's Dense layers (0 = ``L1``), also
    when only some layers were recorded.

    Examples:
        >>> rec = Recording.from_arrays(["L1"], steps=[0, 32], epochs=[0, 1],
        ...                             units={"L1": np.zeros((2, 3, 5))})
        >>> rec.units(0).shape, rec.steps.tolist()
        ((2, 3, 5), [0, 32])

    Attributes:
        layers: list of the recorded layers' names.
        dense_layers: list of the model's Dense layers' names, in order (what
            an integer layer counts).
        keep: "weights" or "distances", what was kept per record.
        metadata: dict (scheme and seed where known, versions, device, data,
            creation time).
    """

    def __init__(self, layers, keep="weights", metadata=None, has_gradients=False, dense_layers=None):
        if keep not in KEEPS:
            raise ValueError(f"keep must be one of {list(KEEPS)}; got {keep!r}")
        self.layers = [str(name) for name in layers]
        self.dense_layers = list(self.layers if dense_layers is None else dense_layers)
        missing = [name for name in self.layers if name not in self.dense_layers]
        if missing:
            raise ValueError(f"dense_layers must hold every recorded layer; {missing} missing from {self.dense_layers}")
        self.keep = keep
        self.metadata = dict(metadata or {})
        self.has_gradients = bool(has_gradients)
        self._steps, self._epochs, self._logs = [], [], []
        self._units = {name: [] for name in self.layers}
        self._grads = {name: [] for name in self.layers}
        self._dist = {name: {m: [] for m in METRICS} for name in self.layers}

    @classmethod
    def from_arrays(cls, layers, steps, epochs, units=None, distances=None, gradients=None, logs=None,
                    metadata=None, dense_layers=None):
        """A recording built from whole arrays, one entry per record.

        Args:
            layers: the recorded layers' names.
            steps, epochs: one number per record.
            units: dict layer name -> (records, units, d) weights; or None
                with ``distances``, for a recording that keeps distances.
            distances: dict layer name -> {metric: (records, units, units)}.
            gradients: dict layer name -> (records, units, d), or None.
            logs: one dict of scalars per record, or None.
            metadata, dense_layers: as for the constructor.
        """
        if (units is None) == (distances is None):
            raise ValueError("give either units (keep='weights') or distances (keep='distances'), not both or neither")
        rec = cls(layers, keep="weights" if units is not None else "distances", metadata=metadata,
                  has_gradients=gradients is not None, dense_layers=dense_layers)
        count = len(steps)
        if len(epochs) != count or (logs is not None and len(logs) != count):
            raise ValueError(f"steps, epochs and logs must have one entry per record; got {count}, {len(epochs)}, "
                             f"{'-' if logs is None else len(logs)}")
        rec._steps = [int(s) for s in steps]
        rec._epochs = [float(e) for e in epochs]
        rec._logs = [_scalars(d) for d in logs] if logs is not None else [{} for _ in range(count)]
        for name in rec.layers:
            parts = [units[name]] if units is not None else [distances[name][m] for m in METRICS]
            parts += [gradients[name]] if gradients is not None else []
            if any(len(p) != count for p in parts):
                raise ValueError(f"layer {name!r}: every array must have {count} records (one per step)")
            # Copies: a recording never changes when the caller's arrays do.
            if units is not None:
                rec._units[name] = list(np.array(units[name], dtype=_weights_dtype(units[name])))
            else:
                for metric in METRICS:
                    rec._dist[name][metric] = list(np.array(distances[name][metric], dtype=np.float64))
            if gradients is not None:
                rec._grads[name] = list(np.array(gradients[name], dtype=_weights_dtype(gradients[name])))
        return rec

    # -- filling ---------------------------------------------------------
    def append(self, step, epoch, units=None, gradients=None, logs=None, distances=None):
        """Add one record.

        Args:
            step: int, batches seen.
            epoch: float, epochs done.
            units: dict layer name -> (units, d) weights.
            gradients: dict layer name -> (units, d), when the recording has them.
            logs: dict of scalars, the epoch's logs (or None).
            distances: with ``keep="distances"``, dict layer name -> {metric:
                (units, units)} already computed; otherwise they are computed
                from ``units``.
        """
        for name in self.layers:
            if self.keep == "weights":
                self._units[name].append(np.asarray(units[name], dtype=_weights_dtype(units[name])))
            else:
                for metric in METRICS:
                    d = distances[name][metric] if distances else pairwise_distances(units[name], metric)
                    self._dist[name][metric].append(np.asarray(d, dtype=np.float64))
            if self.has_gradients:
                self._grads[name].append(np.asarray(gradients[name], dtype=_weights_dtype(gradients[name])))
        self._steps.append(int(step))
        self._epochs.append(float(epoch))
        self._logs.append(_scalars(logs))

    def set_logs(self, record, logs):
        """Attach an epoch's logs to a record taken at that epoch's end."""
        self._logs[record] = _scalars(logs)

    # -- reading ---------------------------------------------------------
    def __len__(self):
        return len(self._steps)

    def __repr__(self):
        return f"Recording(layers={self.layers}, records={len(self)}, keep={self.keep!r})"

    def layer_name(self, layer):
        """The recorded layer's name that ``layer`` (a name, or an index into the Dense layers) means."""
        if isinstance(layer, str):
            if layer not in self.layers:
                raise ValueError(f"layer {layer!r} was not recorded; recorded layers are {self.layers}")
            return layer
        name = layer_name(layer, self.dense_layers)
        if name not in self.layers:
            raise ValueError(f"layer {layer} ({name}) was not recorded; recorded layers are {self.layers}")
        return name

    @property
    def hidden_layers(self):
        """The recorded layers before the output layer (``L1``, ``L2`` for the course model; ``L1`` for coffee)."""
        return [name for name in self.dense_layers[:-1] if name in self.layers]

    @property
    def groups(self):
        """The groups the recording's scheme started tied, per layer index, from its metadata ({} if none)."""
        groups = self.metadata.get("groups")
        if groups is None:  # recordings made before the groups were stored: the course model's defaults
            scheme = self.metadata.get("scheme")
            groups = scheme_groups(scheme) if scheme in SCHEMES else {}
        return {int(k): v for k, v in groups.items()}  # JSON keeps the layer indices as strings

    @property
    def steps(self):
        """Batches seen at each record, int64 (records,)."""
        return np.asarray(self._steps, dtype=np.int64)

    @property
    def epochs(self):
        """Epochs done at each record, float64; fractional between epoch ends."""
        return np.asarray(self._epochs, dtype=np.float64)

    @property
    def logs(self):
        """Per record, a dict of the epoch's logs (loss, metrics); {} off epoch ends."""
        return [dict(d) for d in self._logs]

    def log(self, key):
        """One log value per record as float64, NaN where the record has none."""
        return np.array([d.get(key, np.nan) for d in self._logs], dtype=np.float64)

    def last_log(self, key):
        """The last value of a log (say "accuracy") any record has, as a float; NaN if none has it.

        Examples:
            >>> rec = Recording.from_arrays(["L1"], [0, 4], [0, 1], units={"L1": np.zeros((2, 1, 2))},
            ...                             logs=[{}, {"accuracy": 0.75}])
            >>> rec.last_log("accuracy"), rec.last_log("loss")
            (0.75, nan)
        """
        values = self.log(key)
        values = values[~np.isnan(values)]
        return float(values[-1]) if values.size else float("nan")

    def _record(self, record):
        if record is not None and not -len(self) <= record < len(self):
            raise ValueError(f"record must index one of the {len(self)} records; got {record}")
        return record

    def units(self, layer, record=None):
        """(records, units, d) float32 (float64 if so recorded): each unit's incoming weights then its bias.

        With ``record`` (an index, -1 for the last), only that record: (units, d).
        """
        name, record = self.layer_name(layer), self._record(record)
        if self.keep != "weights":
            raise ValueError(f"this recording kept {self.keep!r}, not the weights; record with keep='weights'")
        if record is not None:
            return self._units[name][record]
        return _stack(self._units[name])

    def gradients(self, layer, record=None):
        """(records, units, d) float32 (float64 if so recorded): the loss's gradient per weight, on the probe batch.

        With ``record``, only that record: (units, d).
        """
        name, record = self.layer_name(layer), self._record(record)
        if not self.has_gradients:
            raise ValueError("this recording has no gradients; record with gradients=True and a probe")
        if record is not None:
            return self._grads[name][record]
        return _stack(self._grads[name])

    def distances(self, layer, metric="euclidean", record=None):
        """(records, units, units) float64 pairwise unit distances, in either keep mode.

        With ``record`` (an index, -1 for the last), only that record's
        (units, units) matrix, computed from that record alone.
        """
        name, record = self.layer_name(layer), self._record(record)
        if metric not in METRICS:
            raise ValueError(f"metric must be one of {list(METRICS)}; got {metric!r}")
        if self.keep == "weights":
            return pairwise_distances(self.units(name, record), metric)
        if record is not None:
            return np.asarray(self._dist[name][metric][record], dtype=np.float64)
        return _stack(self._dist[name][metric], dtype=np.float64)

    # -- files -----------------------------------------------------------
    def save(self, path):
        """Write one ``.npz`` at ``path`` (written to a temporary name, then renamed).

        Returns:
            the path, as a ``Path``.
        """
        path = Path(path)
        arrays = {
            "format_version": np.array(FORMAT_VERSION),
            "kind": np.array("course_companion.Recording"),
            "layers": np.array(self.layers, dtype=str),
            "dense_layers": np.array(self.dense_layers, dtype=str),
            "keep": np.array(self.keep),
            "has_gradients": np.array(self.has_gradients),
            "metadata": np.array(json.dumps(self.metadata, sort_keys=True, default=str)),
            "steps": self.steps,
            "epochs": self.epochs,
        }
        keys = sorted({k for d in self._logs for k in d})
        arrays["log_keys"] = np.array(keys, dtype=str)
        for i, key in enumerate(keys):
            arrays[f"log_{i}"] = self.log(key)
        for i, name in enumerate(self.layers):  # every array in its own dtype: float64 weights stay float64
            if self.keep == "weights":
                arrays[f"units_{i}"] = self.units(name)
            else:
                for metric in METRICS:
                    arrays[f"distances_{metric}_{i}"] = self.distances(name, metric)
            if self.has_gradients:
                arrays[f"gradients_{i}"] = self.gradients(name)
        with atomic_path(path) as tmp, open(tmp, "wb") as f:
            np.savez_compressed(f, **arrays)  # a file object: numpy adds no ".npz" to the name
        return path

    @classmethod
    def load(cls, path):
        """Read a recording saved by ``save`` (no pickle).

        Raises:
            FileNotFoundError: no such file.
            ValueError: truncated or corrupt, not a recording, or written by a
                newer course_companion (a newer format version).
        """
        path = Path(path)
        data = read_recording_file(path, available_bytes())
        try:
            layers = [str(s) for s in data["layers"]]
            keys = [str(k) for k in data["log_keys"]]
            columns = [data[f"log_{i}"] for i in range(len(keys))]
            logs = [{k: float(c[r]) for k, c in zip(keys, columns) if not np.isnan(c[r])} for r in range(len(data["steps"]))]
            weights = str(data["keep"]) == "weights"
            per_layer = {
                "units": {n: data[f"units_{i}"] for i, n in enumerate(layers)} if weights else None,
                "distances": None if weights else {
                    n: {m: data[f"distances_{m}_{i}"] for m in METRICS} for i, n in enumerate(layers)
                },
                "gradients": {n: data[f"gradients_{i}"] for i, n in enumerate(layers)} if bool(data["has_gradients"]) else None,
            }
            # Files written before dense_layers was saved recorded every Dense layer.
            dense = [str(s) for s in data["dense_layers"]] if "dense_layers" in data else None
            return cls.from_arrays(layers, data["steps"], data["epochs"], logs=logs,
                                   metadata=json.loads(str(data["metadata"])), dense_layers=dense, **per_layer)
        except (KeyError, ValueError, IndexError) as exc:
            raise ValueError(f"path: {str(path)!r} is an incomplete recording ({type(exc).__name__}: {exc})") from None


def _stack(arrays, dtype=None):
    """The records stacked; in their own dtype unless ``dtype`` is given."""
    if not arrays:
        return np.zeros((0,), dtype=dtype or np.float32)
    stacked = np.stack(arrays)
    return stacked if dtype is None else stacked.astype(dtype, copy=False)
