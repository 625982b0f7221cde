"""The one tie (``analysis.tie``) and the counts built on it, against brute-force loops written here.

NaN and infinity are never tied, nothing hangs, and every verdict's part, units, size and record is the one a
plain loop over the weights finds first.
"""
import signal

import numpy as np
import pytest

from course_companion.analysis import (distinct_from_distances, distinct_units, full_tie_gap, groups_from_distances,
                                       identical_groups, pairwise_distances, relative_tie_gap, tie_gap, tie_verdict)
from course_companion.testing import assert_tied


@pytest.fixture(autouse=True)
def no_hang():
    """Every test here is NumPy only: two seconds is a hang."""
    signal.signal(signal.SIGALRM, lambda *_: pytest.fail("hung: over 2 s"))
    signal.alarm(2)
    yield
    signal.alarm(0)


def brute_first_difference(parts, groups, atol=0.0):
    """The first (record, group, part) whose rows differ or hold a non-finite value, by plain Python loops."""
    names = [n for n in ("incoming", "outgoing", "between") if n in parts]
    arrays = {n: np.asarray(parts[n], float) for n in names}
    arrays = {n: a if a.ndim == 3 else a[None] for n, a in arrays.items()}
    records = max(len(a) for a in arrays.values())
    for r in range(records):
        for group in groups:
            for n in names:
                a = arrays[n][min(r, len(arrays[n]) - 1)]
                for u in group:
                    for k in range(a.shape[1]):
                        if not np.isfinite(a[u, k]):
                            return ("not finite", n, u, k)
                worst, where = -1.0, None
                for u in group[1:]:
                    for k in range(a.shape[1]):
                        d = abs(a[u, k] - a[group[0], k])
                        if d > worst:
                            worst, where = d, (u, k)
                if worst > atol:
                    return ("apart", n, where[0], where[1], worst, r)
    return ("held",)


@pytest.mark.parametrize("seed", range(20))
def test_verdict_matches_a_brute_force_loop(seed):
    rng = np.random.default_rng(seed)
    units, records = 6, 3
    incoming = np.repeat(rng.normal(size=(records, 1, 4)), units, axis=1)
    outgoing = np.repeat(rng.normal(size=(1, 3)), units, axis=0)
    groups = [[0, 2, 4], [1, 5]]
    kind = seed % 4
    if kind == 1:  # a difference in one incoming weight at one record
        incoming[rng.integers(records), rng.choice([2, 4, 5]), rng.integers(4)] += rng.choice([1e-7, 0.3])
    elif kind == 2:  # only the outgoing weights differ
        outgoing[rng.choice([2, 4, 5]), rng.integers(3)] -= 0.25
    elif kind == 3:  # a NaN or infinity somewhere in a group
        incoming[rng.integers(records), rng.choice([0, 2, 1]), rng.integers(4)] = rng.choice([np.nan, np.inf, -np.inf])
    parts = {"incoming": incoming, "outgoing": outgoing}
    verdict = tie_verdict(parts, groups)
    expected = brute_first_difference(parts, groups)
    assert verdict.status == expected[0]
    if expected[0] == "not finite":
        assert (verdict.part, verdict.units[1], verdict.index) == expected[1:4]
        assert np.isnan(verdict.size)
    elif expected[0] == "apart":
        assert (verdict.part, verdict.units[1], verdict.index, verdict.size) == expected[1:5]
        assert verdict.record == expected[5]
    assert verdict.held == (kind == 0)


def test_nan_is_never_tied_even_to_nan():
    for w in ([[np.nan, 1.0], [5.0, 7.0]], [[np.nan, 1.0], [np.nan, 1.0]], [[np.inf, 1.0], [np.inf, 1.0]]):
        assert tie_verdict({"incoming": np.array(w)}, [[0, 1]]).status == "not finite"
        with pytest.raises(AssertionError, match="NaN is never tied"):
            assert_tied(np.array(w), None, [[0, 1]])


def test_the_issues_nan_example_is_not_tied():
    with pytest.raises(AssertionError, match=r"units \[0, 1\] cannot be tied: unit 0 has a NaN"):
        assert_tied(np.array([[np.nan, 1.0], [5.0, 7.0]]), None, [[0, 1]])


def test_tolerance_is_inclusive_and_read_from_the_largest_difference():
    w = np.array([[0.0, 1.0], [0.5, 1.0], [0.0, 1.25]])
    assert tie_verdict({"incoming": w}, [[0, 1, 2]], atol=0.5).held
    v = tie_verdict({"incoming": w}, [[0, 1, 2]], atol=0.4)
    assert (v.status, v.units, v.index, v.size) == ("apart", (0, 1), 0, 0.5)


def test_between_values_count():
    w = np.zeros((3, 2))
    v = tie_verdict({"incoming": w, "between": np.array([[1.0], [1.0], [2.0]])}, [[0, 1, 2]])
    assert (v.part, v.units, v.size) == ("between", (0, 2), 1.0)


def brute_groups(w):
    """Groups by exact equality of finite rows, by a loop over pairs: each unit joins the first earlier equal unit."""
    owner = {}
    for j in range(len(w)):
        for i in range(j):
            if owner.get(i, i) == i and np.all(np.isfinite(w[i])) and np.all(np.isfinite(w[j])) and np.array_equal(w[i], w[j]):
                owner[j] = i
                break
    groups = {}
    for j in range(len(w)):
        groups.setdefault(owner.get(j, j), []).append(j)
    return sorted(groups.values())


@pytest.mark.parametrize("seed", range(15))
def test_distinct_units_and_groups_against_a_loop(seed):
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(4, 3))
    w = base[rng.integers(0, 4, size=9)]
    if seed % 3 == 0:
        w[rng.integers(9), rng.integers(3)] = np.nan
    if seed % 5 == 0:
        w[rng.integers(9)] = np.inf
    expected = brute_groups(w)
    assert distinct_units(w) == len(expected)
    assert identical_groups(w) == [g for g in expected if len(g) > 1]
    d = pairwise_distances(w)
    assert distinct_from_distances(d) == len(expected)
    assert groups_from_distances(d) == [g for g in expected if len(g) > 1]


def test_nan_units_end_and_count_apart():
    w = np.array([[np.nan, 1.0], [0.0, 1.0], [np.nan, 1.0], [0.0, 1.0]])
    assert distinct_units(w) == 3  # the two NaN units each alone, the two equal ones together
    assert identical_groups(w) == [[1, 3]]
    assert distinct_from_distances(pairwise_distances(w)) == 3


def test_tie_gap_is_the_largest_over_groups():
    w = np.array([[0.0, 0.0], [0.0, 0.1], [1.0, 1.0], [1.0, 4.0], [9.0, 9.0]])
    # by hand: group [0, 1] differs by 0.1, group [2, 3] by 3.0
    assert tie_gap(w, [[0, 1], [2, 3]]) == 3.0
    assert tie_gap(w, [[2, 3], [0, 1]]) == 3.0
    assert tie_gap(np.stack([w, w]), [[0, 1], [2, 3]]).tolist() == [3.0, 3.0]
    # relative: over the largest weight of the groups' units (4.0), not of every unit (9.0)
    assert relative_tie_gap(w, [[0, 1], [2, 3]]) == 0.75


def test_tie_gap_keeps_nan():
    assert np.isnan(tie_gap(np.array([[np.nan, 0.0], [0.0, 0.0]]), [[0, 1]]))


def test_full_tie_gap_counts_outgoing_and_between():
    incoming = np.zeros((3, 2))
    outgoing = np.array([[0.0], [0.5], [9.0]])
    between = np.array([[1.0, 2.0], [1.0, 2.75], [0.0, 0.0]])
    assert full_tie_gap({"incoming": incoming}, [[0, 1]]) == 0.0
    assert full_tie_gap({"incoming": incoming, "outgoing": outgoing}, [[0, 1]]) == 0.5
    assert full_tie_gap({"incoming": incoming, "outgoing": outgoing, "between": between}, [[0, 1]]) == 0.75


def test_bad_parts_are_refused():
    w = np.zeros((3, 2))
    with pytest.raises(ValueError, match="parts must be named"):
        tie_verdict({"weights": w}, [[0, 1]])
    with pytest.raises(ValueError, match="'outgoing' has|has 2 units"):
        tie_verdict({"incoming": w, "outgoing": np.zeros((2, 1))}, [[0, 1]])
    with pytest.raises(ValueError, match="names unit 5"):
        tie_verdict({"incoming": w}, [[0, 5]])
    with pytest.raises(ValueError, match="at least one group"):
        tie_verdict({"incoming": w}, [])


def _diverged_recording(scheme="constant"):
    """A constant run whose weights became NaN in the last record (what a diverging fit records)."""
    from course_companion.recording import Recording

    l1 = np.zeros((2, 3, 3))
    l1[1] = np.nan
    out = np.zeros((2, 1, 4))
    return Recording.from_arrays(["L1", "L2"], [0, 5], [0, 1], units={"L1": l1, "L2": out},
                                 logs=[{}, {"accuracy": 0.5, "loss": np.nan}],
                                 metadata={"scheme": scheme, "seed": 0, "data": "test", "groups": {"0": [[0, 1, 2]]}},
                                 dense_layers=["L1", "L2"])


def test_a_diverged_run_is_never_called_tied_and_its_summary_ends():
    from course_companion.summaries.compare import answer_finding, summary_markdown

    recordings = {"constant": _diverged_recording()}
    title = answer_finding(recordings)
    assert "NaN or infinite" in title and "stay equal" not in title
    assert "Distinct units of L1 (3) after training - constant: 3" in title  # each NaN unit counts apart
    text = summary_markdown(recordings)
    assert "Tie check (constant, equal exactly (CPU)): FAILED" in text and "NaN is never tied" in text
    assert "largest tie gap nan" in text


def test_compare_refuses_a_constant_float32_cannot_hold_before_training(tmp_path, capsys):
    import time

    from course_companion.cli import main

    signal.alarm(10)  # the CLI imports Keras: more than NumPy's 2 s, far less than a training
    start = time.perf_counter()
    code = main(["compare", "--constant", "1e308", "--schemes", "constant", "--epochs", "1", "--out", str(tmp_path / "o")])
    assert code == 2
    assert time.perf_counter() - start < 5
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--constant" in err[0] and "float32" in err[0]
    assert not (tmp_path / "o").exists()
