"""Every number and sentence that ``explain`` shows, computed another way.

The real command runs in this process (2 epochs, seed 2); the recordings it made are caught on their way out of
``run_explain``. Its printed table is parsed and checked against:

- the six starting weights: the seeded draw the command documents (``np.random.default_rng(seed).uniform(-1, 1, 6)``
  in float32, w3 = w1, w4 = w2 and w6 = w5 when tied);
- dJ/dw at step 0: the chain rule, written out here in float64 for the 2-2-1 sigmoid network without biases, on
  the data it trains on (the 200 standardized coffee rows), and ``tf.GradientTape`` on a plain Keras model;
- the weights at the end: a plain Keras model built here from those starting weights and fitted the same way
  (Adam 0.05, batches of 32, the same seed); dJ/dw at the end: the chain rule at those weights.

The figure's title and panel titles (read off the SVG file) are checked against the recorded weights themselves,
and recordings made by hand reach a tie broken at one middle record, by 1e-9, or by a NaN.
"""
import contextlib
import html
import io
import math
import re

import keras
import numpy as np
import pytest

import course_companion.experiments.explain as explain
from course_companion.cli import main
from course_companion.data import standardized_coffee_data
from course_companion.figures.explain import plot_two_neuron_weights
from course_companion.recording import Recording

SEED, EPOCHS, BATCH, LEARNING_RATE = 2, 2, 32, 0.05
NAMES = ["w1", "w2", "w3", "w4", "w5", "w6"]
KEEP = "Two-neuron network: tied units keep equal weights (w1 = w3, w2 = w4, w5 = w6)"
APART = "Two-neuron network: the tied units' weights came apart (w1 = w3, w2 = w4, w5 = w6 did not hold)"
DASHED = "(dashed hidden under solid)"


# -- independent references ----------------------------------------------------------------------------------------
def starting_weights(setup, seed):
    w = np.random.default_rng(seed).uniform(-1, 1, size=6).astype(np.float32)
    if setup == "tied":
        w[2], w[3], w[5] = w[0], w[1], w[4]
    return w


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def chain_rule(w, X, y):
    """dJ/dw1..dJ/dw6 of the mean binary cross-entropy, by hand: J = mean(-y log p - (1 - y) log(1 - p))."""
    w1, w2, w3, w4, w5, w6 = np.asarray(w, dtype=np.float64)
    x1, x2 = X[:, 0].astype(np.float64), X[:, 1].astype(np.float64)
    a1, a2 = sigmoid(w1 * x1 + w2 * x2), sigmoid(w3 * x1 + w4 * x2)
    p = sigmoid(w5 * a1 + w6 * a2)
    dz = (p - y[:, 0]) / len(y)  # dJ/dz_out for each row
    d1, d2 = dz * w5 * a1 * (1 - a1), dz * w6 * a2 * (1 - a2)  # dJ/dz of hidden units 1 and 2
    return np.array([np.sum(d1 * x1), np.sum(d1 * x2), np.sum(d2 * x1), np.sum(d2 * x2), np.sum(dz * a1),
                     np.sum(dz * a2)])


def plain_model(w):
    """The network as plain Keras layers, kernels set from w1..w6 (hidden kernel: column u is unit u's incoming)."""
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="sigmoid", use_bias=False),
                              keras.layers.Dense(1, activation="sigmoid", use_bias=False)])
    model.layers[0].set_weights([np.array([[w[0], w[2]], [w[1], w[3]]], dtype=np.float32)])
    model.layers[1].set_weights([np.array([[w[4]], [w[5]]], dtype=np.float32)])
    return model


def six(model):
    hidden, out = model.layers[0].get_weights()[0], model.layers[1].get_weights()[0]
    return np.array([hidden[0, 0], hidden[1, 0], hidden[0, 1], hidden[1, 1], out[0, 0], out[1, 0]], dtype=np.float64)


def weight_cell(cell, value):
    """A weight printed with 6 decimals (a hair of slack for float32 training)."""
    return abs(float(cell) - value) <= 5e-7 + 2e-6


def gradient_cell(cell, value, slack=1e-5):
    """A gradient printed with 4 significant digits (+1.234e-02), ``slack`` relative for float32 arithmetic."""
    unit = 10.0 ** (math.floor(math.log10(abs(value))) - 3)
    return abs(float(cell) - value) <= 0.5 * unit + slack * abs(value)


# -- the real command ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("explain") / "out"
    caught, real = {}, explain.run_explain

    def spy(*args, **kwargs):
        recordings = real(*args, **kwargs)
        caught.update(recordings)
        return recordings

    stdout = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(stdout):
        patch.setattr(explain, "run_explain", spy)
        assert main(["explain", "--epochs", str(EPOCHS), "--seed", str(SEED), "--format", "svg", "--out", str(out)]) == 0
    lines = stdout.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("weight  "))
    heads = re.split(r"\s{2,}", lines[start].strip())
    rows = {line.split()[0]: dict(zip(heads, line.split())) for line in lines[start + 1:start + 7]}
    X, y = standardized_coffee_data()
    assert np.unique(y).tolist() == [0.0, 1.0]  # both classes
    plain = {}
    for setup in ("tied", "untied"):
        keras.utils.set_random_seed(SEED)  # the seed also orders the batches
        model = plain_model(starting_weights(setup, SEED))
        model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="binary_crossentropy")
        model.fit(X, y, epochs=EPOCHS, batch_size=BATCH, verbose=0, shuffle=True)
        plain[setup] = six(model)
    return {"heads": heads, "rows": rows, "X": X, "y": y, "plain": plain, "recordings": caught, "out": out}


STEPS = math.ceil(200 / BATCH) * EPOCHS  # batches seen at the end: 7 an epoch


def test_the_table_has_its_columns(run):
    heads = ["weight"]
    for setup in ("tied", "untied"):
        for when in ("step 0", f"step {STEPS}"):
            heads += [f"{setup} {when}", f"dJ/dw ({setup}, {when})"]
    assert run["heads"] == heads
    assert list(run["rows"]) == NAMES


def test_step_0_weights_are_the_seeded_draw(run):
    for setup in ("tied", "untied"):
        w = starting_weights(setup, SEED)
        assert [run["rows"][n][f"{setup} step 0"] for n in NAMES] == [f"{v:+.6f}" for v in w]
    assert len({run["rows"][n]["untied step 0"] for n in NAMES}) == 6  # six different weights untied


def test_step_0_gradients_are_the_chain_rule(run):
    import tensorflow as tf

    for setup in ("tied", "untied"):
        w = starting_weights(setup, SEED)
        by_hand = chain_rule(w, run["X"], run["y"])
        model = plain_model(w)  # and the same through GradientTape on a plain Keras model
        with tf.GradientTape() as tape:
            loss = keras.losses.binary_crossentropy(run["y"], model(run["X"]))
            loss = tf.reduce_mean(loss)
        hidden, out = (g.numpy() for g in tape.gradient(loss, [model.layers[0].kernel, model.layers[1].kernel]))
        tape_six = [hidden[0, 0], hidden[1, 0], hidden[0, 1], hidden[1, 1], out[0, 0], out[1, 0]]
        np.testing.assert_allclose(tape_six, by_hand, rtol=1e-4)
        for name, value in zip(NAMES, by_hand):
            cell = run["rows"][name][f"dJ/dw ({setup}, step 0)"]
            assert gradient_cell(cell, value), (setup, name, cell, value)
    tied = chain_rule(starting_weights("tied", SEED), run["X"], run["y"])
    assert tied[0] == tied[2] and tied[1] == tied[3] and tied[4] == tied[5]  # equal weights, equal gradients


def test_the_end_is_what_a_plain_keras_model_trains(run):
    for setup in ("tied", "untied"):
        end = run["plain"][setup]
        gradients = chain_rule(end, run["X"], run["y"])
        for name, weight, gradient in zip(NAMES, end, gradients):
            cells = run["rows"][name]
            assert weight_cell(cells[f"{setup} step {STEPS}"], weight), (setup, name, cells, weight)
            assert gradient_cell(cells[f"dJ/dw ({setup}, step {STEPS})"], gradient, slack=1e-3), (setup, name, gradient)
    assert not np.allclose(run["plain"]["untied"], starting_weights("untied", SEED), atol=1e-3)  # it did train


def test_the_tied_pairs_and_the_titles(run):
    recs = run["recordings"]
    assert list(recs) == ["tied", "untied"]

    def pairs_held(rec):  # w1 = w3, w2 = w4 (the hidden units' incoming weights), w5 = w6, at every record
        hidden, out = rec.units("hidden"), rec.units("out")
        return bool(np.all(hidden[:, 0] == hidden[:, 1]) and np.all(out[:, 0, 0] == out[:, 0, 1]))

    assert pairs_held(recs["tied"]) and not pairs_held(recs["untied"])
    assert recs["tied"].steps.tolist() == [0, STEPS // EPOCHS, STEPS]
    texts = [html.unescape(t.strip()) for t in re.findall(r"<!--(.*?)-->", (run["out"] / "explain.svg").read_text(), re.S)]
    assert KEEP in texts and APART not in texts
    assert texts[texts.index("tied") + 1] == DASHED and texts.count(DASHED) == 1  # the tied panel only


# -- recordings made by hand ----------------------------------------------------------------------------------------
def tied_recording(rng):
    w = rng.normal(size=(3, 6))  # three records of w1..w6, tied
    w[:, 2], w[:, 3], w[:, 5] = w[:, 0], w[:, 1], w[:, 4]
    return w


def as_recording(w):
    hidden = np.stack([w[:, [0, 1]], w[:, [2, 3]]], axis=1)  # (records, 2 units, 2 inputs)
    out = w[:, None, [4, 5]]  # (records, 1 unit, 2 inputs)
    return Recording.from_arrays(["hidden", "out"], steps=[0, 7, 14], epochs=[0, 1, 2],
                                 units={"hidden": hidden, "out": out}, metadata={"setup": "tied", "device": "CPU"})


@pytest.mark.parametrize("record, weight, change", [
    (None, None, 0.0),  # tied throughout
    (1, 5, 1e-9),  # w6 apart from w5 by 1e-9 at the middle record only: the outgoing weights count, exactly
    (1, 2, 0.5),  # w3 apart from w1 at the middle record only
    (2, 3, -1e-9),  # w4 apart from w2 at the end
    (0, 0, np.nan),  # w1 NaN at the start (and w3 with it): a NaN is never tied
])
def test_the_title_reads_every_record_exactly(rng, record, weight, change):
    w = tied_recording(rng)
    if record is not None:
        if np.isnan(change):
            w[record, [0, 2]] = np.nan
        else:
            w[record, weight] += change
    held = bool(np.all(w[:, 0] == w[:, 2]) and np.all(w[:, 1] == w[:, 3]) and np.all(w[:, 4] == w[:, 5]))
    assert held == (record is None)
    fig = plot_two_neuron_weights({"tied": as_recording(w)})
    assert fig.get_suptitle() == (KEEP if held else APART)
    panel = fig.axes[0].get_title()
    assert panel == ("tied\n" + DASHED if held else "tied")
