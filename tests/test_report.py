import numpy as np
import pytest

from course_companion.recording import Recording
from course_companion.report import write_outputs
from course_companion.summaries.compare import tie_check
from course_companion.tables import number, table

MIRRORED = {0: [[0, 1]]}


def _rec(gap, device="CPU", records=3):
    """Three units over `records` records; unit 1 copies unit 0 but for `gap` added at the last record."""
    units = np.random.default_rng(0).normal(size=(records, 3, 4)).astype(np.float32)
    units[:, 1] = units[:, 0]
    units[-1, 1, 2] += np.float32(gap)
    return Recording.from_arrays(["L1"], steps=range(records), epochs=range(records), units={"L1": units},
                                 metadata={"device": device})


def test_tie_check_exact_on_cpu():
    recs = {"random": _rec(0.5), "mirrored": _rec(0.0)}
    assert tie_check(recs, {"random": {}, "mirrored": MIRRORED}) == (
        "Tie check (mirrored, equal exactly (CPU)): held; largest tie gap 0."
    )
    failed = tie_check({"mirrored": _rec(1e-3)}, {"mirrored": MIRRORED})
    assert failed.startswith("Tie check (mirrored, equal exactly (CPU)): FAILED (mirrored: L1: units 0 and 1")
    assert failed.endswith("largest tie gap 0.001.")


def test_tie_check_tolerance_on_gpu():
    held = tie_check({"mirrored": _rec(5e-7, "GPU:0 (A100)")}, {"mirrored": MIRRORED})
    assert "within 1e-06 (GPU tolerance)): held" in held
    assert "FAILED" in tie_check({"mirrored": _rec(5e-6, "GPU:0")}, {"mirrored": MIRRORED})


def test_tie_check_ignores_schemes_meant_to_drift():
    recs = {"incoming-only": _rec(0.3), "random": _rec(0.3)}
    assert tie_check(recs, {"incoming-only": MIRRORED, "random": {}}).startswith("Tie check: no scheme here")


def test_number_and_table():
    assert [number(0.0), number(1.23456), number(2.5e-7)] == ["0", "1.23", "2.5e-07"]
    assert table(["a", "long"], [["1", "2"], ["333", "4"]]) == "a    long\n1    2\n333  4"
    assert table(["a"], [["1"]], markdown=True) == "| a |\n| --- |\n| 1 |"


def test_write_outputs_names_each_file_once(tmp_path):
    from matplotlib.figure import Figure

    rec = Recording.from_arrays(["L1"], steps=[0, 1], epochs=[0, 1], units={"L1": np.zeros((2, 3, 4))})
    fig = Figure()
    fig.add_subplot().plot([0, 1])
    written = write_outputs(tmp_path, figures={"answer": fig}, recordings={"random": rec}, texts={"summary.md": "# hi\n"},
                            fmt="svg")
    assert [p.name for p in written] == ["answer.svg", "random.npz", "summary.md"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answer.svg", "random.npz", "summary.md"]  # no temporary files
    assert (tmp_path / "answer.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "summary.md").read_text() == "# hi\n"
    assert Recording.load(tmp_path / "random.npz").units("L1").shape == (2, 3, 4)


@pytest.mark.parametrize("bad", [{"units": None, "distances": None}, {"units": {"L1": np.zeros((2, 3, 4))}}])
def test_from_arrays_errors(bad):
    with pytest.raises(ValueError):
        Recording.from_arrays(["L1"], steps=[0, 1, 2], epochs=[0, 1, 2], **bad)
