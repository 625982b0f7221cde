"""Lab 2: mirrored neurons stay mirrored, unless only half the tie is made.

Start the course model from random weights, but make chosen units exact
copies of each other: L1 units 0 and 1, L1 units 2, 3 and 4, and L2 units 0
and 1. You will see those units stay exactly equal through training while
every other unit separates. Then tie only their incoming weights
(``incoming-only``) and watch the tie break: the different outgoing weights
give the copies different gradients. Last, tie two units of a model that has
already trained, and keep training.
"""
# %% [markdown]
# ## Setup

# %%
from course_companion.labs import lab_setup, show

lab = lab_setup("02")

import numpy as np  # noqa: E402

from course_companion.compare import group_spread, run_compare  # noqa: E402
from course_companion.data import load_digits01  # noqa: E402
from course_companion.distances import tied_groups, unit_weights  # noqa: E402
from course_companion.models import DEFAULT_TIES, build_model, tie_units  # noqa: E402
from course_companion.plots import plot_distance_matrix  # noqa: E402

X, y = load_digits01()
print("tied groups per layer (0 = L1):", DEFAULT_TIES)

# %% [markdown]
# ## Fully tied (`mirrored`) against incoming-only ties
# A full tie needs three things equal: incoming weights, bias, and the
# outgoing weights (the tied units' rows in the next layer's kernel).

# %%
recordings = run_compare(["mirrored", "incoming-only"], X, y, epochs=lab.epochs, seed=lab.seed)
for scheme, rec in recordings.items():
    for index, groups in DEFAULT_TIES.items():
        layer = f"L{index + 1}"
        spread = [group_spread(units, groups) for units in rec.units(layer)]
        print(f"{scheme:14} {layer}: largest difference inside a group, start {spread[0]:.3g}, end {spread[-1]:.3g}")

# %% [markdown]
# On the CPU the `mirrored` groups stay at exactly 0: same inputs, same
# weights, same outgoing weights, so the same gradient at every step. The
# `incoming-only` groups start at 0 and move apart.

# %%
mirrored_end = recordings["mirrored"].units("L1")[-1]
print("L1 groups of identical units after training (mirrored):", tied_groups(mirrored_end))

# %% [markdown]
# ## The distance heatmaps
# Outlined cells are pairs of units at distance exactly 0.

# %%
from matplotlib.figure import Figure  # noqa: E402

fig = Figure(figsize=(7.2, 3.2), layout="constrained")
for ax, (scheme, rec) in zip(fig.subplots(1, 2), recordings.items()):
    plot_distance_matrix(rec, layer="L1", ax=ax)
    ax.set_title(f"{scheme}: L1 at the end", fontsize=9)
show(fig, lab.out / "heatmaps_L1.png")

# %% [markdown]
# ## Tie units of a model that has already trained
# `tie_units` copies unit 0's incoming weights, bias and outgoing weights onto
# units 1 and 2, and resets Adam's moments (old moments would pull the copies
# apart again). Then training goes on.

# %%
model = build_model("random", seed=lab.seed)
model.fit(X, y, epochs=lab.epochs, verbose=0)
tie_units(model, "L1", [[0, 1, 2]])
model.fit(X, y, epochs=lab.epochs, verbose=0)
units = unit_weights(model.get_layer("L1"))
print("units 0, 1, 2 still identical after more training:",
      bool(np.array_equal(units[0], units[1]) and np.array_equal(units[0], units[2])))

# %% [markdown]
# ## What this lab used
# `course_companion.compare.run_compare`, `course_companion.compare.group_spread`,
# `course_companion.models.DEFAULT_TIES`, `build_model`, `tie_units`,
# `course_companion.distances.tied_groups`, `unit_weights`,
# `course_companion.plots.plot_distance_matrix`.
