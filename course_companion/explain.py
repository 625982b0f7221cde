"""The forum's two-neuron network, in numbers: why tied weights get equal gradients.

2 inputs (the coffee data's temperature and duration, standardized) -> 2
sigmoid units -> 1 sigmoid output, no biases: six weights. ``w1``, ``w2`` go
from x1, x2 into unit 1; ``w3``, ``w4`` from x1, x2 into unit 2; ``w5``, ``w6``
from units 1 and 2 to the output. By the chain rule

    dJ/dw1 = dJ/dz_out * w5 * a1 (1 - a1) * x1,   dJ/dw3 = dJ/dz_out * w6 * a2 (1 - a2) * x1

so dJ/dw1 and dJ/dw3 differ when w5 != w6 (or a1 != a2), and dJ/dw1 and dJ/dw2
differ because x1 and x2 differ. Tie w5 = w6, w1 = w3 and w2 = w4, and the two
units get equal gradients at every step: they stay equal.
"""
import keras
import numpy as np

from course_companion.data import make_coffee_data

__all__ = ["WEIGHT_NAMES", "two_neuron_model", "forum_weights", "coffee_probe", "run_explain", "weights_at", "format_explain"]

WEIGHT_NAMES = ("w1", "w2", "w3", "w4", "w5", "w6")


def forum_weights(tied, seed=0):
    """Six starting weights, seeded; with ``tied`` w3 = w1, w4 = w2 and w6 = w5.

    Returns:
        (hidden kernel (2, 2), output kernel (2, 1)) as float32.
    """
    w = np.random.default_rng(seed).uniform(-1, 1, size=6).astype(np.float32)
    if tied:
        w[2], w[3], w[5] = w[0], w[1], w[4]
    hidden = np.array([[w[0], w[2]], [w[1], w[3]]], dtype=np.float32)  # column u = unit u's incoming
    return hidden, np.array([[w[4]], [w[5]]], dtype=np.float32)


def two_neuron_model(hidden, out, learning_rate=0.05):
    """The compiled two-neuron network with the given kernels (Adam, binary cross-entropy)."""
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


def coffee_probe(n=200, seed=2):
    """The coffee-roasting data, standardized per feature (as the course normalizes it)."""
    X, y = make_coffee_data(n=n, seed=seed)
    return ((X - X.mean(axis=0)) / X.std(axis=0)).astype(np.float32), y


def run_explain(epochs=20, seed=0, every="epoch"):
    """Train the network tied and untied; return {"tied": Recording, "untied": Recording}.

    Gradients are recorded on the whole (standardized) coffee data at each record.
    """
    from course_companion.recorder import UnitRecorder

    X, y = coffee_probe()
    out = {}
    for label in ("tied", "untied"):
        keras.utils.set_random_seed(seed)
        model = two_neuron_model(*forum_weights(label == "tied", seed=seed))
        recorder = UnitRecorder(every=every, gradients=True, probe=(X, y), metadata={"scheme": label, "seed": seed, "data": "coffee roasting, 200 x 2, standardized"})
        model.fit(X, y, epochs=epochs, batch_size=32, verbose=0, callbacks=[recorder])
        out[label] = recorder.recording
    return out


def weights_at(recording, record):
    """{name: (weight, gradient)} for w1..w6 at one record."""
    h, o = recording.units("hidden")[record], recording.units("out")[record]
    gh, go = recording.gradients("hidden")[record], recording.gradients("out")[record]
    values = [h[0, 0], h[0, 1], h[1, 0], h[1, 1], o[0, 0], o[0, 1]]
    grads = [gh[0, 0], gh[0, 1], gh[1, 0], gh[1, 1], go[0, 0], go[0, 1]]
    return {n: (float(v), float(g)) for n, v, g in zip(WEIGHT_NAMES, values, grads)}


def format_explain(recordings):
    """The six weights and their gradients at step 0 and at the end, tied and untied."""
    heads = ["weight"]
    columns = []
    for label, rec in recordings.items():
        for record, when in ((0, "step 0"), (-1, f"step {rec.steps[-1]}")):
            table = weights_at(rec, record)
            heads += [f"{label} {when}", f"dJ/dw ({label}, {when})"]
            columns.append([f"{table[n][0]:+.6f}" for n in WEIGHT_NAMES])
            columns.append([f"{table[n][1]:+.3e}" for n in WEIGHT_NAMES])
    rows = [[n] + [c[i] for c in columns] for i, n in enumerate(WEIGHT_NAMES)]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(heads)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(heads, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)
