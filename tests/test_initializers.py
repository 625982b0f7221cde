import keras
import numpy as np
import pytest

from course_companion.models import Constant, Mirrored, Random


def _np(t):
    return keras.ops.convert_to_numpy(t)


def test_constant_values_and_config():
    init = Constant(0.25)
    np.testing.assert_array_equal(_np(init((3, 2))), np.full((3, 2), 0.25, np.float32))
    again = Constant.from_config(init.get_config())
    assert again.get_config() == {"value": 0.25}


def test_random_seed_repeats_and_clones():
    init = Random(seed=3)
    a, b = _np(init((40, 5))), _np(init((40, 5)))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, _np(init.clone()((40, 5))))
    assert not np.array_equal(a, _np(Random(seed=4)((40, 5))))
    assert init.get_config() == {"seed": 3, "distribution": "glorot_uniform"}


def test_random_default_is_keras_glorot_uniform():
    a = _np(Random(seed=7)((400, 25)))
    b = _np(keras.initializers.GlorotUniform(seed=7)((400, 25)))
    np.testing.assert_array_equal(a, b)
    limit = np.sqrt(6 / (400 + 25))
    assert np.abs(a).max() <= limit


def test_random_unseeded_still_repeats_per_instance():
    init = Random()
    np.testing.assert_array_equal(_np(init((4, 3))), _np(init((4, 3))))
    assert init.get_config()["seed"] is None


def test_mirrored_ties_columns_and_rows():
    init = Mirrored(unit_groups=[[0, 2], [1, 3, 4]], input_groups=[[1, 5]], seed=0)
    w = _np(init((6, 5)))
    np.testing.assert_array_equal(w[:, 0], w[:, 2])
    np.testing.assert_array_equal(w[:, 1], w[:, 3])
    np.testing.assert_array_equal(w[:, 1], w[:, 4])
    np.testing.assert_array_equal(w[1], w[5])
    assert not np.array_equal(w[:, 0], w[:, 1])
    # Outside the groups, the values are the base draws.
    base = _np(keras.initializers.GlorotUniform(seed=0)((6, 5)))
    np.testing.assert_array_equal(w[0, 0], base[0, 0])
    np.testing.assert_array_equal(w, _np(init.clone()((6, 5))))


def test_mirrored_jitter_is_seeded_and_small():
    tied = _np(Mirrored(unit_groups=[[0, 1]], seed=1)((50, 3)))
    a = _np(Mirrored(unit_groups=[[0, 1]], seed=1, jitter=1e-6)((50, 3)))
    np.testing.assert_array_equal(a, _np(Mirrored(unit_groups=[[0, 1]], seed=1, jitter=1e-6)((50, 3))))
    assert 0 < np.abs(a[:, 0] - a[:, 1]).max() < 1e-5
    assert np.abs(a - tied).max() < 1e-5


def test_mirrored_bias_shape():
    b = _np(Mirrored(unit_groups=[[0, 1]], base="random_normal", seed=0)((3,)))
    assert b[0] == b[1] != b[2]


def test_mirrored_config_round_trip():
    init = Mirrored(unit_groups=[[0, 1]], input_groups=[[2, 3]], base="he_normal", seed=5, jitter=0.1)
    config = init.get_config()
    assert config == {"unit_groups": [[0, 1]], "input_groups": [[2, 3]], "base": "he_normal", "seed": 5, "jitter": 0.1}
    again = Mirrored.from_config(config)
    np.testing.assert_array_equal(_np(again((4, 4))), _np(init((4, 4))))
    via_keras = keras.initializers.deserialize(keras.initializers.serialize(init))
    assert isinstance(via_keras, Mirrored) and via_keras.get_config() == config


@pytest.mark.parametrize(
    "kw, err, match",
    [
        ({"unit_groups": [[0]]}, ValueError, r"unit_groups\[0\] must name at least two units; got \[0\]"),
        ({"unit_groups": [[0, 0]]}, ValueError, r"must not repeat an index; got \[0, 0\]"),
        ({"unit_groups": [[0, 3], [3, 4]]}, ValueError, r"unit_groups must not overlap; index 3 is in groups \[0, 3\] and \[3, 4\]"),
        ({"unit_groups": [[0, -1]]}, ValueError, r"non-negative ints; got -1"),
        ({"unit_groups": [[0, 1.5]]}, TypeError, r"must hold ints; got 1.5"),
        ({"input_groups": "ab"}, TypeError, r"input_groups must be a list of groups"),
        ({"base": "zeros"}, ValueError, r"base must be one of .*got 'zeros'"),
        ({"seed": "x"}, TypeError, r"seed must be an int; got 'x'"),
        ({"jitter": -1.0}, ValueError, r"jitter must be a number >= 0; got -1.0"),
    ],
)
def test_mirrored_bad_args(kw, err, match):
    with pytest.raises(err, match=match):
        Mirrored(**kw)


def test_mirrored_index_outside_shape_names_the_shape():
    with pytest.raises(ValueError, match=r"unit_groups group \[0, 7\] has index 7, outside shape \(4, 5\)"):
        Mirrored(unit_groups=[[0, 7]], seed=0)((4, 5))
    with pytest.raises(ValueError, match=r"input_groups tie kernel rows and need a 2-D shape; got shape \(5,\)"):
        Mirrored(input_groups=[[0, 1]], seed=0)((5,))


@pytest.mark.parametrize("kw, err", [({"value": "a"}, TypeError), ({"value": float("nan")}, ValueError)])
def test_constant_bad_args(kw, err):
    with pytest.raises(err, match="value"):
        Constant(**kw)


def test_random_bad_distribution():
    with pytest.raises(ValueError, match=r"distribution must be one of .*got 'uniformish'"):
        Random(seed=0, distribution="uniformish")
