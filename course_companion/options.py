"""The options the command line and the lab scripts share: their argparse types and definitions, in one place.

The ``*_option`` functions are argparse types, so both accept and refuse the
same things; ``add_run_options`` adds ``--epochs``, ``--seed``, ``--device``
and ``--out`` to a parser.
"""
import argparse
import math

from course_companion.checks import FLOAT32_MAX
from course_companion.devices import DEVICES

__all__ = ["positive_int_option", "positive_number_option", "finite_number_option", "seed_option", "every_option",
           "add_run_options"]


def _whole_number(text, minimum, what):
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise argparse.ArgumentTypeError(f"expected {what}; got {text!r}")
    return value


def positive_int_option(text):
    """argparse type: a whole number >= 1."""
    return _whole_number(text, 1, "a positive whole number")


def seed_option(text):
    """argparse type: a seed, a whole number >= 0."""
    return _whole_number(text, 0, "a whole number >= 0")


def every_option(text):
    """argparse type: "epoch" or a positive whole number of batches."""
    return "epoch" if text == "epoch" else _whole_number(text, 1, "'epoch' or a positive whole number of batches")


def positive_number_option(text):
    """argparse type: a finite number > 0 (a size such as 1e-6)."""
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number > 0; got {text!r}")
    return _fits_float32(value, text)


def finite_number_option(text):
    """argparse type: any finite number (a constant weight such as 0.05 or -0.1)."""
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number; got {text!r}")
    return _fits_float32(value, text)


def _fits_float32(value, text):
    """``value``, unless float32 (the models' weights) would hold it as infinity: refused before any training."""
    if abs(value) > FLOAT32_MAX:
        raise argparse.ArgumentTypeError(f"expected a number float32 can hold (at most {FLOAT32_MAX:.2g} in size); "
                                         f"got {text!r}")
    return value


def add_run_options(parser, epochs, epochs_help, out, out_help, seed=0):
    """Add ``--epochs`` (default ``epochs``), ``--seed``, ``--device`` and ``--out`` (default ``out``) to ``parser``."""
    parser.add_argument("--epochs", type=positive_int_option, default=epochs, help=epochs_help)
    parser.add_argument("--seed", type=seed_option, default=seed,
                        help=f"seed of the initializers and the shuffling (default: {seed})")
    parser.add_argument("--device", choices=DEVICES, default="auto",
                        help="where to train: auto takes a GPU if the Keras backend sees one (default: auto)")
    parser.add_argument("--out", default=out, metavar="DIR", help=out_help)
