"""Relative tie gaps over many jitters: the jitter is a parameter, float64 survives recording."""
import numpy as np
import pytest

from course_companion.cli import main
from course_companion.data import load_dataset
from course_companion.analysis import tie_gap
from course_companion.experiments.gaps import epoch_reaching, run_gaps, THRESHOLD
from course_companion.models import build_model
from course_companion.models import build_replicas


def _l1(model):
    kernel, bias = model.get_layer("L1").get_weights()[:2]
    return np.concatenate([kernel, bias[None]]).T if kernel.ndim == 2 else None


@pytest.mark.parametrize("jitter", [1e-8, 1e-3])
def test_perturbed_noise_size_is_a_parameter(jitter):
    units = _l1(build_model("perturbed", seed=0, jitter=jitter))
    tied = _l1(build_model("mirrored", seed=0))
    noise = units - tied  # the same draw, plus the noise
    assert 0.5 * jitter < noise.std() < 2 * jitter
    assert 0 < tie_gap(units, [[0, 1]]) < 20 * jitter
    replicas = build_replicas([("perturbed", 0, jitter), ("perturbed", 0)])
    np.testing.assert_array_equal(replicas.get_layer("L1").kernel.numpy()[:, 0], units[:, :-1].T)
    np.testing.assert_array_equal(replicas.get_layer("L1").kernel.numpy()[:, 1],
                                  _l1(build_model("perturbed", seed=0))[:, :-1].T)


def test_float64_replicas_record_float64():
    coffee = load_dataset("coffee")
    result = run_gaps(coffee, "adam", epochs=2, jitters=[1e-8, 1e-4], progress=False)
    assert result["relative"].shape == (2, 3)
    # 1e-8 noise is below float32's resolution at these weights; in float64 both starts are kept apart,
    # 10^4 times apart, and stay proportional while the gaps are small (the linear regime).
    ratio = result["relative"][1] / result["relative"][0]
    np.testing.assert_allclose(ratio, 1e4, rtol=1e-2)  # float32 would round the 1e-8 gap to a few steps or 0
    assert result["started_below"].all() and np.isnan(result["reached"]).all()
    assert result["dtype"] == "float64"


def test_epoch_reaching():
    epochs = np.arange(4.0)
    assert epoch_reaching(epochs, np.array([1e-4, 1e-3, 1e-2, 1.0])) == pytest.approx(2.5)
    assert np.isnan(epoch_reaching(epochs, np.array([1e-4, 1e-5, 1e-6, 1e-7])))
    assert epoch_reaching(epochs, np.array([THRESHOLD, 1, 1, 1])) == 0.0


def test_gaps_command(tmp_path, capsys):
    out = tmp_path / "gaps"
    assert main(["gaps", "--data", "coffee", "--optimizers", "sgd", "--epochs", "1", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["gaps.png", "separation.png", "summary.md"]
    summary = (out / "summary.md").read_text()
    assert "## coffee, sgd (learning rate 1)" in summary and "these runs used float64" in summary
    assert summary.count("| 1e-0") == 8  # one row per starting gap, 1e-08 ... 1e-01
    assert "coffee with sgd (1 epochs)" in capsys.readouterr().out


def test_jitter_option(tmp_path, capsys):
    assert main(["compare", "--jitter", "0", "--out", str(tmp_path / "o")]) == 2
    assert "--jitter: expected a number > 0; got '0'" in capsys.readouterr().err
