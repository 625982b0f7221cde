"""Every number, verdict and sentence of ``landscape``'s summary.md and figure, recomputed another way.

The real command runs in-process; its summary.md is parsed cell by cell and checked against losses computed
here with a plain Keras model holding the trained weights (the network, its copy with units i and j swapped,
and the network with both units set to their average), and against the rules the summary states (higher / level
/ lower by more than 10 times the rounding seen between the ends). A second set of runs feeds the command paths
whose losses are chosen here, so that every verdict and every sentence of the finding is reached on purpose.
"""
import inspect
import re

import keras
import numpy as np
import pytest

import course_companion.data as data_module
import course_companion.experiments.landscape as landscape_module
import course_companion.report as report
import course_companion.training as training
from course_companion.cli import main
from course_companion.data import standardized_coffee_data

MARGIN = 10  # the summary's own words: "by more than 10 times the largest such difference"
FLOAT32_STEP = 2.0**-23  # "and float32's step at that loss"


def _tables(text):
    """{section title: (header, rows)} of a Markdown summary: each table under its '## ' heading."""
    found, section, lines = {}, None, text.splitlines()
    for k, line in enumerate(lines):
        if line.startswith("## "):
            section = line[3:]
        if line.startswith("| ") and k + 1 < len(lines) and lines[k + 1].startswith("| ---"):
            header = [c.strip() for c in line.strip().strip("|").split(" | ")]
            rows = []
            for row in lines[k + 2:]:
                if not row.startswith("| "):
                    break
                rows.append([c.strip() for c in row.strip().strip("|").split(" | ")])
            found[section] = (header, rows)
    return found


def _section(text, title):
    """The text of one '## ' section."""
    return text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def _run(tmp_path, argv, swap_path=None, small_coffee=False):
    """Run ``landscape`` in-process; return (summary text, figures, [(model, history)] trained)."""
    trained, written = [], {}
    real_train, real_write, real_load = training.train_scheme, report.write_outputs, data_module.load_dataset

    def train_spy(*args, **kwargs):
        model, history = real_train(*args, **kwargs)
        trained.append((model, history))
        return model, history

    def write_spy(*args, **kwargs):
        bound = inspect.signature(real_write).bind(*args, **kwargs)
        written.update(bound.arguments.get("figures") or {})
        return real_write(*args, **kwargs)

    def small_load(name, *args, **kwargs):  # 4 of the 500 tiles: the training does not matter where the paths are given
        import dataclasses

        full = real_load(name, *args, **kwargs)
        return dataclasses.replace(full, X=full.X[:800].copy(), y=full.y[:800].copy()) if name == "coffee" else full

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(training, "train_scheme", train_spy)
        mp.setattr(report, "write_outputs", write_spy)
        if swap_path is not None:
            mp.setattr(landscape_module, "swap_path", swap_path)
        if small_coffee:
            mp.setattr(data_module, "load_dataset", small_load)
        out = tmp_path / "out"
        assert main(argv + ["--out", str(out)]) == 0
    return (out / "summary.md").read_text(), written, trained


def _dense(model):
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def _plain_losses(model, pairs):
    """Per pair (i, j): the loss of the network, of its copy with i and j swapped, and of the network with units i
    and j both their average, each computed by a plain Keras model on the course's 200 coffee rows."""
    X, y = standardized_coffee_data()
    l1, l2 = _dense(model)
    kernel, bias, after, out_bias = (np.asarray(v.numpy()) for v in (l1.kernel, l1.bias, l2.kernel, l2.bias))
    plain = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, "sigmoid"), keras.layers.Dense(1, "sigmoid")])
    bce = keras.losses.BinaryCrossentropy()

    def loss(k, b, a):
        plain.set_weights([k, b, a, out_bias])
        return float(keras.ops.convert_to_numpy(bce(y, plain(X))))

    found = {}
    for i, j in pairs:
        swapped = [kernel.copy(), bias.copy(), after.copy()]
        swapped[0][:, [i, j]] = kernel[:, [j, i]]
        swapped[1][[i, j]] = bias[[j, i]]
        swapped[2][[i, j]] = after[[j, i]]
        mid = [kernel.astype(np.float64), bias.astype(np.float64), after.astype(np.float64)]
        mid[0][:, [i, j]] = mid[0][:, [i, j]].mean(axis=1, keepdims=True)
        mid[1][[i, j]] = mid[1][[i, j]].mean()
        mid[2][[i, j]] = mid[2][[i, j]].mean(axis=0)
        found[i, j] = (loss(kernel, bias, after), loss(*swapped), loss(*(m.astype(np.float32) for m in mid)))
    return found


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    """The command as a mentor runs it, on coffee: 1 epoch, every pair of its 3 L1 units, 5 points a path."""
    tmp = tmp_path_factory.mktemp("landscape")
    summary, figures, trained = _run(tmp, ["landscape", "--data", "coffee", "--epochs", "1", "--points", "5",
                                           "--pairs", "3"])
    (model, history), = trained
    header, rows = _tables(summary)["coffee"]
    pairs = [tuple(int(u) for u in row[0].split(", ")) for row in rows]
    return {"summary": summary, "figures": figures, "model": model, "history": history, "header": header,
            "rows": rows, "pairs": pairs, "losses": _plain_losses(model, pairs)}


def _expected_verdict(rise, limit):
    """The verdict by the summary's rule, or None where the rise is too near the limit to tell from rounding."""
    if 0.5 * limit < abs(rise) < 2 * limit:
        return None
    return "higher" if rise > limit else "lower" if rise < -limit else "level"


def test_table_columns_and_pairs(real_run):
    assert real_run["header"] == ["units i, j", "loss at the ends (alpha 0 / 1)", "loss in the middle",
                                  "middle minus ends", "middle"]
    assert sorted(real_run["pairs"]) == [(0, 1), (0, 2), (1, 2)]  # every pair of 3 units, each once


def test_ends_are_the_network_and_its_swapped_copy(real_run):
    for row, pair in zip(real_run["rows"], real_run["pairs"]):
        start, swapped, _ = real_run["losses"][pair]
        shown = [float(v) for v in row[1].split(" / ")]
        assert shown[0] == pytest.approx(start, rel=2e-5)
        assert shown[1] == pytest.approx(swapped, rel=2e-5)


def test_loss_in_the_middle_is_the_model_with_both_units_their_average(real_run):
    losses = real_run["losses"]
    for row, pair in zip(real_run["rows"], real_run["pairs"]):
        start, _, middle = losses[pair]
        assert float(row[2]) == pytest.approx(middle, rel=2e-5)
        assert abs(middle - start) > 1e-3 * start  # the middle is another point: a test that can tell them apart


def test_middle_minus_ends_and_its_verdict(real_run):
    losses = real_run["losses"]
    ends = np.array([losses[p][:2] for p in real_run["pairs"]])
    limit = MARGIN * max(np.abs(ends[:, 0] - ends[:, 1]).max(), FLOAT32_STEP * ends.max())
    told = 0
    for row, pair in zip(real_run["rows"], real_run["pairs"]):
        start, swapped, middle = losses[pair]
        rise = middle - (start + swapped) / 2
        assert row[3].startswith("+" if rise > 0 else "-")
        assert float(row[3]) == pytest.approx(rise, rel=6e-3, abs=1e-6 * start)
        expected = _expected_verdict(rise, limit)
        if expected is not None:
            told += 1
            assert row[4] == expected, (pair, rise, limit)
    assert told >= 2


def test_header_line_of_the_section(real_run):
    text = _section(real_run["summary"], "coffee")
    accuracy = real_run["history"].history["accuracy"][-1]
    assert abs(accuracy - real_run["history"].history["loss"][-1]) > 2e-3  # the two are told apart at 3 decimals
    assert f"Random start, seed 0, 1 epochs, final accuracy {accuracy:.3f}. " in text
    assert "Pairs: 3 of the 3 pairs of L1 units (all)." in text
    losses = real_run["losses"]
    ends = np.array([losses[p][:2] for p in real_run["pairs"]])
    rises = np.array([losses[p][2] - (losses[p][0] + losses[p][1]) / 2 for p in real_run["pairs"]])
    numbers = re.search(r"End loss (\S+); rounding seen between the ends (\S+)\. Middle minus ends: min (\S+), "
                        r"median (\S+), max (\S+)\.", text).groups()
    assert float(numbers[0]) == pytest.approx(np.median(ends[:, 0]), rel=5e-3)
    # The rounding is float32 noise: at least float32's step at the largest end loss, and a few steps at most.
    assert FLOAT32_STEP * ends.max() * 0.95 <= float(numbers[1]) <= 64 * FLOAT32_STEP * ends.max()
    for shown, value in zip(numbers[2:], (rises.min(), np.median(rises), rises.max())):
        assert float(shown) == pytest.approx(value, rel=6e-3, abs=1e-6)


def test_finding_counts_the_verdicts_of_the_table(real_run):
    text = _section(real_run["summary"], "coffee")
    kinds = [row[4] for row in real_run["rows"]]
    counts = [kinds.count(k) for k in ("higher", "level", "lower")]
    assert (f"coffee: of 3 pairs, the middle (units i and j equal) was higher than the ends for {counts[0]}, level for "
            f"{counts[1]} and lower for {counts[2]};") in text
    losses = real_run["losses"]
    rises = {p: losses[p][2] - (losses[p][0] + losses[p][1]) / 2 for p in real_run["pairs"]}
    end = float(np.median([losses[p][0] for p in real_run["pairs"]]))
    highest, lowest = max(rises.values()), min(rises.values())
    shown = re.search(r"the highest (.+?), the lowest (.+?(?:%|x the ends))\. ", text).groups()
    for words, rise in zip(shown, (highest, lowest)):
        if abs(rise) >= end:  # "138x the ends": 1 + rise / end
            assert float(words.removesuffix("x the ends")) == pytest.approx(1 + rise / end, rel=6e-3)
        else:  # "+8.8%": the rise in per cent of the end loss
            assert float(words.removesuffix("%")) == pytest.approx(100 * rise / end, rel=6e-3)
    # The closing sentence, chosen from the highest middle against the end loss.
    if highest >= end:
        assert "A ridge at least as high as the loss itself" in text
    elif counts[0] == 0:
        assert "No ridge here" in text
    elif highest >= 0.1 * end:
        assert f"A low ridge ({highest / end:.0%} of the loss at most)" in text
    else:
        assert f"The largest bump is {highest / end:.1%} of the loss" in text


def test_figure_title_and_legend(real_run):
    ax = real_run["figures"]["landscape"].axes[0]
    losses = real_run["losses"]
    end = float(np.median([losses[p][0] for p in real_run["pairs"]]))
    kinds = [row[4] for row in real_run["rows"]]
    counts = ", ".join(f"{kinds.count(k)} {k}" for k in ("higher", "level", "lower") if k in kinds)
    title, second = ax.get_title().split("\n")
    assert title.startswith("coffee, every L1 pair; loss at the ends ")
    assert float(title.rsplit(" ", 1)[1]) == pytest.approx(end, rel=5e-3)
    assert second == f"middle: {counts}"
    rises = {p: losses[p][2] - (losses[p][0] + losses[p][1]) / 2 for p in real_run["pairs"]}
    labels = ax.get_legend_handles_labels()[1]
    high, low = max(rises, key=rises.get), min(rises, key=rises.get)
    assert labels[0].startswith(f"highest middle: units {high[0]} and {high[1]} (")
    assert labels[1].startswith(f"lowest middle: units {low[0]} and {low[1]} (")
    bold = [line for line in ax.get_lines() if line.get_label() in labels]
    np.testing.assert_allclose(bold[0].get_ydata()[[0, 2, 4]], np.array(losses[high])[[0, 2, 1]] / end, rtol=1e-4)


# Paths chosen here, fed to the command in place of the walked ones: 5 points each, the middle at index 2, and
# the points beside it (1 and 3) and the ends set apart so that reading the wrong point shows.
def _path(start, middle, end=None, beside=None):
    end = start if end is None else end
    beside = (start + middle) / 2 + 0.01 if beside is None else beside
    return np.array([start, beside, middle, beside + 0.003, end])


def _fake_swap_path(paths):
    def swap_path(model, X, y, layer, i, j, points=21):
        assert points == 5
        return np.linspace(0.0, 1.0, 5), paths[i, j].copy()

    return swap_path


def _given(tmp_path, paths, pairs=3):
    summary, figures, _ = _run(tmp_path, ["landscape", "--data", "coffee", "--epochs", "1", "--points", "5", "--pairs",
                                          str(pairs)], swap_path=_fake_swap_path(paths), small_coffee=True)
    header, rows = _tables(summary)["coffee"]
    return summary, figures, {tuple(int(u) for u in row[0].split(", ")): row for row in rows}


def test_verdicts_against_the_margin_with_given_paths(tmp_path):
    rounding = 4e-7  # the largest difference between two ends, above float32's step at these losses (6e-8)
    limit = MARGIN * rounding
    paths = {(0, 1): _path(0.5, 0.5 + 1.5 * limit, end=0.5 + rounding),  # just above the margin: higher
             (0, 2): _path(0.45, 0.45 - 1.5 * limit),  # just below minus the margin: lower
             (1, 2): _path(0.7, 0.7 + 0.6 * limit)}  # inside the margin: level, though above 0 and the rounding
    summary, figures, rows = _given(tmp_path, paths)
    assert {p: row[4] for p, row in rows.items()} == {(0, 1): "higher", (0, 2): "lower", (1, 2): "level"}
    for p, row in rows.items():
        assert [float(v) for v in row[1].split(" / ")] == pytest.approx([paths[p][0], paths[p][-1]], rel=1e-6)
        assert float(row[2]) == pytest.approx(paths[p][2], rel=1e-6)
        rise = paths[p][2] - (paths[p][0] + paths[p][-1]) / 2
        assert float(row[3]) == pytest.approx(rise, rel=6e-3)
    text = _section(summary, "coffee")
    # The end loss is the median of the three alpha-0 losses (0.45, 0.5, 0.7: 0.5, where the mean is 0.55).
    assert "End loss 0.5; rounding seen between the ends 4e-07." in text
    assert "was higher than the ends for 1, level for 1 and lower for 1;" in text
    assert "Middle minus ends: min -6e-06, median 2.4e-06, max 5.8e-06." in text
    ax = figures["landscape"].axes[0]
    assert ax.get_title() == "coffee, every L1 pair; loss at the ends 0.5\nmiddle: 1 higher, 1 level, 1 lower"


@pytest.mark.parametrize("middles, closing", [
    # A middle 1.5 above an end loss of 0.5: rise >= the loss, a ridge, in "x the ends" (1 + 1.5 / 0.5 = 4).
    ((2.0, 0.4, 0.5), "the highest 4x the ends, the lowest -20%. A ridge at least as high as the loss itself separates"),
    # No middle higher: "No ridge here".
    ((0.4, 0.45, 0.5), "the highest +0%, the lowest -20%. No ridge here: the copies are joined by a valley"),
    # The highest 0.1 above 0.5: 20% of the loss, a low ridge.
    ((0.6, 0.55, 0.5), "the highest +20%, the lowest +0%. A low ridge (20% of the loss at most) separates the copies"),
    # The highest 0.01 above 0.5: 2% of the loss, a nearly flat valley.
    ((0.51, 0.505, 0.5), "the highest +2%, the lowest +0%. The largest bump is 2.0% of the loss: the copies are joined"),
])
def test_finding_sentence_with_given_paths(tmp_path, middles, closing):
    paths = {pair: _path(0.5, m) for pair, m in zip([(0, 1), (0, 2), (1, 2)], middles)}
    summary, _, rows = _given(tmp_path, paths)
    kinds = [rows[p][4] for p in sorted(rows)]
    expected = ["higher" if m > 0.5 else "lower" if m < 0.5 else "level" for m in middles]
    assert kinds == expected
    counts = [expected.count(k) for k in ("higher", "level", "lower")]
    assert (f"coffee: of 3 pairs, the middle (units i and j equal) was higher than the ends for {counts[0]}, level for "
            f"{counts[1]} and lower for {counts[2]}; " + closing) in summary


def test_pairs_drawn_when_fewer_than_all(tmp_path):
    paths = {(0, 1): _path(0.5, 0.9), (0, 2): _path(0.5, 0.3), (1, 2): _path(0.5, 0.6)}
    summary, figures, rows = _given(tmp_path, paths, pairs=2)
    assert len(rows) == 2 and set(rows) < set(paths)
    assert "Pairs: 2 of the 3 pairs of L1 units (drawn at random with the seed)." in summary
    assert figures["landscape"].axes[0].get_title().startswith("coffee, 2 of 3 L1 pairs; loss at the ends 0.5\n")
