"""``landscape``'s words: a middle's rise, the finding of each data set's paths, and ``summary.md``."""
import numpy as np

from course_companion.experiments.landscape import (ROUNDING_MARGIN, end_loss, end_rounding, landscape_verdict,
                                                    middle_rise, middles)
from course_companion.tables import header_line, table

__all__ = ["rise_in_words", "landscape_finding", "landscape_markdown"]

# What each verdict (``experiments.landscape_verdict``) says; the low ridge and the flat valley give their size.
_VERDICT_WORDS = {
    "ridge": ("A ridge at least as high as the loss itself separates the copies of this network: starts on either side "
              "can settle in different copies, with different units."),
    "valley": "No ridge here: the copies are joined by a valley at least as low as the ends.",
    "low ridge": ("A low ridge ({share:.0%} of the loss at most) separates the copies: making two units equal costs "
                  "something, but not much."),
    "flat valley": ("The largest bump is {share:.1%} of the loss: the copies are joined by a nearly flat valley, and "
                    "making two units equal costs little."),
}


def rise_in_words(rise, end):
    """A middle's rise in words that keep its size: "138x the ends" for a ridge, "+8.79%" for a bump.

    Examples:
        >>> rise_in_words(2.31, 0.0169), rise_in_words(0.00219, 0.0249), rise_in_words(-2.77e-5, 0.0249)
        ('138x the ends', '+8.8%', '-0.111%')
    """
    return f"{1 + rise / end:.3g}x the ends" if abs(rise) >= end else f"{100 * rise / end:+.3g}%"


def landscape_finding(result):
    """What one data set's paths show (a ``LandscapeResult``), in one sentence chosen from the numbers, whichever
    way they went."""
    rise, kinds, end = middle_rise(result), middles(result), end_loss(result)
    counts = {v: int((kinds == v).sum()) for v in ("higher", "level", "lower")}
    text = (f"{result.name}: of {len(rise)} pairs, the middle (units i and j equal) was higher than the ends for "
            f"{counts['higher']}, level for {counts['level']} and lower for {counts['lower']}; the highest "
            f"{rise_in_words(rise.max(), end)}, the lowest {rise_in_words(rise.min(), end)}. ")
    return text + _VERDICT_WORDS[landscape_verdict(result)].format(share=rise.max() / end)


def landscape_markdown(results, meta):
    """The landscape's ``summary.md``: per data set, the end and middle loss of every path walked."""
    lines = ["# Is the loss a soup bowl?", "",
             header_line(meta, "Each data set's model trained from a random start, then the loss walked along the straight "
                         "line from the network to its copy with two L1 units swapped (the same function)."), "",
             f"The two ends of a path are the same function, so their losses differ only by float32's rounding; a middle "
             f"counts as higher or lower than the ends only by more than {ROUNDING_MARGIN} times the largest such "
             f"difference (and float32's step at that loss), and as level otherwise.", ""]
    for result in results:
        rise, kinds, end = middle_rise(result), middles(result), end_loss(result)
        lines += [f"## {result.name}", "",
                  f"Data: {result.data}. Random start, seed {result.seed}, {result.epochs} epochs, final accuracy "
                  f"{result.accuracy:.3f}. Pairs: {len(result.paths)} of the {result.pairs_of} pairs of L1 units"
                  + (" (drawn at random with the seed)." if len(result.paths) < result.pairs_of else " (all)."), "",
                  f"End loss {end:.3g}; rounding seen between the ends {end_rounding(result):.2g}. Middle minus ends: "
                  f"min {rise.min():.3g}, median {np.median(rise):.3g}, max {rise.max():.3g}.", "",
                  landscape_finding(result), "",
                  table(["units i, j", "loss at the ends (alpha 0 / 1)", "loss in the middle", "middle minus ends",
                         "middle"],
                        [[f"{i}, {j}", f"{losses[0]:.6g} / {losses[-1]:.6g}", f"{losses[result.middle]:.6g}", f"{r:+.3g}", k]
                         for (i, j, losses), r, k in zip(result.paths, rise, kinds)], markdown=True), ""]
    return "\n".join(lines)
