"""Keras: the course's models under named schemes, their initializers, Dense-layer helpers, replicas, ``FusedAdam``.

One module per idea: ``initializers`` (``Constant``, ``Random``, ``Mirrored``),
``builder`` (the one builder: a start and a model spec -> layers, with the one
table of losses and of optimizers; ``kernel_initializers``, ``initial_weights``),
``course`` (``build_model``), ``dense`` (finding Dense layers, ``tie_units``,
``permute_units``), ``replicas`` (many seeds as one model), ``optimizers``
(``FusedAdam``), ``layers`` (``MaskedDense``, ``MixedDense``: units that
differ by construction), ``branches`` (variants of a model side by side, for
``breakers``).
"""
from course_companion.models.branches import Branch, build_branches
from course_companion.models.builder import initial_weights, kernel_initializers
from course_companion.models.course import build_model
from course_companion.models.dense import (
    dense_layers,
    find_dense_layer,
    following_dense_layer,
    permute_units,
    reset_optimizer,
    tie_units,
    unit_weights,
)
from course_companion.models.layers import MaskedDense, MixedDense
from course_companion.models.initializers import Constant, Mirrored, Random, SeededInitializer
from course_companion.models.optimizers import FusedAdam
from course_companion.models.replicas import (
    ReplicaDense,
    ReplicaMetrics,
    build_replicas,
    per_replica_logs,
    replica_binary_crossentropy,
)

__all__ = [
    "Branch", "build_branches", "MaskedDense", "MixedDense", "build_model", "initial_weights", "kernel_initializers", "dense_layers", "find_dense_layer", "following_dense_layer",
    "permute_units", "reset_optimizer", "tie_units", "unit_weights", "Constant", "Mirrored", "Random",
    "SeededInitializer", "FusedAdam", "ReplicaDense", "ReplicaMetrics", "build_replicas", "per_replica_logs",
    "replica_binary_crossentropy",
]
