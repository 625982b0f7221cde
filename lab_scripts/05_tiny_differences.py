"""Lab 5: does a tiny difference between two units grow or shrink?

A learner asked: if two units differ by only 1e-6 at the start, does training
pull them apart or push them together (is the loss a "soup bowl" that brings
everything to the same bottom)? The ``perturbed`` scheme ties units like
``mirrored`` and then adds noise of 1e-6 to every weight. This lab measures
the gap inside each tied group over training, on the course model with the
digits and on the course's 3-1 coffee model with its 2 features, and reports
what the run shows.
"""
# %% [markdown]
# ## Setup

# %%
from course_companion.labs import lab_setup, show

lab = lab_setup("05", epochs=20, quick_epochs=2)

import keras

from course_companion.compare import run_compare
from course_companion.data import load_digits01, standardized_coffee_data
from course_companion.distances import tie_gap
from course_companion.models import DEFAULT_TIES, PERTURBED_JITTER, build_model
from course_companion.recorder import UnitRecorder

print("noise added to every weight:", PERTURBED_JITTER)


def verdict(gaps):
    ratio = gaps[-1] / gaps[0]
    word = "grew" if ratio > 1 else "shrank" if ratio < 1 else "stayed the same"
    return f"{word}: {gaps[0]:.3g} -> {gaps[-1]:.3g} (x{ratio:.3g})"


# %% [markdown]
# ## The course model on the digits
# The tie gap is the largest weight difference inside the L1 groups
# (units 0 and 1; units 2, 3 and 4), recorded every epoch.

# %%
X, y = load_digits01()
rec = run_compare(["perturbed"], X, y, epochs=lab.epochs, seed=lab.seed)["perturbed"]
digits_gaps = tie_gap(rec.units("L1"), DEFAULT_TIES[0])  # one per record
print("digits, L1 tie gap", verdict(digits_gaps))

# %% [markdown]
# ## The coffee model: 2 features, 3 units, 1 output
# The same question on the Week 1 model, L1 units 0 and 1 almost tied.

# %%
Xc, yc = standardized_coffee_data()
keras.utils.set_random_seed(lab.seed)
coffee = build_model("perturbed", seed=lab.seed, ties={0: [[0, 1]]}, input_dim=2, units=(3, 1), learning_rate=0.01)
recorder = UnitRecorder()
coffee.fit(Xc, yc, epochs=lab.epochs * 5, batch_size=32, verbose=0, callbacks=[recorder])
coffee_gaps = tie_gap(recorder.recording.units("L1"), [[0, 1]])
print("coffee, L1 tie gap", verdict(coffee_gaps))

# %% [markdown]
# ## The gaps over training
# On a log axis; what the run shows is the answer, whichever way it went.

# %%
from matplotlib.figure import Figure

fig = Figure(figsize=(7.2, 3.2), layout="constrained")
ax = fig.add_subplot()
ax.plot(rec.epochs, digits_gaps, label="digits, course model, L1 groups")
ax.plot(recorder.recording.epochs, coffee_gaps, label="coffee, 3-1 model, L1 units 0 and 1")
ax.set_yscale("log")
ax.set(xlabel="epochs", ylabel="tie gap (largest weight difference in a group)", title="Tiny differences between tied units over training")
ax.legend(fontsize=8)
show(fig, lab.out / "tiny_differences.png")

# %% [markdown]
# ## What this lab used
# `course_companion.models.build_model` (scheme `perturbed`, `PERTURBED_JITTER`),
# `course_companion.compare.run_compare`, `course_companion.distances.tie_gap`,
# `course_companion.recorder.UnitRecorder`, `course_companion.data.standardized_coffee_data`.
