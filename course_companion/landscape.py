"""The loss along paths in weight space: the unit-swap path.

Swap two units of a layer (their incoming columns, biases and outgoing rows)
and the network computes exactly the same function: the same loss at another
point in weight space. Walk the straight line between the two points: at its
middle the two units are equal (a tied model). Where the middle is higher
than the ends, the loss cannot be one convex bowl; where it is as low, a flat
valley joins the copies.
"""
import numpy as np

from course_companion.checks import check_int

__all__ = ["swap_path", "swapped_weights", "unit_pairs", "run_landscape"]


def swapped_weights(kernel, bias, after, i, j):
    """Copies of (kernel, bias, next kernel) with units ``i`` and ``j`` exchanged."""
    kernel, after = kernel.copy(), after.copy()
    kernel[:, [i, j]] = kernel[:, [j, i]]
    after[[i, j]] = after[[j, i]]
    if bias is not None:
        bias = bias.copy()
        bias[[i, j]] = bias[[j, i]]
    return kernel, bias, after


def swap_path(model, X, y, layer, i, j, points=21):
    """The model's loss on ``(X, y)`` along the straight line to its copy with units ``i`` and ``j`` swapped.

    At ``alpha`` the weights are ``(1 - alpha) * theta + alpha * swapped(theta)``:
    only the layer's columns and biases of units ``i`` and ``j`` and the next
    Dense layer's rows ``i`` and ``j`` move. Both ends are the same function;
    at alpha 0.5 the two units are identical. The model's weights are exactly
    as they were after the call, also when it fails.

    Examples:
        >>> from course_companion.models import build_model
        >>> from course_companion.data import standardized_coffee_data
        >>> X, y = standardized_coffee_data()
        >>> alphas, losses = swap_path(build_model("random", seed=0, input_dim=2, units=(3, 1)), X, y, "L1", 0, 1, points=5)
        >>> alphas.tolist(), bool(abs(losses[0] - losses[-1]) < 1e-6)
        ([0.0, 0.25, 0.5, 0.75, 1.0], True)

    Args:
        model: a built, compiled Keras model.
        X, y: data the loss is computed on (the same number of rows).
        layer: a Dense layer (name, index into the Dense layers, or the layer)
            that feeds exactly one Dense layer.
        i, j: two different unit indices of that layer.
        points: int >= 2, evenly spaced alphas from 0 to 1.

    Returns:
        ``(alphas, losses)``: float64 arrays of ``points`` values.

    Raises:
        ValueError: a unit index out of range, ``i == j``, a layer that is not
            Dense or feeds nothing, or X and y of different lengths.
    """
    from course_companion.models import find_dense_layer, following_dense_layer

    dense = find_dense_layer(model, layer)
    following = following_dense_layer(model, dense)
    if following is None:
        raise ValueError(f"layer {dense.name!r} feeds nothing: its units have no outgoing weights to swap")
    i, j = check_int(i, "i", minimum=0), check_int(j, "j", minimum=0)
    for arg, unit in (("i", i), ("j", j)):
        if unit >= dense.units:
            raise ValueError(f"{arg} must be a unit of {dense.name!r} (0..{dense.units - 1}); got {unit}")
    if i == j:
        raise ValueError(f"i and j must be two different units; got i = j = {i}")
    points = check_int(points, "points", minimum=2)
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y) or len(X) == 0:
        raise ValueError(f"X and y must have the same number of rows (at least 1); got {len(X)} and {len(y)}")
    variables = [dense.kernel, following.kernel] + ([dense.bias] if dense.use_bias else [])
    saved = [v.numpy().copy() for v in variables]
    start = saved + ([] if dense.use_bias else [None])  # kernel, next kernel, bias
    end = swapped_weights(start[0], start[2], start[1], i, j)
    end = [end[0], end[2], end[1]]
    alphas = np.linspace(0.0, 1.0, points)
    losses = np.empty(points)
    try:
        for k, alpha in enumerate(alphas):
            for variable, a, b in zip(variables, start, end):
                # Only units i and j move; every other weight keeps its exact value.
                moved = a.copy()
                index = (slice(None), [i, j]) if variable is dense.kernel else [i, j]
                moved[index] = ((1 - alpha) * a[index].astype(np.float64) + alpha * b[index].astype(np.float64)).astype(a.dtype)
                variable.assign(moved)
            losses[k] = _loss(model, X, y)
    finally:
        for variable, value in zip(variables, saved):
            variable.assign(value)
    return alphas, losses


def _loss(model, X, y):
    """The compiled loss on all of (X, y), in one forward pass."""
    pred = model(X, training=False)
    return float(np.asarray(model.compute_loss(x=X, y=y, y_pred=pred, training=False)))


def unit_pairs(units, count=None, seed=0):
    """Pairs (i, j), i < j, of a layer's units: all of them, or ``count`` drawn without repeats (seeded).

    Examples:
        >>> unit_pairs(3)
        [(0, 1), (0, 2), (1, 2)]
        >>> len(unit_pairs(25, count=30))
        30
    """
    every = [(i, j) for i in range(units) for j in range(i + 1, units)]
    if count is None or count >= len(every):
        return every
    picked = np.random.default_rng(seed).choice(len(every), size=check_int(count, "count", minimum=1), replace=False)
    return [every[k] for k in sorted(picked)]


def run_landscape(data, seed=0, pairs=30, points=21, epochs=None, progress=True):
    """Train a ``random`` model on a ``datasets.DataSet`` and walk the swap path of pairs of its L1 units.

    Args:
        data: a ``datasets.DataSet``.
        seed: the model's seed (and the pairs' draw).
        pairs: how many L1 pairs (all of them where there are fewer), or None for all.
        points: alphas per path.
        epochs: epochs of training (default the data set's).

    Returns:
        dict with ``data`` (the description), ``layer``, ``alphas``, ``paths``
        (list of ``(i, j, losses)``), ``accuracy`` and ``steps``.
    """
    from course_companion.compare import run_scheme
    from course_companion.progress import ProgressLine

    callbacks = [ProgressLine(f"{data.name}, random seed {seed}")] if progress else []
    model, history = run_scheme("random", data.X, data.y, epochs=epochs or data.epochs, seed=seed, callbacks=callbacks,
                                batch_size=data.batch_size, steps_per_execution=data.steps_per_execution("epoch"),
                                **{k: v for k, v in data.model_settings.items() if k != "input_dim"})
    X, y = data.loss_data
    paths = []
    for i, j in unit_pairs(data.units[0], pairs, seed):
        alphas, losses = swap_path(model, X, y, "L1", i, j, points=points)
        paths.append((i, j, losses))
    return {"data": data.description, "name": data.name, "layer": "L1", "alphas": alphas, "paths": paths,
            "accuracy": float(history.history["accuracy"][-1]), "epochs": epochs or data.epochs, "seed": seed,
            "pairs_of": data.units[0] * (data.units[0] - 1) // 2}
