"""Lab 3: how the distance curves and heatmaps are computed, and how to read them.

A recording holds, for every record, each unit's weights: its incoming
weights followed by its bias. You will compute the distance between two units
by hand, check it against ``pairwise_distances``, see the full units x units
matrix for one record, and then the summary that the curves draw per record:
smallest, median and largest distance between two different units.
"""
# %% [markdown]
# ## Setup

# %%
from course_companion.labs import lab_setup, show

lab = lab_setup("03")

import numpy as np

from course_companion.analysis import pairwise_distances, spread_over_records
from course_companion.data import load_digits01
from course_companion.experiments import run_compare
from course_companion.figures import plot_distance_matrix, plot_distances

X, y = load_digits01()
recordings = run_compare(["random", "mirrored"], X, y, epochs=lab.epochs, seed=lab.seed)
rec = recordings["random"]
print("records:", len(rec), "steps:", rec.steps.tolist())

# %% [markdown]
# ## One distance by hand
# Units 0 and 1 of L1 at the last record: the square root of the sum of the
# squared differences of their 401 weights.

# %%
w = rec.units("L1")[-1]  # (25 units, 400 weights + 1 bias)
by_hand = np.sqrt(np.sum((w[0].astype(np.float64) - w[1]) ** 2))
matrix = pairwise_distances(w)
print(f"by hand {by_hand:.6f}, pairwise_distances {matrix[0, 1]:.6f}")

# %% [markdown]
# ## The matrix for one record, per layer
# Row i, column j: the distance between units i and j. The diagonal is 0 (a
# unit against itself). The start and the end of a layer share one colour
# scale, so a distance that grew looks brighter.

# %%
from matplotlib.figure import Figure

fig = Figure(figsize=(7.2, 5.6), layout="constrained")
axes = fig.subplots(2, 2)
for row, layer in zip(axes, ("L1", "L2")):
    top = max(float(rec.distances(layer, record=r).max()) for r in (0, -1))  # one colour scale for start and end
    plot_distance_matrix(rec, layer=layer, record=0, ax=row[0], vmax=top)
    plot_distance_matrix(rec, layer=layer, record=-1, ax=row[1], vmax=top)
show(fig, lab.out / "matrices_random.png")

# %% [markdown]
# ## From matrices to curves
# Each curve point summarizes one matrix: the off-diagonal entries' minimum,
# median and maximum. For `mirrored`, a minimum of exactly 0 at every record
# would mean its tied units stayed exactly equal: read it below.

# %%
for scheme, r in recordings.items():
    lo, med, hi = spread_over_records(r.distances("L1"))
    print(f"{scheme:9} L1 min {lo[0]:.3g} -> {lo[-1]:.3g}, median {med[0]:.3g} -> {med[-1]:.3g}, max {hi[0]:.3g} -> {hi[-1]:.3g}")

fig = Figure(figsize=(7.2, 5.6), layout="constrained")
for ax, layer in zip(fig.subplots(2, 1), ("L1", "L2")):
    plot_distances(recordings, layer=layer, ax=ax)
show(fig, lab.out / "distances.png")

# %% [markdown]
# ## Cosine distance
# Cosine distance ignores how long the weight vectors are and compares only
# their directions: 0 for the same direction, 1 for perpendicular, 2 for
# opposite directions.

# %%
cos = rec.distances("L1", metric="cosine")[-1]
print(f"random, L1 at the end: cosine distance between units 0 and 1 = {cos[0, 1]:.4f}")

# %% [markdown]
# ## What this lab used
# `course_companion.experiments.run_compare`, `Recording.units`, `Recording.distances`,
# `course_companion.analysis.pairwise_distances`, `spread_over_records`,
# `course_companion.figures.plot_distance_matrix`, `plot_distances`.
