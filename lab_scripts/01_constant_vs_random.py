"""Lab 1: constant versus random starts.

Train the course's 25-15-1 sigmoid model twice on handwritten 0s and 1s: once
with every weight starting at the same value (``constant``), once with the
course's random start (``random``). You will see the 25 units of the first
layer stay exactly identical under the constant start, so the layer works like
a single unit, while under the random start every unit ends up different.
"""
# %% [markdown]
# ## Setup
# Imports, seed and device. `--quick` (or `COURSE_COMPANION_QUICK=1`) trains
# for 2 epochs only; everything this lab writes goes into `lab_output/01/`.

# %%
from course_companion.labs import lab_setup, show

lab = lab_setup("01")

from course_companion.analysis import distinct_units, spread_over_records
from course_companion.data import load_digits01
from course_companion.experiments import run_compare
from course_companion.figures import plot_distances, plot_unit_images

# %% [markdown]
# ## Train both schemes, recording every unit
# `run_compare` builds the course model under each scheme, trains it with
# `model.fit` (Adam, batch 32) and records each unit's weights every epoch.

# %%
X, y = load_digits01()
recordings = run_compare(["constant", "random"], X, y, epochs=lab.epochs, seed=lab.seed)

# %% [markdown]
# ## How many different units are there, and did training bring any closer?
# A unit's weights are its 400 incoming weights and its bias. Count the
# distinct ones in L1 at the start and at the end of training, and follow the
# two closest units: if training pulled units together, they would come closer.

# %%
for scheme, rec in recordings.items():
    first, last = rec.units("L1")[0], rec.units("L1")[-1]
    lo, _, _ = spread_over_records(rec.distances("L1"))
    moved = "came closer" if lo[-1] < lo[0] else "moved apart" if lo[-1] > lo[0] else "stayed exactly as far apart"
    print(f"{scheme:9} L1 distinct units: start {distinct_units(first)}, end {distinct_units(last)}; "
          f"the two closest units {lo[0]:.3g} apart at the start, {lo[-1]:.3g} at the end: they {moved}")

# %% [markdown]
# ## Distances over training
# The smallest, median and largest distance between two L1 units at each
# epoch. A line on the "exactly 0" row means every pair of units is still identical.

# %%
from matplotlib.figure import Figure

fig = Figure(figsize=(7.2, 3.4), layout="constrained")
plot_distances(recordings, layer="L1", ax=fig.add_subplot())
show(fig, lab.out / "distances_L1.png")

# %% [markdown]
# ## What each unit responds to
# Each panel is one L1 unit's incoming weights, drawn as a 20x20 image (red
# positive, blue negative). Identical units draw identical tiles; count how
# many different pictures each start ends with.

# %%
for scheme, rec in recordings.items():
    show(plot_unit_images(rec, layer="L1", title=f"{scheme}: L1 units after training"), lab.out / f"units_{scheme}.png")

# %% [markdown]
# ## What this lab used
# `course_companion.data.load_digits01`, `course_companion.experiments.run_compare`,
# `course_companion.analysis.distinct_units`, `spread_over_records`, `Recording.units`, `Recording.distances`,
# `course_companion.figures.plot_distances`, `course_companion.figures.plot_unit_images`.
