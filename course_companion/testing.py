"""``assert_tied``: the tie check for our tests and other people's, in the spirit of ``numpy.testing``.

A tie needs three things equal between the units of a group: incoming
weights, biases, and outgoing weights (the units' rows in the next Dense
layer's kernel; Dropout and other layers without weights in between are
passed over, and a BatchNormalization's four per-unit values in between are
compared too). On the CPU a tie that holds is bit-for-bit exact, so the
check is exact equality there; weights that came from a GPU are allowed
``devices.GPU_TIE_TOLERANCE`` (GPU kernels may add in different orders).
On the CPU too, some kernels round a layer's last units differently when its
width is not a multiple of 8 (``scripts/tie_rounding.py``): BatchNormalization's
batch sums, RMSprop's step and float64 matrix products do.
"""
import sys

import numpy as np

from course_companion.analysis.tie import tie_verdict
from course_companion.checks import check_groups, check_number
from course_companion.devices import GPU_TIE_TOLERANCE
from course_companion.recording import Recording

__all__ = ["assert_tied", "tie_tolerance"]


def tie_tolerance(device):
    """The largest difference a tie may show on ``device`` ("CPU", "GPU:0 (...)"): 0 on a CPU."""
    return GPU_TIE_TOLERANCE if str(device).startswith("GPU") else 0.0


def assert_tied(obj, layer, groups, atol=None):
    """Raise ``AssertionError`` unless the units of every group are tied.

    Examples:
        >>> from course_companion.models import build_model
        >>> assert_tied(build_model("mirrored", seed=0), "L1", [[0, 1], [2, 3, 4]])
        >>> assert_tied(build_model("random", seed=0), "L1", [[0, 1]])
        Traceback (most recent call last):
        ...
        AssertionError: L1: units 0 and 1 are not tied: largest difference ... in the incoming weight from input ... (allowed: 0, exact equality)

    Args:
        obj: a Keras model (the layer's incoming weights and biases, its
            units' outgoing weights in the Dense layer it feeds, and the
            per-unit values of a BatchNormalization in between, are checked,
            in the weights' own dtype);
            a Dense layer (incoming weights and biases); a ``Recording``
            (every record); or an array of unit weights (units, d) or
            (records, units, d), incoming weights then bias.
        layer: the layer (a name or an index into the Dense layers, 0 = L1);
            for a Dense layer or an array, only a label for the message (None
            is fine).
        groups: list of groups of unit indices that must be tied.
        atol: float >= 0, the largest difference allowed; default 0 (exact),
            or ``GPU_TIE_TOLERANCE`` where the weights came from a GPU.

    Raises:
        AssertionError: naming the layer, the two units, the largest
            difference, which weight differs, and the record.
        ValueError, TypeError: bad arguments (a layer that does not exist,
            a unit index out of range, malformed groups).
    """
    groups = check_groups(groups)
    if not groups:
        raise ValueError(f"groups must name at least one group; got {groups!r}")
    label, units, outgoing, between, steps, device, has_bias = _read(obj, layer)
    allowed = tie_tolerance(device) if atol is None else check_number(atol, "atol", minimum=0)
    count = units.shape[-2]
    for group in groups:
        if max(group) >= count:
            raise ValueError(f"groups: group {group} names unit {max(group)}, but {label} has {count} units")
    parts = {"incoming": units, "outgoing": outgoing, "between": None if between is None else between[0]}
    verdict = tie_verdict(parts, groups, allowed)
    if verdict.held:
        return
    r = verdict.record
    where = "" if r is None else (f" at record {r} (step {steps[r]})" if steps is not None else f" at record {r}")
    which = _which(verdict.part, verdict.index, units.shape[-1], has_bias, label, between)
    first, other = verdict.units
    if verdict.status == "not finite":
        raise AssertionError(f"{label}: units {verdict.group} cannot be tied{where}: unit {other} has a NaN or "
                             f"infinite value in {which} (a run that diverged? NaN is never tied)")
    rule = "exact equality" if allowed == 0 else "tolerance"
    raise AssertionError(
        f"{label}: units {first} and {other} are not tied{where}: largest difference "
        f"{verdict.size:.3g} in {which} (allowed: {allowed:g}, {rule})"
    )


def _which(kind, index, d, has_bias, label, between):
    """Which weight of a unit ``index`` is, in words."""
    if kind == "outgoing":
        return f"the outgoing weight to unit {index} of the layer {label} feeds"
    if kind == "between":
        return f"{between[1][index]}, between {label} and the Dense layer it feeds"
    if index == d - 1 and has_bias:
        return "the bias"
    if index == d - 1 and has_bias is None:
        return f"weight {index}, the last (the bias, if the layer has one; else the incoming weight from input {index})"
    return f"the incoming weight from input {index}"


def _read(obj, layer):
    """(label, unit weights, outgoing rows or None, (per-unit values between, their names) or None, steps or None,
    device, has bias: True/False/None)."""
    if isinstance(obj, Recording):
        name = obj.layer_name(layer)
        return name, obj.units(name), None, None, obj.steps, obj.metadata.get("device", "CPU"), None
    keras = sys.modules.get("keras")  # a Keras object can only exist once Keras is imported
    if keras is not None and isinstance(obj, keras.layers.Layer):
        from course_companion.models.dense import find_dense_layer, tie_parts, unit_weights
    if keras is not None and isinstance(obj, keras.Model):
        dense = find_dense_layer(obj, layer)
        parts = tie_parts(obj, dense)
        between = None if parts["between"] is None else (parts["between"], parts["between_names"])
        return dense.name, parts["units"], parts["outgoing"], between, None, _device(dense), dense.use_bias
    if keras is not None and isinstance(obj, keras.layers.Layer):
        if not isinstance(obj, keras.layers.Dense):
            raise TypeError(f"obj must be a model, a Dense layer, a Recording or an array; got a {type(obj).__name__}")
        return obj.name, unit_weights(obj, dtype=None), None, None, None, _device(obj), obj.use_bias
    units = np.asarray(obj)
    if units.ndim not in (2, 3) or not np.issubdtype(units.dtype, np.number):
        raise TypeError(
            "obj must be a model, a Dense layer, a Recording, or unit weights (units, d) or (records, units, d); "
            f"got {type(obj).__name__} of shape {getattr(units, 'shape', None)}"
        )
    return (f"layer {layer}" if layer is not None else "layer"), units, None, None, None, "CPU", None


def _device(dense):
    """ "GPU" where the layer's kernel lives on one (TensorFlow says "GPU:0", JAX "cuda:0"), else "CPU"."""
    value = dense.kernel.value
    where = getattr(value, "device", "")
    where = where() if callable(where) else where
    return "GPU" if any(k in str(where).upper() for k in ("GPU", "CUDA", "ROCM")) else "CPU"
