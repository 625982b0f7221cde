"""The Setup cell of every lab script: options, seed, device, output folder.

Lab scripts run as scripts (``python lab_scripts/01_constant_vs_random.py
--quick``) and as notebooks; under a Jupyter kernel ``sys.argv`` holds the
kernel's own arguments (``-f kernel.json``), so unknown arguments are ignored.
``COURSE_COMPANION_QUICK=1`` in the environment also selects the quick mode.
"""
import argparse
import os
import sys
from pathlib import Path
from types import SimpleNamespace

from course_companion.options import add_run_options

__all__ = ["lab_setup", "show", "in_notebook"]


def in_notebook():
    """True inside a Jupyter kernel."""
    return "ipykernel" in sys.modules


def lab_setup(name, epochs=20, quick_epochs=2, seed=0, argv=None):
    """Parse the lab's options, seed everything, choose the device, make the output folder.

    ``epochs=None`` leaves the number of epochs to each data set (``settings.epochs`` is then None
    unless ``--epochs`` or ``--quick`` sets it).

    Options: ``--quick`` (a few epochs, for tests), ``--epochs N``, ``--seed N``,
    ``--device auto|cpu|gpu``, ``--out DIR`` (default ``lab_output/NAME``).

    Returns:
        a namespace with ``epochs``, ``seed``, ``quick``, ``device`` (what
        TensorFlow uses) and ``out`` (a Path that exists).
    """
    parser = argparse.ArgumentParser(prog=name, allow_abbrev=False, add_help=not in_notebook())
    parser.add_argument("--quick", action="store_true", help=f"{quick_epochs} epochs, for a fast check")
    # The command line's options: the same values are accepted and refused.
    add_run_options(parser, None, f"epochs of training (default {epochs})", str(Path("lab_output") / name),
                    "the folder this lab writes into", seed=seed)
    argv = sys.argv[1:] if argv is None else argv
    # Under a Jupyter kernel sys.argv holds the kernel's own arguments (-f kernel.json): ignored there only. As a
    # script an unknown option (--sed 5) is an error, not a run with the default seed.
    args = parser.parse_known_args(argv)[0] if in_notebook() else parser.parse_args(argv)
    quick = args.quick or os.environ.get("COURSE_COMPANION_QUICK") == "1"

    from course_companion.devices import UnsupportedBackendError, choose_device, prepare_backend

    try:
        prepare_backend()
    except UnsupportedBackendError as exc:
        raise SystemExit(f"error: {exc}") from None  # one line, exit 1, as a script or a notebook cell
    import keras

    device = choose_device(args.device)
    keras.utils.set_random_seed(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    settings = SimpleNamespace(
        epochs=args.epochs or (quick_epochs if quick else epochs), seed=args.seed, quick=quick, device=device, out=out
    )
    epochs_text = f"{settings.epochs} epochs" if settings.epochs else "each data set's default epochs"
    print(f"{name}: {epochs_text}, seed {settings.seed}, device {device}, writing into {out}/")
    return settings


def show(fig, path):
    """Save ``fig`` at ``path`` (a .png); in a notebook, also display it."""
    from course_companion.report import save_figure

    save_figure(fig, path)
    if in_notebook():
        from IPython.display import Image, display

        display(Image(filename=str(path)))  # a pyplot-free Figure has no inline display of its own
    print(f"saved {path}")
