"""``sweep``'s words: the table per scheme, how alike the seeds' matched units are, and ``summary.md``."""
import numpy as np

from course_companion.experiments.sweep import SAME_UNIT, allows_flips
from course_companion.tables import header_line, number, table

__all__ = ["sweep_table", "alignment_table", "alignment_finding", "sweep_markdown"]


def sweep_table(rows):
    """``sweep``'s rows (``SweepRow``s from ``experiments.sweep_rows``) as a Markdown table."""
    layers = " and ".join(rows[0].layers) if rows else "L1"
    heads = ["scheme", "seeds", f"seeds in which every {layers} unit separated",
             "smallest L1 distance at the end (min / median / max over seeds)", "median final accuracy"]
    cells = [[r.scheme, str(r.seeds), f"{r.separated:.0%}",
              " / ".join(number(getattr(r, k)) for k in ("smallest_min", "smallest_median", "smallest_max")),
              f"{r.accuracy_median:.3f}"] for r in rows]
    return table(heads, cells, markdown=True)


def alignment_table(aligned):
    """Per scheme, how alike the seeds' matched L1 units are (``AlignmentRow``s from ``experiments.alignment_rows``), as
    Markdown."""
    heads = ["scheme", "seeds matched to the first", "at the start: median / least alike unit (median over seeds)",
             "median similarity per seed (min / median / max)",
             "least alike unit per seed (min / median / max)", f"seeds with every unit at >= {SAME_UNIT}",
             "flipped matches"]
    cells = []
    for scheme in dict.fromkeys(r.scheme for r in aligned):
        mine = [r for r in aligned if r.scheme == scheme]
        spread = [" / ".join(f"{f([getattr(r, key) for r in mine]):.3f}" for f in (min, np.median, max)) for key in ("median", "smallest")]
        same = sum(r.smallest >= SAME_UNIT for r in mine)
        flips = sum(int(r.match.flipped.sum()) for r in mine)
        start = " / ".join(f"{np.median([getattr(r, key) for r in mine]):.3f}" for key in ("start_median", "start_smallest"))
        cells.append([scheme, str(len(mine)), start, *spread, f"{same} of {len(mine)}", str(flips)])
    return table(heads, cells, markdown=True)


def alignment_finding(aligned):
    """One plain sentence per scheme on what the matching shows, whichever way it went."""
    lines = []
    for scheme in dict.fromkeys(r.scheme for r in aligned):
        mine = [r for r in aligned if r.scheme == scheme]
        same = sum(r.smallest >= SAME_UNIT for r in mine)
        worst = np.median([r.smallest for r in mine])
        verdict = ("the same units, up to order and sign" if same == len(mine) else
                   "not the same units" if same == 0 else "the same units in some seeds, not in others")
        lines.append(f"- {scheme}: in {same} of {len(mine)} seeds every L1 unit matched a unit of seed "
                     f"{mine[0].reference} with cosine similarity >= {SAME_UNIT}; the least alike unit of the "
                     f"median seed has {worst:.3f}. In words: {verdict}.")
    return "\n".join(lines)


def sweep_markdown(rows, meta, epochs, seeds, data, aligned=()):
    """The sweep's ``summary.md``; ``seeds`` is the range of seeds each scheme ran."""
    flips = allows_flips(meta)
    data_line = (f"Data: {data}. Epochs: {epochs}. Seeds {seeds[0]} to {seeds[-1]} of each scheme, "
                 "trained side by side as replicas of one model.")
    lines = [
        "# Does a random start always separate the units?",
        "",
        header_line(meta, data_line),
        "",
        sweep_table(rows),
        "",
        "Distances are euclidean, between units' weights (incoming weights and bias) at the end; 0 means exactly equal.",
        "Accuracy is on the training data: Keras's running accuracy over the last epoch's batches, as `fit` logs it.",
        "",
    ]
    if aligned:
        lines += [
            "## Do different seeds learn the same units, in another order?",
            "",
            "Each seed's L1 units, at the end, matched one to one to those of its scheme's first seed (the",
            *(["matching with the largest total cosine similarity; a sigmoid unit may match sign-flipped, since",
               "weights (-w, -b) give 1 - a, which the next layer absorbs). Similarity 1 means the same unit."]
              if flips else
              ["matching with the largest total cosine similarity; ReLU units match without sign flips, which they",
               "do not have, and a ReLU unit scaled by c > 0 with its outgoing weights scaled by 1/c computes the same",
               "function: cosine similarity ignores that scale). Similarity 1 means the same unit."]),
            "\"At the start\" is the same matching on the starting weights: what matching finds between two starts.",
            "",
            alignment_table(aligned),
            "",
            alignment_finding(aligned),
            "",
        ]
    return "\n".join(lines)
