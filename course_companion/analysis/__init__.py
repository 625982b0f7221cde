"""NumPy only: how far apart units are (``distances``) and which units of two runs match (``align``)."""
from course_companion.analysis.align import Match, match_units
from course_companion.analysis.distances import (
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

__all__ = ["Match", "match_units", "METRICS", "cosine_similarities", "distinct_from_distances", "distinct_units",
           "groups_from_distances", "identical_groups", "off_diagonal", "pairwise_distances", "relative_tie_gap",
           "smallest_distance", "spread_over_records", "tie_gap"]
