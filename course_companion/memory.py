"""How many bytes a run will need, read before it starts: sizes, records, replicas, this machine.

``UnitRecorder`` warns when a fit will record more than its budget
(``recording_bytes``; ``recording_advice`` words it, with what would fit);
``training.train_replicas`` refuses a replica model that cannot fit in this
machine's memory (``replica_bytes``, ``available_bytes``) before building
anything. Weights count the bytes of their real dtype. NumPy only.
"""
import os
import re

import numpy as np

from course_companion.analysis.distances import METRICS

__all__ = ["parse_bytes", "format_bytes", "recording_bytes", "recording_advice", "replica_bytes", "available_bytes",
           "MEMORY_SHARE", "ReplicaMemoryError", "check_replica_memory"]

_SIZES = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}


def parse_bytes(size, arg="memory_budget"):
    """``"1GiB"``, ``"500MB"``, ``"2048"`` or an int -> bytes."""
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool) and size > 0:
        return int(size)
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([A-Za-z]*)\s*", size) if isinstance(size, str) else None
    if match is None or match.group(2).upper() not in _SIZES or float(match.group(1)) <= 0:
        raise ValueError(f"{arg} must be a positive size such as '1GiB', '500MB' or a number of bytes; got {size!r}")
    return int(float(match.group(1)) * _SIZES[match.group(2).upper()])


def format_bytes(n):
    """A size for a message: ``1.5 GiB``, ``3.2 MiB`` or ``4.0 KiB``.

    Examples:
        >>> format_bytes(3 * 2**30), format_bytes(2**21), format_bytes(2048)
        ('3.0 GiB', '2.0 MiB', '2.0 KiB')
    """
    if n >= 2**30:
        return f"{n / 2**30:.1f} GiB"
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 2**10:.1f} KiB"


def recording_bytes(every, keep, gradients, epochs, steps_per_epoch, layer_shapes, dtype="float32"):
    """(bytes, records, bytes per record) one ``fit`` will record.

    Weights and gradients count ``dtype``'s bytes (8 a weight for a float64
    recording, 4 for float32); distances are always float64.

    Examples:
        >>> recording_bytes("epoch", "weights", False, 3, 4, [(25, 401)], dtype="float64")
        (401000, 5, 80200)

    Args:
        every: "epoch" or N batches; keep: "weights" or "distances"; gradients: bool.
        layer_shapes: (units, d) per recorded layer.
        dtype: the recorded weights' dtype (``recording.record_dtype`` of the model's).
    """
    batches = epochs * (steps_per_epoch or 1)
    records = 2 + (epochs if every == "epoch" else batches // every)
    per_weights = sum(u * d * np.dtype(dtype).itemsize for u, d in layer_shapes)
    per_record = per_weights if keep == "weights" else sum(u * u * 8 * len(METRICS) for u, _ in layer_shapes)
    if gradients:
        per_record += per_weights
    return records * per_record, records, per_record


def recording_advice(budget, every, keep, gradients, epochs, steps_per_epoch, layer_shapes, dtype="float32"):
    """None if the recording of one ``fit`` fits in ``budget`` bytes; else one sentence with its size and what would fit.

    The arguments after ``budget`` are ``recording_bytes``'; what would fit is
    a larger ``every`` (per-batch records) or ``keep='distances'``.

    Examples:
        >>> recording_advice(2**20, 1, "weights", False, 20, 32, [(25, 401)])
        'this fit will record about 24.6 MiB (642 records x 39.2 KiB), over memory_budget 1.0 MiB; every=27 would fit'
    """
    total, records, per_record = recording_bytes(every, keep, gradients, epochs, steps_per_epoch, layer_shapes, dtype)
    if total <= budget:
        return None
    fits = []
    if every != "epoch":
        room = max(budget - 2 * per_record, 1)
        fits.append(f"every={max(int(np.ceil(epochs * (steps_per_epoch or 1) * per_record / room)), every + 1)}")
    if keep == "weights":
        if recording_bytes(every, "distances", gradients, epochs, steps_per_epoch, layer_shapes, dtype)[0] <= budget:
            fits.append("keep='distances'")
    return (f"this fit will record about {format_bytes(total)} ({records} records x {format_bytes(per_record)}), "
            f"over memory_budget {format_bytes(budget)}; "
            + (f"{' or '.join(fits)} would fit" if fits else "record fewer layers to fit"))


def replica_bytes(replicas, input_dim, layer_sizes, epochs, steps_per_epoch, every="epoch", batch_size=32,
                  dtype="float32"):
    """About how many bytes training ``replicas`` copies of a model as one model takes, records included.

    Per replica: its weights, as many again for their gradients and twice for
    Adam's moments, the recorded copies of the weights (``recording_bytes``:
    kept on the device, then in the ``Recording``, then split per replica, so
    three times) and the activations of one batch (forward and backward).

    Examples:
        >>> format_bytes(replica_bytes(300_000, 400, (25, 15, 1), epochs=20, steps_per_epoch=32))
        '819.0 GiB'
    """
    size = np.dtype(dtype).itemsize
    fans = (int(input_dim),) + tuple(layer_sizes)[:-1]
    weights = sum((fan + 1) * n for fan, n in zip(fans, layer_sizes))
    shapes = [(n, fan + 1) for fan, n in zip(fans, layer_sizes)]
    records = recording_bytes(every, "weights", False, epochs, steps_per_epoch, shapes, dtype)[0]
    activations = 2 * batch_size * sum(layer_sizes) * size
    return int(replicas) * (4 * weights * size + 3 * records + activations)


def available_bytes():
    """Memory this machine can give now: ``MemAvailable`` on Linux, else the physical memory; None if unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


MEMORY_SHARE = 0.8  # a replica run may plan on this share of the memory available when it starts


class ReplicaMemoryError(MemoryError):
    """A replica run that this machine's memory cannot hold; ``need``, ``available`` (bytes) and ``fit`` (replicas)."""

    def __init__(self, replicas, need, available, fit):
        self.replicas, self.need, self.available, self.fit = replicas, need, available, fit
        super().__init__(f"{replicas:,} replicas need about {format_bytes(need)} (weights, gradients, Adam's state, "
                         f"records); {format_bytes(available)} is available, so at most {fit:,} would fit")


def check_replica_memory(replicas, input_dim, layer_sizes, epochs, steps_per_epoch, every="epoch", batch_size=32,
                         dtype="float32", available=None):
    """Refuse, before anything is built, a replica run that this machine's memory cannot hold.

    Raises:
        ReplicaMemoryError: with what the run needs (``memory.replica_bytes``),
            what is available and how many replicas would fit.
    """
    available = available_bytes() if available is None else available
    if available is None:
        return
    need = replica_bytes(replicas, input_dim, layer_sizes, epochs, steps_per_epoch, every, batch_size, dtype)
    room = MEMORY_SHARE * available
    if need > room:
        raise ReplicaMemoryError(replicas, need, available, int(room // max(need / replicas, 1)))
