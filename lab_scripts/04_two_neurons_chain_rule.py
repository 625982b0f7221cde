"""Lab 4: the forum answer, in numbers: the chain rule on a two-neuron network.

Two inputs (coffee roasting: temperature and duration), two sigmoid units,
one sigmoid output, no biases: six weights. ``w1, w2`` go from x1, x2 into
unit 1; ``w3, w4`` into unit 2; ``w5, w6`` from the units to the output. You
will see dJ/dw1 differ from dJ/dw3 because w5 and w6 differ, and dJ/dw1
differ from dJ/dw2 because x1 and x2 differ. Then tie w5 = w6, w1 = w3 and
w2 = w4, and watch w1 = w3 and w2 = w4 hold before and after training.
"""
# %% [markdown]
# ## Setup

# %%
from course_companion.labs import lab_setup, show

lab = lab_setup("04")

import numpy as np

from course_companion.data import standardized_coffee_data
from course_companion.experiments.explain import explain_table, run_explain, weights_and_gradients_at
from course_companion.figures import plot_two_neuron_weights

# %% [markdown]
# ## Train the network untied and tied, recording weights and gradients
# Gradients are taken on the whole (standardized) coffee data at every record.

# %%
recordings = run_explain(epochs=lab.epochs, seed=lab.seed)
print(explain_table(recordings))

# %% [markdown]
# ## The chain rule by hand, untied, at step 0
# For unit 1: dJ/dw1 = mean over examples of (p - y) * w5 * a1 (1 - a1) * x1.
# For unit 2 the same with w6 and a2. Compare with what the recorder saw.

# %%
X, y = standardized_coffee_data()
step0 = weights_and_gradients_at(recordings["untied"], 0)
w = {k: v[0] for k, v in step0.items()}
g = {k: v[1] for k, v in step0.items()}


def sig(z):
    return 1 / (1 + np.exp(-z))


a1 = sig(w["w1"] * X[:, 0] + w["w2"] * X[:, 1])
a2 = sig(w["w3"] * X[:, 0] + w["w4"] * X[:, 1])
p = sig(w["w5"] * a1 + w["w6"] * a2)
delta = (p - y[:, 0]) / len(X)  # dJ/dz at the output, per example
by_hand = {
    "w1": np.sum(delta * w["w5"] * a1 * (1 - a1) * X[:, 0]),
    "w2": np.sum(delta * w["w5"] * a1 * (1 - a1) * X[:, 1]),
    "w3": np.sum(delta * w["w6"] * a2 * (1 - a2) * X[:, 0]),
}
for name, value in by_hand.items():
    print(f"dJ/d{name}: by hand {value:+.6e}, recorded {g[name]:+.6e}")
print("dJ/dw1 != dJ/dw3 (w5 != w6):", g["w1"] != g["w3"], "| dJ/dw1 != dJ/dw2 (x1 != x2):", g["w1"] != g["w2"])

# %% [markdown]
# ## Tied: equal gradients, so equal weights, at every record

# %%
tied = recordings["tied"]
h = tied.units("hidden")
print("w1 = w3 at every record:", bool(np.array_equal(h[:, 0, 0], h[:, 1, 0])))
print("w2 = w4 at every record:", bool(np.array_equal(h[:, 0, 1], h[:, 1, 1])))
show(plot_two_neuron_weights(recordings), lab.out / "two_neurons.png")

# %% [markdown]
# ## What this lab used
# `course_companion.experiments.explain.run_explain`, `weights_and_gradients_at`,
# `explain_table`, `course_companion.data.standardized_coffee_data`,
# `Recording.units`, `course_companion.figures.plot_two_neuron_weights`.
