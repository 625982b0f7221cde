from types import SimpleNamespace

import matplotlib.image as mpimg
import numpy as np
import pytest
from matplotlib.figure import Figure

from course_companion.figures import animate_distances
from course_companion.figures import answer_figure, MAX_WIDTH, plot_distance_matrix, plot_distances, plot_gradients, plot_history, plot_two_neuron_weights, plot_unit_images
from course_companion.report import save_figure
from course_companion.analysis import spread_over_records
from course_companion.recording import Recording


def _fake(units, d, records, tie=None, seed=0, gradients=False):
    """A small Recording filled by hand (no training needed to test drawing)."""
    rng = np.random.default_rng(seed)
    rec = Recording(["L1"], metadata={"device": "CPU", "keras": "3", "tensorflow": "2"}, has_gradients=gradients)
    for r in range(records):
        w = rng.normal(size=(units, d)).astype(np.float32)
        if tie == "all":
            w[:] = w[0]
        elif tie:
            w[tie[1:]] = w[tie[0]]
        g = {"L1": w * 0.1} if gradients else None
        rec.append(step=r * 4, epoch=r, units={"L1": w}, gradients=g, logs={"loss": 1.0 / (r + 1), "accuracy": r / records} if r else None)
    return rec


@pytest.fixture
def recs():
    return {"constant": _fake(25, 401, 4, tie="all"), "random": _fake(25, 401, 4, seed=1)}


def test_distances_lines_and_zero_row(recs):
    ax = plot_distances(recs)
    assert [l.get_label() for l in ax.get_legend().get_lines()] == ["constant", "random"]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "exactly 0"
    floor = ax.get_yticks()[0]
    constant_line = ax.get_lines()[0]
    np.testing.assert_array_equal(constant_line.get_ydata(), np.full(4, floor))  # drawn on the zero row
    assert ax.get_yscale() == "log" and ax.get_ylim()[0] < floor


def test_spread_over_records_matches_brute_force():
    d = np.random.default_rng(0).random((3, 4, 4))
    lo, med, hi = spread_over_records(d)
    for r in range(3):
        off = [d[r, i, j] for i in range(4) for j in range(4) if i != j]
        assert lo[r] == min(off) and hi[r] == max(off) and med[r] == np.median(off)


def test_distance_matrix_outlines_ties():
    rec = _fake(6, 5, 2, tie=[1, 3, 4])
    ax = plot_distance_matrix(rec, record=-1)
    assert len(ax.patches) == 9  # the 3 x 3 cells of the tied group
    assert ax.images[0].get_array().shape == (6, 6)
    with pytest.raises(ValueError, match="record must index one of the 2 records; got 5"):
        plot_distance_matrix(rec, record=5)


def test_unit_images_one_tile_per_unit(recs):
    fig = plot_unit_images(recs["random"])
    ax = fig.axes[0]
    mosaic = np.ma.filled(ax.images[0].get_array().astype(float), np.nan)  # matplotlib masks the NaN gaps
    assert mosaic.shape == (5 * 21 - 1, 5 * 21 - 1)
    assert [t.get_text() for t in ax.texts] == [str(k) for k in range(25)]
    w = recs["random"].units("L1")[-1, 8, :400]  # unit 8: row 1, column 3 of the 5 x 5 tiles
    np.testing.assert_array_equal(mosaic[21:41, 63:83], w.reshape(20, 20, order="F"))
    assert np.isnan(mosaic[20, 0]) and np.isnan(mosaic[0, 20])  # gaps between tiles
    with pytest.raises(ValueError, match=r"image_shape \(30, 30\) needs 900 inputs"):
        plot_unit_images(recs["random"], image_shape=(30, 30))


def test_history_and_gradients(recs):
    fig = plot_history(recs)
    assert len(fig.axes) == 2 and len(fig.axes[0].get_lines()) == 2
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(), [1 / 2, 1 / 3, 1 / 4])
    ax = plot_gradients(_fake(5, 3, 2, tie=[0, 1], gradients=True))
    heights = [p.get_height() for p in ax.patches]
    assert len(heights) == 5 and heights[0] == heights[1] != heights[2]
    with pytest.raises(ValueError, match="no gradients"):
        plot_gradients(recs["random"])


def test_answer_figure_width_title_and_file(recs, tmp_path):
    fig = answer_figure(recs)
    assert fig.get_figwidth() <= MAX_WIDTH
    title = fig._suptitle.get_text()
    assert "constant: 1" in title and "random: 25" in title
    path = save_figure(fig, tmp_path / "answer.png", dpi=100)
    image = mpimg.imread(path)
    assert image.shape[1] == int(MAX_WIDTH * 100)
    assert [p.name for p in tmp_path.iterdir()] == ["answer.png"]


def _texts(fig):
    """Every title of a figure and its subfigures, read back from the drawing."""
    out = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    return [t for t in out if t]


def test_answer_figure_draws_every_scheme_s_units(recs):
    three = {**recs, "mirrored": _fake(25, 401, 4, seed=2, tie=[0, 1])}
    texts = _texts(answer_figure(three))
    assert [s for s in three if f"{s}: L1 units at the end" in texts] == ["constant", "random", "mirrored"]


def test_a_scheme_keeps_its_colour_in_every_figure(recs):
    from matplotlib.colors import to_hex

    first = plot_distances({"random": recs["random"]})
    second = plot_distances(recs)
    colours = [to_hex(ax.get_legend().get_lines()[k].get_color()) for ax, k in ((first, 0), (second, 1))]
    assert colours[0] == colours[1] == to_hex("C1")


def test_animation_written(recs, tmp_path):
    path = animate_distances(recs, tmp_path / "d.gif")
    from PIL import Image

    with Image.open(path) as gif:
        assert gif.n_frames == 4
    assert [p.name for p in tmp_path.iterdir()] == ["d.gif"]


def test_bad_recordings_argument():
    with pytest.raises(TypeError, match="recordings must be a non-empty dict"):
        plot_distances([])


def test_two_neuron_figure_draws_six_weights():
    rec = Recording(["hidden", "out"], metadata={"device": "CPU"})
    for r in range(3):
        rec.append(r, r, {"hidden": np.full((2, 2), r, np.float32), "out": np.full((1, 2), r, np.float32)})
    fig = plot_two_neuron_weights({"tied": rec})
    assert isinstance(fig, Figure) and len(fig.axes[0].get_lines()) == 6
    assert fig._suptitle.get_text().startswith("Two-neuron network: tied units keep equal weights")
    broken = Recording(["hidden", "out"], metadata={"device": "CPU"})
    for r in range(3):
        broken.append(r, r, {"hidden": np.array([[r, r + 1], [r, r]], np.float32), "out": np.full((1, 2), r, np.float32)})
    title = plot_two_neuron_weights({"tied": broken})._suptitle.get_text()
    assert "the tied units' weights came apart" in title  # the title follows the weights, not the label


def test_aligned_seeds_shown_include_every_seed_that_did_not_match():
    from course_companion.figures.sweep import _shown_seeds

    mine = [SimpleNamespace(seed=s) for s in range(8)]  # ReplicaRun's seed, AlignmentRow's seed, smallest and median
    rows = [SimpleNamespace(seed=s, smallest=v, median=m) for s, v, m in
            [(1, 0.999, 1.0), (2, 0.995, 1.0), (3, 0.4, 0.7), (4, 0.999, 1.0), (5, 0.999, 1.0), (6, 0.2, 0.6), (7, 0.999, 1.0)]]
    coffee = [(r.seed, mark) for r, mark in _shown_seeds(mine, rows, coffee=True, seeds=3)]
    assert coffee == [(0, ""), (1, ""), (2, ""), (3, "did not match"), (6, "did not match")]
    digits = [(r.seed, mark) for r, mark in _shown_seeds(mine, rows, coffee=False, seeds=3)]
    assert digits == [(0, ""), (1, "most alike"), (6, "least alike")]


def test_answer_title_is_chosen_from_the_numbers():
    from course_companion.summaries.compare import answer_finding

    tied = _fake(25, 401, 3, tie="all")
    tied.metadata["groups"] = {"0": [list(range(25))]}
    apart = _fake(25, 401, 3, seed=1)
    apart.metadata["groups"] = {"0": [[0, 1]]}  # said to start tied, but its units 0 and 1 differ
    assert answer_finding({"constant": tied, "random": apart}).startswith(
        "Units that start equal stay equal; random starts make them differ.")
    title = answer_finding({"mirrored": apart, "random": tied})
    assert title.startswith("Units that started equal under mirrored came apart; a random start left 1 of 25 units distinct.")
    assert answer_finding({"other": apart}).startswith("Distinct units of L1 (25)")  # nothing to claim
