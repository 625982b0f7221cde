"""assert_tied: exact on the CPU, with a message that says which weight broke the tie."""
import re
import subprocess
import sys

import keras
import numpy as np
import pytest

from course_companion.models import build_model
from course_companion.schemes import DEFAULT_TIES
from course_companion.recording import Recording
from course_companion.testing import assert_tied

pytestmark = pytest.mark.backends  # CI runs this file on JAX too


def test_trained_ties_hold_exactly(trained):
    model, _ = trained("mirrored")
    for index, groups in DEFAULT_TIES.items():
        assert_tied(model, index, groups)  # incoming, biases and outgoing rows, exactly
    constant, _ = trained("constant")
    assert_tied(constant, "L1", [list(range(25))])
    assert_tied(constant.get_layer("L2"), None, [list(range(15))])


def test_incoming_weight_named(trained):
    model, _ = trained("random")
    kernel = model.get_layer("L1").kernel.numpy()
    diff = np.abs(kernel[:, 3] - kernel[:, 1])  # computed here, not by the package
    worst = int(np.argmax(diff))
    message = f"L1: units 1 and 3 are not tied: largest difference {diff.max():.3g} in the incoming weight from input {worst} "
    with pytest.raises(AssertionError, match=re.escape(message + "(allowed: 0, exact equality)")):
        assert_tied(model, 0, [[1, 3]])


def test_outgoing_weight_and_bias_named():
    model = build_model("mirrored", seed=0)
    after = model.get_layer("L2").kernel.numpy()
    after[1, 7] += 0.25  # unit 1 of L1 now sends a different weight to unit 7 of L2
    model.get_layer("L2").kernel.assign(after)
    with pytest.raises(AssertionError, match=r"L1: units 0 and 1 are not tied: largest difference 0\.25 in the outgoing weight to unit 7 of the layer L1 feeds"):
        assert_tied(model, "L1", [[0, 1]])
    assert_tied(model.get_layer("L1"), "L1", [[0, 1]])  # a layer alone: incoming weights and biases only
    bias = model.get_layer("L1").bias.numpy()
    bias[4] = 1e-7
    model.get_layer("L1").bias.assign(bias)
    with pytest.raises(AssertionError, match=r"units 2 and 4 are not tied: largest difference 1e-07 in the bias"):
        assert_tied(model.get_layer("L1"), "L1", [[2, 3, 4]])
    assert_tied(model.get_layer("L1"), "L1", [[2, 3, 4]], atol=1e-6)


def test_recording_every_record_and_the_step():
    units = np.zeros((4, 3, 5), np.float32)
    units[2, 2, 1] = 3e-8  # broken at record 2 only, a float32 step at this size
    rec = Recording.from_arrays(["L1", "L2"], steps=[0, 8, 16, 24], epochs=[0, 1, 2, 3],
                                units={"L1": np.zeros((4, 2, 5)), "L2": units})
    assert_tied(rec, 0, [[0, 1]])
    with pytest.raises(AssertionError, match=r"L2: units 0 and 2 are not tied at record 2 \(step 16\): largest difference 3e-08 in the incoming weight from input 1"):
        assert_tied(rec, "L2", [[0, 1, 2]])
    other = units.copy()
    other[3, 1, 4] = 1.0  # the last weight: a recording does not say whether the layer has a bias
    last = Recording.from_arrays(["L2"], steps=[0, 8, 16, 24], epochs=[0, 1, 2, 3], units={"L2": other})
    with pytest.raises(AssertionError, match=r"units 0 and 1 are not tied at record 3 \(step 24\): largest difference 1 in weight 4, the last \(the bias, if the layer has one"):
        assert_tied(last, "L2", [[0, 1]])
    assert_tied(rec, 1, [[0, 2]], atol=1e-7)
    gpu = Recording.from_arrays(["L2"], steps=[0, 8, 16, 24], epochs=[0, 1, 2, 3], units={"L2": units},
                                metadata={"device": "GPU:0 (T4)"})
    assert_tied(gpu, "L2", [[0, 1, 2]])  # within GPU_TIE_TOLERANCE


def test_arrays():
    w = np.array([[1.0, 2.0, 0.5], [1.0, 2.0, 0.5], [1.0, 2.5, 0.5]])
    assert_tied(w, "L1", [[0, 1]])
    with pytest.raises(AssertionError, match=r"layer L1: units 0 and 2 are not tied: largest difference 0\.5 in the incoming weight from input 1"):
        assert_tied(w, "L1", [[0, 1, 2]])
    with pytest.raises(AssertionError, match=r"at record 1: "):
        assert_tied(np.stack([w[[0, 0, 0]], w]), None, [[0, 2]])


@pytest.mark.parametrize(
    "args, err, match",
    [
        (("L9", [[0, 1]]), ValueError, r"layer 'L9' is not in the model; Dense layers are \['L1', 'L2', 'L3'\]"),
        ((3, [[0, 1]]), ValueError, r"layer index 3 is out of range"),
        (("L2", [[0, 15]]), ValueError, r"group \[0, 15\] names unit 15, but L2 has 15 units"),
        (("L1", None), ValueError, r"groups must name at least one group"),
        (("L1", [[0]]), ValueError, r"groups\[0\] must name at least two units"),
    ],
)
def test_bad_arguments(args, err, match):
    with pytest.raises(err, match=match):
        assert_tied(build_model("random", seed=0), *args)


def test_not_a_dense_layer():
    with pytest.raises(TypeError, match="got a Dropout"):
        assert_tied(keras.layers.Dropout(0.1), None, [[0, 1]])
    with pytest.raises(TypeError, match="got str"):
        assert_tied("L1", None, [[0, 1]])


@pytest.mark.parametrize("modules", [
    "course_companion.recording, course_companion.testing",
    "course_companion.data, course_companion.analysis, course_companion.schemes",
    "course_companion.figures, course_companion.tables, course_companion.report",
])
def test_keras_free_modules_import_no_tensorflow(modules):
    code = f"import {modules}, sys; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert proc.stdout.split() == ["False", "False"]
