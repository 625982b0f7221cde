"""Many seeds: a loop of separate fits against one replica model, side by side.

For K = 8, 32 and 64 seeds of the course model (scheme random, 20 epochs,
batch 32, the bundled 1000 digits), times alternately in one run: (a) a loop
of K separate ``build_model`` + ``fit`` calls, each with a
``UnitRecorder(every="epoch")``, as ``compare`` trains; (b) ``run_sweep``: one
replica model holding all K, with a ``ReplicaRecorder`` and per-replica loss
and accuracy. Prints medians, the ratio, the time per replica-epoch, and the
replica run's whole time per replica step against the floor of one replica
step (``replica_floor.py``, measured at the start of the run). Goals: at least
25x at K = 32 and 35x at K = 64.

Usage: python benchmarks/sweep_speed.py [--repeats 3] [--ks 8 32 64]
"""
import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from course_companion.devices import quiet_tensorflow  # noqa: E402

quiet_tensorflow()

import numpy as np  # noqa: E402
from _timing import alternate, machine  # noqa: E402
from replica_floor import bandwidth, matmul_rate, replica_step_work  # noqa: E402

from course_companion.data import load_digits01  # noqa: E402
from course_companion.models import build_model  # noqa: E402
from course_companion.callbacks import UnitRecorder  # noqa: E402
from course_companion.experiments.sweep import run_sweep  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--ks", type=int, nargs="+", default=[8, 32, 64])
    args = parser.parse_args()
    X, y = load_digits01()

    def loop(k):
        def run():
            for seed in range(k):
                model = build_model("random", seed=seed)
                model.fit(X, y, epochs=args.epochs, batch_size=32, verbose=0, callbacks=[UnitRecorder()])
        return run

    def replicas(k):
        return lambda: run_sweep(["random"], k, X, y, epochs=args.epochs, progress=False)

    macs, adam_bytes = replica_step_work()
    floor = macs / matmul_rate() + adam_bytes / bandwidth()
    steps = int(np.ceil(len(X) / 32))
    alternate({"warm-up loop": loop(1), "warm-up replicas": replicas(2)}, 1)
    print(f"{args.epochs} epochs of the course model per seed; median of {args.repeats} alternating runs; {machine()}")
    print(f"floor of one replica step: {floor * 1e6:.1f} us")
    print(f"{'K':>3} {'loop s':>9} {'replicas s':>11} {'ratio':>7} {'loop ms/replica-epoch':>22} "
          f"{'replicas ms/replica-epoch':>26} {'replicas x floor':>17}")
    for k in args.ks:
        times = alternate({"loop": loop(k), "replicas": replicas(k)}, args.repeats)
        a, b = statistics.median(times["loop"]), statistics.median(times["replicas"])
        per = k * args.epochs
        print(f"{k:>3} {a:9.2f} {b:11.2f} {a / b:6.1f}x {a / per * 1000:22.2f} {b / per * 1000:26.2f} "
              f"{b / (per * steps) / floor:16.1f}x", flush=True)


if __name__ == "__main__":
    main()
