"""The one place that seeds, builds and fits: one scheme's model, or many (scheme, seed) replicas in one model.

Every command trains through here. ``train`` seeds Keras (initializers that
are not seeded, and the shuffling of batches), builds the model and fits it
with an optional progress line; ``train_scheme`` does that for a course model
under a scheme, ``train_replicas`` for a replica model, after checking that it
fits in memory, and ``train_seeds`` for seeds of schemes as replicas, with one
``Recording`` per replica.
"""
import keras
import numpy as np

from course_companion.callbacks import ProgressLine, ReplicaRecorder
from course_companion.checks import check_int
from course_companion.data import check_xy
from course_companion.memory import ReplicaMemoryError, check_replica_memory  # re-exported: their home is memory.py
from course_companion.models import build_model, build_replicas
from course_companion.schemes import BINARY, CONSTANT_VALUE, check_scheme, class_labels, scheme_groups

__all__ = ["ReplicaMemoryError", "train", "train_scheme", "check_replica_memory", "train_replicas", "train_seeds"]

def train(build, X, y, epochs, seed, batch_size, callbacks=(), progress=None, loss_parts=1, shuffle=True):
    """Seed everything with ``seed``, build the model with ``build()``, fit it; return (model, history).

    Args:
        build: a function of no arguments that returns a compiled model.
        X, y, epochs, batch_size: for ``model.fit``.
        seed: int, for ``keras.utils.set_random_seed`` (Python, NumPy and the backend).
        callbacks: Keras callbacks, in the order they run.
        progress: a label for one ``ProgressLine``, or None for none.
        loss_parts: the loss is a sum of this many replicas' (the line shows their mean).
        shuffle: bool, for ``model.fit``: shuffle the batches every epoch (seeded).
    """
    keras.utils.set_random_seed(int(seed))
    model = build()
    callbacks = list(callbacks) + ([ProgressLine(progress, loss_parts=loss_parts)] if progress else [])
    history = model.fit(X, y, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=callbacks, shuffle=shuffle)
    return model, history


def train_scheme(scheme, X, y, epochs=20, seed=0, ties=None, batch_size=32, callbacks=(), progress=None,
                 layer_sizes=BINARY.layer_sizes, learning_rate=BINARY.learning_rate, steps_per_execution=1, jitter=None,
                 activation=BINARY.activation, output_activation=None, loss=BINARY.loss, constant=CONSTANT_VALUE):
    """Build ``scheme``'s model, train it, and return (model, history).

    Training is real: ``model.fit`` with Adam on ``X, y``. The shuffling of
    batches is seeded with ``seed`` too, so a run repeats. ``layer_sizes``,
    ``learning_rate``, ``ties``, ``steps_per_execution``, ``jitter``
    (``perturbed``'s noise; None for the default), ``activation``,
    ``output_activation``, ``loss`` and ``constant`` go to
    ``models.build_model`` (the course model by default; see
    ``data.DataSet.model_settings`` for the coffee model's); ``input_dim``
    comes from ``X``.
    """
    check_scheme(scheme)
    check_int(seed, "seed", minimum=0)

    def build():
        return build_model(scheme, seed=seed, ties=ties, input_dim=X.shape[1], layer_sizes=layer_sizes,
                           learning_rate=learning_rate, steps_per_execution=steps_per_execution, jitter=jitter,
                           activation=activation, output_activation=output_activation, loss=loss, constant=constant)

    return train(build, X, y, epochs, seed, batch_size, callbacks, progress)


def train_replicas(specs, X, y, epochs, seed, batch_size=32, callbacks=(), progress=None, every="epoch",
                   steps_per_execution=1, **settings):
    """Check the memory, then build ``models.build_replicas(specs, **settings)`` and train it; return (model, history).

    ``settings`` are ``build_replicas``' (``ties``, ``layer_sizes``,
    ``learning_rate``, ``optimizer``, ``dtype``); ``input_dim`` comes from ``X``.
    """
    layer_sizes = settings.get("layer_sizes", BINARY.layer_sizes)
    check_replica_memory(len(specs), X.shape[1], layer_sizes, epochs, int(np.ceil(len(X) / batch_size)), every,
                         batch_size, settings.get("dtype", "float32"))

    def build():
        return build_replicas(specs, input_dim=X.shape[1], steps_per_execution=steps_per_execution, **settings)

    return train(build, X, y, epochs, seed, batch_size, callbacks, progress, loss_parts=len(specs))


def train_seeds(schemes, seeds, X, y, epochs=20, every="epoch", batch_size=32, data="", progress=True, first_seed=0,
                layer_sizes=BINARY.layer_sizes, learning_rate=BINARY.learning_rate, ties=None, jitter=None,
                activation=BINARY.activation, output_activation=None, loss=BINARY.loss, constant=CONSTANT_VALUE):
    """Train ``seeds`` seeds of each scheme as replicas of one model, every unit recorded.

    Seeds run from ``first_seed`` to ``first_seed + seeds - 1``; ``first_seed``
    also seeds the shuffling of batches. ``layer_sizes``, ``learning_rate``
    and ``ties`` choose the model (the course model by default; see
    ``data.DataSet.model_settings``); ``jitter`` is ``perturbed``'s noise
    size (None: ``schemes.PERTURBED_JITTER``).

    ``activation``, ``output_activation`` and ``loss`` as for
    ``models.build_replicas`` (Week 2's model: relu, linear, softmax).

    Returns:
        list of dicts ``{"scheme", "seed", "recording"}``, one per replica;
        each recording's metadata also holds the groups its scheme started tied.
    """
    seeds = check_int(seeds, "seeds", minimum=1)
    first_seed = check_int(first_seed, "first_seed", minimum=0)
    for scheme in schemes:
        check_scheme(scheme, "schemes")
    X, y = check_xy(X, y, labels=class_labels(layer_sizes[-1]))
    batches = int(np.ceil(len(X) / batch_size))
    # Before the specs are even listed: a run of millions of replicas is refused at once.
    check_replica_memory(len(schemes) * seeds, X.shape[1], layer_sizes, epochs, batches, every, batch_size)
    specs = [(scheme, first_seed + s, jitter) for scheme in schemes for s in range(seeds)]
    # Recording once an epoch needs no batch hooks, so a whole epoch can run in one graph call.
    per_call = batches if every == "epoch" else 1
    recorder = ReplicaRecorder(every=every, metadata={"data": data, "activation": activation})
    train_replicas(specs, X, y, epochs, first_seed, batch_size, [recorder], f"{len(specs)} replicas" if progress else None,
                   every=every, steps_per_execution=per_call, ties=ties, layer_sizes=layer_sizes,
                   learning_rate=learning_rate, activation=activation, constant=constant,
                   output_activation=output_activation, loss=loss)
    results = []
    for (scheme, seed, _), rec in zip(specs, recorder.replicas()):
        rec.metadata["groups"] = scheme_groups(scheme, ties, layer_sizes)
        results.append({"scheme": scheme, "seed": seed, "recording": rec})
    return results
