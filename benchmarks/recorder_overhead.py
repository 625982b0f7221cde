"""How much a UnitRecorder slows the course model's fit, side by side.

Times, alternating in one run, the course model's 20-epoch fit (batch 32, the
bundled 1000 digits) with no callback, with UnitRecorder(every="epoch"), with
UnitRecorder(every=1), with UnitRecorder(every=8), and with
keras.callbacks.TensorBoard(histogram_freq=1),
the tool a user would otherwise reach for. Each fit gets a new model (its
first-call tracing included, as a user sees it). Prints each variant's median
wall time and its ratio to the plain fit. Goals: <= 1.03x per epoch, <= 1.15x
every batch, <= 1.05x every 8 batches, and below TensorBoard's ratio.

Usage: pip install -r benchmarks/requirements.txt
       python benchmarks/recorder_overhead.py [--repeats 7] [--epochs 20]
"""
import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from course_companion.devices import quiet_tensorflow  # noqa: E402

quiet_tensorflow()

import keras  # noqa: E402
from _timing import alternate, machine, report  # noqa: E402

from course_companion.data import load_digits01  # noqa: E402
from course_companion.models import build_model  # noqa: E402
from course_companion.callbacks import UnitRecorder  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    X, y = load_digits01()

    def fit(make_callbacks):
        def run():
            model = build_model("random", seed=0)
            model.fit(X, y, epochs=args.epochs, batch_size=32, verbose=0, callbacks=make_callbacks())
        return run

    with tempfile.TemporaryDirectory() as logdir:
        variants = {
            "plain fit": fit(lambda: []),
            "UnitRecorder(every='epoch')": fit(lambda: [UnitRecorder(every="epoch")]),
            "UnitRecorder(every=1)": fit(lambda: [UnitRecorder(every=1)]),
            "UnitRecorder(every=8)": fit(lambda: [UnitRecorder(every=8)]),
            "TensorBoard(histogram_freq=1)": fit(lambda: [keras.callbacks.TensorBoard(logdir, histogram_freq=1)]),
        }
        alternate(variants, 1)  # warm-up: first-call costs out of the way
        times = alternate(variants, args.repeats)
    report(f"{args.epochs}-epoch fit of the course model; median of {args.repeats} alternating runs; {machine()}",
           times, "plain fit")


if __name__ == "__main__":
    main()
