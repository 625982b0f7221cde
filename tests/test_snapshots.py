"""Per-batch records kept on the device: exact, asynchronous, and cleaned up.

Every record is compared with the weights read directly (``unit_weights``)
by a callback with a batch hook, in the same fit.
"""
import keras
import numpy as np
import pytest
import tensorflow as tf

from course_companion.callbacks import snapshots
from course_companion.models import unit_weights
from course_companion.models import build_model
from course_companion.callbacks import UnitRecorder

# The copies are added to TensorFlow's compiled train step; on other backends the recorder reads from a batch hook
# (tests/test_recorder.py covers that on every backend).
pytestmark = pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="on-device snapshots are TensorFlow's")


@pytest.fixture
def small(digits):
    X, y = digits
    return X[::10], y[::10]  # 100 rows: 4 batches of 32 (the last one partial)


class _Reader(keras.callbacks.Callback):
    """The weights read directly after each batch Keras shows a hook: {step: {layer: units}}."""

    def __init__(self):
        super().__init__()
        self.seen = {}

    def on_train_begin(self, logs=None):
        self._it0 = int(self.model.optimizer.iterations.numpy())

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.optimizer.iterations.numpy()) - self._it0
        self.seen[step] = {l.name: _read(l) for l in self.model.layers if isinstance(l, keras.layers.Dense)}


def _read(layer):
    """(units, fan_in + 1) in the layer's own dtype (unit_weights gives float32)."""
    kernel, bias = layer.get_weights()
    return np.concatenate([kernel, bias[None]]).T


def _fit(model, data, callbacks, epochs=3, **kw):
    X, y = data
    return model.fit(X, y, epochs=epochs, batch_size=32, verbose=0, callbacks=callbacks, shuffle=False, **kw)


def _assert_records_exact(recording, seen):
    steps = list(recording.steps)
    checked = 0
    for step, units in seen.items():
        if step in steps:
            for name in recording.layers:
                np.testing.assert_array_equal(recording.units(name)[steps.index(step)], units[name],
                                              err_msg=f"step {step}, layer {name}")
            checked += 1
    return checked


@pytest.mark.parametrize("every, steps_per_execution", [(1, 1), (3, 1), (1, 3)])
def test_records_are_the_weights_after_their_step(small, every, steps_per_execution):
    model = build_model("random", seed=4, steps_per_execution=steps_per_execution)
    rec, reader = UnitRecorder(every=every), _Reader()
    _fit(model, small, [rec, reader])
    r = rec.recording
    np.testing.assert_array_equal(r.steps, sorted({0, 12, *range(every, 13, every)}))
    checked = _assert_records_exact(r, reader.seen)
    # The reader sees the steps Keras hooks: all 12, or with steps_per_execution=3 the ends of each call (4 batches
    # an epoch: calls of 3 and 1 steps, so steps 3, 4, 7, 8, 11, 12); every record it could see was checked.
    hooked = list(range(1, 13)) if steps_per_execution == 1 else [3, 4, 7, 8, 11, 12]
    assert sorted(reader.seen) == hooked
    assert checked == len(set(hooked) & set(r.steps.tolist()))
    assert len(r) == len(set(r.steps))


def test_two_recorders_in_one_fit(small):
    model = build_model("random", seed=5)
    every_batch = UnitRecorder(every=1, layers=["L1"])
    every_other = UnitRecorder(every=2, layers=["L3"])
    reader = _Reader()
    _fit(model, small, [every_batch, every_other, reader], epochs=2)
    assert _assert_records_exact(every_batch.recording, reader.seen) == 8
    assert _assert_records_exact(every_other.recording, reader.seen) == 4
    assert model not in snapshots._ATTACHED


def test_the_model_gets_its_own_train_function_back(small):
    model = build_model("random", seed=6)
    _fit(model, small, [], epochs=1)
    plain = model.train_function
    rec = UnitRecorder(every=1)
    _fit(model, small, [rec], epochs=1)
    assert model.train_function is plain and model not in snapshots._ATTACHED
    assert "train_step" not in vars(model)
    _fit(model, small, [], epochs=1)  # a plain fit afterwards writes nothing more
    assert len(rec.recording) == 5 and rec._snapshots is None


class _Stop(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if self.model.optimizer.iterations.numpy() == 6:
            raise RuntimeError("stopped by a callback")


def test_an_error_in_another_callback_keeps_epoch_records_and_a_new_recorder_works(small):
    model = build_model("random", seed=7)
    rec = UnitRecorder(every=1)
    with pytest.raises(RuntimeError, match="stopped by a callback"):
        _fit(model, small, [rec, _Stop()])
    # steps 5 and 6 were still on the device when the callback raised (between epoch ends)
    np.testing.assert_array_equal(rec.recording.steps, [0, 1, 2, 3, 4])
    again, reader = UnitRecorder(every=1), _Reader()
    _fit(model, small, [again, reader], epochs=1)
    assert _assert_records_exact(again.recording, reader.seen) == 4
    np.testing.assert_array_equal(rec.recording.steps, [0, 1, 2, 3, 4])  # the first one did not move
    assert model not in snapshots._ATTACHED


class FailsAtStep(keras.Sequential):
    """Raises inside the compiled train step at step 6 (like a NaN check would)."""

    def train_step(self, data):
        x, y = data
        with tf.control_dependencies([tf.debugging.assert_less(self.optimizer.iterations, tf.constant(5, "int64"),
                                                               message="step 6 failed")]):
            x = tf.identity(x)
        return super().train_step((x, y))


def test_an_error_inside_a_step_keeps_every_record_before_it(small):
    model = FailsAtStep([keras.Input((400,)), keras.layers.Dense(3, name="L1"), keras.layers.Dense(1, name="L2")])
    model.compile(optimizer="sgd", loss="mse")
    rec = UnitRecorder(every=1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="step 6 failed"):
        _fit(model, small, [rec])
    np.testing.assert_array_equal(rec.recording.steps, [0, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(rec.recording.units("L1")[-1], unit_weights(model.get_layer("L1")))
    assert model not in snapshots._ATTACHED and "train_step" not in vars(model)


def test_unknown_batches_per_epoch_is_a_clear_error(small):
    X, y = small

    def batches():
        for i in range(0, len(X), 32):
            yield X[i:i + 32], y[i:i + 32]

    model = build_model("random", seed=0)
    rec = UnitRecorder(every=2)
    with pytest.raises(ValueError, match=r"every=2.*steps_per_epoch"):
        model.fit(batches(), epochs=1, verbose=0, callbacks=[rec])
    assert rec.recording is None and model not in snapshots._ATTACHED
    model.fit(batches(), epochs=1, steps_per_epoch=4, verbose=0, callbacks=[rec])
    np.testing.assert_array_equal(rec.recording.steps, [0, 2, 4])


def test_a_float64_model_is_recorded_in_float64(small):
    model = keras.Sequential([keras.Input((400,)), keras.layers.Dense(3, name="L1", dtype="float64"),
                              keras.layers.Dense(1, activation="sigmoid", name="L2", dtype="float64")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    rec, reader = UnitRecorder(every=1), _Reader()
    _fit(model, small, [rec, reader], epochs=1)
    assert rec.recording.units("L1").dtype == np.float64
    assert _assert_records_exact(rec.recording, reader.seen) == 4


class _ReplicaReader(keras.callbacks.Callback):
    """Each replica's units read directly after each batch: {step: {layer: (K, units, d)}}."""

    def __init__(self):
        super().__init__()
        self.seen = {}

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.optimizer.iterations.numpy())
        self.seen[step] = {}
        for layer in self.model.layers[1:]:
            kernel, bias = layer.get_weights()  # (fan_in, K, units), (K, units)
            self.seen[step][layer.name] = np.concatenate([kernel, bias[None]]).transpose(1, 2, 0)


def test_replica_records_are_each_replicas_weights_after_their_step(small):
    from course_companion.callbacks import ReplicaRecorder
    from course_companion.models import build_replicas

    model = build_replicas([("random", 3), ("mirrored", 3)])
    rec, reader = ReplicaRecorder(every=2), _ReplicaReader()
    _fit(model, small, [rec, reader], epochs=2)
    np.testing.assert_array_equal(rec.recording.steps, [0, 2, 4, 6, 8])
    assert _assert_records_exact(rec.recording, reader.seen) == 4
    mirrored = rec.replicas()[1]
    np.testing.assert_array_equal(mirrored.units("L1")[-1], reader.seen[8]["L1"][1])
