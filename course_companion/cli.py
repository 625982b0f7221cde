"""The command line: ``python -m course_companion compare ...`` (its arguments: ``arguments``).

It only orchestrates: each command reads its data, checks the output folder
and the device, runs its experiment (``experiments``), words its result
(``summaries``), draws its figures (``figures``) and writes its files (``report``); the logic lives there. Exit codes: 0 done; 2 bad arguments or bad input (one line on
stderr, no traceback); 1 anything else (one line, and ``--verbose`` for the
traceback).
"""
import contextlib
import os
import sys
import traceback

from course_companion.arguments import UsageError, build_parser
from course_companion.data import NAMES
from course_companion.memory import format_bytes

__all__ = ["main", "UsageError"]


def _load_data(args):
    """The ``--data`` as a ``data.DataSet``; bad names or files are a UsageError."""
    from course_companion.data import course_files, load_dataset

    model = args.model
    try:
        if len(args.data) == 1 and args.data[0] in NAMES:
            dataset = load_dataset(args.data[0], model=model)
        elif len(args.data) == 2:
            dataset = course_files(*args.data, model=model)
        else:
            raise ValueError(f"--data: expected {' or '.join(NAMES)}, or two files X.npy y.npy; got {' '.join(args.data)!r}")
    except (OSError, ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None
    if args.epochs is None:
        args.epochs = dataset.epochs
    return dataset


@contextlib.contextmanager
def _prepared(args):
    """Check the backend, make and check the output folder, choose the device; yield the folder (removed again if
    the run fails)."""
    from course_companion.devices import NoGPUError, UnsupportedBackendError, choose_device, prepare_backend
    from course_companion.report import output_folder

    try:
        backend = prepare_backend()
    except UnsupportedBackendError as exc:
        raise UsageError(str(exc)) from None
    with contextlib.ExitStack() as stack:
        try:
            out = stack.enter_context(output_folder(args.out, "--out"))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        try:
            device = choose_device(args.device)
        except NoGPUError as exc:
            raise UsageError(str(exc)) from None
        print(f"device: {device}" + ("" if backend == "tensorflow" else f" (Keras backend: {backend})"))
        yield out


def _write(out, written):
    print(f"wrote {len(written)} file{'' if len(written) == 1 else 's'} to {out}/:")
    for path in written:
        print(f"  {path}")


def cmd_compare(args):
    data = _load_data(args)
    with _prepared(args) as out:
        from course_companion.experiments.compare import run_baseline, run_compare
        from course_companion.figures.compare import compare_figures
        from course_companion.report import write_outputs
        from course_companion.summaries.compare import summary_markdown

        print(f"data: {data.description}; {args.epochs} epochs; seed {args.seed}; recording every {args.every}")
        settings = dict(data.model_settings, batch_size=data.batch_size, constant=args.constant)
        recordings = run_compare(args.schemes, data.X, data.y, epochs=args.epochs, seed=args.seed, every=args.every,
                                 data=data.description, replicas=data.replicas,
                                 steps_per_execution=data.steps_per_execution(args.every), jitter=args.jitter, **settings)
        # Week 2's model: the same run also trains the model with no hidden layer, the linear model to beat.
        baseline = None
        if args.model == "multiclass":  # nothing is recorded, so it can run whole epochs per call
            baseline = run_baseline(data.X, data.y, epochs=args.epochs, seed=args.seed,
                                    steps_per_execution=data.steps_per_execution("epoch"), **settings)
        _write(out, write_outputs(out, figures=compare_figures(recordings), recordings=recordings,
                                  texts={"summary.md": summary_markdown(recordings, baseline)}, fmt=args.format))
    return 0


def cmd_explain(args):
    with _prepared(args) as out:
        from course_companion.experiments.explain import run_explain
        from course_companion.figures.explain import explain_figures
        from course_companion.report import write_outputs
        from course_companion.summaries.explain import explain_table

        recordings = run_explain(epochs=args.epochs, seed=args.seed)
        print(explain_table(recordings))
        _write(out, write_outputs(out, figures=explain_figures(recordings), fmt=args.format))
    return 0


def cmd_sweep(args):
    data = _load_data(args)
    with _prepared(args) as out:
        from course_companion.experiments.sweep import alignment_rows, run_sweep, sweep_rows
        from course_companion.figures.sweep import sweep_figures
        from course_companion.report import write_outputs
        from course_companion.summaries.sweep import sweep_markdown, sweep_table
        from course_companion.training import ReplicaMemoryError

        count = len(args.schemes) * args.seeds
        print(f"data: {data.description}; {args.seeds} seeds x {len(args.schemes)} schemes = {count} replicas in one model; {args.epochs} epochs")
        try:
            results = run_sweep(args.schemes, args.seeds, data.X, data.y, epochs=args.epochs, every=args.every,
                                data=data.description, first_seed=args.seed, batch_size=data.batch_size, jitter=args.jitter,
                                constant=args.constant, **data.model_settings)
        except ReplicaMemoryError as exc:
            raise UsageError(f"--seeds {args.seeds}: {exc.replicas:,} replicas ({len(args.schemes)} schemes) need about "
                             f"{format_bytes(exc.need)}, and {format_bytes(exc.available)} is available; at most "
                             f"{exc.fit // len(args.schemes):,} seeds would fit") from None
        rows, aligned = sweep_rows(results), alignment_rows(results)
        seeds = range(args.seed, args.seed + args.seeds)
        summary = sweep_markdown(rows, results[0].recording.metadata, args.epochs, seeds, data.description, aligned)
        written = write_outputs(out, figures=sweep_figures(results, rows, aligned), texts={"summary.md": summary},
                                fmt=args.format)
        print(sweep_table(rows))
        _write(out, written)
    return 0


def _named_sets(args):
    """The --data sets with --model's network (coffee has its own); bad combinations are a UsageError."""
    from course_companion.data import load_dataset

    names = args.data or (["digits"] if args.model == "multiclass" else list(NAMES)[::-1])
    try:
        return [load_dataset(name, model=args.model) for name in dict.fromkeys(names)]
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def cmd_landscape(args):
    sets = _named_sets(args)
    if args.points < 3 or args.points % 2 == 0:
        raise UsageError(f"--points: expected an odd number, at least 3 (the two ends and the middle, alpha 0.5); "
                         f"got {args.points}")
    with _prepared(args) as out:
        from course_companion.devices import run_metadata
        from course_companion.experiments.landscape import run_landscape
        from course_companion.figures.landscape import landscape_figures
        from course_companion.report import write_outputs
        from course_companion.summaries.landscape import landscape_markdown

        results = []
        for data in sets:
            print(f"data: {data.description}; {args.epochs or data.epochs} epochs; seed {args.seed}; up to {args.pairs} pairs of L1 units")
            results.append(run_landscape(data, seed=args.seed, pairs=args.pairs, points=args.points, epochs=args.epochs))
        meta = run_metadata()
        _write(out, write_outputs(out, figures=landscape_figures(results, meta),
                                  texts={"summary.md": landscape_markdown(results, meta)}, fmt=args.format))
    return 0


def cmd_gaps(args):
    sets = _named_sets(args)
    with _prepared(args) as out:
        from course_companion.devices import run_metadata
        from course_companion.experiments.gaps import run_gaps
        from course_companion.figures.gaps import gaps_figures
        from course_companion.report import write_outputs
        from course_companion.summaries.gaps import gaps_finding, gaps_markdown

        results = []
        for data in sets:
            for optimizer in dict.fromkeys(args.optimizers):
                results.append(run_gaps(data, optimizer=optimizer, epochs=args.epochs, seed=args.seed,
                                        dtype="float32" if args.float32 else "float64"))
                print(gaps_finding(results[-1]))
        meta = run_metadata()
        _write(out, write_outputs(out, figures=gaps_figures(results, meta), texts={"summary.md": gaps_markdown(results, meta)},
                                  fmt=args.format))
    return 0


def cmd_breakers(args):
    if args.data is None and args.model is None:  # all three of the course's models
        from course_companion.data import load_dataset

        sets = [load_dataset("coffee"), load_dataset("digits"), load_dataset("digits", model="multiclass")]
    else:
        args.model = args.model or "binary"
        sets = _named_sets(args)
    with _prepared(args) as out:
        from course_companion.devices import run_metadata
        from course_companion.experiments.breakers import EPOCHS, run_breakers
        from course_companion.figures.breakers import breakers_figures
        from course_companion.report import write_outputs
        from course_companion.summaries.breakers import breakers_markdown, condition_findings

        results = []
        for data in sets:
            epochs = args.epochs or EPOCHS[data.model.name]
            print(f"data: {data.description}; {epochs} epochs; seed {args.seed}")
            results += run_breakers(data, args.changes, epochs=epochs, seed=args.seed)
        meta = run_metadata()
        for line in condition_findings(results):
            print(line)
        _write(out, write_outputs(out, figures=breakers_figures(results, meta),
                                  texts={"summary.md": breakers_markdown(results, meta)}, fmt=args.format))
    return 0


def main(argv=None):
    """Run the command line; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    verbose = "--verbose" in argv
    if not verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter
    try:
        args = build_parser().parse_args(argv)
        commands = {"compare": cmd_compare, "explain": cmd_explain, "sweep": cmd_sweep, "landscape": cmd_landscape,
                    "gaps": cmd_gaps, "breakers": cmd_breakers}
        return commands[args.command](args)
    except (UsageError, MemoryError) as exc:  # a run too large for this machine is refused before it starts
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
