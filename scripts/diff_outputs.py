"""Compare two output folders of the commands, file by file, timestamps aside.

Subfolders are compared too (``scripts/record_outputs.py`` writes one per
run). Used to check that a refactor changes nothing a user sees:

    python -m course_companion compare --out /tmp/before/compare   # on the old commit
    python -m course_companion compare --out /tmp/after/compare    # on the new one
    python scripts/diff_outputs.py /tmp/before/compare /tmp/after/compare

PNG figures are compared pixel by pixel, ``.npz`` recordings array by array
(NaN equal to NaN; the metadata's creation time left out), text line by line.
Prints one line per difference and exits 1 if there is any.
"""
import difflib
import json
import sys
from pathlib import Path

import numpy as np
from matplotlib.image import imread


def _npz(a, b):
    with np.load(a) as fa, np.load(b) as fb:
        out = [f"only in one file: {sorted(set(fa.files) ^ set(fb.files))}"] if set(fa.files) != set(fb.files) else []
        for key in sorted(set(fa.files) & set(fb.files)):
            x, y = fa[key], fb[key]
            if key == "metadata":
                x, y = ({k: v for k, v in json.loads(str(m)).items() if k != "created"} for m in (x, y))
                same = x == y
            else:
                same = x.shape == y.shape and np.array_equal(x, y, equal_nan=x.dtype.kind == "f")
            if not same:
                out.append(f"array {key!r} differs")
        return out


def _png(a, b):
    x, y = imread(a), imread(b)
    if x.shape != y.shape:
        return [f"size {x.shape} vs {y.shape}"]
    changed = np.any(x != y, axis=-1)
    return [f"{int(changed.sum())} pixels differ"] if changed.any() else []


def _text(a, b):
    lines = list(difflib.unified_diff(a.read_text().splitlines(), b.read_text().splitlines(), lineterm="", n=0))
    return lines[2:]


def main(before, after):
    before, after = Path(before), Path(after)
    names = sorted({str(p.relative_to(before)) for p in before.rglob("*") if p.is_file()}
                   | {str(p.relative_to(after)) for p in after.rglob("*") if p.is_file()})
    found = 0
    for name in names:
        a, b = before / name, after / name
        if not (a.exists() and b.exists()):
            problems = ["only in " + str(before if a.exists() else after)]
        else:
            compare = {".npz": _npz, ".png": _png}.get(a.suffix, _text)
            problems = compare(a, b)
        for problem in problems:
            print(f"{name}: {problem}")
        found += len(problems)
    print(f"{len(names)} files compared, {found} differences")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
