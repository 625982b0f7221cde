"""Week 2's model: 25-15-10 ReLU with a softmax output on all ten digits (issue 18, parts 1-2)."""
import keras
import numpy as np
import pytest

from course_companion.cli import main
from course_companion.data import load_dataset, load_digits
from course_companion.models import build_model
from course_companion.recording import Recording
from course_companion.schemes import MULTICLASS
from course_companion.training import train_scheme


def test_the_week_2_lab_s_model():
    model = build_model("random", seed=0, **MULTICLASS.settings)
    assert model.count_params() == 10_575  # 400*25+25 + 25*15+15 + 15*10+10, as the lab's model.summary() says
    assert [(l.name, l.units, l.activation.__name__) for l in model.layers] == [
        ("L1", 25, "relu"), ("L2", 15, "relu"), ("L3", 10, "linear")]
    assert isinstance(model.loss, keras.losses.SparseCategoricalCrossentropy) and model.loss.from_logits


def test_a_zero_start_with_relu_learns_only_the_output_biases():
    X, y = load_digits()
    X, y = X[::10], y[::10]  # 500 rows, 50 of each digit
    model, _ = train_scheme("constant", X, y, epochs=2, seed=0, **MULTICLASS.settings)
    for name in ("L1", "L2"):
        np.testing.assert_array_equal(model.get_layer(name).kernel.numpy(), 0.0)
        np.testing.assert_array_equal(model.get_layer(name).bias.numpy(), 0.0)
    np.testing.assert_array_equal(model.get_layer("L3").kernel.numpy(), 0.0)
    assert np.any(model.get_layer("L3").bias.numpy() != 0)  # the only weights that moved
    logits = keras.ops.convert_to_numpy(model(X[:20]))
    assert np.all(logits == logits[0])  # the same answer for every image


def test_compare_multiclass_has_the_no_hidden_layer_row(tmp_path, capsys):
    out = tmp_path / "mc"
    argv = ["compare", "--model", "multiclass", "--epochs", "1", "--schemes", "constant", "random", "--constant", "0.05",
            "--out", str(out)]
    assert main(argv) == 0
    summary = (out / "summary.md").read_text()
    rows = {line.split(" | ")[0][2:]: line.split(" | ") for line in summary.splitlines() if line.startswith("| ")}
    assert set(rows) >= {"constant", "random", "no hidden layer"}
    assert rows["no hidden layer"][3:] == ["-"] * 6 + ["- |"]
    assert "Data: bundled digits 0-9 (5000 x 400)" in summary
    constant = Recording.load(out / "constant.npz")
    np.testing.assert_array_equal(constant.units("L1", 0)[:, :-1], np.float32(0.05))  # --constant sets the start
    assert "Under `constant` the hidden weights moved" in summary  # a nonzero constant with ReLU: they do


@pytest.mark.parametrize("case, match", [
    ("coffee", "--data coffee trains the coffee model (2 inputs, 3 units); --model multiclass needs the digits"),
    ("label 10", "labels must be 0 to 9; got [0, 1, 10]"),
    ("one class", "every label is 3; a model of 10 classes needs examples of at least two"),
])
def test_bad_combinations_are_one_line_before_training(tmp_path, capsys, case, match):
    if case == "coffee":
        data = ["coffee"]
    else:
        y = np.array([0, 1, 10, 1]) if case == "label 10" else np.full(4, 3)
        np.save(tmp_path / "X.npy", np.zeros((4, 400)))
        np.save(tmp_path / "y.npy", y)
        data = [str(tmp_path / "X.npy"), str(tmp_path / "y.npy")]
    assert main(["compare", "--model", "multiclass", "--data", *data, "--out", str(tmp_path / "o")]) == 2
    captured = capsys.readouterr()
    (line,) = captured.err.strip().splitlines()
    assert match in line and captured.out == "" and not (tmp_path / "o").exists()


def test_load_dataset_multiclass():
    data = load_dataset("digits", model="multiclass")
    assert data.X.shape == (5000, 400) and data.epochs == 40 and data.model is MULTICLASS
    assert sorted(np.unique(data.y).tolist()) == list(range(10))


def test_multiclass_replicas_train_as_they_would_alone():
    from course_companion.callbacks import ReplicaRecorder
    from course_companion.models import build_replicas, unit_weights
    from course_companion.schemes import DEFAULT_TIES
    from course_companion.testing import assert_tied

    X, y = load_digits()
    X, y = X[::10], y[::10]
    specs = [("random", 0), ("mirrored", 1)]
    model = build_replicas(specs, **MULTICLASS.settings)
    recorder = ReplicaRecorder()
    model.fit(X, y, epochs=3, batch_size=32, shuffle=False, verbose=0, callbacks=[recorder])
    for (scheme, seed), rec in zip(specs, recorder.replicas()):
        alone = build_model(scheme, seed=seed, **MULTICLASS.settings)
        history = alone.fit(X, y, epochs=3, batch_size=32, shuffle=False, verbose=0).history
        for name in ("L1", "L2", "L3"):  # 3.1e-7 measured: float32 sums in another order, FusedAdam's rounding
            np.testing.assert_allclose(rec.units(name)[-1], unit_weights(alone.get_layer(name)), rtol=0, atol=1e-6)
        np.testing.assert_allclose(rec.log("loss")[1:], history["loss"], rtol=1e-6)
        np.testing.assert_allclose(rec.log("accuracy")[1:], history["accuracy"], rtol=0, atol=1e-7)
    for index, groups in DEFAULT_TIES.items():
        assert_tied(recorder.replicas()[1], index, groups)  # exact on the CPU, every record


def test_sweep_multiclass_matches_relu_units_without_flips(tmp_path):
    out = tmp_path / "sweep"
    argv = ["sweep", "--model", "multiclass", "--schemes", "random", "--seeds", "2", "--epochs", "1", "--out", str(out)]
    assert main(argv) == 0
    summary = (out / "summary.md").read_text()
    assert "ReLU units match without sign flips" in summary and "a sigmoid unit may match" not in summary
    row = next(line for line in summary.splitlines() if line.startswith("| random | 1 |"))
    assert row.rstrip(" |").endswith("| 0")  # no flipped matches


def test_landscape_and_gaps_take_the_multiclass_model(tmp_path, capsys):
    land, gaps = tmp_path / "land", tmp_path / "gaps"
    assert main(["landscape", "--model", "multiclass", "--epochs", "1", "--pairs", "2", "--points", "5", "--out", str(land)]) == 0
    summary = (land / "summary.md").read_text()
    assert "## digits, multiclass" in summary and "bundled digits 0-9 (5000 x 400)" in summary
    assert main(["gaps", "--model", "multiclass", "--epochs", "1", "--optimizers", "adam", "--out", str(gaps)]) == 0
    summary = (gaps / "summary.md").read_text()
    from course_companion.analysis import silent_inputs

    silent = len(silent_inputs(load_digits()[0]))  # counted here, on the 5000 digits
    assert "## digits, multiclass, adam" in summary and f"{silent} of the 400 inputs are 0 in every training row" in summary
    assert main(["landscape", "--model", "multiclass", "--data", "coffee", "--out", str(tmp_path / "o")]) == 2
    assert "--model multiclass needs the digits" in capsys.readouterr().err
