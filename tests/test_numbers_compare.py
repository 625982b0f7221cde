"""Every number, verdict and sentence that ``compare`` shows, computed another way.

The real command runs once, in this process, on the coffee data (1 epoch, five schemes trained side by side as
replicas). Its ``summary.md``, its figure titles (read off the SVG files it writes: matplotlib keeps each text
as a comment) and its printed lines are parsed and each value is checked against a reference that does not use
the function that made it:

- the training itself against a plain Keras model built here from each scheme's recorded start (record 0), fitted
  on the same data with the same seed: its final weights, accuracy and loss;
- distinct units against ``np.unique`` of the saved final weights, distances against ``scipy.spatial.distance``,
  tie gaps against the largest difference between two members of a group (incoming weights and bias), ties
  against the weights themselves at every record.

Recordings built by hand (``Recording.from_arrays``) then reach the cases a short run cannot: units 1e-9 apart
(below float32's resolution: exact counting must still see them), a difference only in a bias, several groups
in two layers, a tie broken at a middle record, a ``constant`` run whose hidden weights never moved.
"""
import contextlib
import html
import io
import itertools
import re

import keras
import numpy as np
import pytest
from scipy.spatial.distance import pdist

from course_companion.cli import main
from course_companion.data import load_dataset
from course_companion.figures.compare import answer_figure
from course_companion.recording import Recording

from course_companion.summaries.compare import summary_markdown

SCHEMES = ["constant", "random", "mirrored", "incoming-only", "perturbed"]
# The coffee model's L1 groups, as the docs give them: all three units for constant, units 0 and 1 otherwise.
GROUPS = {"constant": [[0, 1, 2]], "random": [], "mirrored": [[0, 1]], "incoming-only": [[0, 1]], "perturbed": [[0, 1]]}
KEEPS = ("constant", "mirrored")  # the schemes whose groups must stay exactly tied
REPRODUCED = ("constant", "random", "incoming-only")  # retrained here with plain Keras (about 0.7 s each)
SEED, LEARNING_RATE, BATCH = 0, 0.01, 200  # the coffee model's settings (Adam 0.01, batches of 200 rows)
HEADS = ["scheme", "final accuracy", "final loss", "L1 distinct units", "L1 min distance", "L1 max distance", "tie gap"]


# -- independent references ----------------------------------------------------------------------------------------
def distinct(w):
    """Distinct units: unique rows, exactly."""
    return len(np.unique(np.asarray(w, dtype=np.float64), axis=0))


def largest_gap(w, groups):
    """The largest absolute difference of any weight (incoming or bias) between two members of a group; None if none."""
    w = np.asarray(w, dtype=np.float64)
    gaps = [np.abs(w[i] - w[j]).max() for group in groups for i, j in itertools.combinations(group, 2)]
    return max(gaps) if groups else None


def groups_equal(w, groups):
    """Whether every group's members have exactly the same weights (one record)."""
    w = np.asarray(w)
    return all(np.array_equal(w[i], w[group[0]]) for group in groups for i in group)


def printed(cell, value):
    """Whether a table cell is ``value`` written with 3 significant digits (exactly "0" for 0)."""
    if value == 0:
        return cell == "0"
    return cell != "0" and abs(float(cell) - value) <= 5e-3 * abs(value)


def near(cell, value, decimals):
    """Whether ``cell`` is ``value`` rounded to ``decimals`` places (a hair of slack for float32 rounding)."""
    return abs(float(cell) - value) <= 0.5 * 10.0**-decimals + 2e-6


def tables(text):
    """Every Markdown table of ``text``: a list of (heads, rows), each row a list of cells."""
    found, block = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            block.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif block:
            found.append((block[0], [r for r in block[2:]]))
            block = []
    return found


def svg_texts(path):
    """The texts of an SVG figure written by matplotlib (each text, or each line of one, is kept as a comment)."""
    return [html.unescape(t.strip()) for t in re.findall(r"<!--(.*?)-->", path.read_text(), re.S)]


def plain_fit(start_hidden, start_out, X, y, epochs=1):
    """A plain Keras 2-3-1 sigmoid model from the given start, fitted as the coffee model trains; (model, history)."""
    keras.utils.set_random_seed(SEED)  # the seed also orders the batches
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="sigmoid"),
                              keras.layers.Dense(1, activation="sigmoid")])
    for layer, units in zip(model.layers, (start_hidden, start_out)):
        layer.set_weights([units[:, :-1].T, units[:, -1]])  # the unit layout: incoming weights, then the bias
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="binary_crossentropy", metrics=["accuracy"],
                  steps_per_execution=500)
    history = model.fit(X, y, epochs=epochs, batch_size=BATCH, verbose=0, shuffle=True)
    return model, history.history


def units_of(layer):
    kernel, bias = layer.get_weights()
    return np.c_[kernel.T, bias]


# -- the real command ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("compare") / "out"
    data = load_dataset("coffee")
    assert np.unique(data.y).tolist() == [0.0, 1.0]  # both classes: an accuracy that reads the wrong labels shows
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(["compare", "--data", "coffee", "--epochs", "1", "--schemes", *SCHEMES, "--format", "svg",
                     "--out", str(out)])
    assert code == 0
    raw = {}
    for scheme in SCHEMES:  # the saved arrays, read with NumPy alone
        with np.load(out / f"{scheme}.npz") as f:
            keys = [str(k) for k in f["log_keys"]]
            raw[scheme] = {"L1": f["units_0"].astype(np.float64), "out": f["units_1"].astype(np.float64),
                           "steps": f["steps"], **{k: f[f"log_{i}"] for i, k in enumerate(keys)}}
    plain = {}
    for scheme in REPRODUCED:
        model, history = plain_fit(raw[scheme]["L1"][0], raw[scheme]["out"][0], data.X, data.y)
        plain[scheme] = {"L1": units_of(model.layers[0]), "out": units_of(model.layers[1]),
                         "accuracy": history["accuracy"][-1], "loss": history["loss"][-1]}
    summary = (out / "summary.md").read_text()
    heads, rows = tables(summary)[0]
    return {"out": out, "stdout": stdout.getvalue(), "raw": raw, "plain": plain, "summary": summary, "heads": heads,
            "rows": {r[0]: dict(zip(heads, r)) for r in rows}, "data": data}


def test_the_recordings_are_the_training_a_plain_keras_model_does(run):
    for scheme, plain in run["plain"].items():
        raw = run["raw"][scheme]
        np.testing.assert_allclose(raw["L1"][-1], plain["L1"], atol=1e-4, rtol=0)
        np.testing.assert_allclose(raw["out"][-1], plain["out"], atol=1e-4, rtol=0)
        assert raw["accuracy"][-1] == pytest.approx(plain["accuracy"], abs=1e-6)
        assert raw["loss"][-1] == pytest.approx(plain["loss"], rel=1e-5)
    assert np.all(run["raw"]["constant"]["L1"][0] == 0)  # the constant start: every weight 0 (the default)
    for scheme in SCHEMES:  # record 0 is step 0; one record after the epoch of 500 batches
        assert run["raw"][scheme]["steps"].tolist() == [0, 500]
    starts = {s: run["raw"][s]["L1"][0] for s in SCHEMES}
    outgoing = {s: run["raw"][s]["out"][0].T[:-1] for s in SCHEMES}  # row u: hidden unit u's outgoing weights
    for scheme in ("constant", "mirrored", "incoming-only"):  # their groups start exactly equal...
        assert groups_equal(starts[scheme], GROUPS[scheme])
        assert groups_equal(outgoing[scheme], GROUPS[scheme]) == (scheme != "incoming-only")  # ...outgoing too, but one
    assert 0 < largest_gap(starts["perturbed"], GROUPS["perturbed"]) < 1e-5  # mirrored plus a jitter of 1e-6


def test_table_cells_are_the_saved_weights_numbers(run):
    assert run["heads"] == HEADS
    assert list(run["rows"]) == SCHEMES
    for scheme in SCHEMES:
        cells, raw = run["rows"][scheme], run["raw"][scheme]
        final = raw["L1"][-1]
        accuracy, loss = (run["plain"][scheme]["accuracy"], run["plain"][scheme]["loss"]) if scheme in run["plain"] \
            else (raw["accuracy"][-1], raw["loss"][-1])
        assert near(cells["final accuracy"], accuracy, 3), (scheme, cells, accuracy)
        assert near(cells["final loss"], loss, 4), (scheme, cells, loss)
        assert int(cells["L1 distinct units"]) == distinct(final)
        distances = pdist(final)  # euclidean, every pair once
        assert printed(cells["L1 min distance"], distances.min()), (scheme, cells, distances)
        assert printed(cells["L1 max distance"], distances.max()), (scheme, cells, distances)
        gap = largest_gap(final, GROUPS[scheme])
        assert cells["tie gap"] == "-" if gap is None else printed(cells["tie gap"], gap), (scheme, cells, gap)
    # the run shows what it is meant to: one unit under constant, two under mirrored, three apart otherwise
    assert [int(run["rows"][s]["L1 distinct units"]) for s in SCHEMES] == [1, 3, 2, 3, 3]


def test_answer_title_and_panel_titles(run):
    texts = svg_texts(run["out"] / "answer.svg")
    raw = run["raw"]
    claims = []
    for scheme in KEEPS:
        if not groups_equal(raw[scheme]["L1"][-1], GROUPS[scheme]):
            claims.append(f"units that started equal under {scheme} came apart")
    claims = claims or ["Units that start equal stay equal"]
    n = raw["random"]["L1"].shape[1]
    count = distinct(raw["random"]["L1"][-1])
    claims.append("random starts make them differ" if count == n else f"a random start left {count} of {n} units distinct")
    head = "; ".join(claims)
    assert head[:1].upper() + head[1:] + "." in texts
    counts = ", ".join(f"{s}: {distinct(raw[s]['L1'][-1])}" for s in SCHEMES)
    assert f"Distinct units of L1 ({n}) after training - {counts}" in texts
    for scheme in SCHEMES:
        accuracy = run["plain"][scheme]["accuracy"] if scheme in run["plain"] else raw[scheme]["accuracy"][-1]
        title = next(t for t in texts if t.startswith(f"{scheme}: L1 units at the end (final accuracy "))
        assert near(title.rsplit(" ", 1)[1].rstrip(")"), accuracy, 3)
    assert "Distance between L1 units" in texts and "Accuracy" in texts
    heatmaps = svg_texts(run["out"] / "heatmaps_L1.svg")
    assert "Distance between every pair of L1 units after training (outlined: exactly equal)" in heatmaps
    assert [s for s in SCHEMES if s in heatmaps] == SCHEMES  # one panel per scheme


def test_tie_check_sentence_reads_every_record(run):
    raw = run["raw"]
    held = all(groups_equal(w, GROUPS[s]) for s in KEEPS for w in raw[s]["L1"])
    largest = max(largest_gap(w, GROUPS[s]) for s in KEEPS for w in raw[s]["L1"])
    assert held and largest == 0  # what a CPU run of the tied schemes must show
    assert "Tie check (constant and mirrored, equal exactly (CPU)): held; largest tie gap 0." in run["summary"]


def test_constant_moved_and_drift_sentences(run):
    raw = run["raw"]
    constant = raw["constant"]["L1"]
    moved = np.abs(constant[-1] - constant[0]).max()
    assert moved > 0 and all(distinct(w) == 1 for w in constant)  # it moved, every unit together
    assert f"Under `constant` the hidden weights moved (by up to {moved:.3g}), all units of a layer together." \
        in run["summary"]
    parts = []
    for scheme in ("incoming-only", "perturbed"):
        gap = largest_gap(raw[scheme]["L1"][-1], GROUPS[scheme])
        assert gap > 0
        parts.append(f"`{scheme}` drifted apart (tie gap {gap:.3g})")
    assert "; ".join(parts) + "." in run["summary"].splitlines()


def test_header_line(run):
    import tensorflow as tf

    line = run["summary"].splitlines()[2]
    rows = f"{len(run['data'].X):,} rows"
    assert line.startswith("Data: coffee roasting") and rows in line and "Epochs: 1. Seed: 0." in line
    assert "replicas of one model" in line  # the coffee schemes do train side by side
    assert line.endswith(f"Device: CPU. Keras {keras.__version__}, TensorFlow {tf.__version__}.")


def test_printed_lines(run):
    lines = run["stdout"].splitlines()
    assert "data: coffee roasting" in lines[1] and lines[1].endswith("; 1 epochs; seed 0; recording every epoch")
    progress = next(line for line in lines if line.startswith(f"{len(SCHEMES)} replicas: epoch 1/1, mean loss "))
    mean_loss = np.mean([run["raw"][s]["loss"][-1] for s in SCHEMES])  # the sum of the replicas' losses, over 5
    assert near(re.search(r"mean loss ([0-9.]+)", progress).group(1), mean_loss, 4)
    files = sorted(p.name for p in run["out"].iterdir())
    wrote = next(i for i, line in enumerate(lines) if line.startswith("wrote "))
    assert lines[wrote] == f"wrote {len(files)} files to {run['out']}/:"
    assert sorted(line.strip().rsplit("/", 1)[1] for line in lines[wrote + 1:]) == files


# -- recordings built by hand ---------------------------------------------------------------------------------------
class Baseline(dict):
    """The baseline row's numbers, readable as a dict (``baseline["accuracy"]``) or a result (``baseline.accuracy``)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def recording(scheme, units, groups, logs=None, dense=None):
    """A recording of ``units`` ({layer: (records, units, d)}), as compare's recorder would have made it."""
    records = len(next(iter(units.values())))
    logs = logs or [{}] * (records - 1) + [{"accuracy": 0.875, "loss": 0.3125}]
    meta = {"scheme": scheme, "seed": 0, "data": "by hand", "groups": groups, "device": "CPU"}
    return Recording.from_arrays(list(units), steps=np.arange(records) * 4, epochs=np.arange(records), units=units,
                                 logs=logs, metadata=meta, dense_layers=dense or list(units))


def coffee_like(rng, records=2, tie=()):
    """{L1: (records, 3, 3), L2: (records, 1, 4)} float64, drawn apart; units in ``tie`` equal in L1 and L2."""
    l1, l2 = rng.normal(size=(records, 3, 3)), rng.normal(size=(records, 1, 4))
    for u in tie[1:]:
        l1[:, u] = l1[:, tie[0]]
        l2[:, :, u] = l2[:, :, tie[0]]
    return {"L1": l1, "L2": l2}


def test_units_1e9_apart_are_distinct_in_the_table_and_the_title(rng):
    # Two units apart by 1e-9 in one weight of size ~1: far below float32's resolution, but not equal.
    random = coffee_like(rng)
    random["L1"][:, 1] = random["L1"][:, 0]
    random["L1"][-1, 1, 0] += 1e-9
    mirrored = coffee_like(rng, tie=(0, 1))
    mirrored["L1"][-1, 1, 2] += 1e-9  # the bias alone
    recs = {"random": recording("random", random, {}), "mirrored": recording("mirrored", mirrored, {0: [[0, 1]]})}
    summary = summary_markdown(recs)
    heads, rows = tables(summary)[0]
    cells = {r[0]: dict(zip(heads, r)) for r in rows}
    assert distinct(random["L1"][-1]) == 3 and distinct(mirrored["L1"][-1]) == 3
    assert cells["random"]["L1 distinct units"] == "3" and cells["mirrored"]["L1 distinct units"] == "3"
    assert printed(cells["random"]["L1 min distance"], pdist(random["L1"][-1]).min())
    assert printed(cells["mirrored"]["tie gap"], largest_gap(mirrored["L1"][-1], [[0, 1]]))  # 1e-09, in the bias
    assert "Tie check (mirrored, equal exactly (CPU)): FAILED (" in summary
    assert summary.split("Tie check")[1].split("\n")[0].endswith("; largest tie gap 1e-09.")
    title = answer_figure(recs).get_suptitle()
    assert title == ("Units that started equal under mirrored came apart; random starts make them differ.\n"
                     "Distinct units of L1 (3) after training - random: 3, mirrored: 3")


def test_tie_gap_takes_the_largest_over_groups_layers_and_the_bias(rng):
    dense = ["L1", "L2", "L3"]
    ties = {0: [[0, 1], [2, 3, 4]], 1: [[0, 1]]}

    def tied(records=2):
        units = {"L1": rng.normal(size=(records, 5, 4)), "L2": rng.normal(size=(records, 3, 6)),
                 "L3": rng.normal(size=(records, 1, 4))}
        for layer, groups in ties.items():
            name = dense[layer]
            for group in groups:
                units[name][:, group[1:]] = units[name][:, group[:1]]
        return units

    perturbed = tied()  # its largest gap: a bias in the smaller group of L1
    perturbed["L1"][-1, 1, 3] += 0.5
    perturbed["L1"][-1, 3, 0] += 0.125
    perturbed["L2"][-1, 1, 2] += 0.0625
    incoming = tied()  # its largest gap: in L2 (a bias there too)
    incoming["L1"][-1, 1, 0] += 0.25
    incoming["L1"][-1, 4, 2] -= 0.375
    incoming["L2"][-1, 1, 5] -= 0.75
    random = {name: rng.normal(size=a.shape) for name, a in tied().items()}
    random["L2"][:, 2] = random["L2"][:, 0]  # two equal L2 units under random: 2 distinct, min distance 0
    recs = {"random": recording("random", random, {}, dense=dense),
            "incoming-only": recording("incoming-only", incoming, ties, dense=dense),
            "perturbed": recording("perturbed", perturbed, ties, dense=dense)}
    summary = summary_markdown(recs)
    heads, rows = tables(summary)[0]
    assert heads == ["scheme", "final accuracy", "final loss", "L1 distinct units", "L2 distinct units",
                     "L1 min distance", "L1 max distance", "L2 min distance", "L2 max distance", "tie gap"]
    gaps = {}
    for row in rows:
        cells, units = dict(zip(heads, row)), recs[row[0]]
        assert cells["final accuracy"] == "0.875" and cells["final loss"] == "0.3125"
        for layer in ("L1", "L2"):
            final = units.units(layer, -1)
            assert int(cells[f"{layer} distinct units"]) == distinct(final)
            assert printed(cells[f"{layer} min distance"], pdist(final).min())
            assert printed(cells[f"{layer} max distance"], pdist(final).max())
        groups = units.groups
        expected = None if not groups else max(largest_gap(units.units(dense[i], -1), g) for i, g in groups.items())
        assert cells["tie gap"] == "-" if expected is None else printed(cells["tie gap"], expected)
        gaps[row[0]] = expected
    assert gaps == {"random": None, "incoming-only": 0.75, "perturbed": 0.5}
    assert dict(zip(heads, rows[0]))["L2 distinct units"] == "2"  # random's two equal L2 units
    assert "`incoming-only` drifted apart (tie gap 0.75); `perturbed` drifted apart (tie gap 0.5)." in summary


def test_tie_check_fails_on_a_middle_record_and_names_it(rng):
    constant = {"L1": np.full((3, 3, 3), 0.25), "L2": rng.normal(size=(3, 1, 4))}
    mirrored = coffee_like(rng, records=3, tie=(0, 1))
    mirrored["L1"][1, 0, 2] += 0.375  # apart at record 1 only (a bias), equal again at the end
    recs = {"constant": recording("constant", constant, {0: [[0, 1, 2]]}),
            "mirrored": recording("mirrored", mirrored, {0: [[0, 1]]})}
    sentence = next(line for line in summary_markdown(recs).splitlines() if line.startswith("Tie check"))
    assert sentence.startswith("Tie check (constant and mirrored, equal exactly (CPU)): FAILED (mirrored: ")
    assert "record 1 (step 4)" in sentence and "0.375" in sentence
    assert sentence.endswith("; largest tie gap 0.375.")
    held = {"constant": recs["constant"], "mirrored": recording("mirrored", coffee_like(rng, 3, (0, 1)), {0: [[0, 1]]})}
    assert "Tie check (constant and mirrored, equal exactly (CPU)): held; largest tie gap 0." in summary_markdown(held)


def test_a_nan_weight_is_never_held(rng):
    mirrored = coffee_like(rng, tie=(0, 1))
    mirrored["L1"][-1, :2, 1] = np.nan  # both tied units NaN in the same weight: "equal" NaNs are not a tie
    recs = {"mirrored": recording("mirrored", mirrored, {0: [[0, 1]]})}
    sentence = next(line for line in summary_markdown(recs).splitlines() if line.startswith("Tie check"))
    assert sentence.startswith("Tie check (mirrored, equal exactly (CPU)): FAILED (")
    assert answer_figure(recs).get_suptitle().startswith(
        "Under mirrored a weight became NaN or infinite (the run diverged).\n")


@pytest.mark.parametrize("start, kernel_moves", [(0.5, 0.25), (0.0, 0.0)])
def test_constant_sentence_when_no_hidden_weight_moved(rng, start, kernel_moves):
    hidden = np.full((2, 3, 3), start)
    out = np.full((2, 1, 4), start)
    out[-1, 0, 1] += kernel_moves
    out[-1, 0, 3] -= 0.375  # the output bias
    recs = {"constant": recording("constant", {"L1": hidden, "L2": out}, {0: [[0, 1, 2]]})}
    kernel = np.abs(out[-1, :, :-1] - out[0, :, :-1]).max()
    bias = np.abs(out[-1, :, -1] - out[0, :, -1]).max()
    expected = (f"Under `constant` not one hidden weight or bias moved: all are still exactly {start:g} after "
                f"training; the output layer's weights moved by up to {0 if kernel == 0 else f'{kernel:.3g}'}, "
                f"its biases by up to {bias:.3g}")
    if kernel == 0:
        expected += (". Every hidden unit outputs 0 from this start, so no gradient reaches the hidden weights or the "
                     "output weights: only the output biases learn, and the model predicts the same class for every "
                     "image")
    assert expected + "." in summary_markdown(recs).splitlines()


def test_the_baseline_row_shows_the_baseline(rng):
    recs = {"random": recording("random", coffee_like(rng), {})}
    summary = summary_markdown(recs, Baseline(accuracy=0.625, loss=0.4375))
    heads, rows = tables(summary)[0]
    assert rows[-1] == ["no hidden layer", "0.625", "0.4375"] + ["-"] * (len(heads) - 3)
    assert rows[0][1:3] == ["0.875", "0.3125"]  # the scheme's own numbers stay its own
    assert "`no hidden layer`: the same data and training without a hidden layer (a linear model), in the same run." \
        in summary


def test_tie_gap_is_the_largest_difference_between_any_two_members(rng):
    dense = ["L1", "L2", "L3"]
    units = {"L1": rng.normal(size=(2, 5, 4)), "L2": rng.normal(size=(2, 3, 6)), "L3": rng.normal(size=(2, 1, 4))}
    units["L1"][:, 2, 0] = 1.0
    units["L1"][:, 3] = units["L1"][:, 4] = units["L1"][:, 2]
    units["L1"][-1, 3, 0] += 0.25
    units["L1"][-1, 4, 0] -= 0.25  # units 3 and 4 now 0.5 apart in one weight
    recs = {"perturbed": recording("perturbed", units, {0: [[2, 3, 4]]}, dense=dense)}
    summary = summary_markdown(recs)
    heads, rows = tables(summary)[0]
    gap = largest_gap(units["L1"][-1], [[2, 3, 4]])
    assert gap == 0.5
    assert printed(dict(zip(heads, rows[0]))["tie gap"], gap)
