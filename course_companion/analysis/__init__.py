"""NumPy only: how far apart units are (``distances``), the one tie verdict (``tie``), what tied units compute
(``outputs``), which units of two runs match (``align``)."""
from course_companion.analysis.align import Match, match_units
from course_companion.analysis.outputs import ACTIVATIONS, output_gap, silent_inputs, unit_outputs
from course_companion.analysis.distances import (
    FLOAT32_RESOLUTION,
    METRICS,
    cosine_similarities,
    distinct_from_distances,
    distinct_units,
    groups_from_distances,
    identical_groups,
    off_diagonal,
    pairwise_distances,
    relative_tie_gap,
    smallest_distance,
    spread_over_records,
    tie_gap,
)
from course_companion.analysis.tie import PARTS, TieVerdict, full_tie_gap, tie_verdict

__all__ = ["Match", "match_units", "ACTIVATIONS", "output_gap", "silent_inputs", "unit_outputs", "FLOAT32_RESOLUTION", "METRICS", "cosine_similarities", "distinct_from_distances", "distinct_units",
           "groups_from_distances", "identical_groups", "off_diagonal", "pairwise_distances", "relative_tie_gap",
           "smallest_distance", "spread_over_records", "tie_gap", "PARTS", "TieVerdict", "full_tie_gap", "tie_verdict"]
