"""swap_path: both ends the same loss, the middle a tied model, the model left as it was."""
import dataclasses

import keras
import numpy as np
import pytest

from course_companion.data import coffee_training_set, standardized_coffee_data
from course_companion.experiments.landscape import swap_path
from course_companion.models import build_model


@pytest.fixture(scope="module")
def coffee():
    X, y = coffee_training_set(tiles=20)
    keras.utils.set_random_seed(0)
    model = build_model("random", seed=0, input_dim=2, layer_sizes=(3, 1), learning_rate=0.01)
    model.fit(X, y, epochs=5, batch_size=200, verbose=0)
    return model, standardized_coffee_data()


def _bce_by_hand(weights, X, y):
    """Binary cross-entropy of a Dense-sigmoid stack, in float64 NumPy (not Keras)."""
    a = X.astype(np.float64)
    for kernel, bias in zip(weights[::2], weights[1::2]):
        a = 1 / (1 + np.exp(-(a @ kernel + bias)))
    p = np.clip(a[:, 0], 1e-7, 1 - 1e-7)
    return float(-np.mean(y[:, 0] * np.log(p) + (1 - y[:, 0]) * np.log(1 - p)))


def test_ends_equal_and_middle_is_the_tied_model(coffee):
    model, (X, y) = coffee
    before = [w.copy() for w in model.get_weights()]
    alphas, losses = swap_path(model, X, y, "L1", 0, 2, points=11)
    np.testing.assert_allclose(alphas, np.linspace(0, 1, 11))
    assert losses[0] == pytest.approx(losses[-1], rel=2.4e-7)  # the same function: at most 2 float32 steps (0 measured)
    assert losses[0] == pytest.approx(_bce_by_hand(before, X, y), rel=5e-7)  # float32 against float64: 8.5e-8 measured
    # The midpoint built here by hand: units 0 and 2 both the average of the two.
    mid = [w.astype(np.float64).copy() for w in before]
    mid[0][:, [0, 2]] = mid[0][:, [0, 2]].mean(axis=1, keepdims=True)
    mid[1][[0, 2]] = mid[1][[0, 2]].mean()
    mid[2][[0, 2]] = mid[2][[0, 2]].mean(axis=0)
    assert losses[5] == pytest.approx(_bce_by_hand(mid, X, y), rel=5e-7)  # 2.3e-8 measured
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)  # exactly as it was


def test_middle_units_are_exactly_equal(coffee):
    model, (X, y) = coffee
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    seen = []

    class Spy(keras.losses.Loss):  # records L1's kernel each time the loss is computed
        def call(self, y_true, y_pred):
            seen.append(clone.get_layer("L1").kernel.numpy().copy())
            return keras.losses.binary_crossentropy(y_true, y_pred)

    clone.compile(loss=Spy())
    swap_path(clone, X, y, 0, 0, 1, points=3)
    np.testing.assert_array_equal(seen[1][:, 0], seen[1][:, 1])  # the middle: units 0 and 1 equal
    np.testing.assert_array_equal(seen[0][:, [0, 1]], seen[2][:, [1, 0]])  # the ends: swapped


@pytest.mark.parametrize(
    "args, match",
    [
        (("L1", 0, 3), r"j must be a unit of 'L1' \(0..2\); got 3"),
        (("L1", 1, 1), r"i and j must be two different units; got i = j = 1"),
        (("L2", 0, 1), r"layer 'L2' feeds nothing"),
        (("L7", 0, 1), r"layer 'L7' is not in the model"),
    ],
)
def test_bad_input_leaves_the_model_alone(coffee, args, match):
    model, (X, y) = coffee
    before = model.get_weights()
    with pytest.raises(ValueError, match=match):
        swap_path(model, X, y, *args)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_other_bad_input(coffee):
    model, (X, y) = coffee
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"X has 200 rows but y has 199"):
        swap_path(model, X, y[:-1], "L1", 0, 1)
    # Checked before any weight moves, with the data's own words (not Keras's error from inside the loop).
    with pytest.raises(ValueError, match=r"X must have 2 features; got 3$"):
        swap_path(model, np.zeros((4, 3), np.float32), np.zeros((4, 1), np.float32), "L1", 0, 1)
    bad = X.copy()
    bad[5, 1] = np.nan
    with pytest.raises(ValueError, match=r"X has 1 NaN or infinite values \(first in row 5\)"):
        swap_path(model, bad, y, "L1", 0, 1)
    inputs = keras.Input((2,))
    h = keras.layers.Dropout(0.1, name="drop")(keras.layers.Dense(3, name="a")(inputs))
    other = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(h))
    with pytest.raises(ValueError, match=r"'drop' is a Dropout, not Dense"):
        swap_path(other, X, y, "drop", 0, 1)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_landscape_command(tmp_path, capsys):
    from course_companion.cli import main

    out = tmp_path / "land"
    assert main(["landscape", "--data", "coffee", "--epochs", "1", "--points", "5", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["landscape.png", "summary.md"]
    summary = (out / "summary.md").read_text()
    assert "## coffee" in summary and "Pairs: 3 of the 3 pairs of L1 units (all)." in summary
    rows = [line for line in summary.splitlines() if line.startswith("| 0, 1") or line.startswith("| 1, 2")]
    assert len(rows) == 2
    ends = rows[0].split(" | ")[1].split(" / ")
    assert float(ends[0]) == pytest.approx(float(ends[1]), rel=1e-5)


@pytest.mark.parametrize(
    "argv, match",
    [
        (["landscape", "--points", "2"], "--points: expected an odd number, at least 3 (the two ends and the middle, "
                                         "alpha 0.5); got 2"),
        (["landscape", "--points", "4"], "--points: expected an odd number, at least 3 (the two ends and the middle, "
                                         "alpha 0.5); got 4"),
        (["landscape", "--data", "tea"], "--data: invalid choice: 'tea'"),
    ],
)
def test_landscape_bad_arguments(tmp_path, capsys, argv, match):
    from course_companion.cli import main

    assert main(argv + ["--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and match in err[0]
    assert not (tmp_path / "o").exists()


def test_middles_are_judged_against_the_rounding_between_the_ends():
    from course_companion.experiments.landscape import ROUNDING_MARGIN, LandscapeResult, end_rounding, middles
    from course_companion.summaries.landscape import landscape_finding

    step = 2.0**-23  # float32's step at a loss of 1: the least rounding there can be
    paths = [(0, 1, np.array([1.0, 2.0, 3.0, 2.0, 1.0])),  # a ridge twice the loss
             (0, 2, np.array([1.0, 1.0, 1.0 - 1e-3, 1.0, 1.0 + 3e-7])),  # lower; its ends differ by 3e-7
             (1, 2, np.array([1.0, 1.0, 1.0 + 2e-6, 1.0, 1.0]))]  # within 10x the rounding: level
    result = LandscapeResult(data="toy data", name="toy", layer="L1", alphas=np.linspace(0, 1, 5), paths=paths,
                             accuracy=1.0, epochs=1, seed=0, pairs_of=3)
    assert end_rounding(result) == pytest.approx(3e-7) and 3e-7 > step
    assert ROUNDING_MARGIN * 3e-7 > 2e-6
    assert middles(result).tolist() == ["higher", "lower", "level"]
    assert "higher than the ends for 1, level for 1 and lower for 1" in landscape_finding(result)
    assert "A ridge at least as high as the loss itself" in landscape_finding(result)
    flat = dataclasses.replace(result, paths=paths[1:])
    assert "No ridge here" in landscape_finding(flat)
