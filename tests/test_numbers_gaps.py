"""Every number, verdict and sentence of ``gaps``' summary.md and figures, recomputed another way.

The real command runs in-process. A Keras callback added to its fit reads the replicas' L1 weights at the start
and after every epoch, straight from the model's variables; from them this file computes, with plain loops, each
jitter's tie gap, tie gap over inputs that vary (bias included), relative tie gap and output gap, the epoch the
output gap reached 0.1 (interpolated in log scale by hand), the verdict by the rule the summary states, and the
slope of epochs against log10(jitter) by the textbook least-squares formula; then compares every cell, sentence
and title. The final accuracy is checked against the per-replica accuracy in Keras's own history of the fit.
"""
import dataclasses
import inspect
import math
import re

import keras
import numpy as np
import pytest

import course_companion.data as data_module
import course_companion.report as report
import course_companion.training as training
from course_companion.cli import main

THRESHOLD, GROWTH = 0.1, 10.0  # the summary's words: "an output gap of 0.1 counts as separated", "at least 10 times"
JITTERS = [10.0**-k for k in range(8, 0, -1)]  # the command's jitters, "from 1e-8 to 1e-1" (its help)
HEADER = ["jitter", "tie gap", "over inputs that vary", "relative tie gap", "output gap",
          "epoch the output gap reached 0.1", "verdict", "final accuracy"]


def _tables(text):
    """{section title: (header, rows)} of a Markdown summary: each table under its '## ' heading."""
    found, section, lines = {}, None, text.splitlines()
    for k, line in enumerate(lines):
        if line.startswith("## "):
            section = line[3:]
        if line.startswith("| ") and k + 1 < len(lines) and lines[k + 1].startswith("| ---"):
            rows = []
            for row in lines[k + 2:]:
                if not row.startswith("| "):
                    break
                rows.append([c.strip() for c in row.strip().strip("|").split(" | ")])
            found[section] = ([c.strip() for c in line.strip().strip("|").split(" | ")], rows)
    return found


class _Weights(keras.callbacks.Callback):
    """Every ReplicaDense-like layer's kernel (fan_in, K, units) and bias (K, units): at the start, each epoch's end."""

    def __init__(self):
        super().__init__()
        self.records = []

    def _read(self):
        layers = [l for l in self.model.layers if getattr(l, "kernel", None) is not None]
        self.records.append([(np.array(l.kernel.numpy(), np.float64), np.array(l.bias.numpy(), np.float64))
                             for l in layers])

    def on_train_begin(self, logs=None):
        self._read()

    def on_epoch_end(self, epoch, logs=None):
        self._read()


def _run(tmp_path, argv, dataset=None):
    """Run ``gaps`` in-process: (summary, figures, [(callback, history) per fit], data sets trained on)."""
    fits, figures, sets = [], {}, []
    real_train, real_write, real_load = training.train_replicas, report.write_outputs, data_module.load_dataset

    def train_spy(*args, **kwargs):
        bound = inspect.signature(real_train).bind(*args, **kwargs)
        watch = _Weights()
        bound.arguments["callbacks"] = list(bound.arguments.get("callbacks") or ()) + [watch]
        model, history = real_train(*bound.args, **bound.kwargs)
        fits.append((watch, history))
        return model, history

    def write_spy(*args, **kwargs):
        figures.update(inspect.signature(real_write).bind(*args, **kwargs).arguments.get("figures") or {})
        return real_write(*args, **kwargs)

    def load(name, *args, **kwargs):
        sets.append(dataset(real_load(name, *args, **kwargs)) if dataset else real_load(name, *args, **kwargs))
        return sets[-1]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(training, "train_replicas", train_spy)
        mp.setattr(report, "write_outputs", write_spy)
        mp.setattr(data_module, "load_dataset", load)
        out = tmp_path / "out"
        assert main(argv + ["--out", str(out)]) == 0
    return (out / "summary.md").read_text(), figures, fits, sets


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _reference(watch, history, X, activation):
    """Per replica, from the weights read by the callback: every gap per record, by loops, and what follows."""
    records = watch.records
    kernel0, bias0 = records[0][0]
    replicas, units = bias0.shape
    # The tied groups, found from the weights: units within 1e-6 of each other at the start of the 1e-8 replica.
    w0 = np.concatenate([kernel0[:, 0, :].T, bias0[0][:, None]], axis=1)
    groups, seen = [], set()
    for u in range(units):
        group = [v for v in range(units) if v not in seen and np.abs(w0[v] - w0[u]).max() < 1e-6]
        seen.update(group)
        if len(group) >= 2:
            groups.append(group)
    assert groups
    members = sorted(u for g in groups for u in g)
    live = [m for m in range(X.shape[1]) if any(X[r, m] != 0 for r in range(X.shape[0]))] + [X.shape[1]]  # + bias
    rows = np.unique(X, axis=0).astype(np.float64)  # the output gap is a max over rows: repeats change nothing
    act = {"sigmoid": _sigmoid, "relu": lambda z: np.maximum(z, 0.0)}[activation]
    out = []
    for k in range(replicas):
        gaps = {"tie": [], "live": [], "live without bias": [], "relative": [], "output": []}
        for record in records:
            kernel, bias = record[0]
            w = np.concatenate([kernel[:, k, :].T, bias[k][:, None]], axis=1)  # unit u: incoming weights, then bias
            # Between any two members of a group, weight by weight.
            diff = {m: max(abs(w[u, m] - w[v, m]) for g in groups for u in g for v in g) for m in range(w.shape[1])}
            gaps["tie"].append(max(diff.values()))
            gaps["live"].append(max(diff[m] for m in live))
            gaps["live without bias"].append(max(diff[m] for m in live[:-1]))
            gaps["relative"].append(max(diff.values()) / max(abs(w[u, m]) for u in members for m in range(w.shape[1])))
            outputs = {u: act(rows @ w[u, :-1] + w[u, -1]) for u in members}
            gaps["output"].append(max(np.abs(outputs[u] - outputs[v]).max() for g in groups for u in g for v in g))
        output = gaps["output"]
        if output[0] >= THRESHOLD:
            reached, verdict = "started there", "started apart"
        else:
            verdict = ("grew" if output[-1] >= GROWTH * output[0] else
                       "shrank" if output[-1] <= output[0] / GROWTH else "stayed")
            first = next((r for r, g in enumerate(output) if g >= THRESHOLD), None)
            if first is None:
                reached = None
            else:  # log-linear interpolation between the records on either side (records are epochs 0, 1, 2, ...)
                lo, hi = math.log10(output[first - 1]), math.log10(output[first])
                reached = first - 1 + (math.log10(THRESHOLD) - lo) / (hi - lo)
        out.append({"gaps": gaps, "reached": reached, "verdict": verdict, "accuracy": _accuracy(history, k, replicas)})
    return out, groups


def _accuracy(history, k, replicas):
    """Replica k's accuracy in the last epoch, as Keras's history of the fit holds it."""
    for key, values in history.history.items():
        if "accuracy" in key and np.size(values[-1]) == replicas:
            return float(np.ravel(values[-1])[k])
        if key in (f"accuracy/{k}", f"replica_accuracy/{k}"):
            return float(values[-1])
    raise AssertionError(f"no per-replica accuracy in the history: {sorted(history.history)}")


def _spread(cell):
    return [float(v) for v in cell.split(" / ")]


def _close(shown, value):
    """A number printed with 3 significant digits ("0" for exactly 0) against its value."""
    return shown == 0 if value == 0 else shown == pytest.approx(value, rel=6e-3)


def _least_squares_slope(x, y):
    """The slope of the straight line through (x, y) by least squares: sum((x - mx)(y - my)) / sum((x - mx)^2)."""
    mx, my = sum(x) / len(x), sum(y) / len(y)
    return sum((a - mx) * (b - my) for a, b in zip(x, y)) / sum((a - mx) ** 2 for a in x)


def _check_table(rows, reference):
    """Every cell of one run's table against the reference; returns the (jitter, reached) pairs shown."""
    assert [row[0] for row in rows] == [f"{j:.0e}" for j in JITTERS]
    shown = []
    for row, ref in zip(rows, reference):
        g = ref["gaps"]
        for cell, key in zip(row[1:5], ("tie", "live", "relative", "output")):
            values = _spread(cell)
            for v, expected in zip(values, (g[key][0], min(g[key]), g[key][-1])):  # start / lowest / end
                assert _close(v, expected), (row[0], key, cell, expected)
        if ref["reached"] is None:
            assert row[5] == "-"
        elif ref["reached"] == "started there":
            assert row[5] == "started there"
        else:
            assert float(row[5]) == pytest.approx(ref["reached"], abs=0.051)
            shown.append((float(row[0]), float(row[5])))
        assert row[6] == ref["verdict"]
        assert row[7] == f"{ref['accuracy']:.3f}"
    return shown


def _check_verdict_rule(rows):
    """The verdict column against the output gap column as printed: the summary's rule, read off the table."""
    for row in rows:
        start, _, end = _spread(row[4])
        if start >= THRESHOLD:
            assert row[6] == "started apart" and row[5] == "started there"
        elif end >= GROWTH * start * 1.01:
            assert row[6] == "grew"
        elif end <= start / GROWTH / 1.01:
            assert row[6] == "shrank"
        elif start / GROWTH * 1.01 < end < GROWTH * start / 1.01:
            assert row[6] == "stayed"


def _check_finding(text, name, optimizer, epochs, rows, reference):
    """The run's sentence in the summary's list, from the table's verdicts and the reference."""
    line = next(l for l in text.splitlines() if l.startswith(f"- {name} with {optimizer} ({epochs} epochs): "))
    verdicts = [row[6] for row in rows]
    below = sum(v != "started apart" for v in verdicts)
    apart = len(verdicts) - below
    expected = (f"of the {below} jitters whose tied units' outputs started less than 0.1 apart, the output gap grew "
                f"10x or more in {verdicts.count('grew')}, shrank 10x or more in {verdicts.count('shrank')} and stayed "
                f"within 10x in {verdicts.count('stayed')}")
    if apart:
        expected += f" ({apart} larger jitter{'s' if apart > 1 else ''} started that far apart already)"
    assert expected in line
    reached = [(j, r["reached"]) for j, r in zip(JITTERS, reference) if isinstance(r["reached"], float)]
    if reached:
        assert f"; {len(reached)} reached 0.1" in line
    else:
        assert "reached 0.1" not in line
    if len(reached) >= 2:
        # Each factor of 10 smaller costs minus the slope of epoch against log10(jitter): positive when smaller
        # jitters take longer.
        cost = -_least_squares_slope([math.log10(j) for j, _ in reached], [r for _, r in reached])
        said = float(re.search(r"each factor of 10 smaller costing about (\S+) more epochs", line).group(1))
        assert said == pytest.approx(cost, abs=0.51 * 10.0 ** (math.floor(math.log10(abs(cost))) - 1))  # 2 digits
    stayed = [r["gaps"]["output"][-1] / r["gaps"]["output"][0] for r in reference if r["verdict"] == "stayed"]
    if stayed:
        assert f"; those that stayed ended at {min(stayed):.2g} to {max(stayed):.2g} times where they started" in line
    else:
        assert "those that stayed" not in line
    return line


@pytest.fixture(scope="module")
def coffee_sgd(tmp_path_factory):
    """The command on coffee with plain SGD, 5 epochs: four jitters reach 0.1, and one starts there."""
    summary, figures, fits, sets = _run(tmp_path_factory.mktemp("gaps"),
                                        ["gaps", "--data", "coffee", "--optimizers", "sgd", "--epochs", "5"])
    (watch, history), = fits
    reference, groups = _reference(watch, history, sets[0].X, "sigmoid")
    return {"summary": summary, "figures": figures, "reference": reference, "group": groups, "data": sets[0],
            "rows": _tables(summary)["coffee, sgd (learning rate 1)"]}


def test_coffee_table_every_cell(coffee_sgd):
    header, rows = coffee_sgd["rows"]
    assert header == HEADER
    assert coffee_sgd["group"] == [[0, 1]]  # coffee's tied group, as DESIGN.md names it
    # The replicas are in the jitters' order: each start's tie gap is about 10 times the one before.
    starts = [r["gaps"]["tie"][0] for r in coffee_sgd["reference"]]
    np.testing.assert_allclose(np.array(starts[1:]) / starts[:-1], 10, rtol=0.01)
    shown = _check_table(rows, coffee_sgd["reference"])
    assert len(shown) >= 2  # the slope below has points to fit
    _check_verdict_rule(rows)


def test_coffee_text_around_the_table(coffee_sgd):
    text = coffee_sgd["summary"]
    section = text.split("## coffee, sgd (learning rate 1)\n", 1)[1]
    assert f"Data: {coffee_sgd['data'].description}. Seed 0. Every one of the 2 inputs varies." in section
    assert ("*grew* when it ended at least 10 times where it started, *shrank* when at most 1/10, *stayed* otherwise; "
            "an output gap of 0.1 counts as separated. These runs used float64") in text


def test_coffee_finding_and_slope_by_hand(coffee_sgd):
    _, rows = coffee_sgd["rows"]
    line = _check_finding(coffee_sgd["summary"], "coffee", "sgd", 5, rows, coffee_sgd["reference"])
    # The slope again, from the table's own printed columns (jitter, epoch reached): the sign and size agree.
    shown = [(float(r[0]), float(r[5])) for r in rows if r[5] not in ("-", "started there")]
    cost = -_least_squares_slope([math.log10(j) for j, _ in shown], [e for _, e in shown])
    said = float(re.search(r"costing about (\S+) more epochs", line).group(1))
    assert cost > 0 and said == pytest.approx(cost, rel=0.1)


def test_coffee_figures(coffee_sgd):
    _, rows = coffee_sgd["rows"]
    verdicts = [row[6] for row in rows]
    ax = coffee_sgd["figures"]["gaps"].axes[0]
    assert ax.get_title() == (f"coffee, SGD(1):\n{verdicts.count('grew')} grew, {verdicts.count('stayed')} stayed, "
                              f"{verdicts.count('shrank')} shrank")
    curves = {line.get_label(): line.get_ydata() for line in ax.get_lines()}
    for jitter, ref in zip(JITTERS, coffee_sgd["reference"]):
        np.testing.assert_allclose(curves[f"{jitter:.0e}"], ref["gaps"]["output"], rtol=1e-7)
    separation = coffee_sgd["figures"]["separation"]
    reached = [(j, r["reached"]) for j, r in zip(JITTERS, coffee_sgd["reference"]) if isinstance(r["reached"], float)]
    cost = -_least_squares_slope([math.log10(j) for j, _ in reached], [r for _, r in reached])
    labels = [text.get_text() for legend in separation.legends for text in legend.get_texts()]
    assert labels == [f"coffee, SGD(1), {cost:.2g} more epochs per factor of 10 smaller"]
    line, = separation.axes[0].get_lines()
    np.testing.assert_allclose(line.get_xdata(), [j for j, _ in reached])
    np.testing.assert_allclose(line.get_ydata(), [r for _, r in reached], rtol=1e-7)


def _silent_coffee(coffee):
    """Coffee with its first input 0 in every row (the second still varies)."""
    X = coffee.X.copy()
    X[:, 0] = 0.0
    return dataclasses.replace(coffee, X=X)


@pytest.fixture(scope="module")
def silent(tmp_path_factory):
    """Adam on coffee with a silent input, seed 3: the tie gap over inputs that vary is the second input's and the
    bias's, and there the bias's difference, 0 at the start, grows past the second input's (which starts small)."""
    summary, figures, fits, sets = _run(tmp_path_factory.mktemp("silent"),
                                        ["gaps", "--data", "coffee", "--optimizers", "adam", "--epochs", "2", "--seed", "3"],
                                        dataset=_silent_coffee)
    (watch, history), = fits
    reference, _ = _reference(watch, history, sets[0].X, "sigmoid")
    return {"summary": summary, "reference": reference, "rows": _tables(summary)["coffee, adam (learning rate 0.01)"][1]}


def test_over_inputs_that_vary_keeps_the_bias(silent):
    rows, reference = silent["rows"], silent["reference"]
    # The case can tell: without the bias, the printed column would differ from what it must be.
    assert any(not _close(_spread(row[2])[k], [r["gaps"]["live without bias"][0], min(r["gaps"]["live without bias"]),
                                                r["gaps"]["live without bias"][-1]][k])
               for row, r in zip(rows, reference) for k in range(3))
    _check_table(rows, reference)
    _check_verdict_rule(rows)
    assert "1 of the 2 inputs are 0 in every training row." in silent["summary"]
    # The weight from the silent input never moves, so the tie gap over all weights keeps at least its start.
    for r in reference:
        assert r["gaps"]["tie"][-1] >= r["gaps"]["live"][-1]
    _check_finding(silent["summary"], "coffee", "adam", 2, rows, reference)


def test_digits_stayed_and_the_sentence_about_them(tmp_path):
    """The bundled digits with SGD for 2 epochs: outputs that stay within 10x, and 134 silent inputs."""
    def first_rows(digits):  # 256 of the 1000 digits, both labels
        keep = np.r_[0:128, 500:628]
        assert np.unique(digits.y[keep]).tolist() == [0, 1]
        return dataclasses.replace(digits, X=digits.X[keep].copy(), y=digits.y[keep].copy())

    summary, _, fits, sets = _run(tmp_path, ["gaps", "--data", "digits", "--optimizers", "sgd", "--epochs", "2"],
                                  dataset=first_rows)
    (watch, history), = fits
    reference, _ = _reference(watch, history, sets[0].X, "sigmoid")
    rows = _tables(summary)["digits, sgd (learning rate 1)"][1]
    _check_table(rows, reference)
    _check_verdict_rule(rows)
    silent = sum(all(sets[0].X[r, m] == 0 for r in range(len(sets[0].X))) for m in range(400))
    assert f"{silent} of the 400 inputs are 0 in every training row." in summary
    line = _check_finding(summary, "digits", "sgd", 2, rows, reference)
    assert "those that stayed" in line



def test_output_gap_is_between_any_two_members_of_a_group():
    """On a group of three written out by hand: linear units with outputs 0.5, 0.6 and 0.4 on the one row, so two
    of them are 0.2 apart although each is 0.1 from the first."""
    from course_companion.analysis import output_gap

    w = np.array([[0.0, 0.5], [0.0, 0.6], [0.0, 0.4]])  # a weight from an input that is 0, then the bias
    assert output_gap(np.zeros((1, 1)), w, [[0, 1, 2]], "linear") == pytest.approx(0.2)


def test_output_gap_column_with_a_group_of_three(tmp_path):
    """The command on coffee with all three L1 units one tied group (seed 1): the column against the largest
    difference between any two of them."""
    def one_group(coffee):  # 4 of the 500 tiles
        return dataclasses.replace(coffee, X=coffee.X[:800].copy(), y=coffee.y[:800].copy(),
                                   model=dataclasses.replace(coffee.model, ties={0: [[0, 1, 2]]}))

    summary, _, fits, sets = _run(tmp_path, ["gaps", "--data", "coffee", "--optimizers", "adam", "--epochs", "1",
                                             "--seed", "1"], dataset=one_group)
    (watch, history), = fits
    reference, groups = _reference(watch, history, sets[0].X, "sigmoid")
    assert groups == [[0, 1, 2]]
    rows = _tables(summary)["coffee, adam (learning rate 0.01)"][1]
    for row, r in zip(rows, reference):
        output = r["gaps"]["output"]
        assert all(_close(v, e) for v, e in zip(_spread(row[4]), (output[0], min(output), output[-1]))), row[4]
