"""Keras's backends side by side: a plain 20-epoch fit of the course model, and ``compare``, on TensorFlow and JAX.

A Keras process runs one backend, so each measurement is a new process
(``KERAS_BACKEND=...``), the backends taking turns, ``--repeats`` rounds. In
each process, after the imports: (a) a plain fit: build the course's 25-15-1
model (random start) and fit it 20 epochs on the bundled digits, batch 32;
(b) ``run_compare`` of constant, random and mirrored, 20 epochs, recording
every epoch (``compare``'s training). Then the whole command from a cold start
(``python -m course_companion compare``: import, training, figures, files).
Prints medians and each backend's ratio to TensorFlow's.

Usage: python benchmarks/backends.py [--repeats 3] [--backends tensorflow jax]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import machine  # noqa: E402

_MEASURE = """
import json, time
from course_companion.devices import prepare_backend
prepare_backend()
import keras
from course_companion.data import load_digits01
from course_companion.experiments.compare import run_compare
from course_companion.models import build_model
X, y = load_digits01()
keras.utils.set_random_seed(0)
start = time.perf_counter()
build_model("random", seed=0).fit(X, y, epochs=20, batch_size=32, verbose=0)
fit = time.perf_counter() - start
start = time.perf_counter()
run_compare(["constant", "random", "mirrored"], X, y, epochs=20, seed=0, progress=False)
compare = time.perf_counter() - start
print(json.dumps({"fit": fit, "compare": compare, "backend": keras.backend.backend()}))
"""


def _env(backend):
    return dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backends", nargs="+", default=["tensorflow", "jax"])
    args = parser.parse_args()
    print(machine())
    times = {b: {"fit": [], "compare": [], "cold": []} for b in args.backends}
    for r in range(args.repeats):
        order = args.backends[r % len(args.backends):] + args.backends[: r % len(args.backends)]
        for backend in order:
            proc = subprocess.run([sys.executable, "-c", _MEASURE], env=_env(backend), capture_output=True, text=True,
                                  check=True)
            measured = json.loads(proc.stdout.strip().splitlines()[-1])
            assert measured["backend"] == backend, measured
            times[backend]["fit"].append(measured["fit"])
            times[backend]["compare"].append(measured["compare"])
            with tempfile.TemporaryDirectory() as out:
                start = time.perf_counter()
                subprocess.run([sys.executable, "-m", "course_companion", "compare", "--out", out], env=_env(backend),
                               check=True, capture_output=True)
                times[backend]["cold"].append(time.perf_counter() - start)
    base = args.backends[0]
    names = {"fit": "plain 20-epoch fit (s)", "compare": "compare's training (s)", "cold": "compare, cold command (s)"}
    print(f"{args.repeats} rounds, medians; ratio to {base}")
    print(f"{'backend':12}" + "".join(f"{names[k]:>30}" for k in names))
    for backend in args.backends:
        cells = []
        for key in names:
            med, ref = statistics.median(times[backend][key]), statistics.median(times[base][key])
            cells.append(f"{med:8.2f} ({med / ref:5.2f}x)")
        print(f"{backend:12}" + "".join(f"{c:>30}" for c in cells))


if __name__ == "__main__":
    main()
