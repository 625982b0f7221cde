"""Schemes and the course's models, as plain data: no Keras here.

A **scheme** is a named way to initialize the whole model:

- ``constant``: every kernel ``CONSTANT_VALUE``, biases zero; all units of a
  layer identical, and they stay so.
- ``random``: seeded Glorot-uniform kernels, biases zero; the course's model,
  made reproducible.
- ``mirrored``: random, but the groups in ``ties`` are tied completely: their
  kernel columns and biases in the tied layer and their rows in the next
  layer's kernel. They stay identical through training.
- ``incoming-only``: the same groups with only the incoming columns and biases
  equal; the next layer's rows stay random, so the units drift apart.
- ``perturbed``: ``mirrored`` plus normal noise (the **jitter**, default
  ``PERTURBED_JITTER``) on every weight.

A ``ModelSpec`` is one of the course's networks: ``BINARY`` (Week 1's
25-15-1 sigmoid digits lab), ``COFFEE`` (the Week 1 coffee-roasting model) and
``MULTICLASS`` (Week 2's 25-15-10 ReLU lab, softmax from logits).
``models.build_model`` builds them; ``data.datasets`` pairs them with data.
"""
from dataclasses import dataclass

import numpy as np

from course_companion.checks import check_groups, check_int, check_number
from course_companion.layer_names import layer_index

__all__ = ["SCHEMES", "DEFAULT_TIES", "CONSTANT_VALUE", "PERTURBED_JITTER", "LOSSES", "ModelSpec", "BINARY", "COFFEE",
           "MULTICLASS", "MODELS", "class_labels", "check_scheme", "check_ties", "scheme_groups", "layer_seed"]

SCHEMES = ("constant", "random", "mirrored", "incoming-only", "perturbed")
# Layer index (0 = L1) -> groups of unit indices. L1 units 0 and 1 are one
# group and 2, 3, 4 another; L2 units 0 and 1 a third.
DEFAULT_TIES = {0: [[0, 1], [2, 3, 4]], 1: [[0, 1]]}
# Zero: the classic "initialize everything to zero". The model still learns (as
# if each layer had one unit); larger constants saturate the 400-input sigmoids
# of L1 and, seen here, left accuracy at 0.5 after 20 epochs.
CONSTANT_VALUE = 0.0
PERTURBED_JITTER = 1e-6  # about 100 float32 steps at weights of size 0.1
# The losses the course's models train with: binary cross-entropy on a sigmoid output, or Week 2's sparse
# categorical cross-entropy on the logits of a linear output (from_logits=True, as the lab compiles it).
LOSSES = ("binary_crossentropy", "sparse_categorical_crossentropy")


@dataclass(frozen=True)
class ModelSpec:
    """One of the course's networks: its sizes, activations, loss, optimizer and default ties.

    What a model *is*; how its weights begin (scheme, seed, ties, jitter,
    constant) is its **start** (``models.builder.Start``). Checked when made:
    a sparse categorical loss reads logits (a "linear" output) or
    probabilities ("softmax"), nothing else.

    Examples:
        >>> MULTICLASS.activations, MULTICLASS.from_logits
        (('relu', 'relu', 'linear'), True)
        >>> ModelSpec("mine", 4, (3, 2), "relu", 0.01, None, output_activation=None,
        ...           loss="sparse_categorical_crossentropy")
        Traceback (most recent call last):
        ...
        ValueError: output_activation must be 'linear' (logits) or 'softmax' for loss ...; got None (the hidden layers' 'relu')

    Attributes:
        name: "binary", "coffee" or "multiclass" (the builders' own: "custom").
        input_dim: features per example.
        layer_sizes: units per Dense layer, the last the output.
        activation: the hidden layers' activation.
        learning_rate: the optimizer's.
        ties: the default tied groups per layer index (0 = L1).
        output_activation: the last layer's ("sigmoid", or "linear" for logits); None: the same as ``activation``.
        loss: one of ``LOSSES``.
        optimizer: the optimizer's name ("adam", the course's; ``models.builder.OPTIMIZERS`` lists them).
    """

    name: str
    input_dim: int
    layer_sizes: tuple
    activation: str
    learning_rate: float
    ties: dict
    output_activation: str = "sigmoid"
    loss: str = "binary_crossentropy"
    optimizer: str = "adam"

    def __post_init__(self):
        check_int(self.input_dim, "input_dim", minimum=1)
        object.__setattr__(self, "layer_sizes", tuple(self.layer_sizes))
        if not self.layer_sizes:
            raise ValueError(f"layer_sizes must name at least one layer; got {self.layer_sizes!r}")
        for i, n in enumerate(self.layer_sizes):
            check_int(n, f"layer_sizes[{i}]", minimum=1)
        check_number(self.learning_rate, "learning_rate", minimum=0, strict=True)
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {list(LOSSES)}; got {self.loss!r}")
        if self.loss == "sparse_categorical_crossentropy" and self.output not in ("linear", "softmax"):
            got = f"{self.output_activation!r}" + ("" if self.output_activation else f" (the hidden layers' {self.output!r})")
            raise ValueError(f"output_activation must be 'linear' (logits) or 'softmax' for loss {self.loss!r}; got {got}")

    @property
    def output(self):
        """The last layer's activation: ``output_activation``, or ``activation`` where that is None."""
        return self.output_activation or self.activation

    @property
    def activations(self):
        """Each Dense layer's activation, L1 first: ``activation``, and ``output`` for the last."""
        return (self.activation,) * (len(self.layer_sizes) - 1) + (self.output,)

    @property
    def from_logits(self):
        """Whether the loss reads logits: the output is "linear" (the one place this is decided)."""
        return self.output == "linear"

    @property
    def labels(self):
        """The labels the model's data may hold: 0 and 1, or one per output unit."""
        return class_labels(self.layer_sizes[-1])

    @property
    def settings(self):
        """The keyword arguments ``models.build_model`` takes for this model (``input_dim`` comes from the data)."""
        return {"layer_sizes": self.layer_sizes, "learning_rate": self.learning_rate, "ties": self.ties,
                "activation": self.activation, "output_activation": self.output_activation, "loss": self.loss}


BINARY = ModelSpec("binary", 400, (25, 15, 1), "sigmoid", 0.001, DEFAULT_TIES)
COFFEE = ModelSpec("coffee", 2, (3, 1), "sigmoid", 0.01, {0: [[0, 1]]})
MULTICLASS = ModelSpec("multiclass", 400, (25, 15, 10), "relu", 0.001, DEFAULT_TIES, output_activation="linear",
                       loss="sparse_categorical_crossentropy")
MODELS = {spec.name: spec for spec in (BINARY, COFFEE, MULTICLASS)}


def class_labels(outputs):
    """The labels a model with ``outputs`` output units is trained on: 0 and 1 for one (sigmoid) output, else one each.

    Examples:
        >>> class_labels(1), class_labels(3)
        ((0, 1), (0, 1, 2))
    """
    return (0, 1) if outputs == 1 else tuple(range(outputs))


def check_scheme(scheme, arg="scheme"):
    """``scheme`` if it is one of ``SCHEMES``; else ValueError naming ``arg``."""
    if scheme not in SCHEMES:
        raise ValueError(f"{arg} must be one of {list(SCHEMES)}; got {scheme!r}")
    return scheme


def layer_seed(seed, layer):
    """The seed of one layer's kernel, derived from the model's seed.

    Uses NumPy's ``SeedSequence`` so that model seeds 0 and 1 give unrelated
    layers (a plain ``seed + layer`` would reuse L2's draws of seed 0 as L1's
    of seed 1).
    """
    return int(np.random.SeedSequence([int(seed), int(layer)]).generate_state(1)[0] >> 1)


def check_ties(ties, layer_sizes):
    """``ties`` (None: ``DEFAULT_TIES``) as {layer index: groups}, checked against the layers' sizes."""
    if ties is None:
        ties = DEFAULT_TIES
    if not isinstance(ties, dict):
        raise TypeError(f"ties must be a dict from layer index to groups; got {ties!r}")
    out = {}
    for key, groups in ties.items():
        index = layer_index(key, "ties keys")
        if not 0 <= index < len(layer_sizes):
            raise ValueError(f"ties names layer {key!r}, but the model has layers 0..{len(layer_sizes) - 1}")
        groups = check_groups(groups, f"ties[{key!r}]")  # the form; the range needs the layer's size
        for group in groups:
            if max(group) >= layer_sizes[index]:
                raise ValueError(
                    f"ties[{key!r}] group {group} names unit {max(group)}, "
                    f"but layer L{index + 1} has {layer_sizes[index]} units"
                )
        out[index] = groups
    return out


def scheme_groups(scheme, ties=None, layer_sizes=BINARY.layer_sizes):
    """The groups of units that ``scheme`` starts equal, per layer index.

    ``constant`` starts every hidden layer with more than one unit as one
    group (the output units are not meant to be equal: each is a class);
    ``random`` has none; the other schemes have ``ties`` (default
    ``DEFAULT_TIES``). ``perturbed`` and ``incoming-only`` start them equal (or
    nearly) but do not keep them so: that is what they show.
    """
    check_scheme(scheme)
    layer_sizes = tuple(layer_sizes)
    if scheme == "constant":
        return {i: [list(range(n))] for i, n in enumerate(layer_sizes[:-1]) if n > 1}
    if scheme == "random":
        return {}
    return check_ties(ties, layer_sizes)
