"""Every number, verdict and sentence that ``sweep`` shows, computed another way.

The real command runs in this process on the coffee data (1 epoch, 3 seeds of ``random`` and ``constant`` as
replicas of one model); the replicas it trained are caught on their way out of ``run_sweep``. Its ``summary.md``,
its printed table and its figure titles (read off the SVG files: matplotlib keeps each text as a comment) are
parsed and checked against references that do not use the package's functions:

- two replicas retrained here as plain Keras models from their recorded starts, on the same data and batches:
  final weights, accuracy and loss;
- smallest distances from ``scipy.spatial.distance.pdist``, medians from ``np.median``, the matching of units
  from ``scipy.optimize.linear_sum_assignment`` on cosine similarities written out here (sign flips allowed for
  sigmoid units, as the summary says, and not for ReLU units).

Results made by hand (the command run with ``run_sweep`` returning them) reach what a short run cannot: a share
of seeds that is neither 0 nor 1, an even number of seeds (a median between two values), seeds that match up to
order and sign, and ReLU units that must not match sign-flipped.
"""
import contextlib
import html
import io
import re

import keras
import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import pdist

import course_companion.experiments.sweep as sweep
from course_companion.cli import main
from course_companion.data import load_dataset
from course_companion.recording import Recording

SAME = 0.99  # "the same unit": a matched similarity at least this, as the summary states it
HEADS = ["scheme", "seeds", "seeds in which every L1 unit separated",
         "smallest L1 distance at the end (min / median / max over seeds)", "median final accuracy"]
ALIGNMENT_HEADS = ["scheme", "seeds matched to the first", "at the start: median / least alike unit (median over seeds)",
                   "median similarity per seed (min / median / max)", "least alike unit per seed (min / median / max)",
                   f"seeds with every unit at >= {SAME}", "flipped matches"]
LEARNING_RATE, BATCH = 0.01, 200  # the coffee model's settings


def field(obj, name):
    """A result's field: ``run_sweep`` gives dicts or dataclasses with the same names."""
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


class Result(dict):
    """A replica made by hand, readable both ways (``r["scheme"]`` and ``r.scheme``)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


# -- independent references ----------------------------------------------------------------------------------------
def cosines(a, b):
    """Cosine similarity of every row of ``a`` with every row of ``b``, one pair at a time (two zero vectors: 1)."""
    out = np.zeros((len(a), len(b)))
    for i, u in enumerate(np.asarray(a, dtype=np.float64)):
        for j, v in enumerate(np.asarray(b, dtype=np.float64)):
            nu, nv = np.sqrt(u @ u), np.sqrt(v @ v)
            out[i, j] = (u @ v) / (nu * nv) if nu and nv else float(nu == nv == 0)
    return out


def match(reference, other, flips):
    """(similarity of each matched pair, number of flipped pairs): the largest total similarity, one to one."""
    c = cosines(reference, other)
    s = np.abs(c) if flips else c
    rows, cols = linear_sum_assignment(s, maximize=True)
    return s[rows, cols], int(np.sum(flips & (c[rows, cols] < 0)))


def printed(cell, value):
    """Whether a cell is ``value`` with 3 significant digits (exactly "0" for 0)."""
    if value == 0:
        return cell == "0"
    return cell != "0" and abs(float(cell) - value) <= 5e-3 * abs(value)


def near(cell, value, decimals=3):
    return abs(float(cell) - value) <= 0.5 * 10.0**-decimals + 2e-6


def spread(cell):
    """"a / b / c" -> its parts."""
    return cell.split(" / ")


def tables(text):
    found, block = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            block.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif block:
            found.append((block[0], block[2:]))
            block = []
    return found


def svg_texts(path):
    return [html.unescape(t.strip()) for t in re.findall(r"<!--(.*?)-->", path.read_text(), re.S)]


def expected(results, accuracy=None):
    """What the summary must say, per scheme, computed from the replicas' weights."""
    accuracy = accuracy or {}
    flips = field(results[0], "recording").metadata.get("activation", "sigmoid") == "sigmoid"
    out = {}
    for scheme in dict.fromkeys(field(r, "scheme") for r in results):
        mine = [r for r in results if field(r, "scheme") == scheme]
        recs = [field(r, "recording") for r in mine]
        smallest = np.array([pdist(rec.units("L1", -1)).min() for rec in recs])
        acc = [accuracy.get((scheme, field(r, "seed")), field(r, "recording").log("accuracy")[-1]) for r in mine]
        ends = [match(recs[0].units("L1", -1), rec.units("L1", -1), flips) for rec in recs[1:]]
        starts = [match(recs[0].units("L1", 0), rec.units("L1", 0), flips) for rec in recs[1:]]
        out[scheme] = {
            "seeds": [field(r, "seed") for r in mine], "accuracy": acc,
            "separated": np.mean(smallest > 0), "smallest": [smallest.min(), np.median(smallest), smallest.max()],
            "median accuracy": np.median(acc), "medians": [np.median(s) for s, _ in ends],
            "least": [s.min() for s, _ in ends], "flips": sum(f for _, f in ends),
            "start": [np.median([np.median(s) for s, _ in starts]), np.median([s.min() for s, _ in starts])],
        }
        out[scheme]["same"] = sum(least >= SAME for least in out[scheme]["least"])
    return out


def check_summary(summary, want, first_seed, last_seed):
    """Every number of the summary's two tables and of its findings against ``want`` (``expected``)."""
    (heads, rows), (aheads, arows) = tables(summary)
    assert heads == HEADS and aheads == ALIGNMENT_HEADS
    assert [r[0] for r in rows] == [r[0] for r in arows] == list(want)
    for row, arow in zip(rows, arows):
        w = want[row[0]]
        assert row[1] == str(len(w["seeds"]))
        assert row[2] == f"{w['separated']:.0%}"
        assert all(printed(c, v) for c, v in zip(spread(row[3]), w["smallest"], strict=True)), (row, w["smallest"])
        assert near(row[4], w["median accuracy"]), (row, w["accuracy"])
        assert arow[1] == str(len(w["seeds"]) - 1)
        assert all(near(c, v) for c, v in zip(spread(arow[2]), w["start"], strict=True)), (arow, w["start"])
        for cell, values in ((arow[3], w["medians"]), (arow[4], w["least"])):
            assert all(near(c, v) for c, v in zip(spread(cell), [min(values), np.median(values), max(values)],
                                                   strict=True)), (cell, values)
        assert arow[5] == f"{w['same']} of {len(w['seeds']) - 1}"
        assert arow[6] == str(w["flips"])
        verdict = ("the same units, up to order and sign" if w["same"] == len(w["least"]) else
                   "not the same units" if w["same"] == 0 else "the same units in some seeds, not in others")
        finding = re.search(rf"^- {re.escape(row[0])}: in (\d+) of (\d+) seeds every L1 unit matched a unit of seed (\d+) "
                            rf"with cosine similarity >= {SAME}; the least alike unit of the median seed has ([-0-9.]+)\. "
                            r"In words: (.+)\.$", summary, re.M)
        assert finding is not None, summary
        assert finding.group(1, 2, 3, 5) == (str(w["same"]), str(len(w["least"])), str(first_seed), verdict)
        assert near(finding.group(4), np.median(w["least"]))
    assert f"Seeds {first_seed} to {last_seed} of each scheme, trained side by side as replicas of one model." in summary


# -- the real command ----------------------------------------------------------------------------------------------
def run_cli(argv, replace=None):
    """Run ``sweep`` in this process; return (exit code, stdout, the results ``run_sweep`` gave)."""
    caught, real = [], sweep.run_sweep

    def spy(*args, **kwargs):
        results = real(*args, **kwargs) if replace is None else replace
        caught.extend(results)
        return results

    stdout = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(stdout):
        patch.setattr(sweep, "run_sweep", spy)
        code = main(["sweep", *argv])
    return code, stdout.getvalue(), caught


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "out"
    data = load_dataset("coffee")
    assert np.unique(data.y).tolist() == [0.0, 1.0]  # both classes in the training data
    code, stdout, results = run_cli(["--data", "coffee", "--epochs", "1", "--seeds", "3", "--seed", "1", "--schemes",
                                     "random", "constant", "--format", "svg", "--out", str(out)])
    assert code == 0
    plain = {}
    for r in results:
        if (field(r, "scheme"), field(r, "seed")) in (("random", 2), ("constant", 3)):
            plain[field(r, "scheme"), field(r, "seed")] = plain_fit(field(r, "recording"), data, first_seed=1)
    return {"out": out, "stdout": stdout, "results": results, "plain": plain, "summary": (out / "summary.md").read_text()}


def plain_fit(rec, data, first_seed):
    """A plain Keras 2-3-1 sigmoid model from the replica's record 0, fitted on the same batches; its numbers."""
    keras.utils.set_random_seed(first_seed)  # the sweep's first seed orders the batches of every replica
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="sigmoid"),
                              keras.layers.Dense(1, activation="sigmoid")])
    for layer, name in zip(model.layers, rec.dense_layers):
        units = rec.units(name, 0)
        layer.set_weights([units[:, :-1].T, units[:, -1]])
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="binary_crossentropy", metrics=["accuracy"],
                  steps_per_execution=500)
    history = model.fit(data.X, data.y, epochs=1, batch_size=BATCH, verbose=0, shuffle=True).history
    kernel, bias = model.layers[0].get_weights()
    return {"L1": np.c_[kernel.T, bias], "accuracy": history["accuracy"][-1], "loss": history["loss"][-1]}


def test_replicas_are_what_a_plain_keras_model_trains(real):
    assert [(field(r, "scheme"), field(r, "seed")) for r in real["results"]] == \
        [(s, k) for s in ("random", "constant") for k in (1, 2, 3)]
    for (scheme, seed), plain in real["plain"].items():
        rec = next(field(r, "recording") for r in real["results"] if (field(r, "scheme"), field(r, "seed")) == (scheme, seed))
        np.testing.assert_allclose(rec.units("L1", -1), plain["L1"], atol=1e-4, rtol=0)
        assert rec.log("accuracy")[-1] == pytest.approx(plain["accuracy"], abs=1e-6)
        assert rec.log("loss")[-1] == pytest.approx(plain["loss"], rel=1e-5)


def test_summary_numbers(real):
    accuracy = {key: plain["accuracy"] for key, plain in real["plain"].items()}
    want = expected(real["results"], accuracy)
    smallest = want["random"]["smallest"]
    assert smallest[0] < 0.99 * smallest[1] and smallest[1] < 0.99 * smallest[2]  # the order of min / median / max shows
    assert abs(np.median([field(r, "recording").log("loss")[-1] for r in real["results"][:3]])
               - want["random"]["median accuracy"]) > 0.01  # so does the loss read for the accuracy
    assert want["constant"]["same"] == 2 and want["random"]["same"] == 0  # both verdicts
    check_summary(real["summary"], want, 1, 3)
    assert "a sigmoid unit may match sign-flipped" in real["summary"]


def forward_accuracy(rec, X, y):
    """The accuracy of the replica's final weights on (X, y): a forward pass written out in NumPy."""
    hidden, out = rec.units("L1", -1).astype(np.float64), rec.units(rec.dense_layers[-1], -1).astype(np.float64)
    a = 1 / (1 + np.exp(-(X @ hidden[:, :-1].T + hidden[:, -1])))
    p = 1 / (1 + np.exp(-(a @ out[:, :-1].T + out[:, -1])))
    return float(np.mean((p > 0.5) == (y > 0.5)))


def test_the_accuracy_is_what_the_summary_says_it_is(real):
    """The sentence says Keras's running accuracy over the last epoch; the column is that, and it is not the accuracy
    of the final weights (which a forward pass gives, and which differs here), so the words matter."""
    data = load_dataset("coffee")
    mine = [field(r, "recording") for r in real["results"] if field(r, "scheme") == "random"]
    assert "Keras's running accuracy over the last epoch's batches" in real["summary"]
    heads, rows = tables(real["summary"])[0]
    cell = dict(zip(heads, rows[0]))["median final accuracy"]
    assert near(cell, np.median([rec.log("accuracy")[-1] for rec in mine]))
    final = np.median([forward_accuracy(rec, data.X.astype(np.float64), data.y) for rec in mine])
    assert not near(cell, final)  # this run's final weights do better than the running mean: the words are needed


def test_printed_table_is_the_summary_table(real):
    lines = real["stdout"].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| scheme | seeds |"))
    assert tables("\n".join(lines[start:start + 4])) == tables(real["summary"])[:1]  # the summary's table, checked there
    assert lines[1].endswith("; 3 seeds x 2 schemes = 6 replicas in one model; 1 epochs")
    losses = [field(r, "recording").log("loss")[-1] for r in real["results"]]
    progress = next(line for line in lines if line.startswith("6 replicas: epoch 1/1, mean loss "))
    assert near(re.search(r"mean loss ([0-9.]+)", progress).group(1), np.mean(losses), 4)


def test_figure_titles(real):
    want = expected(real["results"], {key: plain["accuracy"] for key, plain in real["plain"].items()})
    texts = svg_texts(real["out"] / "sweep.svg")
    assert "Does every unit end up different? Share of 3 seeds per scheme:" in texts
    assert ", ".join(f"{s} {w['separated']:.0%}" for s, w in want.items()) in texts
    texts = svg_texts(real["out"] / "alignment.svg")
    assert "Did other seeds learn the same L1 units as seed 1, in another order?" in texts
    medians = next(t for t in texts if t.startswith("median over seeds: "))
    found = dict(part.rsplit(" ", 1) for part in medians.removeprefix("median over seeds: ").split(", "))
    assert list(found) == list(want)
    assert all(near(found[s], np.median(w["medians"])) for s, w in want.items())
    texts = svg_texts(real["out"] / "aligned_units.svg")
    random = want["random"]
    assert "random: the L1 units of 3 of 3 seeds, each in the order that matches seed 1" in texts
    assert f"{random['same']} of 2 other seeds matched it (every unit at similarity >= {SAME})" in texts
    for k, seed in enumerate(random["seeds"]):
        title = next(t for t in texts if t.startswith(f"seed {seed},") or t.startswith(f"seed {seed} ("))
        assert near(title.rsplit(" ", 1)[1], random["accuracy"][k])
        if k == 0:
            assert title.startswith("seed 1, the reference, in its own order; final accuracy ")
            continue
        mark = "" if random["least"][k - 1] >= SAME else " (DID NOT MATCH)"
        numbers = re.fullmatch(rf"seed {seed}{re.escape(mark)}, matched to seed 1: similarity median ([-0-9.]+), "
                               r"smallest ([-0-9.]+); final accuracy [0-9.]+", title)
        assert numbers is not None, title
        assert near(numbers.group(1), random["medians"][k - 1]) and near(numbers.group(2), random["least"][k - 1])


# -- results made by hand ------------------------------------------------------------------------------------------
def replica(scheme, seed, start, end, accuracy, loss, activation="sigmoid", rng=None):
    """One replica of a coffee-like model (L1: 3 units of 2 inputs and a bias; L2: 1 output unit)."""
    out = rng.normal(size=(2, 1, 4))
    meta = {"scheme": scheme, "seed": seed, "data": "by hand", "activation": activation, "device": "CPU",
            "groups": {}, "replica": 0}
    rec = Recording.from_arrays(["L1", "L2"], steps=[0, 500], epochs=[0, 1], units={"L1": np.stack([start, end]),
                                "L2": out}, logs=[{}, {"accuracy": accuracy, "loss": loss}], metadata=meta)
    return Result(scheme=scheme, seed=seed, recording=rec)


def by_hand(rng, activation="sigmoid"):
    """Four seeds (5 to 8) of two schemes, with what the summary must find built in."""
    ref = rng.normal(size=(3, 3))
    twin = ref[[2, 0, 1]] * np.array([[1.0], [-1.0], [1.0]])  # the reference's units reordered, one negated
    pair = rng.normal(size=(3, 3))
    pair[2] = pair[0]  # two equal units: this seed's units did not all separate
    ends = [ref, twin, pair, rng.normal(size=(3, 3))]
    accuracy, loss = [0.9, 0.5, 0.7, 0.8], [0.2, 0.6, 0.4, 0.3]
    results = [replica("random", 5 + k, rng.normal(size=(3, 3)), ends[k], accuracy[k], loss[k], activation, rng)
               for k in range(4)]
    v = rng.normal(size=3)  # every unit of every seed the same, up to sign: 2 seeds negated
    for k, sign in enumerate([1.0, -1.0, 1.0, -1.0]):
        start = np.zeros((3, 3))
        results.append(replica("constant", 5 + k, start, np.tile(sign * v, (3, 1)), 0.6 + 0.05 * k, 0.5, activation, rng))
    return results


def test_made_by_hand_sigmoid(tmp_path, rng):
    results = by_hand(rng)
    code, stdout, _ = run_cli(["--data", "coffee", "--seeds", "4", "--seed", "5", "--schemes", "random", "constant",
                               "--format", "svg", "--out", str(tmp_path)], replace=results)
    assert code == 0
    want = expected(results)
    assert want["random"]["separated"] == 0.75 and want["random"]["median accuracy"] == 0.75
    assert want["random"]["same"] == 1 and want["random"]["flips"] >= 1  # the twin matched, sign-flipped once
    assert want["constant"]["same"] == 3 and want["constant"]["flips"] == 6  # 2 negated seeds of 3 units
    assert want["constant"]["start"] == [1.0, 1.0]  # zero vectors are alike (the stated convention)
    summary = (tmp_path / "summary.md").read_text()
    check_summary(summary, want, 5, 8)
    assert "| random | 4 | 75% | 0 / " in summary and " | 0.750 |" in summary


def test_made_by_hand_relu_units_never_match_flipped(tmp_path, rng):
    results = by_hand(rng, activation="relu")
    code, _, _ = run_cli(["--data", "coffee", "--seeds", "4", "--seed", "5", "--schemes", "random", "constant",
                          "--format", "svg", "--out", str(tmp_path)], replace=results)
    assert code == 0
    want = expected(results)
    assert want["random"]["same"] == 0 and want["constant"]["same"] == 1  # the negated ones match no unit now
    assert want["random"]["flips"] == want["constant"]["flips"] == 0
    summary = (tmp_path / "summary.md").read_text()
    check_summary(summary, want, 5, 8)
    assert "ReLU units match without sign flips" in summary
