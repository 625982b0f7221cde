import numpy as np
import pytest

from course_companion.data import DIGITS, check_xy, load_course_data, load_digits, load_digits01, make_coffee_data


def test_digits01_shapes_order_and_range():
    X, y = load_digits01()
    assert X.shape == (1000, 400) and X.dtype == np.float32
    assert y.shape == (1000, 1) and y.dtype == np.float32
    assert np.all(y[:500] == 0) and np.all(y[500:] == 1)
    assert X.min() >= 0.0 and X.max() <= 1.0 and X.max() > 0.9


def test_digits_are_500_of_each_sorted_like_the_course_file():
    X, y = load_digits()
    assert X.shape == (5000, 400) and X.dtype == np.float32 and y.shape == (5000, 1)
    np.testing.assert_array_equal(y[:, 0], np.repeat(np.arange(10), 500))
    assert X.min() >= 0.0 and X.max() <= 1.0


def test_digits01_are_the_0_and_1_rows_of_the_one_file():
    """One source: read the bundled file itself, keep its label-0 and label-1 rows, compare."""
    from importlib import resources

    with resources.as_file(resources.files("course_companion.data") / "bundled" / "digits.npz") as path:
        with np.load(path) as f:
            raw_X, raw_y = f["X"], f["y"][:, 0]
    keep = np.isin(raw_y, [0, 1])
    X01, y01 = load_digits01()
    np.testing.assert_array_equal(X01 * 255.0, raw_X[keep].astype(np.float32))
    np.testing.assert_array_equal(y01[:, 0], raw_y[keep])


def test_labels_are_checked_against_the_model_s_classes():
    X = np.zeros((3, 400))
    check_xy(X, [0, 9, 3], labels=DIGITS)
    with pytest.raises(ValueError, match=r"X: labels must be 0 and 1; got \[0, 3, 9\]"):
        check_xy(X, [0, 9, 3])
    with pytest.raises(ValueError, match=r"X: labels must be 0 to 9; got \[0, 10\]"):
        check_xy(X, [0, 10, 0], labels=DIGITS)


def test_digits01_column_major_like_the_course():
    # A "1" is a tall vertical stroke: upright (reshape(20, 20).T) its ink spreads
    # over many rows and few columns; the wrong order would transpose it.
    X, _ = load_digits01()
    ones = X[500:].reshape(-1, 20, 20).transpose(0, 2, 1)  # upright images
    ink_rows = (ones.sum(axis=2) > 0.5).sum(axis=1).mean()
    ink_cols = (ones.sum(axis=1) > 0.5).sum(axis=1).mean()
    assert ink_rows > 1.5 * ink_cols


def _save(tmp_path, name, arr, **kw):
    path = tmp_path / name
    np.save(path, arr, **kw)
    return path


def test_course_data_keeps_zeros_and_ones(tmp_path, rng):
    X = rng.random((50, 400))
    y = np.repeat(np.arange(10), 5).reshape(-1, 1)
    Xs, ys = load_course_data(_save(tmp_path, "X.npy", X), _save(tmp_path, "y.npy", y))
    assert Xs.shape == (10, 400) and ys.shape == (10, 1)
    np.testing.assert_array_equal(Xs, X[:10].astype(np.float32))
    np.testing.assert_array_equal(ys[:, 0], [0] * 5 + [1] * 5)


def test_course_data_binary_loads_as_is(tmp_path, rng):
    X = rng.random((6, 400))
    y = np.array([1, 0, 1, 1, 0, 0])
    Xs, ys = load_course_data(_save(tmp_path, "X.npy", X), _save(tmp_path, "y.npy", y))
    np.testing.assert_array_equal(ys[:, 0], y)
    assert Xs.shape == (6, 400)


@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.zeros((4, 400, 1)), np.zeros(4), "X must be 2-D"),
        (np.zeros((4, 400)), np.zeros(5), "X has 4 rows but y has 5"),
        (np.full((4, 400), np.nan), np.zeros(4), "NaN or infinite"),
        (np.zeros((4, 399)), np.zeros(4), "must have 400 features"),
        (np.zeros((4, 400)), np.array([0, 1, 0.5, 1]), "labels must be 0 and 1"),
        (np.zeros((4, 400)), np.array([2, 3, 4, 5]), "no rows"),
    ],
)
def test_course_data_bad_input(tmp_path, X, y, match):
    with pytest.raises(ValueError, match=match) as err:
        load_course_data(_save(tmp_path, "X.npy", X), _save(tmp_path, "y.npy", y))
    assert "X.npy" in str(err.value)


def test_course_data_missing_file(tmp_path):
    y = _save(tmp_path, "y.npy", np.zeros(3))
    with pytest.raises(FileNotFoundError, match=r"x_path: no such file: .*nope\.npy"):
        load_course_data(tmp_path / "nope.npy", y)


def test_course_data_refuses_pickle(tmp_path):
    X = np.empty((2,), dtype=object)
    X[:] = [{"a": 1}, {"b": 2}]
    path = _save(tmp_path, "X.npy", X, allow_pickle=True)
    with pytest.raises(ValueError, match=r"x_path: .*X\.npy.* need pickle"):
        load_course_data(path, _save(tmp_path, "y.npy", np.zeros(2)))


def test_course_data_not_npy(tmp_path):
    path = tmp_path / "X.npy"
    path.write_text("not numpy")
    with pytest.raises(ValueError, match=r"x_path: .*X\.npy.* not a readable \.npy"):
        load_course_data(path, _save(tmp_path, "y.npy", np.zeros(2)))


def test_check_xy_infinite_names_row():
    X = np.zeros((3, 2))
    X[2, 1] = np.inf
    with pytest.raises(ValueError, match=r"mine: X has 1 NaN or infinite values \(first in row 2\)"):
        check_xy(X, np.zeros(3), source="mine")


def test_coffee_data_follows_the_course_rule():
    X, y = make_coffee_data()
    assert X.shape == (200, 2) and y.shape == (200, 1)
    t, d = X[:, 0].astype(np.float64), X[:, 1].astype(np.float64)
    assert t.min() >= 150 and t.max() <= 285 and d.min() >= 11.5 and d.max() <= 15.5
    rule = (t > 175) & (t < 260) & (d > 12) & (d < 15) & (d <= -3 / 85 * t + 21)
    # Computed in float64 before rounding to float32; a point on the border may flip.
    assert np.mean(rule == (y[:, 0] == 1)) >= 0.99
    assert 0 < y.sum() < 200
    X2, _ = make_coffee_data(n=10, seed=2)
    np.testing.assert_array_equal(X2, X[:10])  # same stream as the course's generator


@pytest.mark.parametrize("kw, err", [({"n": 0}, ValueError), ({"n": 2.5}, TypeError), ({"seed": "a"}, TypeError), ({"seed": -1}, ValueError)])
def test_coffee_bad_args(kw, err):
    with pytest.raises(err, match=next(iter(kw))):
        make_coffee_data(**kw)
