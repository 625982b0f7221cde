"""``ReplicaRecorder``: a ``UnitRecorder`` for a replica model, split into one ``Recording`` per replica."""
import numpy as np

from course_companion.analysis.distances import METRICS
from course_companion.callbacks.recorder import UnitRecorder
from course_companion.models.replicas import ReplicaDense, per_replica_logs
from course_companion.recording import Recording, join_units

__all__ = ["ReplicaRecorder", "ReplicaGatherer"]


class ReplicaGatherer:
    """What a ``ReplicaRecorder`` reads off a replica model: ``DenseGatherer``'s methods for ``ReplicaDense`` layers.

    A record of a layer is (K, units, fan_in + 1): each replica's units in
    a standalone Dense layer's layout, the replica axis first.
    """

    def __init__(self):
        self.layers = []

    def bind(self, model):
        """Find every ``ReplicaDense`` layer of ``model``; return their names (what an integer layer counts)."""
        found = [l for l in model.layers if isinstance(l, ReplicaDense)]
        if not found:
            raise ValueError(f"model {model.name!r} has no ReplicaDense layer; use UnitRecorder for a plain model")
        self.layers = found
        return [l.name for l in found]

    def variables(self):
        """Every layer's kernel, then its bias, in layer order."""
        return [v for l in self.layers for v in (l.kernel, l.bias)]

    def units(self, values):
        """Arrays in ``variables()``'s order -> {layer name: ([records,] K, units, fan_in + 1)}."""
        values = iter(values)
        # kernel ([records,] fan_in, K, units) -> ([records,] K, fan_in, units): one Dense kernel per replica
        return {l.name: join_units(np.moveaxis(next(values), -3, -2), next(values)) for l in self.layers}

    def shapes(self):
        """K layers of (units, d) per layer: right for weights (K*u*d) and distances (K*u*u) alike."""
        return [(l.units, l.kernel.shape[0] + 1) for l in self.layers for _ in range(l.replicas)]

    def logs(self, logs):
        """An epoch's logs with ``ReplicaMetrics``' vectors as scalar ``loss/k`` and ``accuracy/k``."""
        return per_replica_logs(logs)

    @property
    def replicas(self):
        """K, the number of replicas."""
        return self.layers[0].replicas


class ReplicaRecorder(UnitRecorder):
    """A ``UnitRecorder`` for a replica model: one ``Recording`` per replica.

    Records every ``ReplicaDense`` layer (through a ``ReplicaGatherer``);
    ``replicas()`` splits the recording into one ``Recording`` per replica,
    each in the layout of a standalone model's, so distances and figures work
    on it unchanged. Each replica's logs are the ``loss/k`` and
    ``accuracy/k`` entries that ``ReplicaMetrics`` adds at every epoch's end.

    Args:
        every: "epoch" or an int N (batches).
        keep: "weights" or "distances".
        memory_budget: as for ``UnitRecorder``.
        metadata: dict stored in every replica's recording.
    """

    def __init__(self, every="epoch", keep="weights", memory_budget="1GiB", metadata=None):
        super().__init__(every=every, keep=keep, memory_budget=memory_budget, metadata=metadata,
                         gatherer=ReplicaGatherer())

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
        for k in range(self.gatherer.replicas):
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
