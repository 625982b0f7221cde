"""Lab 7: is the loss a soup bowl?

The learner pictured the loss as a soup bowl: one lowest point that every
start rolls down to. Here is a test of that picture. Swap two units of a
trained layer (their incoming weights, biases and outgoing weights): the
network computes exactly the same function, so the loss is the same, at a
different point in weight space. Walk the straight line between the two
points. Halfway, the two units are equal. If the loss is higher there than at
the ends, the loss cannot be one convex bowl. You will walk that line on the
2-feature coffee model and on the course's digits model, and see what each
shows.
"""
# %% [markdown]
# ## Setup
# `--quick` trains 2 epochs and walks fewer points, for tests.

# %%
from course_companion.labs import lab_setup, show

lab = lab_setup("07", epochs=None, quick_epochs=2)

from course_companion.data import load_dataset
from course_companion.experiments.landscape import run_landscape
from course_companion.figures.landscape import plot_swap_paths
from course_companion.summaries.landscape import landscape_finding

points = 7 if lab.quick else 21
pairs = 5 if lab.quick else 30

# %% [markdown]
# ## Train, then walk the swap path of pairs of L1 units
# Each data set's model trains from a random start (`lab.epochs` epochs, or
# the data set's own default). For the coffee model all 3 pairs of L1 units
# are walked; for the digits model's 25 units, `pairs` pairs drawn at random.

# %%
results = []
for name in ("coffee", "digits"):
    data = load_dataset(name)
    results.append(run_landscape(data, seed=lab.seed, pairs=pairs, points=points, epochs=lab.epochs))

# %% [markdown]
# ## The loss along the paths
# Left and right ends: the same network (units i and j swapped). Middle: the
# network with units i and j equal.

# %%
show(plot_swap_paths(results), lab.out / "swap_paths.png")

# %% [markdown]
# ## What this run shows

# %%
for result in results:
    print(landscape_finding(result))
print("Either way the lowest points come in copies, one per order of the units (the two ends of every path are "
      "the same network), so the loss is not one bowl with one lowest point.")

# %% [markdown]
# ## What this lab used
# `course_companion.data.load_dataset`, `course_companion.experiments.landscape.run_landscape`
# (which trains with `training.train_scheme` and walks `swap_path`), `course_companion.summaries.landscape.landscape_finding`,
# `course_companion.figures.landscape.plot_swap_paths`.
