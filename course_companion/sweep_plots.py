"""Figures of a sweep: many seeds per scheme, trained as replicas.

No training here: every function reads the ``{"scheme", "seed", "recording"}``
results of ``sweep.run_sweep`` and the rows computed from them.
"""
import numpy as np
from matplotlib.figure import Figure

from course_companion.distances import smallest_distance
from course_companion.plots import MAX_WIDTH, add_footer, floor_for_zero, zero_row

__all__ = ["plot_sweep"]


def plot_sweep(results, rows):
    """Many seeds per scheme: how close the two closest L1 units end, and how often all separate.

    Args:
        results: list of ``{"scheme", "seed", "recording"}`` (``sweep.run_sweep``).
        rows: ``sweep.sweep_rows(results)``.

    Returns:
        the Figure: left, one dot per seed at its smallest L1 distance after
        training (the "exactly 0" row for seeds whose units stayed tied);
        right, the share of seeds in which every L1 and L2 unit separated.
    """
    schemes = [r["scheme"] for r in rows]
    smallest = {s: [] for s in schemes}
    for result in results:
        smallest[result["scheme"]].append(smallest_distance(result["recording"].distances("L1", record=-1)))
    fig = Figure(figsize=(MAX_WIDTH, 3.4), layout="constrained")
    ax, ax_share = fig.subplots(1, 2, width_ratios=[1.6, 1])
    floor = floor_for_zero([np.asarray(v) for v in smallest.values()])
    rng = np.random.default_rng(0)  # horizontal jitter only, so dots do not hide each other
    for i, scheme in enumerate(schemes):
        values = np.asarray(smallest[scheme])
        ax.plot(i + rng.uniform(-0.2, 0.2, len(values)), np.where(values > 0, values, floor), "o", ms=3, alpha=0.7)
    zero_row(ax, floor)
    ax.set_xticks(range(len(schemes)), schemes)
    ax.set_ylabel("smallest distance between two L1 units")
    ax.set_title("Closest two L1 units after training, a dot per seed", fontsize=9)
    shares = [r["separated"] * 100 for r in rows]
    ax_share.bar(range(len(schemes)), shares, color=[f"C{i}" for i in range(len(schemes))])
    ax_share.set_xticks(range(len(schemes)), schemes)
    ax_share.set(ylim=(0, 105), ylabel="% of seeds")
    ax_share.set_title("Every L1 and L2 unit separated", fontsize=9)
    seeds = rows[0]["seeds"] if rows else 0
    shares_text = ", ".join(f"{r['scheme']} {r['separated']:.0%}" for r in rows)
    fig.suptitle(f"Does every unit end up different? Share of {seeds} seeds per scheme:\n{shares_text}", fontsize=10)
    add_footer(fig, [r["recording"] for r in results])
    return fig
