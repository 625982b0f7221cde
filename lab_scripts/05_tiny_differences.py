"""Lab 5: how big must a difference between two units be to break their tie?

Tied units stay tied: equal weights get equal gradients. But what if two
units differ by only a little at the start: does training pull them apart or
push them back together? This lab starts the same model many times at once,
each copy with its tied units nudged apart by noise of a different size (the
jitter), from 1e-8 to 1e-1, and follows the difference between them every
epoch, on the coffee model (2 features, 3 units) and on the course's digits
model. Near a tie the difference can shrink (the tie attracts), stay (it is
neutral) or grow about exponentially (each factor of 10 smaller then costs
about the same number of extra epochs). The run shows which, for each model,
with the course's optimizer, Adam.
"""
# %% [markdown]
# ## Setup
# `--quick` trains 2 epochs, for tests. The runs use float64: float32 keeps only
# about 7 significant digits, so a gap of 1e-8 on weights of size 0.1 would be
# rounding there, not a difference.

# %%
from course_companion.labs import lab_setup, show

lab = lab_setup("05", epochs=None, quick_epochs=2)

import numpy as np

from course_companion.data import load_dataset
from course_companion.experiments.gaps import FLOAT32_RESOLUTION, GAP_EPOCHS, GROWTH, JITTERS, THRESHOLD, run_gaps
from course_companion.figures.gaps import plot_gap_curves, plot_separation_epochs
from course_companion.summaries.gaps import gaps_finding

print("jitters (noise sizes), one copy each:", [f"{g:.0e}" for g in JITTERS])
print("epochs per data set (unless --epochs or --quick):", GAP_EPOCHS)

# %% [markdown]
# ## One run per model, all jitters side by side
# Three gaps are followed inside the tied groups: the tie gap (the largest
# weight difference), the relative tie gap (over the largest weight) and the
# output gap: the largest difference between the tied units' outputs on the
# training data, what "the units differ" means. The verdicts read the output
# gap, which weights from always-0 pixels (they never get a gradient) cannot move.

# %%
results = [run_gaps(load_dataset(name), "adam", epochs=lab.epochs, seed=lab.seed) for name in ("coffee", "digits")]

# %% [markdown]
# ## The output gaps over training
# Dashed: outputs a tenth apart, where we say the units have separated.
# Dotted red: what float32 could still show.

# %%
show(plot_gap_curves(results), lab.out / "gaps.png")
show(plot_separation_epochs(results), lab.out / "separation.png")

# %% [markdown]
# ## What this run shows

# %%
for result in results:
    print(gaps_finding(result))
    start, end = result.tie_gap[:, 0], result.tie_gap[:, -1]
    rel = result.relative[:, -1] / result.relative[:, 0]
    print(f"   {result.name}: the tie gap ended {np.min(end / start):.2g} to {np.max(end / start):.2g} times where it "
          f"started, the relative tie gap {rel.min():.2g} to {rel.max():.2g} times; "
          f"{len(result.silent)} of the {result.inputs} inputs are 0 in every example.")
print(f"(Outputs {THRESHOLD:g} apart count as separated; grew or shrank means by {GROWTH:g}x or more; "
      f"float32's resolution is {FLOAT32_RESOLUTION:.1e}.)")

# %% [markdown]
# ## What this lab used
# `course_companion.experiments.gaps.run_gaps` (replicas of one model, `models.build_replicas`,
# in float64, the `perturbed` scheme with its jitter as a parameter), `course_companion.summaries.gaps.gaps_finding`,
# `course_companion.figures.gaps.plot_gap_curves`, `plot_separation_epochs`. The command line runs the same with
# plain SGD too: `python -m course_companion gaps`.
