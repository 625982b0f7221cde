"""``breakers``: verdicts computed from the weights, checked against plain Keras models built here."""
import dataclasses

import keras
import numpy as np
import pytest

from course_companion.cli import main
from course_companion.data import load_dataset
from course_companion.experiments.breakers import CHANGES, NAMES, check_changes, run_breakers
from course_companion.models.branches import Branch, build_branches
from course_companion.models.layers import MaskedDense, MixedDense, stride_mask
from course_companion.summaries.breakers import breakers_markdown, condition_findings, unit_span
from course_companion.testing import assert_tied


@pytest.fixture(scope="module")
def small_digits():
    """128 of the bundled 0s and 1s, with the binary model: a second or two per fit."""
    data = load_dataset("digits")
    return dataclasses.replace(data, X=data.X[:128].copy(), y=data.y[:128].copy())


@pytest.fixture(scope="module")
def results(small_digits):
    names = ["none", "dropout-input", "dropout-l1", "random", "input-mask", "mixed-activation", "mirrored", "sgd",
             "perturbed"]
    return {r.change.name: r for r in run_breakers(small_digits, names, epochs=2, seed=0, progress=False)}


def _plain_model(dropout_where):
    """The course's 25-15-1 model written out in plain Keras, every weight 0.05, Dropout(0.2) where asked."""
    constant = keras.initializers.Constant(0.05)
    layers = [keras.Input((400,))]
    if dropout_where == "input":
        layers.append(keras.layers.Dropout(0.2))
    layers.append(keras.layers.Dense(25, "sigmoid", kernel_initializer=constant))
    if dropout_where == "l1":
        layers.append(keras.layers.Dropout(0.2))
    layers += [keras.layers.Dense(15, "sigmoid", kernel_initializer=constant),
               keras.layers.Dense(1, "sigmoid", kernel_initializer=constant)]
    model = keras.Sequential(layers)
    model.compile(keras.optimizers.Adam(0.001), "binary_crossentropy")
    return model


@pytest.mark.parametrize("where, name, held", [("input", "dropout-input", True), ("l1", "dropout-l1", False)])
def test_dropout_verdicts_match_a_plain_keras_model(where, name, held, small_digits, results):
    keras.utils.set_random_seed(0)
    model = _plain_model(where)
    model.fit(small_digits.X, small_digits.y, epochs=2, batch_size=32, verbose=0)
    l1, l2 = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)][:2]
    kernel, bias, rows = l1.kernel.numpy(), l1.bias.numpy(), l2.kernel.numpy()
    plain_held = bool((kernel == kernel[:, :1]).all() and (bias == bias[0]).all() and (rows == rows[:1]).all())
    assert plain_held is held
    assert results[name].held is held
    assert results[name].distinct == (1 if held else 25)


def test_held_rows_are_exactly_tied_and_broken_rows_say_how_far(results):
    for name in ("none", "mirrored", "sgd", "dropout-input"):
        r = results[name]
        assert r.held and r.gaps == [0.0, 0.0, 0.0] and r.distinct == 1 and r.groups == [list(range(25))]
    r = results["random"]
    assert not r.held and r.gaps[0] > 0.1 and r.distinct == 25 and not r.rounding
    assert "L1: units 0 and" in r.message and "are not tied" in r.message
    for name in ("dropout-l1", "input-mask"):
        assert results[name].gaps[0] == 0 and results[name].gaps[2] > 1e-4
    # A jitter of 1e-6 starts the units apart: however small the gap stays, that is not a break by rounding.
    r = results["perturbed"]
    assert not r.held and 0 < r.gaps[0] < 1e-5 and not r.rounding


def test_mixed_activation_leaves_one_unit_per_activation(results):
    r = results["mixed-activation"]
    assert not r.held and r.distinct == 2
    assert r.groups == [list(range(13)), list(range(13, 25))]  # 13 sigmoid units, 12 tanh


def test_accuracy_is_computed_on_the_training_data(small_digits):
    keras.utils.set_random_seed(0)
    model = build_branches([Branch("random"), Branch()], input_dim=400)
    model.fit(small_digits.X, [small_digits.y] * 2, epochs=1, batch_size=32, verbose=0)
    from course_companion.models.branches import branch_accuracy

    by_hand = [float(np.mean((b.predict(small_digits.X, verbose=0)[:, 0] > 0.5) == small_digits.y[:, 0]))
               for b in model.branches]
    assert branch_accuracy(model, small_digits.X, small_digits.y) == by_hand


def test_a_branch_trains_as_it_would_alone(small_digits):
    """Side by side, the summed loss gives each branch its own gradient: bit for bit the weights of a model alone."""
    X, y = small_digits.X, small_digits.y
    keras.utils.set_random_seed(0)
    both = build_branches([Branch("random", seed=3), Branch()], input_dim=400)
    both.fit(X, [y, y], epochs=2, batch_size=32, verbose=0, shuffle=False)
    keras.utils.set_random_seed(0)
    alone = build_branches([Branch("random", seed=3)], input_dim=400)
    alone.fit(X, [y], epochs=2, batch_size=32, verbose=0, shuffle=False)
    for a, b in zip(both.branches[0].weights, alone.branches[0].weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_masked_dense_never_moves_a_masked_weight(small_digits):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((400,)), MaskedDense(25, activation="sigmoid",
                                                               kernel_initializer=keras.initializers.Constant(0.05)),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.Adam(0.01), "binary_crossentropy")
    model.fit(small_digits.X, small_digits.y, epochs=1, batch_size=32, verbose=0)
    kernel, mask = model.layers[0].kernel.numpy(), stride_mask(400, 25)
    assert (kernel[mask == 0] == np.float32(0.05)).all()
    seen = kernel[mask == 1]
    assert (seen != np.float32(0.05)).sum() > 0.5 * seen.size  # pixels never lit in these 128 digits do not move
    assert [int(mask[:, j].sum()) for j in (0, 24)] == [384, 384]  # 16 inputs missed per unit


def test_mixed_dense_computes_each_half_with_its_activation():
    layer = MixedDense(3, activation="sigmoid", second_activation="tanh",
                       kernel_initializer=keras.initializers.Constant(0.5))
    x = np.array([[1.0, -2.0]], np.float32)
    z = x @ np.full((2, 3), 0.5, np.float32)
    expected = np.concatenate([1 / (1 + np.exp(-z[:, :2])), np.tanh(z[:, 2:])], axis=1)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x)), expected, rtol=1e-6)
    assert MixedDense.from_config(layer.get_config()).split == 2


def test_assert_tied_reads_batch_normalization_between_the_layers():
    keras.utils.set_random_seed(0)
    model = build_branches([Branch(after_l1="batchnorm")], input_dim=4, layer_sizes=(3, 1)).branches[0]
    assert_tied(model, "L1", [[0, 1, 2]])
    norm = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)][0]
    norm.gamma.assign([1.0, 2.0, 1.0])
    with pytest.raises(AssertionError, match=r"units 0 and 1 are not tied: largest difference 1 in .*gamma"):
        assert_tied(model, "L1", [[0, 1, 2]])


def test_float64_weights_are_compared_in_float64():
    model = build_branches([Branch()], input_dim=4, layer_sizes=(3, 1), dtype="float64").branches[0]
    kernel = model.get_layer("L1").kernel
    kernel.assign(kernel.numpy() + np.array([0.0, 1e-12, 0.0]))  # far below float32's resolution
    with pytest.raises(AssertionError, match="units 0 and 1 are not tied"):
        assert_tied(model, "L1", [[0, 1, 2]])


def test_findings_follow_the_verdicts(results):
    lines = condition_findings(list(results.values()))
    inputs = next(line for line in lines if line.startswith("Not the same inputs"))
    assert "broke the tie: each L1 unit misses its own inputs; Dropout(0.2) after L1." in inputs
    assert "Kept it exactly: Dropout(0.2) on the input." in inputs
    summary = breakers_markdown(list(results.values()), {"device": "CPU"})
    table_rows = [line for line in summary.splitlines() if line.startswith("| ") and "digits" in line]
    assert len(table_rows) == len(results)
    assert sum("| held |" in row for row in table_rows) == sum(r.held for r in results.values())


def test_changes_are_checked():
    assert [c.name for c in check_changes(None)] == list(NAMES) and len(CHANGES) == 20
    with pytest.raises(ValueError, match=r"changes: unknown 'drop'; choose from none, input-mask"):
        check_changes(["drop"])
    with pytest.raises(ValueError, match="at least one"):
        check_changes([])
    with pytest.raises(ValueError, match="Branch after_l1 must be None or one of"):
        Branch(after_l1="pooling")
    assert unit_span([0, 1, 2, 5, 7, 8]) == "0-2, 5, 7-8"


@pytest.mark.parametrize("argv, message", [
    (["breakers", "--changes", "drop"], "argument --changes: invalid choice: 'drop'"),
    (["breakers", "--data", "faces"], "argument --data: invalid choice: 'faces'"),
    (["breakers", "--data", "coffee", "--model", "multiclass"], "--data coffee trains the coffee model"),
])
def test_bad_arguments_get_one_line_and_exit_2(argv, message, capsys, tmp_path):
    assert main(argv + ["--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_command_writes_its_figure_and_summary(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["breakers", "--data", "coffee", "--changes", "none", "noise-l1", "sgd", "--epochs", "1",
                 "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["breakers.png", "summary.md"]
    summary = (out / "summary.md").read_text()
    assert "| inputs | GaussianNoise(0.1) after L1 | coffee | broke | 3 |" in summary
    assert "| none | nothing: the tied start | coffee | held | 1 |" in summary
    assert (out / "breakers.png").stat().st_size > 20_000
    assert "Not the same inputs: broke the tie: GaussianNoise(0.1) after L1." in capsys.readouterr().out
