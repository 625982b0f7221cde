"""One module per command: it runs, computes the numbers and returns a typed result, with the thresholds that judge it.

``compare``, ``explain``, ``sweep``, ``landscape``, ``gaps``, ``breakers``. Each trains
through ``training`` (imported when a run starts, so that reading a
threshold or a result loads no Keras); ``summaries`` words what they
computed, ``figures`` draws it and ``report`` writes the files.
"""
from course_companion.experiments.breakers import ChangeResult, run_breakers
from course_companion.experiments.compare import Baseline, SummaryRow, run_compare
from course_companion.experiments.explain import run_explain
from course_companion.experiments.gaps import GapsResult, run_gaps
from course_companion.experiments.landscape import LandscapeResult, run_landscape, swap_path
from course_companion.experiments.sweep import AlignmentRow, ReplicaRun, SweepRow, alignment_rows, run_sweep, sweep_rows

__all__ = ["ChangeResult", "run_breakers", "Baseline", "SummaryRow", "run_compare", "run_explain", "GapsResult",
           "run_gaps", "LandscapeResult", "run_landscape", "swap_path", "AlignmentRow", "ReplicaRun", "SweepRow",
           "alignment_rows", "run_sweep", "sweep_rows"]
