"""Tie gaps and output gaps over many jitters: the jitter is a parameter, float64 survives recording, the gaps
measure what they say (against Keras's own outputs and a loop over the weights)."""
import keras
import numpy as np
import pytest

from course_companion.analysis import output_gap, silent_inputs, tie_gap, unit_outputs
from course_companion.cli import main
from course_companion.data import load_dataset
from course_companion.experiments.gaps import GROWTH, THRESHOLD, GapsResult, epoch_reaching, run_gaps, verdict
from course_companion.models import build_model, build_replicas


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
    assert result.relative.shape == (2, 3)
    # 1e-8 noise is below float32's resolution at these weights; in float64 both starts are kept apart,
    # 10^4 times apart, and stay proportional while the gaps are small (the linear regime).
    ratio = result.relative[1] / result.relative[0]
    np.testing.assert_allclose(ratio, 1e4, rtol=1e-2)  # float32 would round the 1e-8 gap to a few steps or 0
    assert result.started_below.all() and np.isnan(result.reached).all()
    assert result.dtype == "float64"


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
    assert "## coffee, sgd (learning rate 1)" in summary and "These runs used float64" in summary
    rows = [line for line in summary.splitlines() if line.startswith("| 1e-0")]
    assert [row.split(" | ")[0] for row in rows] == [f"| 1e-0{k}" for k in range(8, 0, -1)]  # one row per jitter
    assert "coffee with sgd (1 epochs)" in capsys.readouterr().out


def test_jitter_option(tmp_path, capsys):
    assert main(["compare", "--jitter", "0", "--out", str(tmp_path / "o")]) == 2
    assert "--jitter: expected a number > 0; got '0'" in capsys.readouterr().err


def test_unit_outputs_are_the_layers_outputs():
    """NumPy's outputs from the unit weights against Keras's own L1 outputs on the same rows."""
    X, _ = load_dataset("coffee").loss_data
    model = build_model("random", seed=3, input_dim=2, layer_sizes=(3, 1))
    w = np.concatenate([model.get_layer("L1").kernel.numpy(), model.get_layer("L1").bias.numpy()[None]]).T
    hidden = keras.Model(model.inputs, model.get_layer("L1").output)
    np.testing.assert_allclose(unit_outputs(X, w), keras.ops.convert_to_numpy(hidden(X)), rtol=0, atol=2e-7)
    a = keras.ops.convert_to_numpy(hidden(X)).astype(np.float64)
    assert output_gap(X, w, [[0, 2]]) == pytest.approx(np.abs(a[:, 2] - a[:, 0]).max(), abs=4e-7)


def test_silent_inputs_against_a_loop():
    X, _ = load_dataset("digits").loss_data
    loop = [k for k in range(X.shape[1]) if all(X[r, k] == 0 for r in range(X.shape[0]))]
    assert silent_inputs(X).tolist() == loop and len(loop) == 134


def test_digits_gaps_read_every_measure():
    """Silent inputs keep their jitter exactly; the output gap ignores them; each verdict follows from the numbers."""
    digits = load_dataset("digits")
    result = run_gaps(digits, "adam", epochs=2, jitters=[1e-6, 1e-1], progress=False)
    assert result.inputs == 400 and len(result.silent) == 134
    for key in ("tie_gap", "live_tie_gap", "relative", "output"):
        assert getattr(result, key).shape == (2, 3)
    assert np.all(result.live_tie_gap <= result.tie_gap)
    for k, out in enumerate(result.output):
        ratio = out[-1] / out[0]
        expected = ("started apart" if out[0] >= THRESHOLD else
                    "grew" if ratio >= GROWTH else "shrank" if ratio <= 1 / GROWTH else "stayed")
        assert result.verdict[k] == expected


def test_weights_from_silent_inputs_never_move(digits):
    """Why the table leaves them out: Adam gives a weight without gradient exactly no update."""
    X, y = digits
    model = build_model("perturbed", seed=0)
    before = model.get_layer("L1").kernel.numpy().copy()
    model.fit(X, y, epochs=1, batch_size=32, verbose=0)
    after = model.get_layer("L1").kernel.numpy()
    silent = silent_inputs(X)
    np.testing.assert_array_equal(after[silent], before[silent])
    assert np.all(np.any(after[np.setdiff1d(np.arange(400), silent)] != before[np.setdiff1d(np.arange(400), silent)], axis=1))


def test_verdict():
    assert verdict(1e-6, 1e-5) == "grew" and verdict(1e-6, 9.9e-6) == "stayed"
    assert verdict(1e-6, 1e-7) == "shrank" and verdict(0.5, 1.0, started_below=False) == "started apart"


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="the counts seen are TensorFlow's: other backends draw other batches from the same seed")
def test_epochs_to_separation_against_the_recorded_output_gaps():
    result = run_gaps(load_dataset("coffee"), "adam", epochs=9, jitters=[1e-4, 1e-3, 1e-2], progress=False)
    assert result.separated == 3  # seen: all three reach 0.1 by epoch 8
    for gap, reached in zip(result.output, result.reached):
        first = int(np.argmax(gap >= THRESHOLD))  # the first record at or past the threshold, found by hand
        assert gap[first] >= THRESHOLD > gap[first - 1]
        assert result.epochs[first - 1] < reached <= result.epochs[first]
    assert np.all(np.diff(result.reached) < 0)  # a larger jitter separates sooner


def test_gap_curves_draw_the_output_gaps_and_an_exactly_0_row():
    from course_companion.figures.gaps import plot_gap_curves

    output = np.array([[1e-6, 1e-3, 0.5], [1e-4, 1e-5, 0.0]])
    result = GapsResult(name="toy", data="toy data", optimizer="adam", learning_rate=0.01, dtype="float64",
                        epochs=np.array([0.0, 1.0, 2.0]), jitters=np.array([1e-6, 1e-4]), tie_gap=output,
                        live_tie_gap=output, relative=output, output=output, silent=np.array([], int), inputs=2,
                        verdict=["grew", "started apart"], reached=np.array([1.5, np.nan]),
                        started_below=np.array([True, False]), separated=1, slope=np.nan, accuracy=np.ones(2), seed=0,
                        metadata={})
    ax = plot_gap_curves([result]).axes[0]
    lines = [l for l in ax.get_lines() if l.get_label() in ("1e-06", "1e-04")]
    np.testing.assert_array_equal(lines[0].get_ydata(), output[0])  # read back from the drawing
    floor = ax.get_yticks()[0]
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "exactly 0" and floor == pytest.approx(1e-7)  # a tenth of 1e-6
    np.testing.assert_array_equal(lines[1].get_ydata(), [1e-4, 1e-5, floor])  # the 0 drawn on its row
    assert "1 grew, 0 stayed, 0 shrank" in ax.get_title()
