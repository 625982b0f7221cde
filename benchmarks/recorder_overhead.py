"""How much a UnitRecorder slows the course model's fit, side by side.

Times, alternating in one run, the course model's 20-epoch fit (batch 32, the
bundled 1000 digits) with no callback, with UnitRecorder(every="epoch"), with
UnitRecorder(every=1), and with keras.callbacks.TensorBoard(histogram_freq=1),
the tool a user would otherwise reach for. Prints each variant's median wall
time and its ratio to the plain fit. Goals: <= 1.03x per epoch, <= 1.15x per
batch, and below TensorBoard's ratio.

Usage: python benchmarks/recorder_overhead.py [--repeats 5] [--epochs 20]
"""
import argparse
import statistics
import tempfile
import time

from course_companion.devices import quiet_tensorflow

quiet_tensorflow()

import keras  # noqa: E402

from course_companion.data import load_digits01  # noqa: E402
from course_companion.models import build_model  # noqa: E402
from course_companion.recorder import UnitRecorder  # noqa: E402


def variants(logdir):
    return {
        "plain fit": lambda: [],
        "UnitRecorder(every='epoch')": lambda: [UnitRecorder(every="epoch")],
        "UnitRecorder(every=1)": lambda: [UnitRecorder(every=1)],
        "TensorBoard(histogram_freq=1)": lambda: [keras.callbacks.TensorBoard(logdir, histogram_freq=1)],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    X, y = load_digits01()
    times = {}
    with tempfile.TemporaryDirectory() as logdir:
        runs = variants(logdir)
        for name, make in runs.items():  # warm-up: first-call costs out of the way
            build_model("random", seed=0).fit(X, y, epochs=1, verbose=0, callbacks=make())
        for r in range(args.repeats):
            for name, make in runs.items():
                keras.utils.set_random_seed(r)
                model = build_model("random", seed=r)
                callbacks = make()
                start = time.perf_counter()
                model.fit(X, y, epochs=args.epochs, batch_size=32, verbose=0, callbacks=callbacks)
                times.setdefault(name, []).append(time.perf_counter() - start)
    base = statistics.median(times["plain fit"])
    print(f"{args.epochs}-epoch fit of the course model, median of {args.repeats} alternating runs")
    print(f"{'variant':32} {'median s':>9} {'ratio':>7}")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:32} {med:9.3f} {med / base:6.3f}x")


if __name__ == "__main__":
    main()
