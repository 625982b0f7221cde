"""The forum's two-neuron network, in numbers: why tied weights get equal gradients.

2 inputs (the coffee data's temperature and duration, standardized) -> 2
sigmoid units -> 1 sigmoid output, no biases: six weights. ``w1``, ``w2`` go
from x1, x2 into unit 1; ``w3``, ``w4`` from x1, x2 into unit 2; ``w5``, ``w6``
from units 1 and 2 to the output. By the chain rule

    dJ/dw1 = dJ/dz_out * w5 * a1 (1 - a1) * x1,   dJ/dw3 = dJ/dz_out * w6 * a2 (1 - a2) * x1

so dJ/dw1 and dJ/dw3 differ when w5 != w6 (or a1 != a2), and dJ/dw1 and dJ/dw2
differ because x1 and x2 differ. Tie w5 = w6, w1 = w3 and w2 = w4, and the two
units get equal gradients at every step: they stay equal. ``summaries.explain``
holds the table the command prints; ``figures.explain`` draws the weights.
"""
import numpy as np

from course_companion.analysis.tie import tie_verdict
from course_companion.data import standardized_coffee_data

__all__ = ["WEIGHTS", "WEIGHT_NAMES", "SETUPS", "COMMAND_SETUPS", "two_neuron_model", "forum_weights", "run_explain",
           "six_weights", "pairs_equal", "weights_and_gradients_at"]

# Where each of the six weights sits in a recording: (layer, unit, input) of
# ``Recording.units(layer)``'s (units, d) layout.
WEIGHTS = {
    "w1": ("hidden", 0, 0),
    "w2": ("hidden", 0, 1),
    "w3": ("hidden", 1, 0),
    "w4": ("hidden", 1, 1),
    "w5": ("out", 0, 0),
    "w6": ("out", 0, 1),
}
WEIGHT_NAMES = tuple(WEIGHTS)
# The starts (not schemes): tied (w1 = w3, w2 = w4, w5 = w6), incoming-only (w1 = w3, w2 = w4, w5 != w6: the same
# inputs and incoming weights, different outgoing weights) and untied (six weights drawn apart).
SETUPS = ("tied", "incoming-only", "untied")
COMMAND_SETUPS = ("tied", "untied")  # what the explain command trains and tables


def forum_weights(setup, seed=0):
    """Six starting weights, seeded, the same draw for every setup (``SETUPS``).

    ``tied``: w3 = w1, w4 = w2 and w6 = w5; ``incoming-only``: w3 = w1 and
    w4 = w2 only; ``untied``: as drawn.

    Returns:
        (hidden kernel (2, 2), output kernel (2, 1)) as float32.
    """
    if setup not in SETUPS:
        raise ValueError(f"setup must be one of {list(SETUPS)}; got {setup!r}")
    w = np.random.default_rng(seed).uniform(-1, 1, size=6).astype(np.float32)
    if setup in ("tied", "incoming-only"):
        w[2], w[3] = w[0], w[1]
    if setup == "tied":
        w[5] = w[4]
    hidden = np.array([[w[0], w[2]], [w[1], w[3]]], dtype=np.float32)  # column u = unit u's incoming
    return hidden, np.array([[w[4]], [w[5]]], dtype=np.float32)


def two_neuron_model(hidden, out, learning_rate=0.05):
    """The compiled two-neuron network with the given kernels (Adam, binary cross-entropy)."""
    import keras  # here, so that figures can read WEIGHTS without loading Keras

    model = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(2, activation="sigmoid", use_bias=False, name="hidden"),
            keras.layers.Dense(1, activation="sigmoid", use_bias=False, name="out"),
        ],
        name="two_neurons",
    )
    model.get_layer("hidden").kernel.assign(hidden)
    model.get_layer("out").kernel.assign(out)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def run_explain(epochs=20, seed=0, every="epoch", setups=COMMAND_SETUPS):
    """Train the network from each of ``setups``; return {setup: Recording}.

    Gradients are recorded on the whole (standardized) coffee data at each record.
    """
    from course_companion.callbacks import UnitRecorder
    from course_companion.training import train

    X, y = standardized_coffee_data()
    out = {}
    for setup in setups:
        recorder = UnitRecorder(every=every, gradients=True, probe=(X, y),
                                metadata={"setup": setup, "seed": seed, "data": "coffee roasting, 200 x 2, standardized"})
        train(lambda: two_neuron_model(*forum_weights(setup, seed=seed)), X, y, epochs, seed, 32, [recorder])
        out[setup] = recorder.recording
    return out


def six_weights(layers):
    """{w1: values, ..., w6: values} from {"hidden": array, "out": array} in the (..., units, d) layout.

    Works on one record (units, d) or all of them (records, units, d), and on
    weights or gradients alike.
    """
    return {name: np.asarray(layers[layer])[..., unit, index] for name, (layer, unit, index) in WEIGHTS.items()}


def pairs_equal(recording):
    """Whether the two hidden units are tied at every record: w1 = w3, w2 = w4, b1 = b2 and w5 = w6 exactly.

    ``analysis.tie_verdict``'s verdict on the hidden units (incoming weights and biases) and their outgoing
    weights (the output unit's first two weights); NaN is never tied.
    """
    hidden, out = recording.units("hidden"), recording.units("out")
    outgoing = np.swapaxes(out[..., :2], -1, -2)  # (records, 2 hidden units, 1 output unit)
    return tie_verdict({"incoming": hidden, "outgoing": outgoing}, [[0, 1]]).held


def weights_and_gradients_at(recording, record):
    """{name: (weight, gradient)} for w1..w6 at one record."""
    weights = six_weights({layer: recording.units(layer, record) for layer in ("hidden", "out")})
    grads = six_weights({layer: recording.gradients(layer, record) for layer in ("hidden", "out")})
    return {name: (float(weights[name]), float(grads[name])) for name in WEIGHT_NAMES}
