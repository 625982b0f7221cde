"""The command line's arguments: each command's help texts, options and parser (``cli`` runs the commands).

``build_parser`` gives the whole parser; bad arguments raise ``UsageError``
(one line, exit code 2) instead of argparse's usage text.
"""
import argparse

from course_companion.data import NAMES
from course_companion.options import (add_run_options, every_option, finite_number_option, positive_int_option,
                                      positive_number_option)
from course_companion.schemes import SCHEMES

__all__ = ["EXAMPLES", "COMMANDS", "UsageError", "build_parser"]

EXAMPLES = """examples:
  python -m course_companion compare
  python -m course_companion compare --data coffee --out coffee/
  python -m course_companion compare --schemes constant random --epochs 5 --out figures/
  python -m course_companion compare --data X.npy y.npy --every 8 --format svg
  python -m course_companion explain
  python -m course_companion sweep --seeds 32 --out sweep/
  python -m course_companion sweep --data coffee --seeds 16 --out coffee_sweep/
  python -m course_companion landscape --data coffee digits --out landscape/
  python -m course_companion gaps --data coffee --optimizers adam --out gaps/
  python -m course_companion breakers --out breakers/
  python -m course_companion breakers --data digits --model multiclass --changes none dropout-l1 batchnorm
"""


# Each command's (help, description), for --help.
COMMANDS = {
    "compare": (
        "train schemes side by side (digits or coffee): figures, recordings and a summary table",
        "Train the model under each scheme with every unit recorded; write the "
        "answer figure, distance curves, heatmaps, unit images (coffee: unit maps), one .npz recording "
        "per scheme and summary.md (accuracy, distinct units, smallest and largest pairwise distance per "
        "layer, tie gap: the largest difference inside a tied group).",
    ),
    "sweep": (
        "many seeds per scheme in one graph: does a random start always separate the units?",
        "Train --seeds seeds of each scheme as replicas of one model (one fit), then write "
        "sweep.png (the smallest L1 distance per seed, and the share of seeds in which every unit "
        "separated), alignment.png (each seed's L1 units matched to its scheme's first seed: how alike "
        "they are), aligned_units.png and summary.md.",
    ),
    "landscape": (
        "is the loss a soup bowl? the loss between a trained network and its copy with two units swapped",
        "Train each data set's model from a random start, then compute the training loss along the "
        "straight line to the same network with two L1 units swapped (the same function at another point); at "
        "the middle the two units are equal. Write landscape.png and summary.md with the end and middle losses.",
    ),
    "gaps": (
        "how big must a difference be to break a tie? jitters from 1e-8 to 1e-1, one replica each",
        "Train, as replicas of one model in float64, the perturbed scheme with a jitter of 1e-8, 1e-7, ... "
        "1e-1 added to tied units, with Adam and with plain SGD; follow each relative tie gap every epoch; write gaps.png "
        "(gap against epochs), separation.png (the epoch each gap reached 0.1 of the weights' size) and summary.md.",
    ),
    "breakers": (
        "what breaks a tie? the learner's three conditions (inputs, starting weights, activation) one at a time",
        "Start from tied units, change one thing (an input mask, Dropout or noise on the input or after L1, "
        "another start, a second activation, or something that might seem to matter: shuffling, batch size, "
        "optimizer, learning rate, epochs, L2, float64, BatchNormalization), train, and report whether the tie held "
        "(L1's units exactly equal) or broke, with the distinct units and the accuracy. Default: the coffee model, "
        "the binary digits and Week 2's multiclass model. Write breakers.png and summary.md.",
    ),
    "explain": (
        "the forum's two-neuron network: six weights and their gradients, tied and untied",
        "Train the two-neuron network (2 inputs, 2 sigmoid units, 1 sigmoid output, no bias) "
        "on the coffee-roasting data with its units tied (w1 = w3, w2 = w4, w5 = w6) and untied; print "
        "the six weights and their gradients at step 0 and after training, and save a figure.",
    ),
}


class UsageError(Exception):
    """Bad arguments or bad input: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would print usage and exit; we want one line
        raise UsageError(f"{self.prog}: {message}")


def _command(sub, name, epochs, epochs_help="20 for the digits, 24 for coffee"):
    """A subcommand with the options every command has; its texts come from ``COMMANDS``."""
    help, description = COMMANDS[name]
    parser = sub.add_parser(name, help=help, description=description, epilog=EXAMPLES,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    add_run_options(parser, epochs, f"epochs of training (default: {epochs or epochs_help})",
                    "figures", "folder for figures and files (default: figures/)")
    parser.add_argument("--format", choices=("png", "svg"), default="png", help="figure format (default: png)")
    parser.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def _schemes_every_and_data(parser):
    parser.add_argument("--schemes", nargs="+", choices=SCHEMES, default=["constant", "random", "mirrored"],
                        metavar="SCHEME", help=f"schemes to train, from {', '.join(SCHEMES)} (default: constant random mirrored)")
    parser.add_argument("--every", type=every_option, default="epoch", help="record every epoch, or every N batches (default: epoch)")
    parser.add_argument("--jitter", type=positive_number_option, default=None, metavar="SIZE",
                        help="the perturbed scheme's jitter: the standard deviation of the noise added to every weight (default: 1e-6)")
    parser.add_argument("--data", nargs="+", metavar="DATA", default=["digits"],
                        help=f"{' or '.join(NAMES)} (the Week 1 coffee-roasting model: 2 inputs, 3 units), or your "
                        "course files X.npy y.npy (digits 0 and 1 are kept); default: the bundled digits")


def _model_options(parser, constant=True):
    """--model, and --constant where the constant scheme trains (compare, sweep)."""
    parser.add_argument("--model", choices=("binary", "multiclass"), default="binary",
                        help="binary: Week 1's 25-15-1 sigmoid model on the 0s and 1s; multiclass: Week 2's 25-15-10 ReLU "
                        "model with a softmax output, on all ten digits (default: binary)")
    if constant:
        parser.add_argument("--constant", type=finite_number_option, default=0.0, metavar="VALUE",
                            help="every weight's value under the constant scheme (default: 0)")


def _data_sets(parser):
    """--data for the commands that study several data sets in one run."""
    parser.add_argument("--data", nargs="+", choices=NAMES, default=None, metavar="DATA",
                        help=f"data sets, from {', '.join(NAMES)} (default: coffee digits; digits with --model multiclass)")
    _model_options(parser, constant=False)


def build_parser():
    parser = _Parser(
        prog="python -m course_companion",
        description="See why the units of a layer end up with different weights.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--verbose", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    compare = _command(sub, "compare", epochs=None)
    _schemes_every_and_data(compare)
    _model_options(compare)
    _command(sub, "explain", epochs=20)
    sweep = _command(sub, "sweep", epochs=None)
    _schemes_every_and_data(sweep)
    _model_options(sweep)
    sweep.add_argument("--seeds", type=positive_int_option, default=32, help="seeds per scheme: 0, 1, ... (default: 32)")
    landscape = _command(sub, "landscape", epochs=None)
    _data_sets(landscape)
    landscape.add_argument("--pairs", type=positive_int_option, default=30,
                           help="pairs of L1 units per data set, drawn with the seed; all where there are fewer (default: 30)")
    landscape.add_argument("--points", type=positive_int_option, default=21, help="points along each path, an odd number so that the middle (alpha 0.5) is one (default: 21)")
    gaps = _command(sub, "gaps", epochs=None)
    _data_sets(gaps)
    gaps.add_argument("--optimizers", nargs="+", choices=("adam", "sgd"), default=["adam", "sgd"], metavar="OPTIMIZER",
                      help="adam (the course's, at the data set's learning rate) and/or sgd (learning rate 1.0) (default: both)")
    gaps.add_argument("--float32", action="store_true", help="train in float32 instead of float64")
    from course_companion.experiments.breakers import EPOCHS

    _breakers_options(_command(sub, "breakers", epochs=None, epochs_help=", ".join(f"{k} {v}" for k, v in EPOCHS.items())))
    return parser


def _breakers_options(parser):
    from course_companion.experiments.breakers import NAMES as CHANGES

    parser.add_argument("--data", nargs="+", choices=NAMES, default=None, metavar="DATA",
                        help=f"data sets, from {', '.join(NAMES)} (default: coffee, the binary digits and the "
                        "multiclass digits)")
    parser.add_argument("--model", choices=("binary", "multiclass"), default=None,
                        help="binary (Week 1's sigmoid model) or multiclass (Week 2's ReLU model) for the digits")
    parser.add_argument("--changes", nargs="+", choices=CHANGES, default=None, metavar="CHANGE",
                        help=f"changes to try, from {', '.join(CHANGES)} (default: all)")
