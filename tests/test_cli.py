import subprocess
import sys

import numpy as np
import pytest

from course_companion.cli import main


def test_compare_prints_the_table(capsys):
    assert main(["compare", "--schemes", "constant", "mirrored", "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    assert lines[0].startswith("data: bundled digits01 (1000 x 400); 2 epochs; seed 0")
    assert lines[1].startswith("scheme")
    constant = lines[2].split()
    assert constant[0] == "constant" and constant[2:4] == ["1", "1"]  # one distinct unit per layer
    mirrored = lines[3].split()
    assert mirrored[0] == "mirrored" and mirrored[2:4] == ["22", "14"] and mirrored[-1] == "0"


@pytest.mark.parametrize(
    "argv, match",
    [
        (["compare", "--epochs", "0"], "--epochs: expected a positive whole number; got '0'"),
        (["compare", "--schemes", "zeros"], "--schemes: invalid choice: 'zeros'"),
        (["nothing"], "invalid choice: 'nothing'"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(capsys, argv, match):
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and match in err[0]
    assert captured.out == ""


def test_bad_data_exits_2_with_one_line(tmp_path, capsys):
    np.save(tmp_path / "X.npy", np.zeros((5, 399)))
    np.save(tmp_path / "y.npy", np.zeros(5))
    assert main(["compare", "--data", str(tmp_path / "X.npy"), str(tmp_path / "y.npy"), "--epochs", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "must have 400 features (20x20 images); got 399" in err[0]


def test_module_entry_point_runs_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "course_companion", "compare", "--data", str(tmp_path / "none.npy"), "y.npy"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith("error: x_path: no such file")
    assert "Traceback" not in proc.stderr
