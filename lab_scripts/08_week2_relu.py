"""Lab 8: Week 2: ten digits and ReLU. What do identical units cost here?

Week 2's practice lab trains ``Input(400) -> Dense(25, relu) -> Dense(15,
relu) -> Dense(10, linear)`` with a softmax cross-entropy on all ten digits.
You will see that a start with every weight 0 learns nothing in its hidden
layers (every weight's gradient is exactly 0; only the output biases can
move), how identical units compare with random ones and with a model that has
no hidden layer at all, and what each L1 unit looks at once trained.
"""
# %% [markdown]
# ## Setup
# `--quick` (or `COURSE_COMPANION_QUICK=1`) trains 2 epochs only, for tests;
# the numbers printed below are then those of a barely trained model.

# %%
from course_companion.labs import lab_setup, show

lab = lab_setup("08", epochs=40, quick_epochs=2)

import numpy as np

from course_companion.analysis import distinct_units
from course_companion.callbacks import UnitRecorder
from course_companion.data import load_dataset
from course_companion.experiments.compare import run_baseline, run_compare
from course_companion.figures import plot_history, plot_unit_images
from course_companion.schemes import MULTICLASS
from course_companion.training import train_scheme

digits = load_dataset("digits", model="multiclass")
X, y = digits.X, digits.y
print(digits.description, "- examples per digit:", np.bincount(y[:, 0].astype(int)).tolist())
print("model:", " -> ".join(f"Dense({n})" for n in MULTICLASS.layer_sizes), "; hidden", MULTICLASS.activation,
      "; output", MULTICLASS.output_activation, "(logits); loss", MULTICLASS.loss)

# %% [markdown]
# ## A zero start: the gradients at step 0
# Every weight and bias 0. Each hidden unit outputs ReLU(0) = 0, so by the
# chain rule no gradient reaches the hidden weights, nor the output weights
# (their gradient is the unit's output times the error). The output biases'
# gradient is each class's predicted share (0.1) minus its share of the
# examples: 0 on these 500, 50 of each digit (up to rounding), but not on a
# batch of 32, so the biases can drift. Recorded before the first step:

# %%
recorder = UnitRecorder(gradients=True, probe=(X[::10], y[::10]))
train_scheme("constant", X, y, epochs=lab.epochs, seed=lab.seed, callbacks=[recorder], **MULTICLASS.settings)
zero = recorder.recording
for name in zero.layers:
    g = zero.gradients(name, 0)
    print(f"{name}: largest |gradient| of the incoming weights {np.abs(g[:, :-1]).max():.3g}, of the biases "
          f"{np.abs(g[:, -1]).max():.3g}")
moved = {name: float(np.abs(zero.units(name, -1) - zero.units(name, 0)).max()) for name in zero.layers}
frozen = [name for name, m in moved.items() if m == 0]
print(f"After {lab.epochs} epochs the largest change per layer: {moved}; "
      + (f"{', '.join(frozen)} never moved." if frozen else "every layer moved."))

# %% [markdown]
# ## Identical units, random units, no hidden layer
# The same data and training: a constant start (every weight 0), the
# course's random start, a mirrored start (units tied in groups), side by
# side as replicas of one model, and a model with no hidden layer at all
# (softmax regression).

# %%
per_call = digits.steps_per_execution("epoch")  # a whole epoch per call into the graph: much faster here
recordings = run_compare(["constant", "random", "mirrored"], X, y, epochs=lab.epochs, seed=lab.seed,
                         batch_size=digits.batch_size, replicas=digits.replicas, **digits.model_settings)
baseline = run_baseline(X, y, epochs=lab.epochs, seed=lab.seed, batch_size=digits.batch_size,
                        steps_per_execution=per_call, **digits.model_settings)
accuracy = {s: r.last_log("accuracy") for s, r in recordings.items()}
for scheme, rec in recordings.items():
    print(f"{scheme:9} final accuracy {accuracy[scheme]:.3f}, distinct L1 units {distinct_units(rec.units('L1', -1))}")
print(f"no hidden layer: final accuracy {baseline.accuracy:.3f}")
worse = [s for s in recordings if accuracy[s] < baseline.accuracy]
print("Worse than the model with no hidden layer: " + (", ".join(worse) if worse else "none") + ".")
show(plot_history(recordings), lab.out / "history.png")

# %% [markdown]
# ## What each L1 unit looks at
# Each panel is one unit's 400 incoming weights as a 20x20 image (red
# positive, blue negative). A blank tile is a unit whose weights are all still 0.

# %%
for scheme in ("random", "constant"):
    show(plot_unit_images(recordings[scheme], title=f"{scheme}: L1 units after training"), lab.out / f"units_{scheme}.png")

# %% [markdown]
# ## What this lab used
# `course_companion.data.load_dataset("digits", model="multiclass")`, `course_companion.schemes.MULTICLASS`,
# `course_companion.training.train_scheme`, `course_companion.callbacks.UnitRecorder` (gradients on a probe),
# `course_companion.experiments.compare.run_compare`, `run_baseline`,
# `course_companion.figures.plot_history`, `plot_unit_images`. The command line:
# `python -m course_companion compare --model multiclass`.
