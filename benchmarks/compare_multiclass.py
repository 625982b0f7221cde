"""Week 2's compare: its schemes as replicas of one model against separate fits, side by side, and a cold run.

Times alternately, in this process: ``run_compare`` of constant, random and
mirrored on Week 2's 25-15-10 ReLU model (all 5000 digits, 40 epochs, batch
32, recording every epoch) (a) as three separate fits and (b) as three
replicas of one model in one fit (what ``compare --model multiclass`` does),
and prints the medians, their ratio and each variant's final accuracies (they
should agree to the third digit). Then times the whole command from a cold
start (a new Python process: import, both trainings, the no-hidden-layer
model, every figure and file). Goal: under 20 s cold on 2 cores.

Usage: python benchmarks/compare_multiclass.py [--repeats 3]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from _timing import alternate, machine, report  # noqa: E402

from course_companion.data import load_dataset  # noqa: E402
from course_companion.experiments.compare import run_compare  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(machine())
    data = load_dataset("digits", model="multiclass")
    accuracies = {}

    def variant(replicas):
        def run():
            recs = run_compare(["constant", "random", "mirrored"], data.X, data.y, epochs=data.epochs, seed=0,
                               progress=False, replicas=replicas, batch_size=data.batch_size,
                               steps_per_execution=data.steps_per_execution("epoch"), **data.model_settings)
            accuracies[replicas] = {s: round(r.last_log("accuracy"), 3) for s, r in recs.items()}
        return run

    times = alternate({"separate fits": variant(False), "replicas of one model": variant(True)}, args.repeats)
    report(f"compare --model multiclass's training, {args.repeats} repeats (medians)", times, "separate fits")
    print("final accuracies: separate", accuracies[False], "| replicas", accuracies[True])
    cold = []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "course_companion", "compare", "--model", "multiclass", "--out", out],
                           check=True, capture_output=True)
            cold.append(time.perf_counter() - start)
    print(f"python -m course_companion compare --model multiclass, cold: median {statistics.median(cold):.1f} s "
          f"(runs {', '.join(f'{t:.1f}' for t in cold)}); goal under 20 s")


if __name__ == "__main__":
    main()
