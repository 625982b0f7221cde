"""Every number, verdict and sentence of ``breakers``' summary.md and figure, recomputed another way.

The real command runs in-process on small fixtures that hold every class of their labels. A Keras callback added
to its fit reads each branch's L1 units straight from the layers' variables (incoming column and bias, the row of
the next Dense kernel, any BatchNormalization's four values) at the start, after epoch 1 and at the end; from them
this file computes with plain loops the tie (every part exactly equal), the gaps, the relative gap, the distinct
units, and with a NumPy forward pass of each branch the accuracy on the fixture's own labels. Every cell, verdict
word and sentence is then compared with those.
"""
import dataclasses
import inspect
import re

import keras
import numpy as np
import pytest

import course_companion.data as data_module
import course_companion.report as report
import course_companion.training as training
from course_companion.cli import main
from course_companion.data import DataSet
from course_companion.schemes import MULTICLASS

HEADER = ["condition", "change", "data", "tie", "distinct units", "final accuracy", "full tie gap at the start",
          "after epoch 1", "at the end", "relative, at the end", "epochs"]
# The changes these tests run, with their condition and words as the command's help and table give them.
WORDS = {
    "none": ("none", "nothing: the tied start"),
    "input-mask": ("inputs", "each L1 unit misses its own inputs"),
    "dropout-l1": ("inputs", "Dropout(0.2) after L1"),
    "random": ("starting weights", "a random start (Glorot uniform)"),
    "incoming-only": ("starting weights", "L1's incoming weights tied, outgoing random"),
    "mirrored": ("starting weights", "L1 tied, every other weight random"),
    "float64": ("might seem to matter", "float64 instead of float32"),
    "batchnorm": ("might seem to matter", "BatchNormalization after L1"),
}
ROUNDING_STEPS = 100  # "by rounding only": a relative full tie gap under 100 steps of the dtype's resolution
RESOLUTION = {"float32": 2.0**-23, "float64": 2.0**-52}


def _table(text):
    lines = text.splitlines()
    k = next(k for k, line in enumerate(lines) if line.startswith("| ") and lines[k + 1].startswith("| ---"))
    rows = []
    for row in lines[k + 2:]:
        if not row.startswith("| "):
            break
        rows.append([c.strip() for c in row.strip().strip("|").split(" | ")])
    return [c.strip() for c in lines[k].strip().strip("|").split(" | ")], rows


def _branches(model):
    """The branch models inside the side-by-side model, in order."""
    return [layer for layer in model.layers if isinstance(layer, keras.Model)]


def _parts(branch):
    """L1's units of one branch, one row each: incoming column, bias, outgoing row, then values in between."""
    layers = branch.layers
    dense = [k for k, layer in enumerate(layers) if isinstance(layer, keras.layers.Dense)]
    l1, l2 = layers[dense[0]], layers[dense[1]]
    columns = [np.asarray(l1.kernel.numpy(), np.float64).T, np.asarray(l1.bias.numpy(), np.float64)[:, None],
               np.asarray(l2.kernel.numpy(), np.float64)]
    for layer in layers[dense[0] + 1:dense[1]]:
        if isinstance(layer, keras.layers.BatchNormalization):
            columns += [np.asarray(v.numpy(), np.float64)[:, None]
                        for v in (layer.gamma, layer.beta, layer.moving_mean, layer.moving_variance)]
    return np.concatenate(columns, axis=1)


def _forward(branch, X):
    """The branch's outputs in inference mode, in NumPy: Dropout and noise are off, BatchNormalization uses its
    moving statistics."""
    a = np.asarray(X, np.float64)
    acts = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "relu": lambda z: np.maximum(z, 0), "linear": lambda z: z}
    for layer in branch.layers:
        if isinstance(layer, keras.layers.Dense):
            kernel = np.asarray(layer.kernel.numpy(), np.float64)
            if type(layer) is not keras.layers.Dense:  # the input mask: unit j misses inputs j, j + units, ...
                assert type(layer).__name__ == "MaskedDense", "this reference knows Dense and MaskedDense only"
                kernel = kernel.copy()
                for j in range(kernel.shape[1]):
                    kernel[j::kernel.shape[1], j] = 0.0
            z = a @ kernel + np.asarray(layer.bias.numpy(), np.float64)
            a = acts[layer.get_config()["activation"]](z)
        elif isinstance(layer, keras.layers.BatchNormalization):
            g, b, m, v = (np.asarray(w.numpy(), np.float64) for w in (layer.gamma, layer.beta, layer.moving_mean,
                                                                      layer.moving_variance))
            a = g * (a - m) / np.sqrt(v + layer.epsilon) + b
        elif not isinstance(layer, (keras.layers.Dropout, keras.layers.GaussianNoise, keras.layers.InputLayer)):
            raise AssertionError(f"unexpected layer {layer!r}")
    return a


def _guess(branch, X):
    """The class the branch predicts for each row: output over 0.5 (one sigmoid output), else the largest logit."""
    out = _forward(branch, X)
    return (out[:, 0] > 0.5).astype(int) if out.shape[1] == 1 else np.argmax(out, axis=1)


def _accuracy(guess, y):
    return sum(int(g == t) for g, t in zip(guess, np.ravel(y))) / len(guess)


def _gap(rows):
    """The largest difference between any two units (all of L1 is one group), by a loop over the pairs."""
    return max(float(np.abs(rows[u] - rows[v]).max()) for u in range(len(rows)) for v in range(u))


class _Parts(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.start, self.first = None, None

    def on_train_begin(self, logs=None):
        self.start = [_parts(b) for b in _branches(self.model)]

    def on_epoch_end(self, epoch, logs=None):
        if epoch == 0:
            self.first = [_parts(b) for b in _branches(self.model)]


def _run(tmp_path, argv, sets):
    """Run ``breakers`` in-process with ``sets`` ({(name, model): DataSet}) for the data sets it loads.

    Returns (summary, figures, fits): per fit, (callback, model), in the order trained.
    """
    fits, figures = [], {}
    real_train, real_write = training.train, report.write_outputs

    def train_spy(*args, **kwargs):
        bound = inspect.signature(real_train).bind(*args, **kwargs)
        watch = _Parts()
        bound.arguments["callbacks"] = list(bound.arguments.get("callbacks") or ()) + [watch]
        model, history = real_train(*bound.args, **bound.kwargs)
        fits.append((watch, model))
        return model, history

    def write_spy(*args, **kwargs):
        figures.update(inspect.signature(real_write).bind(*args, **kwargs).arguments.get("figures") or {})
        return real_write(*args, **kwargs)

    def load(name, model="binary"):
        return sets[name, model]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(training, "train", train_spy)
        mp.setattr(report, "write_outputs", write_spy)
        mp.setattr(data_module, "load_dataset", load)
        out = tmp_path / "out"
        assert main(argv + ["--out", str(out)]) == 0
    return (out / "summary.md").read_text(), figures, fits


def _reference(fits, order, datasets):
    """{(data label, change): what the row must say}, from the weights read and a forward pass.

    ``order``: per data set, the changes of each fit in the order the branches were built.
    """
    ref, fits = {}, iter(fits)
    for data in datasets:
        for changes in order:
            watch, model = next(fits)
            branches = _branches(model)
            assert len(branches) == len(changes)
            for k, change in enumerate(changes):
                end = _parts(branches[k])
                start, first = watch.start[k], watch.first[k]
                dtype = "float64" if change == "float64" else "float32"
                fan_in = data.X.shape[1]
                assert branches[k].layers[-1].kernel.dtype == dtype
                distinct = len({row.tobytes() for row in end})
                held = all(np.array_equal(end[u], end[0]) for u in range(len(end)))
                gaps = [_gap(start), _gap(first), _gap(end)]
                relative = gaps[2] / float(np.abs(end).max())
                equal = [[u for u in range(len(end)) if np.array_equal(end[u], row)] for row in end]
                groups = [g for k2, g in enumerate(equal) if len(g) > 1 and g[0] == k2]
                guess = _guess(branches[k], data.X)
                ref[data.label, change] = {
                    "held": held, "distinct": distinct, "gaps": gaps, "relative": relative, "groups": groups,
                    "accuracy": _accuracy(guess, data.y), "guess": guess, "dtype": dtype,
                    "rounding": not held and gaps[0] == 0 and relative < ROUNDING_STEPS * RESOLUTION[dtype],
                    "incoming tied": all(np.array_equal(end[u, :fan_in + 1], end[0, :fan_in + 1]) for u in range(len(end)))}
    return ref


def _span(units):
    """[0, 1, 2, 5] -> "0-2, 5": runs of consecutive units."""
    runs = []
    for u in units:
        if runs and u == runs[-1][-1] + 1:
            runs[-1].append(u)
        else:
            runs.append([u])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def _number(shown, value):
    """A gap printed with 3 significant digits, "0" for exactly 0."""
    return shown == "0" if value == 0 else float(shown) == pytest.approx(value, rel=6e-3)


def _check_rows(rows, ref, epochs):
    for row in rows:
        change = next(name for name, (cond, words) in WORDS.items() if words == row[1])
        r = ref[row[2], change]
        assert row[0] == WORDS[change][0]
        assert row[3] == ("held" if r["held"] else "broke"), (row, r)
        assert row[4] == str(r["distinct"])
        assert row[5] == f"{r['accuracy']:.3f}", (row, r["accuracy"])
        for shown, value in zip(row[6:9], r["gaps"]):
            assert _number(shown, value), (row, r["gaps"])
        assert _number(row[9], r["relative"])
        assert row[10] == str(epochs)
        # The verdict word against the gaps in the same row: held exactly when the tie gap at the end is 0.
        assert (row[3] == "held") == (row[8] == "0") == (row[9] == "0") == (row[4] == "1")


def _fixtures():
    """Small versions of the three default data sets, each holding every class of its labels; the binary digits'
    pixels all 0, so that a change can hold on one data set and break on another."""
    real = data_module.load_dataset
    coffee = real("coffee")
    coffee = dataclasses.replace(coffee, X=coffee.X[:4000].copy(), y=coffee.y[:4000].copy())  # 20 of its 500 tiles
    binary = real("digits")  # its model on inputs that are all 0: a mask on them changes nothing
    keep = np.r_[0:100, 500:600]
    binary = dataclasses.replace(binary, X=np.zeros_like(binary.X[keep]), y=binary.y[keep].copy())
    multi = real("digits", model="multiclass")
    keep = np.concatenate([np.flatnonzero(multi.y[:, 0] == c)[:30] for c in range(10)])
    multi = dataclasses.replace(multi, X=multi.X[keep].copy(), y=multi.y[keep].copy())
    assert np.unique(coffee.y).tolist() == [0, 1] and np.unique(binary.y).tolist() == [0, 1]
    assert np.unique(multi.y).tolist() == list(range(10))
    return {("coffee", "binary"): coffee, ("digits", "binary"): binary, ("digits", "multiclass"): multi}


CHANGES = ["input-mask", "dropout-l1", "incoming-only", "mirrored", "float64", "batchnorm"]
# The fits: the changes that share the training settings are branches of one model (in the order of the command's
# list of changes); float64 trains alone.
FITS = [["input-mask", "dropout-l1", "incoming-only", "mirrored", "batchnorm"], ["float64"]]


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    sets = _fixtures()
    summary, figures, fits = _run(tmp_path_factory.mktemp("breakers"),
                                  ["breakers", "--changes", *CHANGES, "--epochs", "2"], sets)
    datasets = list(sets.values())
    return {"summary": summary, "figures": figures, "ref": _reference(fits, FITS, datasets), "datasets": datasets}


def test_every_row_against_the_weights(three):
    header, rows = _table(three["summary"])
    assert header == HEADER
    labels = ["coffee", "digits", "digits, multiclass"]
    assert sorted((row[2], row[1]) for row in rows) == sorted((d, WORDS[c][1]) for d in labels for c in CHANGES)
    _check_rows(rows, three["ref"], 2)


def test_accuracy_is_on_the_fixtures_own_labels(three):
    """The accuracy in the table is the branch's on the fixture's own labels; other labels would show."""
    _, rows = _table(three["summary"])
    for data in three["datasets"]:
        for change in ("incoming-only", "dropout-l1"):
            row = next(r for r in rows if r[2] == data.label and r[1] == WORDS[change][1])
            r = three["ref"][data.label, change]
            assert row[5] == f"{r['accuracy']:.3f}"
            wrong = [np.zeros_like(data.y), 1 - data.y if data.y.max() == 1 else (data.y + 1) % 10]
            if data.label == "digits, multiclass" and change == "incoming-only":  # ten classes, trained apart: other
                # labels would show (the tied starts here still guess one class for every row)
                assert all(f"{_accuracy(r['guess'], labels):.3f}" != row[5] for labels in wrong)
    assert three["ref"]["digits, multiclass", "incoming-only"]["accuracy"] > 0.2  # ten classes: better than a guess


def test_findings_follow_the_rows(three):
    ref, summary = three["ref"], three["summary"]
    labels = ["coffee", "digits", "digits, multiclass"]
    held = {c: [ref[d, c]["held"] for d in labels] for c in CHANGES}
    always = [c for c in CHANGES if not any(held[c])]
    never = [c for c in CHANGES if all(held[c])]
    some = [c for c in CHANGES if c not in always and c not in never]
    assert f"- Broke the tie on every data set here: {', '.join(always) or 'none'}." in summary
    assert f"- Kept it exactly on every data set: {', '.join(never) or 'none'}." in summary
    for name in some + [c for c in always if any(ref[d, c]["rounding"] for d in labels)]:
        line = next(l for l in summary.splitlines() if l.startswith(f"- {name}: "))
        for d in labels:
            r = ref[d, name]
            if r["held"]:
                assert f"held on {d}" in line
                continue
            size = "by rounding only" if r["rounding"] else "by more than rounding"
            said = re.search(rf"broke on {re.escape(d)} (by [a-z ]+?) \((\d+) distinct units(; units [^;]+ stayed equal)?; "
                             r"full tie gap (\S+) after epoch 1, (\S+) at the end, relative (\S+) in (float\d+)\)", line)
            assert said, (line, d)
            assert said.group(1) == size and said.group(2) == str(r["distinct"])
            assert _number(said.group(4), r["gaps"][1]) and _number(said.group(5), r["gaps"][2])
            assert _number(said.group(6), r["relative"]) and said.group(7) == r["dtype"]
            spans = " | ".join(_span(g) for g in r["groups"])
            assert said.group(3) == (f"; units {spans} stayed equal" if spans else None)
    # The learner's conditions, each from the verdicts of its changes on all three data sets.
    for condition in ("inputs", "starting weights"):
        names = [c for c in CHANGES if WORDS[c][0] == condition]
        broke = [c for c in names if not any(held[c])]
        kept = [c for c in names if all(held[c])]
        line = next(l for l in summary.splitlines() if l.startswith(f"- Not the same {condition}: "))
        assert f"broke the tie: {'; '.join(WORDS[c][1] for c in broke) or 'none'}." in line
        assert f"Kept it exactly: {'; '.join(WORDS[c][1] for c in kept) or 'none'}." in line
        mixed = [c for c in names if c not in broke and c not in kept]
        assert (f" Depends on the data set: {', '.join(mixed)}." in line) if mixed else "Depends" not in line


def test_figure_title_and_cells(three):
    ref = three["ref"]
    fig = three["figures"]["breakers"]
    kept = sum(r["held"] for r in ref.values())
    assert fig._suptitle.get_text() == f"What breaks a tie? One change at a time from tied units: {kept} of {len(ref)} kept the tie"
    ax = fig.axes[0]
    labels = ["coffee", "digits", "digits, multiclass"]
    assert [t.get_text() for t in ax.get_xticklabels()] == labels
    by_words = {words: name for name, (_, words) in WORDS.items()}
    changes = [by_words[t.get_text()] for t in ax.get_yticklabels()]
    assert sorted(changes) == sorted(CHANGES)
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts
             if "accuracy" in t.get_text()}
    for i, name in enumerate(changes):
        for j, d in enumerate(labels):
            r = ref[d, name]
            text = cells[i, j]
            if r["gaps"][0] > 0:
                assert text.startswith(f"apart from the start: {r['distinct']} units\n")
            elif r["held"]:
                assert text.startswith("held\n")
            else:
                assert text.startswith(f"broke: {r['distinct']} distinct units\n")
            if not r["held"]:  # how far apart
                assert _number(text.split("relative full tie gap ")[1].split("\n")[0], r["relative"])
            assert text.endswith(f"accuracy {r['accuracy']:.3f}")


@pytest.fixture(scope="module")
def silent_relu(tmp_path_factory):
    """Week 2's ReLU model on inputs that are all 0, every class in the labels: with a zero bias every L1 unit
    outputs 0, so neither its incoming nor its outgoing weights get a gradient."""
    X = np.zeros((100, 400), np.float32)
    y = (np.arange(100) % 10).reshape(-1, 1).astype(np.float32)
    assert np.unique(y).tolist() == list(range(10))
    data = DataSet("digits", X, y, "100 rows of zeros", MULTICLASS, 2, 32)
    changes = ["none", "incoming-only", "mirrored"]
    summary, figures, fits = _run(tmp_path_factory.mktemp("zeros"), ["breakers", "--data", "digits", "--model",
                                  "multiclass", "--changes", *changes, "--epochs", "2"], {("digits", "multiclass"): data})
    return {"summary": summary, "ref": _reference(fits, [changes], [data])}


def test_held_needs_the_outgoing_weights_too(silent_relu):
    ref = silent_relu["ref"]
    r = ref["digits, multiclass", "incoming-only"]
    # The case can tell: the incoming weights and biases stayed exactly tied; only the outgoing rows differ.
    assert r["incoming tied"] and not r["held"]
    _, rows = _table(silent_relu["summary"])
    verdicts = {row[1]: row[3] for row in rows}
    assert verdicts[WORDS["incoming-only"][1]] == "broke"
    assert verdicts[WORDS["mirrored"][1]] == "held"
    _check_rows(rows, ref, 2)
