import keras
import numpy as np
import pytest

from course_companion.analysis import distinct_units, groups_from_distances, identical_groups, off_diagonal, pairwise_distances, smallest_distance
from course_companion.models import unit_weights


def _brute(w, metric):
    n = len(w)
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            a, b = w[i].astype(np.float64), w[j].astype(np.float64)
            if metric == "euclidean":
                out[i, j] = np.sqrt(sum((a - b) ** 2))
            else:
                out[i, j] = 1 - sum(a * b) / (np.sqrt(sum(a * a)) * np.sqrt(sum(b * b)))
    return out


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_against_brute_force(metric, rng):
    w = rng.normal(size=(7, 11)).astype(np.float32)
    np.testing.assert_allclose(pairwise_distances(w, metric), _brute(w, metric), atol=1e-12)
    stack = rng.normal(size=(3, 5, 4))
    got = pairwise_distances(stack, metric)
    assert got.shape == (3, 5, 5)
    for r in range(3):
        np.testing.assert_allclose(got[r], _brute(stack[r], metric), atol=1e-12)


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_identical_units_are_exactly_zero(metric, rng):
    w = rng.normal(size=(4, 401)).astype(np.float32) * 0.1
    w[2] = w[0]
    d = pairwise_distances(w, metric)
    assert d[0, 2] == 0.0 and d[2, 0] == 0.0
    assert np.all(np.diag(d) == 0.0)
    assert d[0, 1] > 0


def test_cosine_zero_vectors():
    w = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 2.0]])
    d = pairwise_distances(w, "cosine")
    assert d[0, 1] == 0.0 and d[0, 2] == 1.0 and d[2, 0] == 1.0


def test_groups_and_distinct(rng):
    w = rng.normal(size=(6, 3))
    w[3] = w[1]
    w[5] = w[1]
    w[4] = w[0] + 1e-9
    assert identical_groups(w) == [[1, 3, 5]]
    assert distinct_units(w) == 4  # {0}, {1, 3, 5}, {2}, {4}
    assert identical_groups(w, atol=1e-8) == [[0, 4], [1, 3, 5]]
    assert distinct_units(w, atol=1e-8) == 3


def test_unit_weights_layout():
    layer = keras.layers.Dense(3)
    layer.build((None, 4))
    kernel = np.arange(12, dtype=np.float32).reshape(4, 3)
    layer.kernel.assign(kernel)
    layer.bias.assign(np.array([7.0, 8.0, 9.0]))
    w = unit_weights(layer)
    assert w.shape == (3, 5)
    np.testing.assert_array_equal(w[1], [1, 4, 7, 10, 8])
    nobias = keras.layers.Dense(2, use_bias=False)
    nobias.build((None, 4))
    assert unit_weights(nobias).shape == (2, 4)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: pairwise_distances(np.zeros(3)), r"unit_weights must be a numeric array of shape \(units, d\) or \(records, units, d\); got shape \(3,\)"),
        (lambda: pairwise_distances(np.zeros((2, 2)), "manhattan"), r"metric must be one of \['euclidean', 'cosine'\]; got 'manhattan'"),
        (lambda: identical_groups(np.zeros((2, 2, 2))), r"shape \(units, d\); got shape \(2, 2, 2\)"),
        (lambda: identical_groups(np.zeros((2, 2)), atol=-1), r"atol must be a number >= 0; got -1"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_unit_weights_refuses_non_dense():
    with pytest.raises(TypeError, match="built Dense layer; got Flatten"):
        unit_weights(keras.layers.Flatten())


def test_groups_from_distances_agree_with_tied_groups(rng):
    w = rng.normal(size=(7, 4))
    w[4] = w[1]
    w[6] = w[1]
    w[5] = w[2]
    assert groups_from_distances(pairwise_distances(w)) == identical_groups(w) == [[1, 4, 6], [2, 5]]


def test_off_diagonal_and_smallest(rng):
    d = pairwise_distances(rng.normal(size=(3, 4, 2)))
    off = off_diagonal(d)
    assert off.shape == (3, 12)  # 4 units: 4 x 3 ordered pairs
    for r in range(3):
        assert sorted(off[r]) == sorted(d[r, i, j] for i in range(4) for j in range(4) if i != j)
        assert smallest_distance(d[r]) == min(off[r])
    assert smallest_distance(np.zeros((1, 1))) == 0.0
