"""Copies of a model's variables after training steps, kept on the device.

A Keras callback that records the weights every batch from Python pays, every
batch, a batch hook (which also makes Keras wait for the batch's logs where it
would otherwise dispatch asynchronously: ``_configure_async_dispatch`` in
``keras/src/callbacks/callback_list.py``), a read of each variable and a copy
to NumPy. ``StepSnapshots`` instead adds to the model's compiled train step a
copy of the variables, taken right after the optimizer's update, into a ring
of on-device buffers: one row per recorded step. The recorder copies the rows
out once per epoch. TensorFlow backend only.

``attach(model, snapshots, on_abort, fit)`` rebuilds the model's train
function with every attached ``StepSnapshots`` writing after each step;
``detach`` gives the model back the train function it had. If a step raises
(an error, or Ctrl-C while a step runs), every attached ``on_abort`` is called
(so what was recorded is copied out) and the model gets its own train
function back before the exception goes on.
"""
import weakref

import numpy as np

from course_companion.models.optimizers import resource_handle

# model -> {"hooks": [(StepSnapshots, on_abort, fit)], "plain": train function, "built": ours}
_ATTACHED = weakref.WeakKeyDictionary()


class StepSnapshots:
    """On-device copies of ``variables`` after every ``every``-th training step.

    Args:
        variables: Keras variables (read after each step's update).
        every: int >= 1; a step is recorded when its number is a multiple.
        rows: ring size; at least the records due between two ``take`` calls
            plus 2 (one row may be half-way).
        step: the step number before the next training step.
    """

    def __init__(self, variables, every, rows, step):
        import tensorflow as tf

        self.variables = list(variables)
        self.every = int(every)
        self.rows = int(rows)
        self.buffers = [
            tf.Variable(tf.zeros((self.rows, *v.shape), dtype=v.dtype), trainable=False) for v in self.variables
        ]
        self.step = tf.Variable(int(step), dtype=tf.int64, trainable=False)
        self.taken = int(step)  # the last step already handed out by take()

    def write(self):
        """Inside the train step: count the step, copy the variables into its row.

        Every step writes (a branch costs more than the copy); the row of step
        s is (s - 1) // every, so the last write into a row is the recorded
        step ``every * (row + 1)``. Raw ops keep the added graph small (about
        17 ops a step; TensorFlow's executor pays microseconds per op).
        """
        import tensorflow as tf

        raw = tf.raw_ops
        # Reading a variable is ordered after the optimizer's update of it (same
        # resource); the count waits for the reads, so a step that fails before
        # its update is not counted.
        values = [raw.ReadVariableOp(resource=resource_handle(v), dtype=b.dtype) for v, b in zip(self.variables, self.buffers)]
        with tf.control_dependencies(values):
            counted = raw.AssignAddVariableOp(resource=self.step.handle, value=tf.constant(1, tf.int64))
        with tf.control_dependencies([counted]):
            step = raw.ReadVariableOp(resource=self.step.handle, dtype=tf.int64)
        row = (step - 1) // self.every % self.rows
        for buffer, value in zip(self.buffers, values):
            raw.ResourceScatterUpdate(resource=buffer.handle, indices=row, updates=value)

    def take(self):
        """(recorded steps since the last take, [array per variable, one row per step])."""
        now = int(self.step.numpy())
        steps = np.arange(self.taken // self.every + 1, now // self.every + 1) * self.every
        rows = (steps - 1) // self.every % self.rows
        if len(steps) and len(np.unique(rows)) < len(rows):
            raise RuntimeError(f"StepSnapshots: {len(steps)} records were due but the ring holds {self.rows}")
        self.taken = now
        return steps, [buffer.numpy()[rows] for buffer in self.buffers]


def attach(model, snapshots, on_abort, fit):
    """Make ``model``'s train function write ``snapshots`` after every step.

    Args:
        fit: an object that is the same for every callback of one ``fit``
            (Keras gives them all one ``params`` dict); hooks left by a ``fit``
            that ended with an exception outside a step are dropped.
    """
    state = _ATTACHED.get(model)
    if state is None or model.train_function is not state["built"]:
        state = {"hooks": [], "plain": model.train_function, "built": None}  # compiled anew since
        _ATTACHED[model] = state
    state["hooks"] = [h for h in state["hooks"] if h[2] is fit] + [(snapshots, on_abort, fit)]
    _build(model, state)


def detach(model, snapshots):
    """Forget ``snapshots`` at the end of its fit; the last one out restores the plain train function."""
    state = _ATTACHED.get(model)
    if state is None:
        return
    state["hooks"] = [h for h in state["hooks"] if h[0] is not snapshots]
    if state["hooks"]:
        return  # the fit is over; the last recorder out restores the plain function
    if model.train_function is state["built"]:
        model.train_function = state["plain"]
    del _ATTACHED[model]


def _abort(model):
    state = _ATTACHED.pop(model, None)
    if state is None:
        return
    if model.train_function is state["built"]:
        model.train_function = state["plain"]
    for _, on_abort, _ in state["hooks"]:
        on_abort()


def _build(model, state):
    from tensorflow.errors import OutOfRangeError

    hooks = [h[0] for h in state["hooks"]]
    had_own = "train_step" in vars(model)
    own = model.train_step

    def train_step(data):
        logs = own(data)
        for snapshots in hooks:
            snapshots.write()
        return logs

    model.train_step = train_step
    try:
        built = model.make_train_function(force=True)
    finally:
        if had_own:
            model.train_step = own
        else:
            del model.train_step
    built = built or model.train_function

    def train_function(iterator):
        try:
            return built(iterator)
        except (StopIteration, OutOfRangeError):
            raise  # the end of the data: Keras ends the epoch
        except BaseException:
            _abort(model)
            raise

    model.train_function = state["built"] = train_function
