"""Lab 5: how big must a difference between two units be to break their tie?

Tied units stay tied: equal weights get equal gradients. But what if two
units differ by only a little at the start: does training pull them apart or
push them back together? This lab starts the same model many times at once,
each copy with its tied units nudged apart by noise of a different size, from
1e-8 to 1e-1, and follows the gap between them every epoch, on the coffee
model (2 features, 3 units) and on the course's digits model. Theory says the
gap either shrinks (the tie attracts) or grows about exponentially (each
factor of 10 smaller then costs about the same number of extra epochs). The
run shows which, for each model, with the course's optimizer, Adam.
"""
# %% [markdown]
# ## Setup
# `--quick` trains 2 epochs, for tests. The runs use float64: float32 keeps only
# about 7 significant digits, so a gap of 1e-8 on weights of size 0.1 would be
# rounding there, not a difference.

# %%
from course_companion.labs import lab_setup, show

lab = lab_setup("05", epochs=None, quick_epochs=2)

from course_companion.data import load_dataset
from course_companion.experiments.gaps import FLOAT32_RESOLUTION, GAP_EPOCHS, JITTERS, THRESHOLD, gaps_finding, run_gaps
from course_companion.figures.gaps import plot_gap_curves, plot_separation_epochs

print("jitters (noise sizes), one copy each:", [f"{g:.0e}" for g in JITTERS])
print("epochs per data set (unless --epochs or --quick):", GAP_EPOCHS)

# %% [markdown]
# ## One run per model, all jitters side by side
# The gap is the largest weight difference inside the tied groups, divided by
# the largest weight in them, so models with large and small weights compare.

# %%
results = [run_gaps(load_dataset(name), "adam", epochs=lab.epochs, seed=lab.seed) for name in ("coffee", "digits")]

# %% [markdown]
# ## The gaps over training
# Dashed: a gap of a tenth of the weights' size, where we say the units have
# separated. Dotted red: what float32 could still show.

# %%
show(plot_gap_curves(results), lab.out / "gaps.png")
show(plot_separation_epochs(results), lab.out / "separation.png")

# %% [markdown]
# ## What this run shows

# %%
for result in results:
    print(gaps_finding(result))
print(f"(A gap counts as separated at {THRESHOLD:g} of the weights' size; float32's resolution is {FLOAT32_RESOLUTION:.1e}.)")

# %% [markdown]
# ## What this lab used
# `course_companion.experiments.gaps.run_gaps` (replicas of one model, `models.build_replicas`,
# in float64, the `perturbed` scheme with its jitter as a parameter), `gaps_finding`,
# `course_companion.figures.gaps.plot_gap_curves`, `plot_separation_epochs`. The command line runs the same with
# plain SGD too: `python -m course_companion gaps`.
