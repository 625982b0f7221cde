"""``breakers``: the changes as branches of shared models against one fit per change, side by side, and a cold run.

Times alternately, in this process, ``run_breakers`` on the three default data
sets (coffee, the binary digits, Week 2's multiclass digits; every change,
the default epochs) (a) as the command runs it, the changes that share their
training settings as branches of one model, and (b) one fit per change. Prints
the medians, their ratio, and whether both gave the same verdicts. Then times
the whole command from a cold start (a new Python process: import, training,
figure, summary). Goal: the default run under 60 s on 2 cores.

Usage: python benchmarks/breakers_speed.py [--repeats 2] [--cold 3]
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
from course_companion.experiments.breakers import NAMES, run_breakers  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--cold", type=int, default=3, help="cold runs of the command")
    args = parser.parse_args()
    print(machine())
    sets = [load_dataset("coffee"), load_dataset("digits"), load_dataset("digits", model="multiclass")]
    verdicts = {}

    def shared():
        verdicts["branches"] = [r.held for data in sets for r in run_breakers(data, progress=False)]

    def separate():
        verdicts["separate"] = [run_breakers(data, [name], progress=False)[0].held for data in sets for name in NAMES]

    times = alternate({"one fit per change": separate, "branches of shared models (the command)": shared}, args.repeats)
    report(f"breakers' training, 3 data sets x {len(NAMES)} changes, {args.repeats} repeats (medians)", times,
           "one fit per change")
    same = verdicts["branches"] == verdicts["separate"]
    print(f"same verdicts both ways: {same} ({sum(verdicts['branches'])} held of {len(verdicts['branches'])})")

    cold = []
    for _ in range(args.cold):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "course_companion", "breakers", "--out", out], check=True,
                           capture_output=True)
            cold.append(time.perf_counter() - start)
    print(f"cold `python -m course_companion breakers`: median {statistics.median(cold):.1f} s over {args.cold} runs "
          f"({', '.join(f'{t:.1f}' for t in cold)}); goal under 60 s: {'met' if statistics.median(cold) < 60 else 'NOT met'}")


if __name__ == "__main__":
    main()
