import os
import re
import subprocess
import sys
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest

from course_companion.cli import main
from course_companion.recording import Recording


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


SIZES = {"answer": (960, 1080), "distances_L1": (540, 1080), "heatmaps_L1": (435, 1080)}


@pytest.fixture(scope="module")
def compare_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "figs"
    # A fresh process: --device cpu must be chosen before TensorFlow starts, which in this process it has (on a
    # machine with a GPU an in-process call would be refused).
    argv = ["compare", "--schemes", "constant", "random", "mirrored", "--epochs", "2", "--out", str(out), "--device", "cpu"]
    proc = subprocess.run([sys.executable, "-m", "course_companion", *argv], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    return proc.returncode, out


def test_compare_writes_every_promised_file(compare_run):
    code, out = compare_run
    assert code == 0
    schemes = ["constant", "random", "mirrored"]
    names = (["answer.png", "distances_L1.png", "distances_L2.png", "heatmaps_L1.png", "heatmaps_L2.png"]
             + [f"units_{s}.png" for s in schemes] + [f"{s}.npz" for s in schemes] + ["summary.md"])
    assert sorted(p.name for p in out.iterdir()) == sorted(names)  # and nothing else (no temporary files)
    for name in names:
        assert (out / name).stat().st_mode & 0o777 == 0o666 & ~_umask()  # not the 0600 of a temporary file
        if name.endswith(".png"):
            image = mpimg.imread(out / name)
            assert image.ndim == 3 and image.shape[1] <= 1080
            if name[:-4] in SIZES:
                assert image.shape[:2] == SIZES[name[:-4]]


def _expected_row(path, groups):
    """A summary row computed by brute force from the .npz file's raw arrays (not with the package)."""
    with np.load(path) as f:
        log_keys = [str(k) for k in f["log_keys"]]
        accuracy = f[f"log_{log_keys.index('accuracy')}"][-1]
        loss = f[f"log_{log_keys.index('loss')}"][-1]
        layers = [f["units_0"][-1].astype(np.float64), f["units_1"][-1].astype(np.float64)]
    row = [float(accuracy), float(loss)]
    for w in layers:
        n = len(w)
        pairs = [np.sqrt(np.sum((w[i] - w[j]) ** 2)) for i in range(n) for j in range(n) if i != j]
        row += [len({tuple(u) for u in w}), min(pairs), max(pairs)]
    gaps = [abs(layers[index][u] - layers[index][g[0]]).max() for index, gs in groups.items() for g in gs for u in g]
    return row + [max(gaps) if gaps else None]


def test_summary_numbers_match_the_saved_recordings(compare_run):
    _, out = compare_run
    groups = {
        "constant": {0: [list(range(25))], 1: [list(range(15))]},
        "random": {},
        "mirrored": {0: [[0, 1], [2, 3, 4]], 1: [[0, 1]]},
    }
    summary = (out / "summary.md").read_text()
    lines = {line.split(" | ")[0][2:]: line.strip("| ").split(" | ") for line in summary.splitlines() if line.startswith("| ")}
    assert lines["scheme"][-1] == "tie gap"
    for scheme, scheme_groups in groups.items():
        rec = Recording.load(out / f"{scheme}.npz")
        assert rec.metadata["scheme"] == scheme and rec.metadata["device"] == "CPU"
        assert len(rec) == 3  # records at step 0 and after each of the 2 epochs
        acc, loss, d1, lo1, hi1, d2, lo2, hi2, gap = _expected_row(out / f"{scheme}.npz", scheme_groups)
        cells = lines[scheme]
        assert float(cells[1]) == pytest.approx(acc, abs=5e-4)
        assert float(cells[2]) == pytest.approx(loss, abs=5e-5)
        assert [int(cells[3]), int(cells[4])] == [d1, d2]
        for cell, value in zip([cells[5], cells[6], cells[7], cells[8]], [lo1, hi1, lo2, hi2]):
            assert float(cell) == pytest.approx(value, rel=5e-3, abs=0)  # 3 significant digits; 0 exactly
        assert cells[9] == "-" if gap is None else float(cells[9]) == gap == 0
    assert lines["constant"][3:5] == ["1", "1"]
    assert "Tie check (constant and mirrored, equal exactly (CPU)): held; largest tie gap 0." in summary


def test_compare_prints_progress_and_paths(tmp_path, capsys):
    assert main(["compare", "--schemes", "random", "--epochs", "1", "--out", str(tmp_path / "o"), "--every", "8", "--format", "svg"]) == 0
    out = capsys.readouterr().out
    assert "random: epoch 1/1, loss " in out and "done in" in out
    assert f"{tmp_path / 'o'}/answer.svg" in out
    assert (tmp_path / "o" / "answer.svg").read_text().lstrip().startswith("<?xml")
    rec = Recording.load(tmp_path / "o" / "random.npz")
    np.testing.assert_array_equal(rec.steps, [0, 8, 16, 24, 32])


def test_explain_prints_the_six_weights(tmp_path, capsys):
    assert main(["explain", "--epochs", "2", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    rows = {l.split()[0]: l.split() for l in out.splitlines() if l[:2] in {"w1", "w2", "w3", "w4", "w5", "w6"}}
    assert rows["w1"][1] == rows["w3"][1] and rows["w1"][2] == rows["w3"][2]  # tied: weights and gradients
    assert rows["w5"][1] == rows["w6"][1]
    assert rows["w1"][6] != rows["w3"][6]  # untied at step 0: different gradients
    assert mpimg.imread(tmp_path / "explain.png").shape[1] == 1080


@pytest.mark.parametrize(
    "argv, match",
    [
        (["compare", "--epochs", "0"], "--epochs: expected a positive whole number; got '0'"),
        (["compare", "--schemes", "zeros"], "--schemes: invalid choice: 'zeros'"),
        (["compare", "--every", "often"], "--every: expected 'epoch' or a positive whole number of batches; got 'often'"),
        (["compare", "--format", "jpg"], "--format: invalid choice: 'jpg'"),
        (["explain", "--seed", "-3"], "--seed: expected a whole number >= 0; got '-3'"),
        (["nothing"], "invalid choice: 'nothing'"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(tmp_path, capsys, argv, match):
    out = tmp_path / "out"
    assert main(argv + (["--out", str(out)] if argv[:1] in (["compare"], ["explain"]) else [])) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and match in err[0]
    assert captured.out == ""
    assert not out.exists()


def test_bad_data_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys):
    np.save(tmp_path / "X.npy", np.zeros((5, 399)))
    np.save(tmp_path / "y.npy", np.zeros(5))
    out = tmp_path / "out"
    argv = ["compare", "--data", str(tmp_path / "X.npy"), str(tmp_path / "y.npy"), "--epochs", "1", "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "must have 400 features (20x20 images); got 399" in err[0]
    assert not out.exists()


def test_out_that_is_a_file(tmp_path, capsys):
    (tmp_path / "taken").write_text("x")
    assert main(["compare", "--out", str(tmp_path / "taken")]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err
    assert main(["compare", "--out", str(tmp_path / "taken" / "sub" / "dir")]) == 2
    assert "is a file" in capsys.readouterr().err


def test_gpu_without_gpu_is_one_line(tmp_path, capsys):
    import keras

    from course_companion.devices import device_name

    if device_name().startswith("GPU"):
        pytest.skip("this machine has a GPU")
    assert main(["compare", "--device", "gpu", "--out", str(tmp_path / "o" / "deep")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    expected = {"tensorflow": 'TensorFlow sees no GPU; install the GPU build with pip install "tensorflow[and-cuda]"',
                "jax": 'JAX sees no GPU; install JAX for your GPU, for example pip install "jax[cuda12]"'}
    assert len(err) == 1 and expected[keras.backend.backend()] in err[0]
    assert not (tmp_path / "o").exists()  # the folders it made to check them are gone again


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc, where no folder can be made")
def test_out_that_cannot_be_written_is_refused_before_training(capsys):
    assert main(["compare", "--out", "/proc/course_companion_out"]) == 2
    captured = capsys.readouterr()
    (line,) = captured.err.strip().splitlines()
    assert line.startswith("error: --out: cannot write into '/proc/course_companion_out' (")
    assert captured.out == ""  # not even the device line: nothing was chosen, built or trained


def test_sweep_too_large_for_memory_is_refused_before_training(tmp_path, capsys):
    out = tmp_path / "big"
    assert main(["sweep", "--seeds", "10000000", "--epochs", "1", "--out", str(out)]) == 2
    captured = capsys.readouterr()
    (line,) = captured.err.strip().splitlines()
    assert re.fullmatch(r"error: --seeds 10000000: 30,000,000 replicas \(3 schemes\) need about [0-9.]+ GiB, and "
                        r"[0-9.]+ [GM]iB is available; at most [0-9,]+ seeds would fit", line), line
    assert "replicas: epoch" not in captured.out and not out.exists()  # no progress line: nothing trained


def test_module_entry_point_has_no_traceback_and_no_tensorflow_noise(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "course_companion", "compare", "--data", str(tmp_path / "none.npy"), "y.npy"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"error: x_path: no such file: {str(tmp_path / 'none.npy')!r}"]
    assert not (tmp_path / "figures").exists()


def test_help_has_examples(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["compare", "--help"])
    assert exit_.value.code == 0
    assert "examples:" in capsys.readouterr().out
