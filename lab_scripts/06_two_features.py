"""Lab 6: two features, do the units still end up different?

The forum's learner asked two more questions: in a 2-feature "soup bowl"
problem, would the units still end up with different weights, and wouldn't
different random starts converge to the same optimal weights anyway? This lab
answers both on the course's own Week 1 coffee-roasting model (2 inputs,
temperature and duration; 3 sigmoid units; 1 sigmoid output). You will see
what each unit detects under a constant, a random and a mirrored start, what
identical units cost in accuracy, and whether several random seeds learn the
same three units, once the units are matched up (their order, and the sign
flip a sigmoid unit allows).
"""
# %% [markdown]
# ## Setup
# `--quick` (or `COURSE_COMPANION_QUICK=1`) trains 2 epochs only, for tests;
# the numbers printed below are then those of a barely trained model.

# %%
from course_companion.labs import lab_setup, show

lab = lab_setup("06", epochs=24, quick_epochs=2)

import numpy as np

from course_companion.analysis import distinct_units
from course_companion.data import load_dataset
from course_companion.experiments import run_compare
from course_companion.experiments.sweep import SAME_UNIT, alignment_rows, run_sweep
from course_companion.figures import aligned_units_figure, unit_maps_figure

coffee = load_dataset("coffee")
print(coffee.description)
print("model: 2 inputs -> L1", coffee.layer_sizes[0], "sigmoid units -> 1 output; Adam", coffee.learning_rate,
      "; batches of", coffee.batch_size, "; mirrored ties:", coffee.ties)

# %% [markdown]
# ## Three starts on the same data
# `constant`: every weight 0. `random`: the course's random start.
# `mirrored`: random, but L1 units 0 and 1 start as exact copies (incoming
# weights, bias and outgoing weight). The three models train side by side as
# replicas of one Keras model, each with its own weights and Adam state.

# %%
recordings = run_compare(["constant", "random", "mirrored"], coffee.X, coffee.y, epochs=lab.epochs, seed=lab.seed,
                         batch_size=coffee.batch_size, replicas=True, **coffee.model_settings)
accuracy = {}
for scheme, rec in recordings.items():
    accuracy[scheme] = rec.log("accuracy")[-1]
    print(f"{scheme:9} final accuracy {accuracy[scheme]:.3f}, distinct L1 units at the end: "
          f"{distinct_units(rec.units('L1', -1))} of 3")

# %% [markdown]
# ## What each unit detects
# Each map is one L1 unit's output over temperature and duration (white 0,
# blue 1); crosses are good roasts, circles bad ones, the dashed triangle the
# true good-roast region. The last map of a row is the whole model's output.
# Identical units draw identical maps.

# %%
show(unit_maps_figure(recordings), lab.out / "unit_maps.png")
cost = accuracy["random"] - accuracy["constant"]
verdict = ("identical units cost accuracy here" if cost > 0 else
           "identical units cost nothing in accuracy in this run (train longer: --epochs)" if cost == 0 else
           "identical units did better in this run, so far (train longer: --epochs)")
print(f"Accuracy {accuracy['constant']:.3f} (constant, identical units) against {accuracy['random']:.3f} "
      f"(random), {cost:+.3f}: {verdict}; tying two of the three units: {accuracy['mirrored']:.3f}.")

# %% [markdown]
# ## Several random seeds: the same units in another order?
# Each seed's L1 units are matched one to one to seed `lab.seed`'s (the
# matching with the largest total cosine similarity; a unit may match
# sign-flipped, because a sigmoid unit with weights (-w, -b) outputs 1 - a and
# the next layer can absorb that). Similarity 1 means the same unit.

# %%
seeds = 3 if lab.quick else 6
results = run_sweep(["random"], seeds, coffee.X, coffee.y, epochs=lab.epochs, batch_size=coffee.batch_size,
                    first_seed=lab.seed, **coffee.model_settings)
aligned = alignment_rows(results)
for row in aligned:
    m = row.match
    print(f"seed {row.seed}: its units {m.order.tolist()} match seed {row.reference}'s units [0, 1, 2]; "
          f"flipped {m.flipped.tolist()}; similarity {np.round(m.similarity, 3).tolist()}")
show(aligned_units_figure(results, aligned, "random", seeds=min(seeds, 4)), lab.out / "aligned_units.png")

# %% [markdown]
# ## The learner's two questions, answered by this run

# %%
same = sum(row.smallest >= SAME_UNIT for row in aligned)
print(f"1. With 2 features, do the units end up different? Under a random start: "
      f"{distinct_units(recordings['random'].units('L1', -1))} different units of 3. Units that start equal "
      f"(constant; mirrored's units 0 and 1) end equal: {distinct_units(recordings['constant'].units('L1', -1))} "
      f"and {distinct_units(recordings['mirrored'].units('L1', -1))} distinct units.")
print(f"2. Do different random starts converge to the same weights? In {same} of {len(aligned)} seeds every unit "
      f"matched one of the first seed's units with cosine similarity >= {SAME_UNIT}, once order and sign flips are "
      "allowed for.")
if same:
    print("   Those starts found the same units in another order: the same solution at another point of weight "
          "space, since reordering (or flipping) units does not change what the model computes. So the loss has "
          "many equally low points, not one bowl.")
final = {r.seed: r.recording.log("accuracy")[-1] for r in results}
for row in aligned:
    if row.smallest < SAME_UNIT:
        print(f"   Seed {row.seed} did not match (least alike unit {row.smallest:.3f}); its final accuracy "
              f"{final[row.seed]:.3f} against {final[row.reference]:.3f} for seed {row.reference}.")

# %% [markdown]
# ## What this lab used
# `course_companion.data.load_dataset`, `course_companion.experiments.run_compare`
# (with `replicas=True`), `course_companion.analysis.distinct_units`,
# `course_companion.figures.unit_maps_figure`, `course_companion.experiments.run_sweep`,
# `course_companion.experiments.alignment_rows` (which uses `course_companion.analysis.match_units`),
# `course_companion.figures.aligned_units_figure`.
