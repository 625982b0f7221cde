"""Matching units across runs, against independent references (a brute-force search; predictions)."""
import itertools

import keras
import numpy as np
from scipy.spatial.distance import cdist
import pytest

from course_companion.analysis import cosine_similarities, match_units
from course_companion.models import permute_units
from course_companion.data import standardized_coffee_data
from course_companion.models import build_model


@pytest.fixture(scope="module")
def coffee_model():
    X, y = standardized_coffee_data()
    keras.utils.set_random_seed(0)
    model = build_model("random", seed=0, input_dim=2, layer_sizes=(6, 4, 1), learning_rate=0.01)
    model.fit(np.tile(X, (5, 1)), np.tile(y, (5, 1)), epochs=3, batch_size=32, verbose=0)
    return model, X


def _units(model, name):
    kernel, bias = model.get_layer(name).get_weights()
    return np.concatenate([kernel, bias[None]]).T


@pytest.mark.parametrize("layer, seed", [("L1", 1), ("L2", 2)])
def test_permute_keeps_predictions_and_match_recovers_it(coffee_model, layer, seed):
    model, X = coffee_model
    before_pred, before_units = model.predict(X, verbose=0), _units(model, layer)
    rng = np.random.default_rng(seed)
    n = len(before_units)
    perm, flips = rng.permutation(n), rng.random(n) < 0.5
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    permute_units(clone, layer, perm, flips)
    np.testing.assert_allclose(clone.predict(X, verbose=0), before_pred, rtol=0, atol=1e-5)
    after = _units(clone, layer)
    # Unit i is now old unit perm[i], negated where flipped: checked on the weights themselves.
    np.testing.assert_allclose(after, before_units[perm] * np.where(flips, -1, 1)[:, None], rtol=0, atol=1e-7)
    match = match_units(before_units, after)
    inverse = np.argsort(perm)
    np.testing.assert_array_equal(match.order, inverse)
    np.testing.assert_array_equal(match.flipped, flips[inverse])
    np.testing.assert_allclose(match.similarity, 1.0, atol=1e-6)
    np.testing.assert_allclose(match.apply(after), before_units, atol=1e-6)


def _brute_force(ref, other, flips):
    s = 1.0 - cdist(ref, other, "cosine")  # SciPy's cosine, not the package's
    best = -np.inf
    for perm in itertools.permutations(range(len(ref))):
        picked = s[np.arange(len(ref)), list(perm)]
        for signs in itertools.product(*([(1, -1)] if flips else [(1,)]) * len(ref)):
            best = max(best, float(np.sum(picked * np.array(signs))))
    return best


@pytest.mark.parametrize("units", [1, 2, 3, 5, 6])
@pytest.mark.parametrize("flips", [True, False])
def test_matching_is_optimal_against_brute_force(units, flips):
    rng = np.random.default_rng(units)
    for _ in range(3 if units < 6 else 1):
        ref, other = rng.normal(size=(units, 4)), rng.normal(size=(units, 4))
        match = match_units(ref, other, allow_flips=flips)
        assert sorted(match.order.tolist()) == list(range(units))
        assert match.similarity.sum() == pytest.approx(_brute_force(ref, other, flips), abs=1e-9)
        if not flips:
            assert not match.flipped.any()


def test_similarity_after_flip():
    ref = np.array([[1.0, 2.0], [3.0, -1.0]])
    m = match_units(ref, -ref[::-1] * 2)
    assert m.order.tolist() == [1, 0] and m.flipped.tolist() == [True, True]
    np.testing.assert_allclose(m.similarity, [1.0, 1.0])
    no_flip = match_units(ref, -ref, allow_flips=False)
    assert (no_flip.similarity <= 0.5).all() and not no_flip.flipped.any()


@pytest.mark.parametrize(
    "ref, other, match",
    [
        (np.zeros((3, 2)), np.zeros((2, 2)), r"same shape; got \(3, 2\) and \(2, 2\)"),
        (np.zeros((0, 2)), np.zeros((0, 2)), r"at least one unit"),
        (np.array([[np.nan, 1.0]]), np.ones((1, 2)), r"reference has 1 NaN or infinite weights"),
        (np.zeros(3), np.zeros(3), r"reference must be a numeric array \(units, d\); got shape \(3,\)"),
    ],
)
def test_match_errors(ref, other, match):
    with pytest.raises(ValueError, match=match):
        match_units(ref, other)


def test_permute_errors_leave_the_model_alone(coffee_model):
    model, _ = coffee_model
    weights = model.get_weights()
    with pytest.raises(ValueError, match=r"order must be a permutation of 0..5"):
        permute_units(model, "L1", [0, 0, 1, 2, 3, 4])
    with pytest.raises(ValueError, match=r"flipped must be 6 bools"):
        permute_units(model, "L1", range(6), [True])
    with pytest.raises(ValueError, match=r"layer 'L3' feeds nothing"):
        permute_units(model, "L3", [0])
    with pytest.raises(ValueError, match=r"layer index 7 is out of range"):
        permute_units(model, 7, [0])
    relu = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="relu"), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match=r"flipped units need a sigmoid layer"):
        permute_units(relu, 0, [1, 0], [True, False])
    for a, b in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_cosine_similarities_against_scipy():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(5, 7)), rng.normal(size=(4, 7))
    np.testing.assert_allclose(cosine_similarities(a, b), 1.0 - cdist(a, b, "cosine"), rtol=0, atol=1e-12)
    zero = np.zeros((1, 7))  # no direction: 1 with another zero vector, 0 with anything else
    assert cosine_similarities(np.vstack([zero, a[:1]]), np.vstack([zero, b[:1]])).tolist()[0] == [1.0, 0.0]
