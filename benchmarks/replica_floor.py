"""The floor of one replica step, and how far above it a sweep's step runs.

One step of one course-model replica (batch 32, 400-25-15-1) is 677,440
multiply-adds (the forward pass, the weight gradients, and the input
gradients of L2 and L3) and Adam's reads and writes of 10,431 parameters (the
weight, its gradient, m and v read; the weight, m and v written: 28 bytes a
float32 parameter). Measured here, in one run: this machine's matrix-product
rate (TensorFlow, 2048 x 2048 x 2048 float32) and memory bandwidth
(TensorFlow adding two 256 MB arrays); the floor is the products at that rate
plus Adam's bytes at that bandwidth. Then, for each K, a replica model's
steps (``build_replicas`` as ``run_sweep`` compiles it, whole epochs per graph
call) are timed over epochs 2 and later, and the one-off costs are timed
apart: building the K starting weight sets and the model, the first epoch's
extra time (tracing), and splitting the recording per replica.

Usage: python benchmarks/replica_floor.py [--ks 1 8 32 64] [--epochs 6]
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from course_companion.devices import quiet_tensorflow  # noqa: E402

quiet_tensorflow()

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from _timing import machine  # noqa: E402

from course_companion.data import load_digits01  # noqa: E402
from course_companion.callbacks import ReplicaRecorder  # noqa: E402
from course_companion.models import build_replicas  # noqa: E402

BATCH, SIZES = 32, (400, 25, 15, 1)


def replica_step_work(batch=BATCH, sizes=SIZES):
    """(multiply-adds, Adam bytes) of one replica's training step."""
    products = sum(a * b for a, b in zip(sizes, sizes[1:]))
    input_grads = sum(a * b for a, b in zip(sizes[1:-1], sizes[2:]))  # L1 needs no input gradient
    params = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    return batch * (2 * products + input_grads), 28 * params


def _best_of(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def matmul_rate(n=2048, repeats=7):
    a = tf.random.normal((n, n))
    b = tf.random.normal((n, n))
    seconds = _best_of(lambda: tf.linalg.matmul(a, b).numpy(), repeats)
    return n**3 / seconds  # multiply-adds per second


def bandwidth(n=64 * 2**20, repeats=7):
    a = tf.ones((n,))
    b = tf.ones((n,))
    seconds = _best_of(lambda: tf.add(a, b).numpy(), repeats)
    # reads a and b, writes the sum; .numpy() of a CPU tensor shares its memory
    return 3 * 4 * n / seconds


class _EpochTimes(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)


def time_replicas(k, X, y, epochs):
    steps = int(np.ceil(len(X) / BATCH))
    start = time.perf_counter()
    model = build_replicas([("random", s) for s in range(k)], steps_per_execution=steps)
    build = time.perf_counter() - start
    timer, recorder = _EpochTimes(), ReplicaRecorder()
    timer.times = []
    model.fit(X, y, epochs=epochs, batch_size=BATCH, verbose=0, callbacks=[recorder, timer])
    start = time.perf_counter()
    recorder.replicas()
    split = time.perf_counter() - start
    epoch = statistics.median(timer.times[1:])
    return {"build": build, "first_extra": timer.times[0] - epoch, "step": epoch / steps, "split": split}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ks", type=int, nargs="+", default=[1, 8, 32, 64])
    parser.add_argument("--epochs", type=int, default=6)
    args = parser.parse_args()
    X, y = load_digits01()
    macs, adam_bytes = replica_step_work()
    rate, bw = matmul_rate(), bandwidth()
    floor = macs / rate + adam_bytes / bw
    print(f"{machine()}; TensorFlow {tf.__version__}")
    print(f"matrix products: {rate / 1e9:.1f} G multiply-adds/s; memory: {bw / 1e9:.1f} GB/s")
    print(f"one replica step: {macs:,} multiply-adds ({macs / rate * 1e6:.1f} us) + Adam {adam_bytes:,} bytes "
          f"({adam_bytes / bw * 1e6:.1f} us) = floor {floor * 1e6:.1f} us")
    print(f"{'K':>3} {'step ms':>8} {'per replica us':>15} {'x floor':>8} {'build s':>8} {'1st epoch extra s':>18} "
          f"{'split s':>8}")
    for k in args.ks:
        t = time_replicas(k, X, y, args.epochs)
        per = t["step"] / k
        print(f"{k:>3} {t['step'] * 1e3:8.2f} {per * 1e6:15.1f} {per / floor:7.1f}x {t['build']:8.2f} "
              f"{t['first_extra']:18.2f} {t['split']:8.2f}", flush=True)


if __name__ == "__main__":
    main()
