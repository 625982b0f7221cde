"""``gaps``' words: the finding of each run in one sentence, and ``summary.md`` with every jitter's gaps."""
import numpy as np

from course_companion.experiments.gaps import FLOAT32_RESOLUTION, GROWTH, THRESHOLD
from course_companion.tables import header_line, number, table

__all__ = ["gaps_finding", "gaps_markdown"]


def gaps_finding(result):
    """What one run shows, in one plain sentence, whichever way it went: the output gaps' verdicts, then the rest."""
    below = result.started_below
    counts = {v: result.verdict.count(v) for v in ("grew", "shrank", "stayed")}
    run = f"{result.name} with {result.optimizer} ({result.epochs[-1]:g} epochs)"
    apart = int((~below).sum())
    skipped = f" ({apart} larger jitter{'s' if apart > 1 else ''} started that far apart already)" if apart else ""
    text = (f"{run}: of the {int(below.sum())} jitters whose tied units' outputs started less than {THRESHOLD:g} apart, "
            f"the output gap grew {GROWTH:g}x or more in {counts['grew']}, shrank {GROWTH:g}x or more in "
            f"{counts['shrank']} and stayed within {GROWTH:g}x in {counts['stayed']}{skipped}")
    if result.separated:
        text += f"; {result.separated} reached {THRESHOLD:g}"
        if np.isfinite(result.slope):
            text += f", each factor of 10 smaller costing about {result.slope:.2g} more epochs"
    stayed = [k for k, v in enumerate(result.verdict) if v == "stayed"]
    if stayed:
        ratio = result.output[stayed, -1] / result.output[stayed, 0]
        text += f"; those that stayed ended at {ratio.min():.2g} to {ratio.max():.2g} times where they started"
    return text + "."


def _spread(curve):
    """A gap's curve as start / lowest / end."""
    return " / ".join(number(v) for v in (curve[0], curve.min(), curve[-1]))


def gaps_markdown(results, meta):
    """The tie-gap run's ``summary.md``: per data set and optimizer, every jitter's three gaps and verdict."""
    lines = ["# How big must a difference be to break a tie?", "",
             header_line(meta, "Each replica starts tied (the `perturbed` scheme: the data set's tied groups, then normal "
                         "noise, the jitter, on every weight) and is followed every epoch."), "",
             "Three gaps inside the L1 groups, each given as start / lowest / end. The **tie gap** is the largest weight "
             "difference; *over inputs that vary* leaves out the weights from inputs that are 0 in every training row "
             "(they never get a gradient and keep their jitter). The **relative tie gap** divides the tie gap by the "
             "largest weight in the groups (which grows as the model trains). The **output gap** is the largest "
             "difference between two tied units' outputs on the training rows: what \"the units differ\" means.",
             "",
             f"The verdict reads the output gap: *grew* when it ended at least {GROWTH:g} times where it started, "
             f"*shrank* when at most 1/{GROWTH:g}, *stayed* otherwise; an output gap of {THRESHOLD:g} counts as separated. "
             f"These runs used {results[0].dtype if results else 'float64'} (float32 resolves about "
             f"{FLOAT32_RESOLUTION:.1e} of a value's size).", ""]
    lines += [f"- {gaps_finding(r)}" for r in results] + [""]
    for r in results:
        silent = len(r.silent)
        lines += [f"## {r.name}, {r.optimizer} (learning rate {r.learning_rate:g})", "",
                  f"Data: {r.data}. Seed {r.seed}. "
                  + (f"{silent} of the {r.inputs} inputs are 0 in every training row." if silent else
                     f"Every one of the {r.inputs} inputs varies."), "",
                  table(["jitter", "tie gap", "over inputs that vary", "relative tie gap", "output gap",
                         f"epoch the output gap reached {THRESHOLD:g}", "verdict", "final accuracy"],
                        [[f"{j:.0e}", _spread(t), _spread(lt), _spread(rel), _spread(o),
                          ("started there" if not b else "-") if np.isnan(e) else f"{e:.1f}", v, f"{a:.3f}"]
                         for j, t, lt, rel, o, e, v, a, b in zip(r.jitters, r.tie_gap, r.live_tie_gap,
                                                                 r.relative, r.output, r.reached, r.verdict,
                                                                 r.accuracy, r.started_below)],
                        markdown=True), ""]
    return "\n".join(lines)
