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
    """Each scheme's course model after 20 epochs of Adam, batch 32 (as in the course)."""
    from course_companion.training import train_scheme

    X, y = digits
    cache = {}

    def get(scheme):
        if scheme not in cache:
            cache[scheme] = train_scheme(scheme, X, y, epochs=20, seed=0, batch_size=32)
        return cache[scheme]

    return get


@pytest.fixture
def rng():
    return np.random.default_rng(0)
