"""Records you can trust: each record is the weights after exactly its step, float64 survives the file, memory counts
the real dtype.

Every expected value is computed another way: the weights by ``train_on_batch`` in a loop, the gradients by the chain
rule in float64 NumPy, the steps and bytes by hand.
"""
import warnings

import keras
import numpy as np
import pytest

from course_companion.callbacks import ReplicaRecorder, UnitRecorder
from course_companion.data import load_digits01
from course_companion.memory import recording_bytes, replica_bytes
from course_companion.models import build_model, build_replicas
from course_companion.recording import Recording, join_units, split_units

BATCH = 32
STEPS_PER_EPOCH = 4  # 128 rows
EPOCHS = 2
LAYERS = ("L1", "L2", "L3")


@pytest.fixture(scope="module")
def data():
    """128 digits, 64 zeros and 64 ones, mixed so that every batch holds both classes."""
    X, y = load_digits01()
    X, y = np.concatenate([X[:64], X[500:564]]), np.concatenate([y[:64], y[500:564]])
    order = np.random.default_rng(0).permutation(len(X))
    return X[order], y[order]


def _units(layer):
    """(units, fan_in + 1) read off the layer here, not with the package's layout code."""
    kernel, bias = layer.get_weights()
    return np.vstack([kernel, bias.reshape(1, -1)]).T


@pytest.fixture(scope="module")
def after_steps(data):
    """{step: {layer: units}}: the model's weights after exactly ``step`` batches, by ``train_on_batch`` in a loop."""
    X, y = data
    model = build_model("random", seed=0)
    seen = {0: {n: _units(model.get_layer(n)) for n in LAYERS}}
    for step in range(1, EPOCHS * STEPS_PER_EPOCH + 1):
        rows = slice((step - 1) % STEPS_PER_EPOCH * BATCH, ((step - 1) % STEPS_PER_EPOCH + 1) * BATCH)
        model.train_on_batch(X[rows], y[rows])
        seen[step] = {n: _units(model.get_layer(n)) for n in LAYERS}
    return seen


def _chain_rule(X, y, weights):
    """d (mean binary cross-entropy) / d each unit's weights, for the 400-25-15-1 sigmoid model, in float64."""
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    acts, a = [np.asarray(X, np.float64)], np.asarray(X, np.float64)
    for name in LAYERS:
        w = weights[name].astype(np.float64)
        a = sig(a @ w[:, :-1].T + w[:, -1])
        acts.append(a)
    dz = (acts[-1] - np.asarray(y, np.float64)) / len(X)  # sigmoid and cross-entropy together
    grads = {}
    for i in range(len(LAYERS) - 1, -1, -1):
        w = weights[LAYERS[i]].astype(np.float64)
        grads[LAYERS[i]] = np.hstack([dz.T @ acts[i], dz.sum(axis=0)[:, None]])
        dz = (dz @ w[:, :-1]) * acts[i] * (1 - acts[i])
    return grads


def _fit(model, data, recorder, epochs=EPOCHS):
    X, y = data
    model.fit(X, y, epochs=epochs, batch_size=BATCH, shuffle=False, verbose=0, callbacks=[recorder])


def _expected_steps(every, total=EPOCHS * STEPS_PER_EPOCH):
    """Record 0 at step 0, one every ``every`` batches (or at each epoch's end), and always one at the end."""
    if every == "epoch":
        return list(range(0, total + 1, STEPS_PER_EPOCH))
    return sorted(set(range(0, total + 1, every)) | {total})


def _assert_each_record_is_its_step(rec, after_steps, probe=None):
    for i, step in enumerate(rec.steps):
        for name in LAYERS:
            np.testing.assert_array_equal(rec.units(name)[i], after_steps[step][name], err_msg=f"step {step}, {name}")
        if probe is not None:
            expected = _chain_rule(*probe, after_steps[step])
            for name in LAYERS:
                scale = np.abs(expected[name]).max()
                # float32 against float64: 8.6e-7 of the largest measured; one step later differs by 2e-2 or more
                np.testing.assert_allclose(rec.gradients(name)[i], expected[name], rtol=0, atol=1e-5 * scale,
                                           err_msg=f"gradient at step {step}, {name}")


# -- steps: each record is the weights after exactly its step ---------------------------------------------------


@pytest.mark.parametrize("gradients", [False, True], ids=["weights", "gradients"])
@pytest.mark.parametrize("every", [1, 2, 3, "epoch"])
def test_each_record_holds_the_weights_after_exactly_its_step(data, after_steps, every, gradients):
    """With gradients (a batch hook on TensorFlow) or without (copies on the device): the same steps, the same weights.

    A batch hook counting Keras's batch index as the step (one short) gave steps 0, 0, 2, 4, ... for every=2.
    """
    X, y = data
    probe = (X[:40], y[:40]) if gradients else None
    recorder = UnitRecorder(every=every, gradients=gradients, probe=probe)
    _fit(build_model("random", seed=0), data, recorder)
    rec = recorder.recording
    assert rec.steps.tolist() == _expected_steps(every)
    np.testing.assert_array_equal(rec.epochs, rec.steps / STEPS_PER_EPOCH)
    _assert_each_record_is_its_step(rec, after_steps, probe)


@pytest.mark.parametrize("every, gradients", [(2, False), (2, True), ("epoch", True)], ids=["device", "hook", "epoch"])
def test_the_same_recorder_in_two_fits_records_as_one_longer_fit(data, after_steps, every, gradients):
    X, y = data
    probe = (X[:40], y[:40]) if gradients else None
    recorder = UnitRecorder(every=every, gradients=gradients, probe=probe)
    model = build_model("random", seed=0)
    _fit(model, data, recorder, epochs=1)
    _fit(model, data, recorder, epochs=1)
    rec = recorder.recording
    assert rec.steps.tolist() == _expected_steps(every)
    np.testing.assert_array_equal(rec.epochs, rec.steps / STEPS_PER_EPOCH)
    assert [bool(logs) for logs in rec.logs] == [s > 0 and s % STEPS_PER_EPOCH == 0 for s in rec.steps]
    _assert_each_record_is_its_step(rec, after_steps, probe)


def test_the_same_replica_recorder_in_two_fits(data):
    specs = [("random", 0), ("mirrored", 1)]
    model = build_replicas(specs)
    recorder = ReplicaRecorder(every=2)
    _fit(model, data, recorder, epochs=1)
    _fit(model, data, recorder, epochs=1)
    assert recorder.recording.steps.tolist() == [0, 2, 4, 6, 8]
    for k, rec in enumerate(recorder.replicas()):
        assert rec.steps.tolist() == [0, 2, 4, 6, 8] and rec.metadata["scheme"] == specs[k][0]
        for name in LAYERS:
            kernel, bias = model.get_layer(name).get_weights()  # (fan_in, K, units), (K, units)
            np.testing.assert_array_equal(rec.units(name)[-1], np.vstack([kernel[:, k], bias[k][None]]).T)
        assert [bool(logs) for logs in rec.logs] == [False, False, True, False, True]


# -- float64 through the file -------------------------------------------------------------------------------------


def _save_load(rec, tmp_path):
    return Recording.load(rec.save(tmp_path / "rec.npz"))


def test_a_float64_recording_keeps_a_1e9_tie_gap_through_save_and_load(tmp_path):
    units = np.tile(np.linspace(-1, 1, 5), (3, 2, 1))  # 3 records, units 0 and 1 equal
    units[:, 1, 2] += 1e-9  # a tie gap far below float32's resolution (1e-7 of a weight)
    gap = np.abs(units[:, 1] - units[:, 0]).max(axis=-1)
    assert np.all(gap > 0) and np.all(np.abs(gap - 1e-9) < 1e-15)
    grads = units * 1e-3
    back = _save_load(Recording.from_arrays(["L1"], [0, 4, 8], [0, 1, 2], units={"L1": units},
                                            gradients={"L1": grads}), tmp_path)
    assert back.units("L1").dtype == np.float64 and back.gradients("L1").dtype == np.float64
    assert back.units("L1").tobytes() == units.tobytes() and back.gradients("L1").tobytes() == grads.tobytes()
    np.testing.assert_array_equal(np.abs(back.units("L1")[:, 1] - back.units("L1")[:, 0]).max(axis=-1), gap)


def test_a_float64_model_recorded_and_saved_keeps_its_gap(data, tmp_path):
    X, y = data
    model = keras.Sequential([keras.Input((400,)), keras.layers.Dense(3, activation="sigmoid", name="L1", dtype="float64"),
                              keras.layers.Dense(1, activation="sigmoid", name="L2", dtype="float64")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    kernel = np.full((400, 3), 0.01)
    kernel[7, 1] += 1e-9
    model.get_layer("L1").kernel.assign(kernel)
    recorder = UnitRecorder(every=2)
    _fit(model, data, recorder, epochs=1)
    rec = recorder.recording
    back = _save_load(rec, tmp_path)
    for name in ("L1", "L2"):
        assert back.units(name).dtype == np.float64
        assert back.units(name).tobytes() == rec.units(name).tobytes()
    first = back.units("L1")[0]
    assert np.abs(first[1] - first[0]).max() == abs(kernel[7, 1] - kernel[7, 0])  # about 1e-9, not 0
    np.testing.assert_array_equal(back.units("L1")[-1], _units(model.get_layer("L1")))


def test_a_float32_recording_stays_float32(tmp_path):
    units = np.ones((2, 2, 3), np.float32)
    back = _save_load(Recording.from_arrays(["L1"], [0, 1], [0, 1], units={"L1": units}), tmp_path)
    assert back.units("L1").dtype == np.float32


# -- the unit layout, built and taken apart in one place ----------------------------------------------------------


def test_join_and_split_units_against_a_loop():
    rng = np.random.default_rng(0)
    kernel, bias = rng.normal(size=(3, 5, 4)), rng.normal(size=(3, 4))  # 3 records, fan_in 5, 4 units
    joined = join_units(kernel, bias)
    assert joined.shape == (3, 4, 6)
    for r in range(3):
        for u in range(4):
            np.testing.assert_array_equal(joined[r, u], list(kernel[r, :, u]) + [bias[r, u]])
    incoming, b = split_units(joined)
    np.testing.assert_array_equal(incoming, np.swapaxes(kernel, 1, 2))
    np.testing.assert_array_equal(b, bias)
    np.testing.assert_array_equal(join_units(kernel[0]), kernel[0].T)  # no bias: incoming weights only


def test_replica_recorder_composes_a_gatherer():
    """It reads its layers through a ``ReplicaGatherer``; it overrides no private method of ``UnitRecorder``."""
    overridden = [n for n in vars(ReplicaRecorder) if n.startswith("_") and not n.startswith("__") and hasattr(UnitRecorder, n)]
    assert overridden == []
    with pytest.raises(ValueError, match=r"give layers or a gatherer, not both; got layers=\['L1'\]"):
        UnitRecorder(layers=["L1"], gatherer=ReplicaRecorder().gatherer)


# -- memory: the recording's real dtype ---------------------------------------------------------------------------


def test_recording_bytes_count_8_bytes_a_float64_weight():
    shapes = [(25, 401), (15, 26), (1, 16)]  # the course model: 10,431 weights a record
    records = 2 + 20  # the estimate allows one record more than 1 + epochs
    assert recording_bytes("epoch", "weights", False, 20, 32, shapes, dtype="float32") == (
        records * 10431 * 4, records, 10431 * 4)
    assert recording_bytes("epoch", "weights", False, 20, 32, shapes, dtype="float64") == (
        records * 10431 * 8, records, 10431 * 8)
    with_grads = recording_bytes("epoch", "weights", True, 20, 32, shapes, dtype="float64")[0]
    assert with_grads == 2 * records * 10431 * 8
    # every=4 over 20 epochs of 32 batches: 160 records (and 2)
    assert recording_bytes(4, "weights", False, 20, 32, shapes, dtype="float64")[0] == 162 * 10431 * 8


def test_replica_bytes_count_the_dtype():
    # Per replica: weights, gradients and Adam's two moments (4x), the records three times, one batch's activations.
    weights, records = 10431, 2 + 2
    by_hand = {size: 10 * (4 * weights * size + 3 * records * weights * size + 2 * 32 * (25 + 15 + 1) * size)
               for size in (4, 8)}
    assert replica_bytes(10, 400, (25, 15, 1), epochs=2, steps_per_epoch=4, dtype="float32") == by_hand[4]
    assert replica_bytes(10, 400, (25, 15, 1), epochs=2, steps_per_epoch=4, dtype="float64") == by_hand[8]


@pytest.mark.parametrize("dtype, size", [("float32", 4), ("float64", 8)])
def test_the_recorder_warns_with_the_recordings_real_size(data, dtype, size):
    model = keras.Sequential([keras.Input((400,)), keras.layers.Dense(3, name="L1", dtype=dtype),
                              keras.layers.Dense(1, activation="sigmoid", name="L2", dtype=dtype)])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    per_record = (3 * 401 + 1 * 4) * size  # bytes of one record's weights, by hand
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _fit(model, data, UnitRecorder(memory_budget=1000), epochs=2)
    ours = [str(w.message) for w in caught if "UnitRecorder" in str(w.message)]
    assert len(ours) == 1
    assert f"about {4 * per_record / 1024:.1f} KiB (4 records x {per_record / 1024:.1f} KiB)" in ours[0]
