"""Run every command (small settings) and every lab (``--quick``) into one folder.

Used with ``scripts/diff_outputs.py`` to check that a refactor changes nothing
a user sees:

    python scripts/record_outputs.py /tmp/before     # on the old commit
    python scripts/record_outputs.py /tmp/after      # on the new one
    python scripts/diff_outputs.py /tmp/before /tmp/after

Each run gets its own subfolder holding what it wrote and its ``stdout.txt``.
The code run is the checkout this script sits in (it goes first on
``PYTHONPATH``), whatever is installed.
"""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

COMMANDS = {
    "compare": ["compare", "--epochs", "2"],
    "compare_every": ["compare", "--epochs", "2", "--every", "8", "--schemes", "constant", "incoming-only", "perturbed"],
    "compare_coffee": ["compare", "--data", "coffee", "--epochs", "2"],
    "explain": ["explain", "--epochs", "2"],
    "sweep": ["sweep", "--seeds", "3", "--epochs", "2"],
    "sweep_coffee": ["sweep", "--data", "coffee", "--seeds", "3", "--epochs", "2"],
    "landscape": ["landscape", "--epochs", "2", "--pairs", "3", "--points", "5"],
    "gaps": ["gaps", "--epochs", "2"],
}


def _run(argv, out):
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2", PYTHONHASHSEED="0")
    proc = subprocess.run(argv, cwd=out, env=env, capture_output=True, text=True)
    (out / "stdout.txt").write_text(proc.stdout.replace(str(out), "OUT"))
    if proc.returncode:
        sys.exit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")


def main(folder):
    folder = Path(folder).absolute()
    for name, args in COMMANDS.items():
        print(name, flush=True)
        _run([sys.executable, "-m", "course_companion", *args, "--out", str(folder / name)], folder / name)
    for lab in sorted((ROOT / "lab_scripts").glob("[0-9]*.py")):
        print(lab.stem, flush=True)
        _run([sys.executable, str(lab), "--quick", "--out", str(folder / lab.stem)], folder / lab.stem)


if __name__ == "__main__":
    main(*sys.argv[1:2])
