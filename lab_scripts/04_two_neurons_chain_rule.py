"""Lab 4: the forum answer, in numbers: the chain rule on a two-neuron network.

Two inputs (coffee roasting: temperature and duration), two sigmoid units,
one sigmoid output, no biases: six weights. ``w1, w2`` go from x1, x2 into
unit 1; ``w3, w4`` into unit 2; ``w5, w6`` from the units to the output. By
the chain rule dJ/dw1 and dJ/dw3 can differ only because w5 and w6 differ or
because the units' outputs a1 and a2 differ. Three starts tell the causes
apart: untied (everything differs), incoming-only (w1 = w3 and w2 = w4, so
a1 = a2, but w5 != w6) and tied (w5 = w6 too). Each check below prints what
the chain rule predicts and what was recorded, so it can fail.
"""
# %% [markdown]
# ## Setup

# %%
from course_companion.labs import lab_setup, show

lab = lab_setup("04")

import numpy as np

from course_companion.data import standardized_coffee_data
from course_companion.experiments.explain import run_explain, weights_and_gradients_at
from course_companion.figures import plot_two_neuron_weights
from course_companion.summaries.explain import explain_table

# %% [markdown]
# ## Train the network from three starts, recording weights and gradients
# The same six random draws; incoming-only copies w1, w2 onto w3, w4, and tied
# also w5 onto w6. Gradients are taken on the whole (standardized) coffee data
# at every record.

# %%
setups = ("untied", "incoming-only", "tied")
recordings = run_explain(epochs=lab.epochs, seed=lab.seed, setups=setups)
print(explain_table({s: recordings[s] for s in ("untied", "tied")}))

# %% [markdown]
# ## The chain rule by hand, at step 0
# For unit 1: dJ/dw1 = mean over examples of (p - y) * w5 * a1 (1 - a1) * x1.
# For unit 2 the same with w6 and a2. Compare with what the recorder saw.

# %%
X, y = standardized_coffee_data()


def sig(z):
    return 1 / (1 + np.exp(-z))


def by_hand(w, X):
    """dJ/dw1, dJ/dw2 and dJ/dw3 from the chain rule, in float64."""
    a1 = sig(w["w1"] * X[:, 0] + w["w2"] * X[:, 1])
    a2 = sig(w["w3"] * X[:, 0] + w["w4"] * X[:, 1])
    delta = (sig(w["w5"] * a1 + w["w6"] * a2) - y[:, 0]) / len(X)  # dJ/dz at the output, per example
    return {"w1": np.sum(delta * w["w5"] * a1 * (1 - a1) * X[:, 0]),
            "w2": np.sum(delta * w["w5"] * a1 * (1 - a1) * X[:, 1]),
            "w3": np.sum(delta * w["w6"] * a2 * (1 - a2) * X[:, 0])}


at0 = {s: weights_and_gradients_at(recordings[s], 0) for s in setups}
weights = {s: {k: v[0] for k, v in at0[s].items()} for s in setups}
grads = {s: {k: v[1] for k, v in at0[s].items()} for s in setups}
for s in setups:
    hand = by_hand(weights[s], X.astype(np.float64))
    worst = max(abs(hand[k] - grads[s][k]) / abs(hand[k]) for k in hand)
    print(f"{s:13s} dJ/dw1 {grads[s]['w1']:+.6e}  dJ/dw3 {grads[s]['w3']:+.6e}  dJ/dw2 {grads[s]['w2']:+.6e}  "
          f"(by hand, largest relative difference {worst:.1e})")

# %% [markdown]
# ## Which difference makes dJ/dw1 and dJ/dw3 differ?
# Incoming-only has a1 = a2 at every example, so the chain rule leaves one
# cause: dJ/dw1 / dJ/dw3 must equal w5 / w6. Tied has w5 = w6 too, so the two
# gradients must be exactly equal. Untied has both causes at once, so it
# cannot say which one acts.

# %%
inc, tied = grads["incoming-only"], grads["tied"]
ratio, predicted = inc["w1"] / inc["w3"], weights["incoming-only"]["w5"] / weights["incoming-only"]["w6"]
print(f"incoming-only: dJ/dw1 / dJ/dw3 = {ratio:.6f}; w5 / w6 = {predicted:.6f}; "
      f"equal to 1e-5: {bool(np.isclose(ratio, predicted, rtol=1e-5))}")
print(f"tied: dJ/dw1 == dJ/dw3 exactly: {tied['w1'] == tied['w3']}; dJ/dw2 == dJ/dw4 exactly: {tied['w2'] == tied['w4']}")

# %% [markdown]
# ## Why do dJ/dw1 and dJ/dw2 differ?
# The same unit, so the same w5 and a1: only the input differs (x1 against x2).
# Give the formula a data set where x2 is a copy of x1 and the two must agree.

# %%
same_x = np.stack([X[:, 0], X[:, 0]], axis=1).astype(np.float64)
copy = by_hand(weights["tied"], same_x)
print(f"tied, the real data: dJ/dw1 - dJ/dw2 = {tied['w1'] - tied['w2']:+.3e}; "
      f"with x2 = x1: {copy['w1'] - copy['w2']:+.3e}")

# %% [markdown]
# ## Over training: which weights stay equal?

# %%
for s in setups:
    h, o = recordings[s].units("hidden"), recordings[s].units("out")
    print(f"{s:13s} w1 = w3 at every record: {bool(np.array_equal(h[:, 0, 0], h[:, 1, 0]))}; "
          f"w5 = w6 at every record: {bool(np.array_equal(o[:, 0, 0], o[:, 0, 1]))}; "
          f"|w1 - w3| at the end {abs(float(h[-1, 0, 0] - h[-1, 1, 0])):.3g}")
show(plot_two_neuron_weights(recordings), lab.out / "two_neurons.png")

# %% [markdown]
# ## What this lab used
# `course_companion.experiments.explain.run_explain`, `weights_and_gradients_at`,
# `course_companion.summaries.explain.explain_table`, `course_companion.data.standardized_coffee_data`,
# `Recording.units`, `course_companion.figures.plot_two_neuron_weights`.
