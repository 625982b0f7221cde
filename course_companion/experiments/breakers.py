"""``breakers``: what breaks a tie? The learner's three conditions (same inputs, same starting weights, same
activation) changed one at a time, and the things that might seem to matter.

Every row starts from tied units, changes one thing, trains, and reads the
weights. **The tie** is the same in every row: all units of L1 are one group,
and it **held** when their incoming weights, biases, outgoing weights (rows of
L2's kernel) and any per-unit values between (BatchNormalization's four) are
exactly equal after training (``testing.assert_tied``, exact on the CPU); else
it **broke**, and the full tie gap says how far apart the units ended. With an input
mask the compared kernel is the stored one (its masked-out weights never
change); with two activations in L1 the weights are compared, not the
activations. The start is the ``constant`` scheme (every weight
``START_CONSTANT``) except where the start is the change.

Each run returns a ``ChangeResult``; its words (the table, the findings,
``summary.md``) are ``summaries.breakers``'. Keras is imported when a run
starts, so that ``figures`` and ``summaries`` can read the thresholds without it. Changes that share the training settings run as branches of one model
(``models.branches``); the others (another optimizer, learning rate, batch
size, shuffling, dtype or number of epochs) each get a fit of their own.
"""
from dataclasses import dataclass, field

import numpy as np

from course_companion.analysis import FLOAT32_RESOLUTION, distinct_units, full_tie_gap, identical_groups, relative_tie_gap
from course_companion.analysis.tie import PARTS
from course_companion.checks import check_int
from course_companion.data import check_xy
from course_companion.schemes import CONSTANT_VALUE

__all__ = ["CONDITIONS", "CHANGES", "NAMES", "EPOCHS", "START_CONSTANT", "SGD_LEARNING_RATE", "L2_PENALTY", "ROUNDING",
           "RESOLUTION", "Change", "ChangeResult", "check_changes", "words", "run_breakers"]

CONDITIONS = ("none", "inputs", "starting weights", "activation", "might seem to matter")
# A tie that breaks shows it within the first epoch (the table has the gap after it); these epochs are for the
# accuracy, short of each model's full run to keep the default under a minute: coffee 8 x 500 steps (the compare
# default is 24), the binary digits 10 x 32 steps (20), Week 2's model 10 x 157 steps (40).
EPOCHS = {"coffee": 8, "binary": 10, "multiclass": 10}
# Week 2's ReLU units get no gradient at all from a zero start (every change would "hold" for that reason alone),
# so its constant start is 0.05, the value seen while planning; the sigmoid models keep the package's 0.
START_CONSTANT = {"multiclass": 0.05}
SGD_LEARNING_RATE = 0.1  # plain SGD at Adam's 0.001 barely moves in these epochs
L2_PENALTY = 0.01
# A tie that broke by less than this many steps of its dtype's resolution (relative full tie gap at the end) broke by
# rounding alone: a CPU kernel that rounds some units differently (scripts/tie_rounding.py), not the model.
ROUNDING = 100
RESOLUTION = {"float32": FLOAT32_RESOLUTION, "float64": 2.0**-52}


@dataclass(frozen=True)
class Change:
    """One thing altered from the tied start.

    Attributes:
        name: the command line's name for it.
        condition: one of ``CONDITIONS``.
        words: what it is, for tables and figures; ``{activation}`` and ``{batch}`` are filled from the data set.
        branch: ``models.branches.Branch`` fields that differ from the tied start.
        training: training settings that differ: ``optimizer``, ``learning_rate`` (a factor), ``epochs`` (a
            factor), ``full_batch``, ``shuffle``, ``dtype``.
    """

    name: str
    condition: str
    words: str
    branch: dict = field(default_factory=dict)
    training: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ChangeResult:
    """One change trained on one data set from the tied start (``run_breakers``).

    Attributes:
        change: the ``Change``.
        words: the change in words on this data set's model (``words``).
        data: the data set's label.
        held: bool, the tie held: L1's units exactly equal after training (``testing.assert_tied``).
        message: ``assert_tied``'s message where the tie broke, else "".
        distinct: int, distinct L1 units at the end.
        groups: L1's units that ended equal, as lists (``analysis.identical_groups``).
        gaps: [start, after epoch 1, end]: the full tie gap (``analysis.full_tie_gap``: every part a tie needs).
        relative: float, the relative full tie gap at the end.
        rounding: bool, exactly tied at the start and broke, but by less than ``ROUNDING`` steps of the dtype's
            resolution.
        accuracy: float, on the training data, Dropout and noise off.
        epochs: int, epochs trained.
        dtype: "float32" or "float64".
    """

    change: Change
    words: str
    data: str
    held: bool
    message: str
    distinct: int
    groups: list
    gaps: list
    relative: float
    rounding: bool
    accuracy: float
    epochs: int
    dtype: str


_TIED_L1 = {"ties": "L1"}  # every unit of L1 in one group, set for the data set's layer size in _branch
CHANGES = (
    Change("none", "none", "nothing: the tied start"),
    Change("input-mask", "inputs", "each L1 unit misses its own inputs", {"input_mask": True}),
    Change("dropout-input", "inputs", "Dropout(0.2) on the input", {"on_input": "dropout"}),
    Change("noise-input", "inputs", "GaussianNoise(0.1) on the input", {"on_input": "noise"}),
    Change("dropout-l1", "inputs", "Dropout(0.2) after L1", {"after_l1": "dropout"}),
    Change("noise-l1", "inputs", "GaussianNoise(0.1) after L1", {"after_l1": "noise"}),
    Change("random", "starting weights", "a random start (Glorot uniform)", {"scheme": "random"}),
    Change("incoming-only", "starting weights", "L1's incoming weights tied, outgoing random",
           {"scheme": "incoming-only", **_TIED_L1}),
    Change("mirrored", "starting weights", "L1 tied, every other weight random", {"scheme": "mirrored", **_TIED_L1}),
    Change("perturbed", "starting weights", "L1 tied, plus a jitter of 1e-6 on every weight",
           {"scheme": "perturbed", **_TIED_L1}),
    Change("mixed-activation", "activation", "half of L1 {activation}, half tanh", {"second_activation": "tanh"}),
    Change("no-shuffle", "might seem to matter", "batches in the same order every epoch", training={"shuffle": False}),
    Change("full-batch", "might seem to matter", "one full batch instead of batches of {batch}",
           training={"full_batch": True}),
    Change("sgd", "might seem to matter", f"SGD({SGD_LEARNING_RATE}) instead of Adam", training={"optimizer": "sgd"}),
    Change("rmsprop", "might seem to matter", "RMSprop instead of Adam", training={"optimizer": "rmsprop"}),
    Change("learning-rate-x10", "might seem to matter", "a learning rate 10x larger", training={"learning_rate": 10}),
    Change("epochs-x5", "might seem to matter", "five times the epochs", training={"epochs": 5}),
    Change("l2", "might seem to matter", f"an L2 penalty of {L2_PENALTY} on every kernel", {"l2": L2_PENALTY}),
    Change("float64", "might seem to matter", "float64 instead of float32", training={"dtype": "float64"}),
    Change("batchnorm", "might seem to matter", "BatchNormalization after L1", {"after_l1": "batchnorm"}),
)
NAMES = tuple(c.name for c in CHANGES)
_TRAINING = {"optimizer": "adam", "learning_rate": 1, "epochs": 1, "full_batch": False, "shuffle": True,
             "dtype": "float32"}


def check_changes(names):
    """The ``Change``s named (None: all, in ``CHANGES``' order); ValueError naming an unknown one."""
    if names is None:
        return list(CHANGES)
    if isinstance(names, str) or not hasattr(names, "__iter__"):
        raise TypeError(f"changes must be a list of names; got {names!r}")
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        raise ValueError(f"changes: unknown {unknown[0]!r}; choose from {', '.join(NAMES)}")
    if not names:
        raise ValueError("changes must name at least one change; got none")
    return [c for c in CHANGES if c.name in set(names)]


def _branch(change, data, seed):
    """The change's ``models.branches.Branch`` on ``data``'s model."""
    from course_companion.models.branches import Branch

    settings = dict(change.branch)
    if settings.get("ties") == "L1":
        settings["ties"] = {0: [list(range(data.layer_sizes[0]))]}
    return Branch(seed=seed, constant=START_CONSTANT.get(data.model.name, CONSTANT_VALUE), **settings)


def words(change, data=None):
    """The change in words on ``data``'s model (None: in words that fit every data set)."""
    if data is None:
        return change.words.format(activation="sigmoid (ReLU in Week 2's model)", batch="32 (coffee: 200)")
    return change.words.format(activation=data.model.activation, batch=data.batch_size)


def _parts(branch_model):
    """L1's parts of a tie (``analysis.tie.PARTS``: incoming weights and biases, outgoing weights, values between)."""
    from course_companion.models.dense import tie_parts

    parts = tie_parts(branch_model, "L1")
    return {"incoming": parts["units"], "outgoing": parts["outgoing"], "between": parts["between"]}


def _rows(parts):
    """One row per unit: every part side by side, float64 (what distinct units and equal groups are read from)."""
    return np.concatenate([np.asarray(parts[k], np.float64) for k in PARTS if parts[k] is not None], axis=1)


def run_breakers(data, changes=None, epochs=None, seed=0, progress=True):
    """Train every change on ``data`` (a ``data.DataSet``) from the tied start; one result per change.

    Args:
        data: a ``data.DataSet`` (its model, batch size and data).
        changes: names from ``CHANGES`` (None: all).
        epochs: int, or None for ``EPOCHS`` of the data set's model; ``epochs-x5`` trains five times as many.
        seed: int, for every start, Dropout, noise and the shuffling of batches.
        progress: one progress line per fit.

    Returns:
        a ``ChangeResult`` per change, in ``CHANGES``' order.
    """
    import keras

    from course_companion.models.branches import branch_accuracy, build_branches
    from course_companion.testing import assert_tied
    from course_companion.training import train

    changes = check_changes(changes)
    epochs = EPOCHS[data.model.name] if epochs is None else check_int(epochs, "epochs", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    X, y = check_xy(data.X, data.y, labels=data.model.labels)
    group = [list(range(data.layer_sizes[0]))]
    fits = {}
    for change in changes:
        settings = {**_TRAINING, **change.training}
        fits.setdefault(tuple(sorted(settings.items())), []).append(change)
    results = {}
    for key, members in fits.items():
        settings = dict(key)
        batch = len(X) if settings["full_batch"] else data.batch_size
        steps = -(-len(X) // batch)
        total = epochs * settings["epochs"]
        branches = [_branch(c, data, seed) for c in members]
        model_settings = data.model_settings
        learning_rate = (SGD_LEARNING_RATE if settings["optimizer"] == "sgd" else model_settings["learning_rate"])

        def build():
            return build_branches(branches, X.shape[1], model_settings["layer_sizes"], model_settings["activation"],
                                  model_settings["output_activation"], model_settings["loss"], settings["optimizer"],
                                  learning_rate * settings["learning_rate"], settings["dtype"], steps_per_execution=steps)

        starts, firsts = [], []
        first_epoch = keras.callbacks.LambdaCallback(
            on_train_begin=lambda logs: starts.extend(_parts(b) for b in first_epoch.model.branches),
            on_epoch_end=lambda epoch, logs: epoch == 0 and firsts.extend(_parts(b) for b in first_epoch.model.branches))
        label = f"{data.label}: {', '.join(c.name for c in members)}" if progress else None
        model, _ = train(build, X, [y] * len(branches), total, seed, batch, [first_epoch], label,
                         loss_parts=len(branches), shuffle=settings["shuffle"])
        accuracy = branch_accuracy(model, *data.loss_data)
        for k, (change, branch_model) in enumerate(zip(members, model.branches)):
            end = _parts(branch_model)
            try:
                assert_tied(branch_model, "L1", group)
                held, message = True, ""
            except AssertionError as exc:
                held, message = False, str(exc)
            gaps = [float(full_tie_gap(p, group)) for p in (starts[k], firsts[k], end)]
            rows = _rows(end)
            relative = float(relative_tie_gap(rows, group))
            # Only a tie that was exact at the start can break by rounding (a jitter or a random start is not).
            rounding = not held and gaps[0] == 0 and relative < ROUNDING * RESOLUTION[settings["dtype"]]
            results[change.name] = ChangeResult(
                change=change, words=words(change, data), data=data.label, held=held, message=message,
                distinct=distinct_units(rows), groups=identical_groups(rows), gaps=gaps, relative=relative,
                rounding=rounding, accuracy=accuracy[k], epochs=total, dtype=settings["dtype"],
            )
    return [results[c.name] for c in changes]
