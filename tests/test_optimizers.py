"""FusedAdam: Keras's Adam in one kernel per variable, for the replica models."""
import keras
import numpy as np
import pytest

from course_companion.models import build_model
from course_companion.schemes import DEFAULT_TIES
from course_companion.models import FusedAdam
from course_companion.testing import assert_tied


def _train(model, optimizer, data, epochs=2):
    X, y = data
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(X, y, epochs=epochs, batch_size=32, shuffle=False, verbose=0)
    return model.get_weights()


@pytest.fixture
def small(digits):
    return digits[0][::5], digits[1][::5]  # 200 rows, 7 batches


def test_float32_same_updates_as_keras_adam_to_rounding(small):
    start = build_model("random", seed=0).get_weights()
    keras_adam = _train(build_model("random", seed=0), keras.optimizers.Adam(0.001), small)
    fused = _train(build_model("random", seed=0), FusedAdam(0.001), small)
    for s, a, b in zip(start, keras_adam, fused):
        moved = np.abs(a - s).max()
        assert moved > 1e-3
        # 14 steps apart by float32 rounding of 1 - beta_1 (0.10000002 against 0.1): far below the steps
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-4 * moved)


def test_float64_same_updates_as_keras_adam_bit_for_bit(small):
    def model():
        return keras.Sequential([keras.Input((400,)), keras.layers.Dense(4, activation="sigmoid", dtype="float64"),
                                 keras.layers.Dense(1, activation="sigmoid", dtype="float64")])

    keras.utils.set_random_seed(0)
    a = model()
    b = model()
    b.set_weights(a.get_weights())
    for x, z in zip(_train(a, keras.optimizers.Adam(0.01), small), _train(b, FusedAdam(0.01), small)):
        np.testing.assert_array_equal(z, x)


def test_tied_units_stay_exactly_tied(small):
    model = build_model("mirrored", seed=1)
    _train(model, FusedAdam(0.01), small, epochs=3)
    assert_tied(model, "L1", DEFAULT_TIES[0])
    assert_tied(model, "L2", DEFAULT_TIES[1])


def test_config_and_save_round_trip(small, tmp_path):
    model = build_model("random", seed=2)
    _train(model, FusedAdam(0.003, beta_1=0.8), small, epochs=1)
    path = tmp_path / "fused.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded.optimizer) is FusedAdam
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_amsgrad_uses_keras_adam(small):
    a = _train(build_model("random", seed=3), keras.optimizers.Adam(0.001, amsgrad=True), small, epochs=1)
    b = _train(build_model("random", seed=3), FusedAdam(0.001, amsgrad=True), small, epochs=1)
    for x, z in zip(a, b):
        np.testing.assert_array_equal(z, x)
