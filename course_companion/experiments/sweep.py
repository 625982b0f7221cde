"""``sweep``: many seeds per scheme in one graph. Does a random start always separate the units?

``run_sweep`` trains ``seeds`` seeds of each scheme as replicas of one model
(``training.train_seeds``); ``sweep_rows`` says per scheme how often every
unit separated, and ``alignment_rows`` matches each seed's L1 units to its
scheme's first seed (``analysis.match_units``): did other seeds learn the
same units in another order? ``summaries.sweep`` words them (``sweep_markdown``,
the ``summary.md``); ``figures.sweep`` draws the rest.
"""
from dataclasses import dataclass

import numpy as np

from course_companion.analysis import Match, match_units, smallest_distance

__all__ = ["SAME_UNIT", "ReplicaRun", "SweepRow", "AlignmentRow", "run_sweep", "sweep_rows", "allows_flips",
           "alignment_rows"]

SAME_UNIT = 0.99  # a matched similarity at least this counts as "the same unit" in the sweep's words


@dataclass(frozen=True, eq=False)
class ReplicaRun:
    """One replica of a sweep: a scheme trained from one seed (``run_sweep``).

    Attributes:
        scheme: the scheme's name.
        seed: int, the replica's seed.
        recording: its ``Recording``.
    """

    scheme: str
    seed: int
    recording: object


@dataclass(frozen=True)
class SweepRow:
    """One scheme's seeds, summed up (``sweep_rows``).

    Attributes:
        scheme: the scheme's name.
        layers: the hidden layers' names.
        seeds: int, how many seeds ran.
        separated: float, the share of seeds in which every unit of the hidden layers separated (0 to 1).
        smallest_min, smallest_median, smallest_max: the smallest distance between two L1 units at the end, its
            minimum, median and maximum over the seeds.
        accuracy_median: float, the median final accuracy over the seeds (NaN where none was logged).
    """

    scheme: str
    layers: list
    seeds: int
    separated: float
    smallest_min: float
    smallest_median: float
    smallest_max: float
    accuracy_median: float


@dataclass(frozen=True, eq=False)
class AlignmentRow:
    """One seed's units of a layer matched to its scheme's first seed (``alignment_rows``).

    Attributes:
        scheme: the scheme's name.
        seed: int, the seed matched.
        reference: int, the scheme's first seed (matched to).
        match: the ``analysis.Match`` (order, flipped, similarity per unit).
        median, smallest: the matched cosine similarities' median and smallest, at the end.
        start_median, start_smallest: the same matching done on the starting weights (record 0): the similarity that
            matching alone finds between two random starts.
    """

    scheme: str
    seed: int
    reference: int
    match: Match
    median: float
    smallest: float
    start_median: float
    start_smallest: float


def run_sweep(schemes, seeds, X, y, epochs=20, every="epoch", batch_size=32, data="", progress=True, first_seed=0,
              **settings):
    """Train ``seeds`` seeds of each scheme as replicas of one model: ``training.train_seeds``.

    Returns:
        a ``ReplicaRun`` per replica: the schemes in order, each one's seeds from ``first_seed``.
    """
    from course_companion.training import train_seeds

    results = train_seeds(schemes, seeds, X, y, epochs=epochs, every=every, batch_size=batch_size, data=data,
                          progress=progress, first_seed=first_seed, **settings)
    return [ReplicaRun(r["scheme"], r["seed"], r["recording"]) for r in results]  # training.train_seeds gives dicts


def sweep_rows(results):
    """A ``SweepRow`` per scheme of ``run_sweep``'s results: seeds, share of seeds in which every unit of the hidden layers separated,
    smallest L1 distance at the end (min, median, max over seeds), median final accuracy."""
    rows = []
    for scheme in dict.fromkeys(r.scheme for r in results):
        mine = [r.recording for r in results if r.scheme == scheme]
        layers = mine[0].hidden_layers
        smallest = np.array([smallest_distance(rec.distances(layers[0], record=-1)) for rec in mine])
        separated = [all(smallest_distance(rec.distances(l, record=-1)) > 0 for l in layers) for rec in mine]
        accuracy = np.array([rec.log("accuracy")[-1] for rec in mine])
        rows.append(SweepRow(
            scheme=scheme,
            layers=layers,
            seeds=len(mine),
            separated=float(np.mean(separated)),
            smallest_min=float(smallest.min()),
            smallest_median=float(np.median(smallest)),
            smallest_max=float(smallest.max()),
            accuracy_median=float(np.nanmedian(accuracy)) if np.any(~np.isnan(accuracy)) else float("nan"),
        ))
    return rows


def allows_flips(metadata):
    """Whether the units of a recording (its ``metadata``) may match sign-flipped: sigmoid units can (weights
    (-w, -b) give 1 - a, which the next layer absorbs); ReLU units cannot. No activation recorded: sigmoid."""
    return metadata.get("activation", "sigmoid") == "sigmoid"


def alignment_rows(results, layer="L1"):
    """Each seed's units of ``layer`` matched to its scheme's first seed (``analysis.match_units``).

    Returns:
        an ``AlignmentRow`` per seed after the first of each scheme.
    """
    rows = []
    for scheme in dict.fromkeys(r.scheme for r in results):
        mine = [r for r in results if r.scheme == scheme]
        reference = mine[0].recording
        flips = allows_flips(reference.metadata)
        for other in mine[1:]:
            match = match_units(reference.units(layer, record=-1), other.recording.units(layer, record=-1),
                                allow_flips=flips)
            start = match_units(reference.units(layer, record=0), other.recording.units(layer, record=0),
                                allow_flips=flips)
            rows.append(AlignmentRow(scheme=scheme, seed=other.seed, reference=mine[0].seed, match=match,
                                     median=float(np.median(match.similarity)), smallest=float(match.similarity.min()),
                                     start_median=float(np.median(start.similarity)),
                                     start_smallest=float(start.similarity.min())))
    return rows
