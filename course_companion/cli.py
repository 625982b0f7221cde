"""The command line: ``python -m course_companion compare ...``.

It only orchestrates the package (data, models, compare); the logic lives in
the modules. Exit codes: 0 done; 2 bad arguments or bad input (one line on
stderr, no traceback); 1 anything else (one line, and ``--verbose`` for the
traceback).
"""
import argparse
import os
import sys
import traceback

__all__ = ["main", "UsageError"]

EXAMPLES = """examples:
  python -m course_companion compare
  python -m course_companion compare --schemes constant random --epochs 5
  python -m course_companion compare --data X.npy y.npy
"""


class UsageError(Exception):
    """Bad arguments or bad input: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would print usage and exit; we want one line
        raise UsageError(f"{self.prog}: {message}")


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive whole number; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number; got {text!r}")
    return value


def _seed(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0; got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0; got {text!r}")
    return value


def build_parser():
    from course_companion.models import SCHEMES

    parser = _Parser(
        prog="python -m course_companion",
        description="See why the units of a layer end up with different weights.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--verbose", action="store_true", help="show tracebacks and TensorFlow's logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    compare = sub.add_parser(
        "compare",
        help="train schemes side by side on the digits and tabulate their units",
        description="Train the course model under each scheme and print a table: accuracy, "
        "distinct units, smallest and largest pairwise distance per layer, and the largest "
        "difference inside a tied group.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    compare.add_argument("--schemes", nargs="+", choices=SCHEMES, default=["constant", "random", "mirrored"],
                         metavar="SCHEME", help=f"schemes to train, from {', '.join(SCHEMES)} (default: constant random mirrored)")
    compare.add_argument("--epochs", type=_positive_int, default=20, help="epochs per scheme (default: 20)")
    compare.add_argument("--seed", type=_seed, default=0, help="seed of the initializers and the shuffling (default: 0)")
    compare.add_argument("--data", nargs=2, metavar=("X.npy", "y.npy"),
                         help="your course files (digits 0 and 1 are kept); default: the bundled digits")
    compare.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def _load_data(args):
    from course_companion.data import load_course_data, load_digits01

    if args.data is None:
        return load_digits01(), "bundled digits01 (1000 x 400)"
    try:
        X, y = load_course_data(*args.data)
    except (OSError, ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None
    return (X, y), f"{args.data[0]} ({X.shape[0]} x {X.shape[1]})"


def cmd_compare(args):
    from course_companion.compare import format_table, run_scheme, summary_row
    from course_companion.distances import unit_weights
    from course_companion.models import scheme_groups

    out = sys.stdout
    (X, y), described = _load_data(args)
    print(f"data: {described}; {args.epochs} epochs; seed {args.seed}", file=out)
    rows = []
    for scheme in args.schemes:
        model, history = run_scheme(scheme, X, y, epochs=args.epochs, seed=args.seed)
        layers = {name: unit_weights(model.get_layer(name)) for name in ("L1", "L2")}
        rows.append(summary_row(scheme, layers, history.history["accuracy"][-1], scheme_groups(scheme)))
    print(format_table(rows), file=out)
    return 0


def main(argv=None):
    """Run the command line; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    verbose = "--verbose" in argv
    if not verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter
    try:
        args = build_parser().parse_args(argv)
        return {"compare": cmd_compare}[args.command](args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, exit 1
        if verbose:
            traceback.print_exc()
        print(f"error: {type(exc).__name__}: {exc} (rerun with --verbose for the traceback)", file=sys.stderr)
        return 1
