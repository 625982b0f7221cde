"""The coffee data set end to end: compare and sweep on the Week 1 model, unit maps, ties."""
import matplotlib.image as mpimg
import numpy as np
import pytest

from course_companion.cli import main
from course_companion.data import load_dataset
from course_companion.figures.maps import unit_outputs
from course_companion.recording import Recording
from course_companion.testing import assert_tied


@pytest.fixture(scope="module")
def coffee_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("coffee") / "figs"
    # In this process, on whatever device it has (--device cpu would be refused once TensorFlow has started on a
    # machine with a GPU); test_cli's compare_run checks the CPU's exact ties in a fresh process.
    code = main(["compare", "--data", "coffee", "--epochs", "2", "--out", str(out)])
    return code, out


def test_compare_coffee_writes_its_files(coffee_run):
    code, out = coffee_run
    assert code == 0
    schemes = ["constant", "random", "mirrored"]
    names = (["answer.png", "distances_L1.png", "heatmaps_L1.png"] + [f"units_{s}.png" for s in schemes]
             + [f"{s}.npz" for s in schemes] + ["summary.md"])
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    for name in names:
        if name.endswith(".png"):
            assert mpimg.imread(out / name).shape[1] <= 1080


def test_compare_coffee_summary_and_ties(coffee_run):
    _, out = coffee_run
    summary = (out / "summary.md").read_text()
    head = next(line for line in summary.splitlines() if line.startswith("| scheme"))
    assert head == "| scheme | final accuracy | final loss | L1 distinct units | L1 min distance | L1 max distance | tie gap |"
    assert "replicas of one model" in summary
    from course_companion.devices import device_name

    rule = "exactly (CPU)" if device_name() == "CPU" else "within 1e-06 (GPU tolerance)"
    assert f"Tie check (constant and mirrored, equal {rule}): held; largest tie gap" in summary
    recs = {s: Recording.load(out / f"{s}.npz") for s in ("constant", "random", "mirrored")}
    assert recs["random"].units("L1").shape == (3, 3, 3) and recs["random"].dense_layers == ["L1", "L2"]
    assert_tied(recs["constant"], "L1", [[0, 1, 2]])  # every record, exactly
    assert_tied(recs["mirrored"], 0, [[0, 1]])
    l1 = recs["random"].units("L1", -1)
    assert len({tuple(u) for u in l1}) == 3
    constant_row = next(line for line in summary.splitlines() if line.startswith("| constant"))
    assert constant_row.split(" | ")[3] == "1"


def test_unit_outputs_match_a_hand_computation(coffee_run):
    _, out = coffee_run
    rec = Recording.load(out / "random.npz")
    t, d, units, model = unit_outputs(rec, grid=5)
    # The corner (150 C, 11.5 min), standardized with the course's own 200 rows, by hand.
    from course_companion.data import make_coffee_data

    X, _ = make_coffee_data()
    x = (np.array([150.0, 11.5]) - X.mean(axis=0)) / X.std(axis=0)
    w1, w2 = rec.units("L1", -1).astype(np.float64), rec.units("L2", -1).astype(np.float64)
    a = 1 / (1 + np.exp(-(w1[:, :2] @ x + w1[:, 2])))
    p = 1 / (1 + np.exp(-(w2[0, :3] @ a + w2[0, 3])))
    assert (t[0], d[0]) == (150.0, 11.5)
    np.testing.assert_allclose(units[:, 0, 0], a, rtol=1e-5)
    np.testing.assert_allclose(model[0, 0], p, rtol=1e-5)


def test_sweep_coffee_aligns_seeds(tmp_path, capsys):
    out = tmp_path / "sweep"
    argv = ["sweep", "--data", "coffee", "--schemes", "random", "mirrored", "--seeds", "2", "--epochs", "1", "--out", str(out)]
    assert main(argv) == 0
    assert sorted(p.name for p in out.iterdir()) == ["aligned_units.png", "alignment.png", "summary.md", "sweep.png"]
    summary = (out / "summary.md").read_text()
    assert "## Do different seeds learn the same units, in another order?" in summary
    assert "| random | 1 |" in summary and "seeds in which every L1 unit separated" in summary
    assert mpimg.imread(out / "aligned_units.png").shape[1] == 1080


@pytest.mark.parametrize(
    "argv, match",
    [
        (["compare", "--data", "soup"], "--data: expected digits or coffee, or two files X.npy y.npy; got 'soup'"),
        (["sweep", "--data", "a", "b", "c"], "--data: expected digits or coffee, or two files X.npy y.npy; got 'a b c'"),
    ],
)
def test_unknown_data_is_one_line(tmp_path, capsys, argv, match):
    out = tmp_path / "o"
    assert main(argv + ["--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and match in err[0]
    assert not out.exists()


def test_load_dataset():
    coffee = load_dataset("coffee")
    assert coffee.X.shape == (100_000, 2) and coffee.layer_sizes == (3, 1) and coffee.ties == {0: [[0, 1]]}
    assert coffee.steps_per_execution("epoch") == 500 and coffee.steps_per_execution(8) == 1
    with pytest.raises(ValueError, match=r"data must be one of \['digits', 'coffee'\]; got 'tea'"):
        load_dataset("tea")


def test_sweep_numbers_against_the_recordings():
    """sweep_rows and alignment_rows against SciPy's distances and a brute-force matching over every order and sign."""
    import itertools

    from scipy.spatial.distance import cdist

    from course_companion.experiments.sweep import alignment_rows, run_sweep, sweep_rows

    coffee = load_dataset("coffee")
    results = run_sweep(["random"], 3, coffee.X[:2000], coffee.y[:2000], epochs=2, batch_size=200, progress=False,
                        **coffee.model_settings)
    (row,) = sweep_rows(results)
    smallest = []
    for r in results:
        w = r.recording.units("L1", -1).astype(np.float64)
        d = cdist(w, w)
        smallest.append(d[~np.eye(3, dtype=bool)].min())
    assert [row.smallest_min, row.smallest_median, row.smallest_max] == pytest.approx(
        [min(smallest), float(np.median(smallest)), max(smallest)], rel=1e-12)
    reference = results[0].recording.units("L1", -1).astype(np.float64)
    for aligned in alignment_rows(results):
        other = next(r for r in results if r.seed == aligned.seed).recording.units("L1", -1).astype(np.float64)
        s = 1.0 - cdist(reference, other, "cosine")
        best = max(sum(sign * s[i, j] for i, (j, sign) in enumerate(zip(perm, signs)))
                   for perm in itertools.permutations(range(3)) for signs in itertools.product((1, -1), repeat=3))
        assert aligned.match.similarity.sum() == pytest.approx(best, rel=1e-9)
        assert aligned.smallest == aligned.match.similarity.min()
