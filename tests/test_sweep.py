import matplotlib.image as mpimg
import keras
import numpy as np
from scipy.spatial.distance import cdist
import pytest

from course_companion.cli import main
from course_companion.models import unit_weights
from course_companion.models import build_model
from course_companion.schemes import DEFAULT_TIES
from course_companion.figures import plot_distances
from course_companion.callbacks import ReplicaRecorder
from course_companion.experiments.sweep import run_sweep, sweep_rows
from course_companion.models import build_replicas
from course_companion.testing import assert_tied

SPECS = [("random", 0), ("random", 1), ("mirrored", 0), ("constant", 0), ("incoming-only", 2)]
# float32 rounding: the replica model's matrix products add up in another order.
# After 3 epochs on 200 rows we saw differences below 1e-7; this leaves room.
TOLERANCE = 3e-6  # a replica's weights against its standalone model's after 3 epochs: 1.5e-6 measured (float32 sums)


@pytest.fixture(scope="module")
def trained_replicas(digits):
    X, y = digits[0][::5], digits[1][::5]  # 200 rows: 7 batches per epoch
    model = build_replicas(SPECS)
    recorder = ReplicaRecorder()
    model.fit(X, y, epochs=3, batch_size=32, shuffle=False, verbose=0, callbacks=[recorder])
    return X, y, model, recorder.replicas()


def test_replicas_start_where_standalone_models_start():
    model = build_replicas(SPECS)
    kernel = model.get_layer("L1").kernel.numpy()
    for k, (scheme, seed) in enumerate(SPECS):
        alone = build_model(scheme, seed=seed)
        np.testing.assert_array_equal(kernel[:, k, :], alone.get_layer("L1").kernel.numpy())


def test_each_replica_trains_as_it_would_alone(trained_replicas):
    X, y, _, replicas = trained_replicas
    for (scheme, seed), rec in zip(SPECS, replicas):
        alone = build_model(scheme, seed=seed)
        history = alone.fit(X, y, epochs=3, batch_size=32, shuffle=False, verbose=0).history
        for name in ("L1", "L2", "L3"):
            np.testing.assert_allclose(rec.units(name)[-1], unit_weights(alone.get_layer(name)), rtol=0, atol=TOLERANCE)
        # Its history too: loss and accuracy per epoch, as the standalone fit reports them.
        np.testing.assert_allclose(rec.log("loss")[1:], history["loss"], rtol=2e-6)  # 6.9e-7 measured
        # The same predictions: the same accuracy, to the last bit on TensorFlow; JAX's metric sums in another
        # order (one float32 step, 6e-8, seen once).
        np.testing.assert_allclose(rec.log("accuracy")[1:], history["accuracy"], rtol=0,
                                   atol=0 if keras.backend.backend() == "tensorflow" else 1e-7)
        assert rec.metadata["scheme"] == scheme and rec.metadata["seed"] == seed


def test_ties_inside_a_replica_stay_exactly_equal(trained_replicas):
    _, _, _, replicas = trained_replicas
    mirrored, constant, incoming = replicas[2], replicas[3], replicas[4]
    for index, groups in DEFAULT_TIES.items():
        assert_tied(mirrored, index, groups)  # every record, exactly
    assert_tied(constant, "L1", [list(range(25))])
    l1 = incoming.units("L1")[-1]
    assert not np.array_equal(l1[0], l1[1])


def test_replica_recordings_work_with_distances_and_plots(trained_replicas):
    _, _, _, replicas = trained_replicas
    rec = replicas[0]
    assert rec.units("L1").shape == (4, 25, 401)
    np.testing.assert_array_equal(rec.steps, [0, 7, 14, 21])
    w = rec.units("L2").astype(np.float64)  # SciPy's distances, not the package's own call
    np.testing.assert_allclose(rec.distances("L2"), np.stack([cdist(u, u) for u in w]), rtol=1e-12, atol=1e-12)
    assert set(rec.logs[-1]) == {"loss", "accuracy"}
    ax = plot_distances({"random 0": rec, "mirrored 0": replicas[2]})
    assert len(ax.get_legend().get_lines()) == 2


def test_keep_distances_splits_per_replica(digits):
    X, y = digits[0][::10], digits[1][::10]
    model = build_replicas([("random", 3), ("mirrored", 3)])
    recorder = ReplicaRecorder(every=2, keep="distances")
    model.fit(X, y, epochs=1, batch_size=32, verbose=0, callbacks=[recorder])
    reps = recorder.replicas()
    assert reps[1].distances("L1").shape == (3, 25, 25)
    assert reps[1].distances("L1")[-1][0, 1] == 0.0 and reps[0].distances("L1")[-1][0, 1] > 0


def test_run_sweep_and_rows(digits):
    X, y = digits[0][::10], digits[1][::10]
    results = run_sweep(["constant", "random"], 3, X, y, epochs=2, progress=False)
    assert [(r.scheme, r.seed) for r in results] == [("constant", s) for s in range(3)] + [("random", s) for s in range(3)]
    rows = {r.scheme: r for r in sweep_rows(results)}
    assert rows["constant"].separated == 0.0 and rows["constant"].smallest_max == 0.0
    assert rows["random"].separated == 1.0 and rows["random"].smallest_min > 0


def test_replica_model_saves_and_loads(trained_replicas, tmp_path):
    import keras

    X, y, model, _ = trained_replicas
    path = tmp_path / "replicas.keras"
    model.save(path)
    # ReplicaDense, replica_binary_crossentropy and ReplicaMetrics are registered, so no custom_objects.
    loaded = keras.models.load_model(path)
    assert [type(l).__name__ for l in loaded.layers[1:]] == ["ReplicaDense"] * 3
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(model.predict(X, verbose=0), loaded.predict(X, verbose=0))
    assert loaded.get_layer("L3").get_config() == model.get_layer("L3").get_config()
    logs = loaded.evaluate(X, y, verbose=0, return_dict=True)  # the loss and the per-replica metric work
    assert logs["replica_loss"].shape == logs["replica_accuracy"].shape == (len(SPECS),)
    np.testing.assert_allclose(logs["loss"], logs["replica_loss"].sum(), rtol=1e-5)


def test_one_seed_writes_no_alignment(tmp_path):
    out = tmp_path / "one"
    assert main(["sweep", "--schemes", "random", "--seeds", "1", "--epochs", "1", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["summary.md", "sweep.png"]
    assert "Do different seeds learn" not in (out / "summary.md").read_text()


def test_bad_specs():
    with pytest.raises(ValueError, match=r"each spec must be \(scheme, seed\) .* got \('zeros', 1\)"):
        build_replicas([("zeros", 1)])
    with pytest.raises(ValueError, match="at least one"):
        build_replicas([])
    with pytest.raises(ValueError, match=r"layer_sizes must end with 1"):
        build_replicas([("random", 0)], layer_sizes=(4, 2))


def test_recorder_refuses_a_plain_model(digits):
    X, y = digits[0][:32], digits[1][:32]
    with pytest.raises(ValueError, match="has no ReplicaDense layer; use UnitRecorder"):
        build_model().fit(X, y, epochs=1, verbose=0, callbacks=[ReplicaRecorder()])


def test_sweep_command(tmp_path, capsys):
    out = tmp_path / "sweep"
    assert main(["sweep", "--schemes", "constant", "random", "--seeds", "2", "--seed", "5", "--epochs", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "4 replicas: epoch 1/1, mean loss" in printed
    assert sorted(p.name for p in out.iterdir()) == ["aligned_units.png", "alignment.png", "summary.md", "sweep.png"]
    summary = (out / "summary.md").read_text()
    assert "| constant | 2 | 0% | 0 / 0 / 0 |" in summary
    assert "| constant | 1 | 1.000 / 1.000 | 1.000 / 1.000 / 1.000 |" in summary  # seed 6 matched to seed 5: identical units
    assert "Seeds 5 to 6 of each scheme" in summary
    assert mpimg.imread(out / "sweep.png").shape[1] == 1080


@pytest.mark.parametrize(
    "argv, match",
    [
        (["sweep", "--seeds", "0"], "--seeds: expected a positive whole number; got '0'"),
        (["sweep", "--schemes"], "--schemes: expected at least one argument"),
    ],
)
def test_sweep_bad_arguments(tmp_path, capsys, argv, match):
    assert main(argv + ["--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and match in err[0]
    assert not (tmp_path / "o").exists()


def test_replica_memory_is_checked_before_building():
    from course_companion.memory import replica_bytes
    from course_companion.training import ReplicaMemoryError, check_replica_memory

    model = build_replicas([("random", s) for s in range(3)])
    # At least the weights, their gradients and Adam's two moments, in float32.
    assert replica_bytes(3, 400, (25, 15, 1), epochs=1, steps_per_epoch=32) >= 4 * 4 * model.count_params()
    per = replica_bytes(1, 400, (25, 15, 1), epochs=20, steps_per_epoch=32)
    check_replica_memory(10, 400, (25, 15, 1), 20, 32, available=13 * per)  # 10 fit in 80% of 13
    with pytest.raises(ReplicaMemoryError, match=r"^11 replicas need about .* so at most 10 would fit$") as caught:
        check_replica_memory(11, 400, (25, 15, 1), 20, 32, available=13 * per)
    assert caught.value.fit == 10 and caught.value.need == 11 * per
