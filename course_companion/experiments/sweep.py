"""``sweep``: many seeds per scheme in one graph. Does a random start always separate the units?

``run_sweep`` trains ``seeds`` seeds of each scheme as replicas of one model
(``training.train_seeds``); ``sweep_rows`` says per scheme how often every
unit separated, and ``alignment_rows`` matches each seed's L1 units to its
scheme's first seed (``analysis.match_units``): did other seeds learn the
same units in another order? ``sweep_markdown`` is the ``summary.md``;
``figures.sweep`` draws the rest.
"""
import numpy as np

from course_companion.analysis import match_units, smallest_distance
from course_companion.tables import header_line, number, table

__all__ = ["SAME_UNIT", "run_sweep", "sweep_rows", "allows_flips", "alignment_rows", "sweep_table", "alignment_table",
           "alignment_finding", "sweep_markdown"]

SAME_UNIT = 0.99  # a matched similarity at least this counts as "the same unit" in the sweep's words


def run_sweep(schemes, seeds, X, y, epochs=20, every="epoch", batch_size=32, data="", progress=True, first_seed=0,
              **settings):
    """Train ``seeds`` seeds of each scheme as replicas of one model: ``training.train_seeds``.

    Returns:
        list of dicts ``{"scheme", "seed", "recording"}``, one per replica.
    """
    from course_companion.training import train_seeds

    return train_seeds(schemes, seeds, X, y, epochs=epochs, every=every, batch_size=batch_size, data=data,
                       progress=progress, first_seed=first_seed, **settings)


def sweep_rows(results):
    """Per scheme: seeds, share of seeds in which every unit of the hidden layers separated,
    smallest L1 distance at the end (min, median, max over seeds), median final accuracy."""
    rows = []
    for scheme in dict.fromkeys(r["scheme"] for r in results):
        mine = [r["recording"] for r in results if r["scheme"] == scheme]
        layers = mine[0].hidden_layers
        smallest = np.array([smallest_distance(rec.distances(layers[0], record=-1)) for rec in mine])
        separated = [all(smallest_distance(rec.distances(l, record=-1)) > 0 for l in layers) for rec in mine]
        accuracy = np.array([rec.log("accuracy")[-1] for rec in mine])
        rows.append({
            "scheme": scheme,
            "layers": layers,
            "seeds": len(mine),
            "separated": float(np.mean(separated)),
            "smallest_min": float(smallest.min()),
            "smallest_median": float(np.median(smallest)),
            "smallest_max": float(smallest.max()),
            "accuracy_median": float(np.nanmedian(accuracy)) if np.any(~np.isnan(accuracy)) else float("nan"),
        })
    return rows


def allows_flips(metadata):
    """Whether the units of a recording (its ``metadata``) may match sign-flipped: sigmoid units can (weights
    (-w, -b) give 1 - a, which the next layer absorbs); ReLU units cannot. No activation recorded: sigmoid."""
    return metadata.get("activation", "sigmoid") == "sigmoid"


def alignment_rows(results, layer="L1"):
    """Each seed's units of ``layer`` matched to its scheme's first seed (``analysis.match_units``).

    Returns:
        one dict per seed after the first of each scheme: ``scheme``, ``seed``,
        ``reference`` (the first seed), ``match`` (an ``analysis.Match``), the
        matched cosine similarities' ``median`` and ``smallest``, and
        ``start_median`` and ``start_smallest``: the same matching done on
        the starting weights (record 0), the similarity that matching alone
        finds between two random starts.
    """
    rows = []
    for scheme in dict.fromkeys(r["scheme"] for r in results):
        mine = [r for r in results if r["scheme"] == scheme]
        reference = mine[0]["recording"]
        flips = allows_flips(reference.metadata)
        for other in mine[1:]:
            match = match_units(reference.units(layer, record=-1), other["recording"].units(layer, record=-1),
                                allow_flips=flips)
            start = match_units(reference.units(layer, record=0), other["recording"].units(layer, record=0),
                                allow_flips=flips)
            rows.append({"scheme": scheme, "seed": other["seed"], "reference": mine[0]["seed"], "match": match,
                         "median": float(np.median(match.similarity)), "smallest": float(match.similarity.min()),
                         "start_median": float(np.median(start.similarity)), "start_smallest": float(start.similarity.min())})
    return rows


# -- summary.md --------------------------------------------------------------
def sweep_table(rows):
    """``sweep``'s rows (``sweep_rows``) as a Markdown table."""
    layers = " and ".join(rows[0]["layers"]) if rows else "L1"
    heads = ["scheme", "seeds", f"seeds in which every {layers} unit separated",
             "smallest L1 distance at the end (min / median / max over seeds)", "median final accuracy"]
    cells = [[r["scheme"], str(r["seeds"]), f"{r['separated']:.0%}",
              " / ".join(number(r[k]) for k in ("smallest_min", "smallest_median", "smallest_max")),
              f"{r['accuracy_median']:.3f}"] for r in rows]
    return table(heads, cells, markdown=True)


def alignment_table(aligned):
    """Per scheme, how alike the seeds' matched L1 units are (``alignment_rows``), as Markdown."""
    heads = ["scheme", "seeds matched to the first", "at the start: median / least alike unit (median over seeds)",
             "median similarity per seed (min / median / max)",
             "least alike unit per seed (min / median / max)", f"seeds with every unit at >= {SAME_UNIT}",
             "flipped matches"]
    cells = []
    for scheme in dict.fromkeys(r["scheme"] for r in aligned):
        mine = [r for r in aligned if r["scheme"] == scheme]
        spread = [" / ".join(f"{f([r[key] for r in mine]):.3f}" for f in (min, np.median, max)) for key in ("median", "smallest")]
        same = sum(r["smallest"] >= SAME_UNIT for r in mine)
        flips = sum(int(r["match"].flipped.sum()) for r in mine)
        start = " / ".join(f"{np.median([r[key] for r in mine]):.3f}" for key in ("start_median", "start_smallest"))
        cells.append([scheme, str(len(mine)), start, *spread, f"{same} of {len(mine)}", str(flips)])
    return table(heads, cells, markdown=True)


def alignment_finding(aligned):
    """One plain sentence per scheme on what the matching shows, whichever way it went."""
    lines = []
    for scheme in dict.fromkeys(r["scheme"] for r in aligned):
        mine = [r for r in aligned if r["scheme"] == scheme]
        same = sum(r["smallest"] >= SAME_UNIT for r in mine)
        worst = np.median([r["smallest"] for r in mine])
        verdict = ("the same units, up to order and sign" if same == len(mine) else
                   "not the same units" if same == 0 else "the same units in some seeds, not in others")
        lines.append(f"- {scheme}: in {same} of {len(mine)} seeds every L1 unit matched a unit of seed "
                     f"{mine[0]['reference']} with cosine similarity >= {SAME_UNIT}; the least alike unit of the "
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
        "Accuracy is on the training data, evaluated at the end of the last epoch.",
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
