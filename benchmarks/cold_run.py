"""The main job's wall time against the bare minimum, from a cold start, side by side.

Times alternately, each in a new Python process: (a) ``python -m
course_companion compare`` with its defaults (three schemes, 20 epochs,
recording every epoch, all figures, recordings and summary.md); (b) a bare
script that imports TensorFlow and fits the same three models with no
recording and no figures. Prints medians and the ratio. Goal: at most 1.5x.

Usage: python benchmarks/cold_run.py [--repeats 5]
"""
import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import alternate, machine, report  # noqa: E402

BARE = """
import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras
from course_companion.data import load_digits01
from course_companion.models import build_model
X, y = load_digits01()
for scheme in ("constant", "random", "mirrored"):
    keras.utils.set_random_seed(0)
    build_model(scheme, seed=0).fit(X, y, epochs=20, batch_size=32, verbose=0)
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        def command(argv):
            return lambda: subprocess.run(argv, cwd=work, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ)

        variants = {
            "python -m course_companion compare": command([sys.executable, "-m", "course_companion", "compare", "--out", "figures"]),
            "bare script: import TensorFlow, 3 fits": command([sys.executable, "-c", BARE]),
        }
        times = alternate(variants, args.repeats)
    report(f"cold runs, each a new process; median of {args.repeats} alternating runs; {machine()}",
           times, "bare script: import TensorFlow, 3 fits")


if __name__ == "__main__":
    main()
