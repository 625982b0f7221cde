"""Shared fixtures: real training on the bundled digits, done once per session."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_companion.data import load_digits01  # noqa: E402


@pytest.fixture(scope="session")
def digits():
    return load_digits01()


@pytest.fixture(scope="session")
def trained(digits):
    """Each scheme's course model after 5 epochs of Adam, batch 32 (as in the course's fit, shorter).

    Five epochs give the verdicts twenty do (constant and mirrored ties exact, random units apart at accuracy
    above 0.98, incoming-only's copies apart) in a quarter of the time.
    """
    from course_companion.training import train_scheme

    X, y = digits
    cache = {}

    def get(scheme):
        if scheme not in cache:
            cache[scheme] = train_scheme(scheme, X, y, epochs=5, seed=0, batch_size=32)
        return cache[scheme]

    return get


@pytest.fixture
def rng():
    return np.random.default_rng(0)
