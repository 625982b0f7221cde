"""``explain``'s words: the table of the six weights and their gradients that the command prints."""
from course_companion.experiments.explain import WEIGHT_NAMES, weights_and_gradients_at
from course_companion.tables import table

__all__ = ["explain_table"]


def explain_table(recordings):
    """The six weights and their gradients at step 0 and at the end, per setup: ``{setup: Recording}`` (``run_explain``)."""
    heads, columns = ["weight"], []
    for label, rec in recordings.items():
        for record, when in ((0, "step 0"), (-1, f"step {rec.steps[-1]}")):
            values = weights_and_gradients_at(rec, record)
            heads += [f"{label} {when}", f"dJ/dw ({label}, {when})"]
            columns.append([f"{values[n][0]:+.6f}" for n in WEIGHT_NAMES])
            columns.append([f"{values[n][1]:+.3e}" for n in WEIGHT_NAMES])
    return table(heads, [[n] + [c[i] for c in columns] for i, n in enumerate(WEIGHT_NAMES)])
