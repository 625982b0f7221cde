"""Keras's backends: what ran is named in the outputs, ties hold exactly, unsupported backends stop at once.

Marked ``backends``: CI runs this file, the recorder's tests and ``assert_tied``'s again under
``KERAS_BACKEND=jax`` (``.ci/run``). Here they run on whatever backend this process's Keras uses.
"""
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from course_companion.cli import main
from course_companion.devices import UnsupportedBackendError, backend, backend_version, run_metadata
from course_companion.recording import Recording
from course_companion.testing import assert_tied

pytestmark = pytest.mark.backends

FRAMEWORK = {"tensorflow": "TensorFlow", "jax": "JAX"}[keras.backend.backend()]


def test_metadata_names_the_backend_that_trained():
    meta = run_metadata()
    assert meta["backend"] == keras.backend.backend() == backend()
    module = __import__({"tensorflow": "tensorflow", "jax": "jax"}[meta["backend"]])
    assert meta["backend_version"] == backend_version(meta["backend"]) == module.__version__


def test_compare_every_4_batches_keeps_ties_exactly_and_names_the_backend(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["compare", "--epochs", "2", "--every", "4", "--out", str(out)]) == 0
    summary = (out / "summary.md").read_text()
    version = backend_version(keras.backend.backend())
    assert f"Keras {keras.__version__}, {FRAMEWORK} {version}." in summary
    assert "Tie check (constant and mirrored, equal exactly (CPU)): held; largest tie gap 0." in summary
    constant = Recording.load(out / "constant.npz")
    assert constant.metadata["backend"] == keras.backend.backend() and constant.metadata["backend_version"] == version
    assert len(constant) == 2 * 8 + 1  # 32 batches per epoch: records at steps 0, 4, ..., 64
    assert_tied(constant, "L1", [list(range(25))])
    units = constant.units("L1")
    assert np.ptp(units[-1], axis=0).max() == 0 and np.abs(units[-1] - units[0]).max() > 0  # moved, together
    mirrored = Recording.load(out / "mirrored.npz")
    assert_tied(mirrored, "L1", [[0, 1], [2, 3, 4]])


def test_sweep_runs_its_replicas(tmp_path):
    out = tmp_path / "out"
    assert main(["sweep", "--seeds", "2", "--epochs", "1", "--out", str(out)]) == 0
    summary = (out / "summary.md").read_text()
    assert f"{FRAMEWORK} {backend_version(keras.backend.backend())}" in summary
    assert sorted(p.name for p in out.iterdir()) == ["aligned_units.png", "alignment.png", "summary.md", "sweep.png"]


@pytest.mark.parametrize("name, words", [("torch", "probe gradients are written for TensorFlow and JAX only"),
                                         ("numpy", "cannot train")])
def test_an_unsupported_backend_is_refused_with_one_line(name, words, monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: name)
    with pytest.raises(UnsupportedBackendError, match=rf"^KERAS_BACKEND={name}: .*{words}.*; use tensorflow or jax$"):
        backend()


def test_the_command_line_stops_on_an_unsupported_backend_before_any_work(tmp_path):
    """PyTorch is not installed here, so Keras cannot even load it: one line, exit 2, no folder made."""
    out = tmp_path / "out"
    env = dict(os.environ, KERAS_BACKEND="torch")
    proc = subprocess.run([sys.executable, "-m", "course_companion", "compare", "--out", str(out)], env=env,
                          capture_output=True, text=True, timeout=120)
    torch_installed = "could not load" not in proc.stderr
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert proc.stderr.startswith("error: KERAS_BACKEND=torch: ") and proc.stderr.strip().endswith("use tensorflow or jax")
    assert torch_installed or "No module named 'torch'" in proc.stderr
    assert not out.exists()


def test_a_float64_replica_model_trains_in_float64():
    """JAX computes in float32 unless its x64 mode is on: a float64 model must really hold float64."""
    from course_companion.data import load_dataset
    from course_companion.training import train_replicas

    coffee = load_dataset("coffee")
    model, _ = train_replicas([("perturbed", 0, 1e-12)], coffee.X[:400], coffee.y[:400], epochs=1, seed=0,
                              batch_size=200, dtype="float64", **{k: v for k, v in coffee.model_settings.items()
                                                                  if k in ("layer_sizes", "learning_rate", "ties")})
    kernel = keras.ops.convert_to_numpy(model.get_layer("L1").kernel.value)
    assert kernel.dtype == np.float64
    assert np.abs(kernel[:, 0, 0] - kernel[:, 0, 1]).max() < 1e-9  # a 1e-12 jitter: float32 could not hold it apart
    assert (kernel[:, 0, 0] != kernel[:, 0, 1]).any()
