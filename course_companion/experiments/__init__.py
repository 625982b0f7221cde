"""One module per command: it runs, computes the numbers, holds the thresholds that judge them, and writes the summary text.

``compare``, ``explain``, ``sweep``, ``landscape``, ``gaps``, ``breakers``. Each trains
through ``training`` (imported when a run starts, so that reading a
threshold or a summary loads no Keras); ``figures`` draws what they computed
and ``report`` writes the files.
"""
from course_companion.experiments.breakers import breakers_markdown, run_breakers
from course_companion.experiments.compare import run_compare, summary_markdown
from course_companion.experiments.explain import explain_table, run_explain
from course_companion.experiments.gaps import gaps_finding, gaps_markdown, run_gaps
from course_companion.experiments.landscape import landscape_markdown, run_landscape, swap_path
from course_companion.experiments.sweep import alignment_rows, run_sweep, sweep_markdown, sweep_rows, sweep_table

__all__ = ["breakers_markdown", "run_breakers", "run_compare", "summary_markdown", "explain_table", "run_explain", "gaps_finding", "gaps_markdown", "run_gaps",
           "landscape_markdown", "run_landscape", "swap_path", "alignment_rows", "run_sweep", "sweep_markdown", "sweep_rows",
           "sweep_table"]
