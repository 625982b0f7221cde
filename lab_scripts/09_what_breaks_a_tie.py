"""Lab 9: What breaks a tie? The learner's three conditions, one at a time.

The forum question: *"If the same input matrix X is being passed into each of
the 25 units, given they're all using the same activation function (sigmoid),
wouldn't they all evaluate the same output? ... I'm assuming that one of these
three conditions is not true."* Same inputs, same starting weights, same
activation. Here each is made false on its own, from 25 tied units, with real
training; so are things that might seem to matter (shuffling, batch size, the
optimizer, float64, BatchNormalization). You will see which changes part the
units and which leave them exactly equal, and, on Week 2's model, a tie that
came apart with nothing in the model to break it.
"""
# %% [markdown]
# ## Setup
# `--quick` (or `COURSE_COMPANION_QUICK=1`) trains 2 epochs only, for tests;
# the accuracies printed below are then those of a barely trained model.

# %%
from course_companion.labs import lab_setup, show

lab = lab_setup("09", epochs=None, quick_epochs=2)

import dataclasses

from course_companion.data import load_dataset
from course_companion.devices import run_metadata
from course_companion.experiments.breakers import EPOCHS, run_breakers
from course_companion.figures.breakers import plot_breakers
from course_companion.summaries.breakers import HEADER, breakers_finding, breakers_rows, condition_findings, unit_span
from course_companion.tables import table

digits = load_dataset("digits")  # the learner's model: 25 sigmoid units in L1, the 0s and 1s
epochs = lab.epochs or EPOCHS[digits.model.name]
print(f"{digits.description}; {epochs} epochs; L1 has {digits.layer_sizes[0]} units")

# %% [markdown]
# ## Every change, from 25 tied units
# The tie is the same in every row: all 25 units of L1, **held** when their
# incoming weights, biases and outgoing weights are exactly equal after
# training (`assert_tied`), **broke** otherwise. The start is every weight 0,
# except in the rows that change the start. Changes that share the training
# settings train side by side in one model.

# %%
results = run_breakers(digits, epochs=epochs, seed=lab.seed)
print(table(HEADER[:6] + HEADER[8:10], [row[:6] + row[8:10] for row in breakers_rows(results)]))

# %% [markdown]
# ## The learner's three conditions
# Read each line against the guess: if a condition is false, do the units
# part? The first row of the table (nothing changed) is all three true.

# %%
for line in condition_findings(results):
    print(line)
none = next(r for r in results if r.change.name == "none")
print(f"All three true (nothing changed): the tie {'held' if none.held else 'broke'}, "
      f"{none.distinct} distinct unit{'s' if none.distinct != 1 else ''}, accuracy {none.accuracy:.3f}.")
for line in breakers_finding(results)[2:]:
    print(line)
show(plot_breakers(results, run_metadata()), lab.out / "breakers.png")

# %% [markdown]
# ## A tie that came apart by itself: Week 2's model
# A few changes on Week 2's model (ReLU, ten digits; every weight 0.05 at the
# start), one epoch each: a tie that breaks shows it in the first epoch.
# Nothing in these models treats unit 24 differently from unit 0, yet a CPU
# kernel may: TensorFlow's CPU kernels work on 8 float32 values at a time and
# finish a row of 25 with one value done alone, which can round differently
# (`python scripts/tie_rounding.py` tests the operations one by one). If that
# is the cause, a layer of 24 units (three groups of 8) keeps its tie and a
# layer of 33 parts unit 32 from the rest. The lines say which units stayed
# equal on the backend this lab runs on (another backend, such as JAX with
# `KERAS_BACKEND=jax`, compiles its own kernels and may round otherwise).

# %%
week2 = load_dataset("digits", model="multiclass")
for units in (24, 25, 33):
    sized = dataclasses.replace(week2, model=dataclasses.replace(week2.model, layer_sizes=(units, 15, 10)))
    for r in run_breakers(sized, ["none", "batchnorm", "rmsprop", "float64"], epochs=1, seed=lab.seed, progress=False):
        groups = " | ".join(unit_span(g) for g in r.groups) or "none"
        print(f"L1 of {units}: {r.change.name:9} tie {'held' if r.held else 'broke'}; units equal to each "
              f"other after epoch 1: {groups}; full tie gap {r.gaps[1]:.3g}")

# %% [markdown]
# ## Does a rounding difference grow?
# The 25 units with BatchNormalization again, trained longer: the full tie gap
# after the first epoch and at the end, and the relative full tie gap (the gap
# over the largest weight: float32 resolves about 1.2e-7 of it).

# %%
for r in run_breakers(week2, ["batchnorm"], epochs=lab.epochs or EPOCHS[week2.model.name], seed=lab.seed):
    first, end = r.gaps[1:]
    if r.held:
        print(f"BatchNormalization after L1, {r.epochs} epochs: the tie held exactly here; nothing to grow.")
    else:
        growth = f" ({end / first:.3g}x)" if first > 0 else ""
        print(f"BatchNormalization after L1, {r.epochs} epochs: full tie gap {first:.3g} after epoch 1, {end:.3g} at the "
              f"end{growth}; relative full tie gap at the end {r.relative:.3g}; "
              f"{'by rounding only' if r.rounding else 'more than rounding'}; accuracy {r.accuracy:.3f}")

# %% [markdown]
# ## What this lab used
# `course_companion.experiments.breakers.run_breakers` (and its `CHANGES`),
# `course_companion.summaries.breakers.condition_findings`, `breakers_finding`,
# `course_companion.figures.breakers.plot_breakers`,
# `course_companion.models.branches` (the changed models side by side),
# `course_companion.testing.assert_tied`. The command line:
# `python -m course_companion breakers`.
