"""The data sets the commands train on, each with its model and training settings.

``--data digits`` (the default) is the course's 25-15-1 model on the bundled
handwritten 0s and 1s, Adam(0.001), batch 32, 20 epochs. ``--data coffee`` is
the Week 1 coffee-roasting model: 2 inputs (temperature and duration,
standardized as the course does) -> 3 sigmoid units -> 1 sigmoid output,
Adam(0.01), with L1 units 0 and 1 as the default tied group.

Why the coffee settings differ from the course's (its 200 rows tiled 1000
times, batch 32, 10 epochs: 62,500 steps, about 20 s per scheme here): with
batch 32, one of our random starts (seed 0) needed about 27,000 steps to pass
0.97 accuracy, stuck on a plateau near 0.95 before the third boundary formed.
With batches of 200 rows it passed 0.97 after about 9,500 steps (seeds 0-3
all by 12,000). So coffee trains on the 200 rows tiled 500 times (100,000
rows), batches of 200, 24 epochs of 500 steps: 12,000 steps, about 5 s per
scheme, with a whole epoch per call into the TensorFlow graph; ``compare``
trains its schemes side by side as replicas of one model, so the three
schemes cost about the time of one.
"""
from dataclasses import dataclass

import numpy as np

from course_companion.data.coffee import coffee_training_set
from course_companion.data.digits import load_course_data, load_digits, load_digits01
from course_companion.schemes import BINARY, COFFEE, MODELS, ModelSpec

__all__ = ["NAMES", "DataSet", "load_dataset", "course_files"]

NAMES = ("digits", "coffee")
COFFEE_TILES = 500


@dataclass(frozen=True)
class DataSet:
    """Training data with the model and settings that go with it.

    Attributes:
        name: "digits", "coffee" or "course files".
        X, y: float32 training data, (rows, features) and (rows, 1).
        description: one line for summaries and recordings.
        model: the ``schemes.ModelSpec`` trained on it (its layer sizes,
            learning rate and default ties).
        epochs: default epochs; batch_size: rows per step.
        whole_epochs: bool, run a whole epoch per graph call when recording
            once an epoch (fast; batch-level callbacks then fire once per call).
        replicas: bool, ``compare`` trains the schemes side by side as
            replicas of one model (``experiments.run_compare(replicas=True)``).
        distinct_rows: the rows before the data repeats (coffee: the course's
            200), or None when no row repeats; a loss on them equals the loss
            on all of X.
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    description: str
    model: ModelSpec
    epochs: int
    batch_size: int
    whole_epochs: bool = False
    replicas: bool = False
    distinct_rows: int = None

    @property
    def label(self):
        """The name summaries and figures use: the data set's, and the model's where it is not the data's own."""
        return self.name if self.model.name in ("binary", "coffee") else f"{self.name}, {self.model.name}"

    @property
    def layer_sizes(self):
        """Units per Dense layer of the model."""
        return self.model.layer_sizes

    @property
    def learning_rate(self):
        """Adam's learning rate for the model."""
        return self.model.learning_rate

    @property
    def ties(self):
        """The default tied groups per layer index (0 = L1)."""
        return self.model.ties

    @property
    def loss_data(self):
        """(X, y) without repeats: what a loss (or its landscape) needs to be computed on."""
        return (self.X, self.y) if self.distinct_rows is None else (self.X[: self.distinct_rows], self.y[: self.distinct_rows])

    @property
    def model_settings(self):
        """The model's keyword arguments for ``training`` (``input_dim`` always comes from ``X``)."""
        return self.model.settings

    @property
    def batches_per_epoch(self):
        """Steps in one epoch: the rows over the batch size, the last batch partial."""
        return int(np.ceil(len(self.X) / self.batch_size))

    def steps_per_execution(self, every):
        """Batches per graph call for a recorder that records ``every`` ("epoch" or N batches)."""
        return self.batches_per_epoch if every == "epoch" and self.whole_epochs else 1


def _check_model(model, name):
    if model not in MODELS or model == "coffee":
        raise ValueError(f"model must be 'binary' or 'multiclass'; got {model!r}")
    if name == "coffee" and model != "binary":
        raise ValueError(f"--data coffee trains the coffee model (2 inputs, 3 units); --model {model} needs the digits")
    return MODELS[model]


def load_dataset(name, model="binary"):
    """The named data set with its settings; ``model="multiclass"`` is Week 2's model on all ten digits.

    Examples:
        >>> load_dataset("coffee").layer_sizes
        (3, 1)
        >>> load_dataset("digits", model="multiclass").X.shape
        (5000, 400)

    Raises:
        ValueError: ``name`` is not one of ``NAMES``, or ``model`` does not go with it.
    """
    if name not in NAMES:
        raise ValueError(f"data must be one of {list(NAMES)}; got {name!r}")
    spec = _check_model(model, name)
    if name == "digits" and spec.name == "multiclass":  # Week 2's lab: all 5000 digits, 40 epochs
        X, y = load_digits()
        return DataSet("digits", X, y, "bundled digits 0-9 (5000 x 400)", spec, 40, 32, whole_epochs=True, replicas=True)
    if name == "digits":
        X, y = load_digits01()
        return DataSet("digits", X, y, "bundled digits01 (1000 x 400)", BINARY, 20, 32)
    X, y = coffee_training_set(COFFEE_TILES)
    description = f"coffee roasting, the course's 200 x 2 standardized, tiled {COFFEE_TILES}x ({len(X):,} rows)"
    return DataSet("coffee", X, y, description, COFFEE, 24, 200, whole_epochs=True, replicas=True,
                   distinct_rows=len(X) // COFFEE_TILES)


def course_files(x_path, y_path, model="binary"):
    """The learner's own course files with the model's settings: digits 0 and 1 kept (binary), or all (multiclass)."""
    spec = _check_model(model, "course files")
    X, y = load_course_data(x_path, y_path, labels=spec.labels)
    epochs = 40 if spec.name == "multiclass" else 20
    return DataSet("course files", X, y, f"{x_path} ({X.shape[0]} x {X.shape[1]})", spec, epochs, 32)
