"""The words of each command's result: its Markdown tables, its sentences chosen from the numbers, its ``summary.md``.

One module per command, as ``figures`` holds one per command's pictures:
``compare``, ``explain``, ``sweep``, ``landscape``, ``gaps``, ``breakers``.
Each reads the typed result and the thresholds of its ``experiments``
module and writes no file (``report`` does); importing this package loads no
Keras.
"""
from course_companion.summaries.breakers import breakers_finding, breakers_markdown, breakers_rows, condition_findings
from course_companion.summaries.compare import answer_finding, compare_table, summary_markdown, tie_check
from course_companion.summaries.explain import explain_table
from course_companion.summaries.gaps import gaps_finding, gaps_markdown
from course_companion.summaries.landscape import landscape_finding, landscape_markdown, rise_in_words
from course_companion.summaries.sweep import alignment_finding, alignment_table, sweep_markdown, sweep_table

__all__ = ["breakers_finding", "breakers_markdown", "breakers_rows", "condition_findings", "answer_finding",
           "compare_table", "summary_markdown", "tie_check", "explain_table", "gaps_finding", "gaps_markdown",
           "landscape_finding", "landscape_markdown", "rise_in_words", "alignment_finding", "alignment_table",
           "sweep_markdown", "sweep_table"]
