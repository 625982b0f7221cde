import warnings

import keras
import numpy as np
from scipy.spatial.distance import cdist
import pytest

from course_companion.data import make_coffee_data
from course_companion.models import unit_weights
from course_companion.models import build_model
from course_companion.callbacks import UnitRecorder
from course_companion.memory import parse_bytes
from course_companion.recording import FORMAT_VERSION, Recording

pytestmark = pytest.mark.backends  # CI runs this file on JAX too


@pytest.fixture
def small(digits):
    X, y = digits
    return X[::10], y[::10]  # 100 rows: 4 batches of 32 (the last one partial)


def _fit(model, data, recorder, epochs=3, **kw):
    X, y = data
    return model.fit(X, y, epochs=epochs, batch_size=32, verbose=0, callbacks=[recorder], **kw)


def test_every_epoch_counts_steps_and_logs(small):
    keras.utils.set_random_seed(0)
    model = build_model("random", seed=0)
    start = {n: unit_weights(model.get_layer(n)) for n in ("L1", "L2", "L3")}
    rec = UnitRecorder()
    history = _fit(model, small, rec)
    r = rec.recording
    assert r.layers == ["L1", "L2", "L3"]
    np.testing.assert_array_equal(r.steps, [0, 4, 8, 12])
    np.testing.assert_array_equal(r.epochs, [0, 1, 2, 3])
    assert r.units("L1").shape == (4, 25, 401) and r.units("L1").dtype == np.float32
    assert r.units("L3").shape == (4, 1, 16)
    for name, w in start.items():
        np.testing.assert_array_equal(r.units(name)[0], w)
    kernel, bias = model.get_layer("L2").get_weights()
    np.testing.assert_array_equal(r.units("L2")[-1], np.concatenate([kernel, bias[None]]).T)
    assert r.logs[0] == {}
    np.testing.assert_allclose(r.log("loss")[1:], history.history["loss"])
    assert np.isnan(r.log("loss")[0])


def test_every_n_batches_with_partial_last_epoch(small):
    model = build_model("random", seed=1)
    rec = UnitRecorder(every=3)
    _fit(model, small, rec, epochs=2)  # 8 batches: records at 0, 3, 6, then 8 at the end
    r = rec.recording
    np.testing.assert_array_equal(r.steps, [0, 3, 6, 8])
    np.testing.assert_allclose(r.epochs, [0, 0.75, 1.5, 2.0])
    assert [bool(l) for l in r.logs] == [False, False, False, True]  # only the end is an epoch end
    np.testing.assert_array_equal(r.units("L1")[-1], unit_weights(model.get_layer("L1")))


def test_every_one_records_each_batch_and_epoch_ends_get_logs(small):
    model = build_model("random", seed=1)
    rec = UnitRecorder(every=1, layers=["L2"])
    _fit(model, small, rec, epochs=2)
    r = rec.recording
    np.testing.assert_array_equal(r.steps, np.arange(9))
    assert r.layers == ["L2"]
    assert [i for i, l in enumerate(r.logs) if l] == [4, 8]


def test_same_recorder_two_fits_continues(small):
    model = build_model("random", seed=2)
    rec = UnitRecorder()
    _fit(model, small, rec, epochs=2)
    _fit(model, small, rec, epochs=1)
    np.testing.assert_array_equal(rec.recording.steps, [0, 4, 8, 12])
    np.testing.assert_array_equal(rec.recording.epochs, [0, 1, 2, 3])


def test_weights_changed_between_fits_get_a_record(small):
    from course_companion.models import tie_units

    model = build_model("random", seed=2)
    rec = UnitRecorder()
    _fit(model, small, rec, epochs=1)
    tie_units(model, "L1", [[0, 1]])
    _fit(model, small, rec, epochs=1)
    r = rec.recording
    np.testing.assert_array_equal(r.steps, [0, 4, 4, 8])
    u = r.units("L1")
    np.testing.assert_array_equal(u[2, 0], u[2, 1])
    np.testing.assert_array_equal(u[3, 0], u[3, 1])
    assert not np.array_equal(u[1, 0], u[1, 1])


class _Boom(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            raise RuntimeError("stop here")


def test_interrupted_fit_keeps_what_was_recorded(small):
    model = build_model("random", seed=3)
    rec = UnitRecorder()
    X, y = small
    with pytest.raises(RuntimeError, match="stop here"):
        model.fit(X, y, epochs=5, batch_size=32, verbose=0, callbacks=[rec, _Boom()])
    np.testing.assert_array_equal(rec.recording.steps, [0, 4, 8])


def test_functional_model_with_own_names(small):
    inputs = keras.Input((400,))
    h = keras.layers.Dense(5, activation="relu", name="features")(inputs)
    d = keras.layers.Dropout(0.0, name="drop")(h)
    out = keras.layers.Dense(1, activation="sigmoid", name="decision")(d)
    model = keras.Model(inputs, out)
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    rec = UnitRecorder()
    _fit(model, small, rec, epochs=1)
    assert rec.recording.layers == ["features", "decision"]
    assert rec.recording.units("features").shape == (2, 5, 401)
    bad = UnitRecorder(layers=["drop"])
    with pytest.raises(ValueError, match=r"layers: layer 'drop' is a Dropout, not Dense; Dense layers are \['features', 'decision'\]"):
        _fit(model, small, bad, epochs=1)
    with pytest.raises(ValueError, match=r"layers: layer 'L1' is not in the model; Dense layers are \['features', 'decision'\]"):
        _fit(model, small, UnitRecorder(layers=["L1"]), epochs=1)


def test_an_integer_layer_counts_the_dense_layers(small):
    inputs = keras.Input((400,))
    h = keras.layers.Dropout(0.0, name="drop")(keras.layers.Dense(5, name="features")(inputs))
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid", name="decision")(h))
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    assert [l.name for l in model.layers][-3:] == ["features", "drop", "decision"]
    rec = UnitRecorder(layers=[1])  # the second Dense layer, whatever else the model holds
    _fit(model, small, rec, epochs=1)
    r = rec.recording
    assert r.layers == ["decision"] and r.dense_layers == ["features", "decision"]
    np.testing.assert_array_equal(r.units(1), r.units("decision"))
    np.testing.assert_array_equal(r.units(-1)[-1], unit_weights(model.get_layer("decision")))
    with pytest.raises(ValueError, match=r"layer 0 \(features\) was not recorded; recorded layers are \['decision'\]"):
        r.units(0)
    with pytest.raises(ValueError, match=r"layers: layer index 2 is out of range; Dense layers are \['features', 'decision'\]"):
        _fit(model, small, UnitRecorder(layers=[2]), epochs=1)


def test_keep_distances_matches_full_weights(small):
    keras.utils.set_random_seed(5)
    full = UnitRecorder(every=2)
    _fit(build_model("mirrored", seed=5), small, full, epochs=2)
    keras.utils.set_random_seed(5)
    slim = UnitRecorder(every=2, keep="distances")
    _fit(build_model("mirrored", seed=5), small, slim, epochs=2)
    for metric in ("euclidean", "cosine"):
        for layer in ("L1", "L2"):
            np.testing.assert_array_equal(slim.recording.distances(layer, metric), full.recording.distances(layer, metric))
    w = full.recording.units("L1").astype(np.float64)  # against SciPy's distances, not the package's own call
    for metric in ("euclidean", "cosine"):
        np.testing.assert_allclose(full.recording.distances("L1", metric), np.stack([cdist(u, u, metric) for u in w]),
                                   rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="kept 'distances', not the weights"):
        slim.recording.units("L1")
    for rec in (full.recording, slim.recording):  # one record alone: the same as that row of all records
        np.testing.assert_array_equal(rec.distances("L2", "cosine", record=-1), rec.distances("L2", "cosine")[-1])
    np.testing.assert_array_equal(full.recording.units("L1", record=1), full.recording.units("L1")[1])
    count = len(full.recording)
    with pytest.raises(ValueError, match=rf"record must index one of the {count} records; got {count}"):
        full.recording.units("L1", record=count)


def test_memory_budget_warns_once_with_what_fits(small):
    rec = UnitRecorder(every=1, memory_budget="200KiB")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _fit(build_model("random", seed=0), small, rec, epochs=2)
    ours = [w for w in caught if "UnitRecorder" in str(w.message)]
    assert len(ours) == 1
    msg = str(ours[0].message)
    assert "10 records" in msg and "over memory_budget 200.0 KiB" in msg
    assert "every=" in msg and "keep='distances' would fit" in msg


# -- gradients against the chain rule, on the forum's two-neuron network -------

def _two_neurons(w_in, w_out):
    """2 inputs -> 2 sigmoid units -> 1 sigmoid output, no biases."""
    model = keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(2, activation="sigmoid", use_bias=False, name="hidden"),
        keras.layers.Dense(1, activation="sigmoid", use_bias=False, name="out"),
    ])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy")
    model.get_layer("hidden").kernel.assign(np.asarray(w_in, np.float32))
    model.get_layer("out").kernel.assign(np.asarray(w_out, np.float32))
    return model


def _chain_rule(X, y, W, v):
    """dJ/dW (2x2) and dJ/dv (2x1) for J = mean binary cross-entropy, by hand."""
    X, y, W, v = (np.asarray(a, np.float64) for a in (X, y, W, v))
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    a = sig(X @ W)  # (m, 2) hidden activations
    p = sig(a @ v)  # (m, 1) prediction
    dz2 = (p - y) / len(X)  # dJ/dz of the output: sigmoid + cross-entropy
    dv = a.T @ dz2
    dz1 = (dz2 @ v.T) * a * (1 - a)  # back through w5, w6 and the hidden sigmoids
    dW = X.T @ dz1
    return dW, dv


def _probe():
    X, y = make_coffee_data(n=16, seed=2)
    return (X - X.mean(0)) / X.std(0), y  # normalized, as the course does


def test_gradients_equal_the_chain_rule():
    X, y = _probe()
    W = [[0.3, -0.2], [0.5, 0.1]]
    v = [[0.7], [-0.4]]
    model = _two_neurons(W, v)
    rec = UnitRecorder(gradients=True, probe=(X, y))
    model.fit(X, y, epochs=2, batch_size=8, verbose=0, callbacks=[rec])
    dW, dv = _chain_rule(X, y, W, v)
    g_hidden = rec.recording.gradients("hidden")[0]  # (units, fan_in): row u is unit u's incoming
    np.testing.assert_allclose(g_hidden, dW.T, rtol=1e-6, atol=0)  # float32 against float64: 1.8e-7 measured
    np.testing.assert_allclose(rec.recording.gradients("out")[0], dv.T, rtol=1e-6, atol=0)
    # At the last record too, from the weights recorded there.
    last_W = rec.recording.units("hidden")[-1].T
    last_v = rec.recording.units("out")[-1].T
    dW, dv = _chain_rule(X, y, last_W, last_v)
    np.testing.assert_allclose(rec.recording.gradients("hidden")[-1], dW.T, rtol=1e-6, atol=0)


def test_tied_units_get_equal_gradients_untied_do_not():
    X, y = _probe()
    tied = UnitRecorder(gradients=True, probe=(X, y))
    _two_neurons([[0.3, 0.3], [0.5, 0.5]], [[0.7], [0.7]]).fit(X, y, epochs=3, verbose=0, callbacks=[tied])
    g = tied.recording.gradients("hidden")
    np.testing.assert_array_equal(g[:, 0], g[:, 1])  # dJ/dw1 = dJ/dw3 and dJ/dw2 = dJ/dw4, every record
    w = tied.recording.units("hidden")
    np.testing.assert_array_equal(w[:, 0], w[:, 1])
    apart = UnitRecorder(gradients=True, probe=(X, y))
    _two_neurons([[0.3, 0.3], [0.5, 0.5]], [[0.7], [-0.2]]).fit(X, y, epochs=1, verbose=0, callbacks=[apart])
    g0 = apart.recording.gradients("hidden")[0]
    assert np.all(g0[0] != g0[1])  # different outgoing weights (w5 != w6): different gradients


# -- files --------------------------------------------------------------------

@pytest.fixture
def recorded(small):
    X, y = small
    rec = UnitRecorder(every=2, gradients=True, probe=(X[:20], y[:20]), metadata={"scheme": "random", "seed": 0})
    _fit(build_model("random", seed=0), small, rec, epochs=2)
    return rec.recording


def test_save_load_bit_identical(recorded, tmp_path):
    path = recorded.save(tmp_path / "rec.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rec.npz"]  # no temporary file left
    back = Recording.load(path)
    assert back.layers == recorded.layers and back.keep == "weights"
    assert back.metadata == recorded.metadata
    assert back.metadata["scheme"] == "random" and back.metadata["backend"] == keras.backend.backend()
    for name in recorded.layers:
        np.testing.assert_array_equal(back.units(name), recorded.units(name))
        np.testing.assert_array_equal(back.gradients(name), recorded.gradients(name))
    np.testing.assert_array_equal(back.steps, recorded.steps)
    np.testing.assert_array_equal(back.epochs, recorded.epochs)
    assert back.logs == recorded.logs


def test_save_load_distances_mode(small, tmp_path):
    rec = UnitRecorder(every=4, keep="distances")
    _fit(build_model("constant"), small, rec, epochs=1)
    back = Recording.load(rec.recording.save(tmp_path / "d.npz"))
    np.testing.assert_array_equal(back.distances("L1", "cosine"), rec.recording.distances("L1", "cosine"))
    assert np.all(back.distances("L1") == 0)


def test_load_errors(recorded, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no such recording file: .*missing\.npz"):
        Recording.load(tmp_path / "missing.npz")
    good = recorded.save(tmp_path / "good.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match=r"cut\.npz' is truncated or corrupt"):
        Recording.load(tmp_path / "cut.npz")
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(ValueError, match=r"junk\.npz' is truncated or corrupt"):
        Recording.load(tmp_path / "junk.npz")
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match=r"other\.npz' is not a course_companion recording"):
        Recording.load(tmp_path / "other.npz")
    np.save(tmp_path / "plain.npy", np.zeros(3))
    with pytest.raises(ValueError, match=r"plain\.npy' is not a course_companion recording"):
        Recording.load(tmp_path / "plain.npy")
    with np.load(tmp_path / "good.npz") as f:
        arrays = {k: f[k] for k in f.files}
    arrays["format_version"] = np.array(FORMAT_VERSION + 1)
    np.savez(tmp_path / "newer.npz", **arrays)
    with pytest.raises(ValueError, match=rf"format version {FORMAT_VERSION + 1}, newer than .* upgrade"):
        Recording.load(tmp_path / "newer.npz")


def test_save_into_missing_folder(recorded, tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        recorded.save(tmp_path / "nope" / "r.npz")


@pytest.mark.parametrize(
    "kw, err, match",
    [
        ({"every": 0}, ValueError, r"every must be an int >= 1; got 0"),
        ({"every": 2.5}, TypeError, r"every must be an int; got 2.5"),
        ({"every": "batch"}, ValueError, r"got 'batch'"),
        ({"gradients": True}, ValueError, r"gradients=True needs probe=\(X, y\)"),
        ({"keep": "all"}, ValueError, r"keep must be 'weights' or 'distances'; got 'all'"),
        ({"memory_budget": "lots"}, ValueError, r"memory_budget must be a positive size .* got 'lots'"),
        ({"layers": "L1"}, TypeError, r"layers must be None or a list"),
        ({"probe": (np.zeros((3, 2)), np.zeros(4))}, ValueError, r"same number of rows"),
    ],
)
def test_bad_arguments(kw, err, match):
    with pytest.raises(err, match=match):
        UnitRecorder(**kw)


def test_parse_bytes():
    assert parse_bytes("1GiB") == 2**30
    assert parse_bytes("500MB") == 500 * 10**6
    assert parse_bytes(2048) == 2048
    assert parse_bytes("1.5 KiB") == 1536
