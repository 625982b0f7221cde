import itertools

import keras
import numpy as np
import pytest

from course_companion.analysis import pairwise_distances
from course_companion.models import unit_weights
from course_companion.models import Mirrored, Random
from course_companion.models import build_model, tie_units
from course_companion.schemes import DEFAULT_TIES, layer_seed
from course_companion.testing import assert_tied


def _units(model, name):
    return unit_weights(model.get_layer(name))


def _assert_all_identical(units):
    for i in range(1, len(units)):
        np.testing.assert_array_equal(units[i], units[0])


def _ungrouped_pairs_differ(units, groups):
    grouped = {i for g in groups for i in g[1:]}
    free = [i for i in range(len(units)) if i not in grouped]
    d = pairwise_distances(units)
    return all(d[i, j] > 0 for i, j in itertools.combinations(free, 2))


def test_course_model_shape():
    model = build_model()
    assert [l.name for l in model.layers] == ["L1", "L2", "L3"]
    assert [l.units for l in model.layers] == [25, 15, 1]
    assert model.count_params() == 10431
    assert isinstance(model.loss, keras.losses.BinaryCrossentropy)
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.001)


def test_same_seed_same_weights_other_seed_differs():
    a, b, c = build_model(seed=1), build_model(seed=1), build_model(seed=2)
    for wa, wb, wc in zip(a.get_weights(), b.get_weights(), c.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])
    assert layer_seed(0, 1) != layer_seed(1, 0)


def test_constant_units_stay_identical(trained):
    model, _ = trained("constant")
    _assert_all_identical(_units(model, "L1"))
    _assert_all_identical(_units(model, "L2"))
    assert np.ptp(_units(model, "L1")[0]) > 0  # it did learn: weights moved, per input


def test_random_units_all_differ(trained):
    model, history = trained("random")
    for name in ("L1", "L2"):
        d = pairwise_distances(_units(model, name))
        assert np.all(d[~np.eye(len(d), dtype=bool)] > 0)
    assert history.history["accuracy"][-1] > 0.98


def test_mirrored_groups_stay_exactly_equal(trained):
    model, _ = trained("mirrored")
    for index, groups in DEFAULT_TIES.items():
        units = _units(model, f"L{index + 1}")
        for group in groups:
            for unit in group[1:]:
                np.testing.assert_array_equal(units[unit], units[group[0]])
        assert _ungrouped_pairs_differ(units, groups)
    # The next layer's rows of tied units are tied too.
    k2 = model.get_layer("L2").kernel.numpy()
    np.testing.assert_array_equal(k2[0], k2[1])
    np.testing.assert_array_equal(k2[2], k2[4])


def test_mirrored_starts_tied_as_promised():
    model = build_model("mirrored", seed=3)
    l1, l2 = _units(model, "L1"), _units(model, "L2")
    np.testing.assert_array_equal(l1[0], l1[1])
    np.testing.assert_array_equal(l1[2], l1[4])
    np.testing.assert_array_equal(l2[0], l2[1])
    assert not np.array_equal(l1[0], l1[2])


def test_incoming_only_units_drift_apart(trained):
    start = build_model("incoming-only", seed=0)
    np.testing.assert_array_equal(_units(start, "L1")[0], _units(start, "L1")[1])
    model, _ = trained("incoming-only")
    for index, groups in DEFAULT_TIES.items():
        units = _units(model, f"L{index + 1}")
        for group in groups:
            for unit in group[1:]:
                assert np.abs(units[unit] - units[group[0]]).max() > 1e-4


def test_perturbed_starts_almost_tied():
    model = build_model("perturbed", seed=0)
    l1 = _units(model, "L1")
    gap = np.abs(l1[0] - l1[1]).max()
    assert 0 < gap < 1e-5


def test_ties_by_name_and_custom_groups():
    model = build_model("mirrored", seed=0, ties={"L2": [[3, 9]]})
    l2 = _units(model, "L2")
    np.testing.assert_array_equal(l2[3], l2[9])
    l1 = _units(model, "L1")
    assert not np.array_equal(l1[0], l1[1])


def test_tie_units_after_training_then_training_again(digits):
    X, y = digits
    keras.utils.set_random_seed(0)
    model = build_model("random", seed=0)
    model.fit(X, y, epochs=3, verbose=0)
    tie_units(model, "L1", [[0, 1, 2], [5, 6]])
    model.fit(X, y, epochs=3, verbose=0)
    assert_tied(model, "L1", [[0, 1, 2], [5, 6]])  # incoming weights, biases and L2's rows, exactly
    l1 = _units(model, "L1")
    assert not np.array_equal(l1[0], l1[5])


def test_tie_units_without_optimizer_reset_breaks(digits):
    # Why tie_units resets Adam: after set_weights alone, old moments pull the units apart.
    X, y = digits
    keras.utils.set_random_seed(0)
    model = build_model("random", seed=0)
    model.fit(X, y, epochs=2, verbose=0)
    w = model.get_weights()
    w[0][:, 1] = w[0][:, 0]
    w[1][1] = w[1][0]
    w[2][1] = w[2][0]
    model.set_weights(w)
    model.fit(X, y, epochs=1, verbose=0)
    l1 = _units(model, "L1")
    assert not np.array_equal(l1[0], l1[1])


def test_tie_units_on_a_functional_model(digits):
    X, y = digits
    inputs = keras.Input((400,))
    h = keras.layers.Dense(6, activation="sigmoid", name="hidden")(inputs)
    out = keras.layers.Dense(1, activation="sigmoid", name="out")(h)
    model = keras.Model(inputs, out)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    tie_units(model, "hidden", [[1, 4]])
    model.fit(X[::5], y[::5], epochs=2, verbose=0)
    w = unit_weights(model.get_layer("hidden"))
    np.testing.assert_array_equal(w[1], w[4])


def test_tie_units_errors():
    model = build_model()
    with pytest.raises(ValueError, match=r"layer 'L9' is not in the model; Dense layers are \['L1', 'L2', 'L3'\]"):
        tie_units(model, "L9", [[0, 1]])
    with pytest.raises(ValueError, match=r"layer 'L3' must feed exactly one Dense layer .* it feeds nothing"):
        tie_units(model, "L3", [[0, 1]])
    with pytest.raises(ValueError, match=r"group \[0, 30\] names unit 30, but 'L1' has 25 units"):
        tie_units(model, "L1", [[0, 30]])
    with pytest.raises(ValueError, match=r"must not overlap"):
        tie_units(model, 0, [[0, 1], [1, 2]])
    inputs = keras.Input((4,))
    h = keras.layers.Dense(3, name="h")(inputs)
    d = keras.layers.BatchNormalization(name="norm")(h)  # four values per unit that tie_units does not set
    model2 = keras.Model(inputs, keras.layers.Dense(1, name="o")(d))
    with pytest.raises(ValueError, match=r"'h' must feed exactly one Dense layer .* it feeds \['norm'\]"):
        tie_units(model2, "h", [[0, 1]])
    with pytest.raises(ValueError, match=r"'norm' is a BatchNormalization, not Dense"):
        tie_units(model2, "norm", [[0, 1]])


def test_tie_units_passes_dropout_between_the_layers():
    """Dropout holds no weights and acts on each unit alone: the outgoing weights are still the next kernel's rows."""
    inputs = keras.Input((4,))
    h = keras.layers.Dense(3, name="h")(inputs)
    d = keras.layers.GaussianNoise(0.1, name="noise")(keras.layers.Dropout(0.1, name="drop")(h))
    model = keras.Model(inputs, keras.layers.Dense(2, name="o")(d))
    tie_units(model, "h", [[0, 2]])
    kernel, rows = model.get_layer("h").kernel.numpy(), model.get_layer("o").kernel.numpy()
    np.testing.assert_array_equal(kernel[:, 0], kernel[:, 2])
    np.testing.assert_array_equal(rows[0], rows[2])
    assert not np.array_equal(rows[0], rows[1])


@pytest.mark.parametrize(
    "kw, err, match",
    [
        ({"scheme": "zeros"}, ValueError, r"scheme must be one of .*got 'zeros'"),
        ({"seed": -1}, ValueError, r"seed must be an int >= 0; got -1"),
        ({"seed": "x"}, TypeError, r"seed must be an int; got 'x'"),
        ({"layer_sizes": (25, 0, 1)}, ValueError, r"layer_sizes\[1\] must be an int >= 1; got 0"),
        ({"learning_rate": 0}, ValueError, r"learning_rate must be a number > 0; got 0"),
        ({"scheme": "mirrored", "ties": {0: [[0, 25]]}}, ValueError, r"ties\[0\] group \[0, 25\] names unit 25, but layer L1 has 25 units"),
        ({"scheme": "mirrored", "ties": {5: [[0, 1]]}}, ValueError, r"ties names layer 5"),
        ({"scheme": "mirrored", "ties": [[0, 1]]}, TypeError, r"ties must be a dict"),
        ({"scheme": "mirrored", "ties": {2: [[0, 1]]}, "layer_sizes": (4, 3, 2)}, ValueError, r"ties names L3, the last layer"),
    ],
)
def test_build_model_bad_args(kw, err, match):
    with pytest.raises(err, match=match):
        build_model(**kw)


def test_save_and_load_round_trip(tmp_path):
    model = build_model("mirrored", seed=4)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    for name in ("L1", "L2", "L3"):
        init = loaded.get_layer(name).kernel_initializer
        assert isinstance(init, Mirrored)
        assert init.get_config() == model.get_layer(name).kernel_initializer.get_config()
    r = build_model("random", seed=4)
    r.save(tmp_path / "r.keras")
    assert isinstance(keras.models.load_model(tmp_path / "r.keras").get_layer("L1").kernel_initializer, Random)
