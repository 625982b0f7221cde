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
from pathlib import Path

from course_companion.checks import every_option, positive_int_option, positive_number_option, seed_option
from course_companion.devices import DEVICES

__all__ = ["main", "UsageError"]

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
        "how big must a difference be to break a tie? tie gaps from 1e-8 to 1e-1, one replica each",
        "Train, as replicas of one model in float64, the perturbed scheme with noise of 1e-8, 1e-7, ... "
        "1e-1 added to tied units, with Adam and with plain SGD; follow each tie gap every epoch; write gaps.png "
        "(gap against epochs), separation.png (the epoch each gap reached 0.1 of the weights' size) and summary.md.",
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


def _command(sub, name, epochs):
    """A subcommand with the options every command has; its texts come from ``COMMANDS``."""
    help, description = COMMANDS[name]
    parser = sub.add_parser(name, help=help, description=description, epilog=EXAMPLES,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=positive_int_option, default=epochs,
                        help=f"epochs of training (default: {epochs or '20 for the digits, 24 for coffee'})")
    parser.add_argument("--seed", type=seed_option, default=0, help="seed of the initializers and the shuffling (default: 0)")
    parser.add_argument("--device", choices=DEVICES, default="auto",
                        help="where to train: auto takes a GPU if TensorFlow sees one (default: auto)")
    parser.add_argument("--out", default="figures", metavar="DIR", help="folder for figures and files (default: figures/)")
    parser.add_argument("--format", choices=("png", "svg"), default="png", help="figure format (default: png)")
    parser.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def _schemes_every_and_data(parser):
    from course_companion.datasets import NAMES
    from course_companion.models import SCHEMES

    parser.add_argument("--schemes", nargs="+", choices=SCHEMES, default=["constant", "random", "mirrored"],
                        metavar="SCHEME", help=f"schemes to train, from {', '.join(SCHEMES)} (default: constant random mirrored)")
    parser.add_argument("--every", type=every_option, default="epoch", help="record every epoch, or every N batches (default: epoch)")
    parser.add_argument("--jitter", type=positive_number_option, default=None, metavar="SIZE",
                        help="the perturbed scheme's noise: the standard deviation added to every weight (default: 1e-6)")
    parser.add_argument("--data", nargs="+", metavar="DATA", default=["digits"],
                        help=f"{' or '.join(NAMES)} (the Week 1 coffee-roasting model: 2 inputs, 3 units), or your "
                        "course files X.npy y.npy (digits 0 and 1 are kept); default: the bundled digits")


def _data_sets(parser):
    """--data for the commands that study several data sets in one run."""
    from course_companion.datasets import NAMES

    parser.add_argument("--data", nargs="+", choices=NAMES, default=list(NAMES)[::-1], metavar="DATA",
                        help=f"data sets, from {', '.join(NAMES)} (default: coffee digits)")


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
    _command(sub, "explain", epochs=20)
    sweep = _command(sub, "sweep", epochs=None)
    _schemes_every_and_data(sweep)
    sweep.add_argument("--seeds", type=positive_int_option, default=32, help="seeds per scheme: 0, 1, ... (default: 32)")
    landscape = _command(sub, "landscape", epochs=None)
    _data_sets(landscape)
    landscape.add_argument("--pairs", type=positive_int_option, default=30,
                           help="pairs of L1 units per data set, drawn with the seed; all where there are fewer (default: 30)")
    landscape.add_argument("--points", type=positive_int_option, default=21, help="points along each path (default: 21)")
    gaps = _command(sub, "gaps", epochs=None)
    _data_sets(gaps)
    gaps.add_argument("--optimizers", nargs="+", choices=("adam", "sgd"), default=["adam", "sgd"], metavar="OPTIMIZER",
                      help="adam (the course's, at the data set's learning rate) and/or sgd (learning rate 1.0) (default: both)")
    gaps.add_argument("--float32", action="store_true", help="train in float32 instead of float64")
    return parser


def _load_data(args):
    """The ``--data`` as a ``datasets.DataSet``; bad names or files are a UsageError."""
    from course_companion.datasets import NAMES, course_files, load_dataset

    try:
        if len(args.data) == 1 and args.data[0] in NAMES:
            dataset = load_dataset(args.data[0])
        elif len(args.data) == 2:
            dataset = course_files(*args.data)
        else:
            raise ValueError(f"--data: expected {' or '.join(NAMES)}, or two files X.npy y.npy; got {' '.join(args.data)!r}")
    except (OSError, ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None
    if args.epochs is None:
        args.epochs = dataset.epochs
    return dataset


def _prepare(args):
    """Check the output folder and choose the device; nothing is written yet."""
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: {str(out)!r} exists and is not a folder")
    parent = out.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise UsageError(f"--out: cannot make {str(out)!r}: {str(parent)!r} is a file")
    from course_companion.devices import NoGPUError, choose_device, quiet_tensorflow

    quiet_tensorflow()
    try:
        device = choose_device(args.device)
    except NoGPUError as exc:
        raise UsageError(str(exc)) from None
    print(f"device: {device}")
    return out


def _write(out, written):
    print(f"wrote {len(written)} file{'' if len(written) == 1 else 's'} to {out}/:")
    for path in written:
        print(f"  {path}")


def cmd_compare(args):
    data = _load_data(args)
    out = _prepare(args)
    from course_companion.compare import run_compare
    from course_companion.report import write_compare_outputs

    print(f"data: {data.description}; {args.epochs} epochs; seed {args.seed}; recording every {args.every}")
    recordings = run_compare(args.schemes, data.X, data.y, epochs=args.epochs, seed=args.seed, every=args.every,
                             data=data.description, batch_size=data.batch_size, replicas=data.replicas,
                             steps_per_execution=data.steps_per_execution(args.every), jitter=args.jitter,
                             **data.model_settings)
    out.mkdir(parents=True, exist_ok=True)
    _write(out, write_compare_outputs(recordings, out, fmt=args.format))
    return 0


def cmd_explain(args):
    out = _prepare(args)
    from course_companion.explain import run_explain
    from course_companion.report import explain_table, write_explain_outputs

    recordings = run_explain(epochs=args.epochs, seed=args.seed)
    print(explain_table(recordings))
    out.mkdir(parents=True, exist_ok=True)
    _write(out, write_explain_outputs(recordings, out, fmt=args.format))
    return 0


def cmd_sweep(args):
    data = _load_data(args)
    out = _prepare(args)
    from course_companion.report import sweep_table, write_sweep_outputs
    from course_companion.sweep import alignment_rows, run_sweep, sweep_rows

    count = len(args.schemes) * args.seeds
    print(f"data: {data.description}; {args.seeds} seeds x {len(args.schemes)} schemes = {count} replicas in one model; {args.epochs} epochs")
    results = run_sweep(args.schemes, args.seeds, data.X, data.y, epochs=args.epochs, every=args.every, data=data.description,
                        first_seed=args.seed, batch_size=data.batch_size, jitter=args.jitter, **data.model_settings)
    rows, aligned = sweep_rows(results), alignment_rows(results)
    out.mkdir(parents=True, exist_ok=True)
    seeds = range(args.seed, args.seed + args.seeds)
    written = write_sweep_outputs(results, rows, aligned, out, args.epochs, seeds, data.description, fmt=args.format)
    print(sweep_table(rows))
    _write(out, written)
    return 0


def cmd_landscape(args):
    from course_companion.datasets import load_dataset

    sets = [load_dataset(name) for name in dict.fromkeys(args.data)]
    if args.points < 3:
        raise UsageError(f"--points: expected at least 3 (the two ends and the middle); got {args.points}")
    out = _prepare(args)
    from course_companion.devices import run_metadata
    from course_companion.landscape import run_landscape
    from course_companion.report import write_landscape_outputs

    results = []
    for data in sets:
        print(f"data: {data.description}; {args.epochs or data.epochs} epochs; seed {args.seed}; up to {args.pairs} pairs of L1 units")
        results.append(run_landscape(data, seed=args.seed, pairs=args.pairs, points=args.points, epochs=args.epochs))
    out.mkdir(parents=True, exist_ok=True)
    _write(out, write_landscape_outputs(results, out, run_metadata(), fmt=args.format))
    return 0


def cmd_gaps(args):
    from course_companion.datasets import load_dataset

    sets = [load_dataset(name) for name in dict.fromkeys(args.data)]
    out = _prepare(args)
    from course_companion.devices import run_metadata
    from course_companion.gaps import run_gaps
    from course_companion.report import gaps_finding, write_gaps_outputs

    results = []
    for data in sets:
        for optimizer in dict.fromkeys(args.optimizers):
            results.append(run_gaps(data, optimizer=optimizer, epochs=args.epochs, seed=args.seed,
                                    dtype="float32" if args.float32 else "float64"))
            print(gaps_finding(results[-1]))
    out.mkdir(parents=True, exist_ok=True)
    _write(out, write_gaps_outputs(results, out, run_metadata(), fmt=args.format))
    return 0


def main(argv=None):
    """Run the command line; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    verbose = "--verbose" in argv
    if not verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter
    try:
        if not verbose:
            from course_companion.devices import quiet_tensorflow

            quiet_tensorflow()  # before argparse: the scheme names come from a module that loads Keras
        args = build_parser().parse_args(argv)
        commands = {"compare": cmd_compare, "explain": cmd_explain, "sweep": cmd_sweep, "landscape": cmd_landscape,
                    "gaps": cmd_gaps}
        return commands[args.command](args)
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
