"""The main paths a user takes, run as they would run them: in a fresh process, from the README or the shell."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest

from course_companion.data import load_digits01
from course_companion.recording import Recording

ROOT = Path(__file__).resolve().parent.parent
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")


def _run(args, cwd):
    proc = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=ENV)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


@pytest.mark.backends  # the README's Python, on every backend CI runs
def test_readme_using_the_package_block_runs_and_prints_what_it_says(tmp_path):
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Using the package", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    lines, expected = [], []
    for line in block.splitlines():
        code, _, comment = line.partition("  # ")
        if comment and "=" not in code and "(" in code and not code.startswith(("model.fit", "rec.save", "save_figure")):
            lines.append(f"print(repr({code.strip()}))")  # an expression with its value in the comment
            expected.append(comment.split(":")[0].strip())
        else:
            lines.append(line)
    out = _run(["-c", "\n".join(lines)], tmp_path).strip().splitlines()
    assert expected == ["(21, 25, 401)", "[[0, 1], [2, 3, 4]]"] and out[-2:] == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answer.png", "mirrored.npz"]


def _course_files(folder):
    """A course-shaped X.npy / y.npy: digits 0 and 1 (from the bundled ones) among rows labelled 2-9."""
    X01, y01 = load_digits01()
    keep = np.r_[0:40, 500:540]
    rng = np.random.default_rng(0)
    X = np.vstack([X01[keep], rng.random((80, 400), dtype=np.float32)])
    y = np.concatenate([y01[keep, 0], rng.integers(2, 10, 80)]).reshape(-1, 1)
    order = np.argsort(y[:, 0], kind="stable")  # sorted by label, as the course's file is
    np.save(folder / "X.npy", X[order])
    np.save(folder / "y.npy", y[order])
    return folder / "X.npy", folder / "y.npy"


def test_learner_files_incoming_only_and_perturbed_twice_give_identical_files(tmp_path):
    x_path, y_path = _course_files(tmp_path)
    outs = [tmp_path / "one", tmp_path / "two"]
    argv = ["compare", "--data", str(x_path), str(y_path), "--schemes", "incoming-only", "perturbed", "--jitter", "1e-3",
            "--epochs", "2", "--device", "cpu"]
    # Both runs in one fresh process (TensorFlow starts once): nothing carried from the first may change the second.
    code = f"from course_companion.cli import main\nfor out in {[str(o) for o in outs]!r}:\n    assert main({argv!r} + ['--out', out]) == 0"
    stdout = _run(["-c", code], tmp_path)
    assert stdout.count(f"data: {x_path} (80 x 400)") == 2  # the 0s and 1s kept, the 80 other digits left out
    names = sorted(p.name for p in outs[0].iterdir())
    assert names == sorted(p.name for p in outs[1].iterdir()) and "perturbed.npz" in names
    for name in names:
        a, b = outs[0] / name, outs[1] / name
        if name.endswith(".npz"):
            ra, rb = Recording.load(a), Recording.load(b)
            for layer in ra.layers:
                np.testing.assert_array_equal(ra.units(layer), rb.units(layer))
            strip = {"created"}
            assert {k: v for k, v in ra.metadata.items() if k not in strip} == {k: v for k, v in rb.metadata.items()
                                                                                 if k not in strip}
        elif name.endswith(".png"):
            np.testing.assert_array_equal(mpimg.imread(a), mpimg.imread(b))
        else:
            assert a.read_text() == b.read_text()
    perturbed = Recording.load(outs[0] / "perturbed.npz")
    assert perturbed.metadata["jitter"] == 1e-3 and perturbed.metadata["scheme"] == "perturbed"
    assert json.loads(json.dumps(perturbed.metadata["groups"])) == {"0": [[0, 1], [2, 3, 4]], "1": [[0, 1]]}
    summary = (outs[0] / "summary.md").read_text()
    rows = {line.split(" | ")[0][2:]: line.split(" | ") for line in summary.splitlines() if line.startswith("| ")}
    # the tie gap column: incoming-only's and perturbed's tied units drifted apart, by more than the jitter's rounding
    assert float(rows["incoming-only"][-1].strip(" |")) > 1e-3 and float(rows["perturbed"][-1].strip(" |")) > 0
    assert re.search(r"Tie check: no scheme here keeps ties", summary)
    gap = float(rows["incoming-only"][-1].strip(" |"))
    assert f"`incoming-only` drifted apart (tie gap {gap:.3g})" in summary  # said from the row, not as an expectation
