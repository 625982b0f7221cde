"""The forum's two-neuron network: ties hold at every record, gradients follow the chain rule worked by hand."""
import numpy as np
import pytest

from course_companion.data import standardized_coffee_data
from course_companion.experiments.explain import SETUPS, forum_weights, run_explain, weights_and_gradients_at
from course_companion.testing import assert_tied


@pytest.fixture(scope="module")
def recordings():
    return run_explain(epochs=3, seed=0, setups=SETUPS)


def _chain_rule(w, X, y):
    """All six gradients of the mean binary cross-entropy, by hand in float64 NumPy."""
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    a1, a2 = sig(w["w1"] * X[:, 0] + w["w2"] * X[:, 1]), sig(w["w3"] * X[:, 0] + w["w4"] * X[:, 1])
    delta = (sig(w["w5"] * a1 + w["w6"] * a2) - y[:, 0]) / len(X)
    d1, d2 = delta * w["w5"] * a1 * (1 - a1), delta * w["w6"] * a2 * (1 - a2)
    return {"w1": d1 @ X[:, 0], "w2": d1 @ X[:, 1], "w3": d2 @ X[:, 0], "w4": d2 @ X[:, 1],
            "w5": delta @ a1, "w6": delta @ a2}


def test_setups_share_one_draw():
    (h_u, o_u), (h_i, o_i), (h_t, o_t) = (forum_weights(s) for s in ("untied", "incoming-only", "tied"))
    np.testing.assert_array_equal(h_i[:, 0], h_i[:, 1])
    np.testing.assert_array_equal(h_i[:, 0], h_u[:, 0])
    np.testing.assert_array_equal(o_i, o_u)
    assert o_i[0, 0] != o_i[1, 0] and o_t[0, 0] == o_t[1, 0]
    with pytest.raises(ValueError, match="setup must be one of"):
        forum_weights("mirrored")


@pytest.mark.parametrize("setup", SETUPS)
def test_gradients_follow_the_chain_rule(recordings, setup):
    X, y = standardized_coffee_data()
    rec = recordings[setup]
    for record in range(len(rec)):
        at = weights_and_gradients_at(rec, record)
        hand = _chain_rule({k: v[0] for k, v in at.items()}, X.astype(np.float64), y.astype(np.float64))
        for name, (_, recorded) in at.items():
            assert recorded == pytest.approx(hand[name], rel=2e-6), (setup, record, name)  # 4.9e-7 measured (float32)


def test_tie_holds_at_every_record_only_when_complete(recordings):
    tied = recordings["tied"]
    assert_tied(tied, "hidden", [[0, 1]])  # exact on the CPU, every record
    out = tied.units("out")
    np.testing.assert_array_equal(out[:, 0, 0], out[:, 0, 1])
    with pytest.raises(AssertionError, match=r"hidden: units 0 and 1 are not tied at record 1"):
        assert_tied(recordings["incoming-only"], "hidden", [[0, 1]])  # w5 != w6 pulls it apart at the first step


def test_incoming_only_isolates_the_outgoing_weights(recordings):
    """With a1 = a2, the chain rule leaves w5 / w6 as the only reason dJ/dw1 and dJ/dw3 differ."""
    at = weights_and_gradients_at(recordings["incoming-only"], 0)
    assert at["w1"][0] == at["w3"][0] and at["w5"][0] != at["w6"][0]
    assert at["w1"][1] / at["w3"][1] == pytest.approx(at["w5"][0] / at["w6"][0], rel=1e-5)
