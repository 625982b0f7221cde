"""``breakers``' words: the summary table's rows, the findings chosen from the verdicts, and ``summary.md``."""
from course_companion.experiments.breakers import CONDITIONS, ROUNDING, words
from course_companion.tables import header_line, number, table

__all__ = ["HEADER", "breakers_rows", "unit_span", "change_words", "condition_findings", "breakers_finding",
           "breakers_markdown"]

HEADER = ["condition", "change", "data", "tie", "distinct units", "final accuracy", "full tie gap at the start",
          "after epoch 1", "at the end", "relative, at the end", "epochs"]


def breakers_rows(results):
    """The summary table's rows, one per ``ChangeResult`` (``experiments.run_breakers``): condition, change, data,
    tie, distinct units, final accuracy, full tie gaps, epochs (``HEADER``)."""
    rows = []
    for r in results:
        start, first, end = r.gaps
        rows.append([r.change.condition, r.words, r.data, "held" if r.held else "broke", str(r.distinct),
                     f"{r.accuracy:.3f}", number(start), number(first), number(end), number(r.relative),
                     str(r.epochs)])
    return rows


def unit_span(units):
    """Unit indices as ranges: [0, 1, 2, 5] -> "0-2, 5"."""
    out, start = [], None
    for i, u in enumerate(units):
        if start is None:
            start = u
        if i == len(units) - 1 or units[i + 1] != u + 1:
            out.append(f"{start}" if start == u else f"{start}-{u}")
            start = None
    return ", ".join(out)


def _by_change(results):
    """{change name: its results, one per data set}, in the order run."""
    by_change = {}
    for r in results:
        by_change.setdefault(r.change.name, []).append(r)
    return by_change


def change_words(results):
    """Each change's words: a single data set's own ("half of L1 sigmoid"), else words that fit every data set."""
    one_set = len({r.data for r in results}) == 1
    return {r.change.name: r.words if one_set else words(r.change) for r in results}


def condition_findings(results):
    """One sentence per condition of the learner's (inputs, starting weights, activation): which changes broke the
    tie and which kept it, on every data set run."""
    by_change = _by_change(results)
    lines = []
    for condition in CONDITIONS[1:4]:
        names = [n for n, rs in by_change.items() if rs[0].change.condition == condition]
        if not names:
            continue
        held_on = {n: [r.held for r in by_change[n]] for n in names}
        said = change_words(results)
        broke = [said[n] for n in names if not any(held_on[n])]
        held = [said[n] for n in names if all(held_on[n])]
        mixed = [n for n in names if any(held_on[n]) and not all(held_on[n])]
        line = f"Not the same {condition}: "
        line += f"broke the tie: {'; '.join(broke) or 'none'}. Kept it exactly: {'; '.join(held) or 'none'}."
        if mixed:
            line += f" Depends on the data set: {', '.join(mixed)}."
        lines.append(line)
    return lines


def breakers_finding(results):
    """Sentences chosen from the numbers: which changes broke the tie on every data set, which on none, and how the
    others did on each (the units that stayed equal, and how far the others parted)."""
    by_change = _by_change(results)
    always = [n for n, rs in by_change.items() if all(not r.held for r in rs)]
    never = [n for n, rs in by_change.items() if all(r.held for r in rs)]
    some = [n for n in by_change if n not in always and n not in never]
    lines = [f"Broke the tie on every data set here: {', '.join(always) or 'none'}.",
             f"Kept it exactly on every data set: {', '.join(never) or 'none'}."]
    for name in some + [n for n in always if any(r.rounding for r in by_change[n])]:
        parts = []
        for r in by_change[name]:
            if r.held:
                parts.append(f"held on {r.data}")
                continue
            equal = " | ".join(unit_span(g) for g in r.groups)
            first, end = r.gaps[1:]
            size = ("by rounding only" if r.rounding else "by more than rounding")
            parts.append(f"broke on {r.data} {size} ({r.distinct} distinct units"
                         + (f"; units {equal} stayed equal" if equal else "")
                         + f"; full tie gap {number(first)} after epoch 1, {number(end)} at the end, relative "
                         f"{number(r.relative)} in {r.dtype})")
        lines.append(f"{name}: " + "; ".join(parts) + ".")
    return lines


def breakers_markdown(results, meta):
    """``summary.md``: the definition of a tie, one table (a row per change and data set) and the findings."""
    epochs = ", ".join(dict.fromkeys(f"{r.data} {r.epochs}" for r in results
                                     if r.change.training.get("epochs") is None))
    lines = [
        "# What breaks a tie?",
        "",
        header_line(meta, f"Epochs: {epochs} (five times as many in the `epochs-x5` rows)."),
        "",
        "Each row starts from tied units and changes one thing. The tie is the same in every row: all units of L1, "
        "held when their incoming weights, biases, outgoing weights (rows of L2's kernel) and any per-unit values "
        "between (BatchNormalization's gamma, beta, moving mean and variance) are exactly equal after training "
        "(`assert_tied`; exact equality on the CPU); broke otherwise. The full tie gap is the largest difference "
        "between two units of the group over all of these (`compare`'s tie gap counts incoming weights and biases "
        "only); relative: over the largest of those values. The start is every weight equal (0; 0.05 for Week 2's ReLU model, where 0 gives no gradient at "
        "all), except in the rows that change the start. With a per-unit input mask the stored kernel is compared "
        "(masked-out weights keep their start); with two activations in L1 the weights are compared. Accuracy is on "
        "the training data with Dropout and noise off.",
        "",
        table(HEADER, breakers_rows(results), markdown=True),
        "",
        "The learner's three conditions:",
        "",
        *[f"- {line}" for line in condition_findings(results)],
        "",
        f"Row by row (\"by rounding only\": a relative full tie gap under {ROUNDING} steps of the dtype's resolution):",
        "",
        *[f"- {line}" for line in breakers_finding(results)],
    ]
    return "\n".join(lines) + "\n"
