"""Lab 2: mirrored neurons stay mirrored, unless only half the tie is made.

Start the course model from random weights, but make chosen units exact
copies of each other: L1 units 0 and 1, L1 units 2, 3 and 4, and L2 units 0
and 1. You will see those units stay exactly equal through training while
every other unit separates. Then tie only their incoming weights
(``incoming-only``) and watch the tie break: the different outgoing weights
give the copies different gradients. Last, tie three units of a model that
has already trained, and keep training.
"""
# %% [markdown]
# ## Setup

# %%
from course_companion.labs import lab_setup, show

lab = lab_setup("02")

from course_companion.analysis import identical_groups, tie_gap
from course_companion.data import load_digits01
from course_companion.experiments import run_compare
from course_companion.figures import plot_distance_matrix
from course_companion.models import build_model, tie_units
from course_companion.schemes import DEFAULT_TIES
from course_companion.testing import assert_tied

X, y = load_digits01()
print("tied groups per layer (0 = L1):", DEFAULT_TIES)

# %% [markdown]
# ## Fully tied (`mirrored`) against incoming-only ties
# A full tie needs three things equal: incoming weights, bias, and the
# outgoing weights (the tied units' rows in the next layer's kernel).
# The **tie gap** of a group is the largest weight difference inside it.

# %%
recordings = run_compare(["mirrored", "incoming-only"], X, y, epochs=lab.epochs, seed=lab.seed)
for scheme, rec in recordings.items():
    for index, groups in DEFAULT_TIES.items():
        gaps = tie_gap(rec.units(index), groups)  # one per record
        print(f"{scheme:14} L{index + 1}: tie gap at the start {gaps[0]:.3g}, at the end {gaps[-1]:.3g}")

# %% [markdown]
# `assert_tied` checks every record of a recording and says, if a tie broke,
# which two units, which weight and when. It is what our tests use, and yours
# can too. Here we print what it finds for each scheme, whichever way it goes.

# %%
for scheme, rec in recordings.items():
    try:
        assert_tied(rec, "L1", DEFAULT_TIES[0])
        print(f"{scheme}: the L1 groups are tied at every record")
    except AssertionError as broken:
        print(f"{scheme}: {broken}")
mirrored_end = recordings["mirrored"].units("L1")[-1]
print("L1 groups of identical units after training (mirrored):", identical_groups(mirrored_end))

# %% [markdown]
# ## The distance heatmaps
# Outlined cells are pairs of units at distance exactly 0.

# %%
from matplotlib.figure import Figure

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
try:
    assert_tied(model, "L1", [[0, 1, 2]])  # incoming weights, biases and outgoing weights
    print("units 0, 1, 2 still tied after more training")
except AssertionError as broken:
    print(broken)

# %% [markdown]
# ## What this lab used
# `course_companion.experiments.run_compare`, `course_companion.analysis.tie_gap`,
# `course_companion.testing.assert_tied`, `course_companion.schemes.DEFAULT_TIES`,
# `course_companion.models.build_model`, `tie_units`, `course_companion.analysis.identical_groups`,
# `course_companion.figures.plot_distance_matrix`.
