"""``landscape``: the loss along the unit-swap path. Is the loss a soup bowl?

Swap two units of a layer (their incoming columns, biases and outgoing rows)
and the network computes exactly the same function: the same loss at another
point in weight space. Walk the straight line between the two points: at its
middle the two units are equal (a tied model). Where the middle is higher
than the ends, the loss cannot be one convex bowl; where it is as low, a flat
valley joins the copies. ``middles`` is that judgement, against the rounding
measured between a path's two ends (``end_rounding``), and ``landscape_verdict``
the one for a whole run; ``summaries.landscape`` words them (``summary.md``)
and ``figures.landscape`` draws the paths.
"""
from dataclasses import dataclass

import numpy as np

from course_companion.analysis.distances import FLOAT32_RESOLUTION
from course_companion.checks import check_int
from course_companion.data import check_xy
from course_companion.schemes import class_labels

__all__ = ["ROUNDING_MARGIN", "FLAT", "LandscapeResult", "swap_path", "swapped_weights", "unit_pairs", "run_landscape",
           "middle_rise", "end_rounding", "middles", "end_loss", "landscape_verdict"]

# The two ends of a swap path are the same function, so any difference between their losses is float32's
# rounding: a middle counts as higher (or lower) than the ends only by more than this many times that.
ROUNDING_MARGIN = 10
FLAT = 0.1  # a highest middle under this share of the loss above the ends is a nearly flat valley (landscape_verdict)


@dataclass(frozen=True, eq=False)
class LandscapeResult:
    """A trained model's swap paths between pairs of its L1 units (``run_landscape``).

    Attributes:
        data: the data set's description.
        name: the data set's label.
        layer: the layer whose units were swapped ("L1").
        alphas: float64 array, the positions along each path (0 and 1: the ends, 0.5: the middle).
        paths: list of ``(i, j, losses)``: the two units swapped and the loss at each alpha (float64).
        accuracy: float, the final training accuracy.
        epochs: int, epochs trained.
        seed: int, the model's seed (and the pairs' draw).
        pairs_of: int, how many pairs the layer's units make (the paths walked may be fewer).
    """

    data: str
    name: str
    layer: str
    alphas: np.ndarray
    paths: list
    accuracy: float
    epochs: int
    seed: int
    pairs_of: int

    @property
    def middle(self):
        """The index of alpha 0.5 (the two units equal): the middle of an odd number of points."""
        return len(self.alphas) // 2


def middle_rise(result):
    """Per path, the loss at the middle minus the mean of the two ends (float64 array)."""
    return np.array([losses[result.middle] - (losses[0] + losses[-1]) / 2 for _, _, losses in result.paths])


def end_rounding(result):
    """The rounding in these losses, measured: the largest difference between a path's two ends (the same function),
    and at least float32's step at the end loss."""
    ends = np.array([(losses[0], losses[-1]) for _, _, losses in result.paths])
    return float(max(np.abs(ends[:, 0] - ends[:, 1]).max(), FLOAT32_RESOLUTION * np.abs(ends).max()))


def middles(result):
    """Per path, "higher", "lower" or "level": the middle against the ends, by more than ``ROUNDING_MARGIN`` x the rounding."""
    rise, limit = middle_rise(result), ROUNDING_MARGIN * end_rounding(result)
    return np.where(rise > limit, "higher", np.where(rise < -limit, "lower", "level"))


def end_loss(result):
    """The loss of the trained network (a path's ends), the median over the paths walked."""
    return float(np.median([losses[0] for _, _, losses in result.paths]))


def landscape_verdict(result):
    """What lies between the copies of the network, judged from the middles (checked in this order): "ridge" (a
    middle at least as far above the ends as the loss itself), "valley" (no middle higher than the ends, by
    ``middles``), "low ridge" (the highest middle at least ``FLAT`` of the loss above the ends) or "flat valley"."""
    rise, end = middle_rise(result), end_loss(result)
    if rise.max() >= end:
        return "ridge"
    if not (middles(result) == "higher").any():
        return "valley"
    return "low ridge" if rise.max() >= FLAT * end else "flat valley"


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
        >>> model = build_model("random", seed=0, input_dim=2, layer_sizes=(3, 1))
        >>> alphas, losses = swap_path(model, X, y, "L1", 0, 1, points=5)
        >>> alphas.tolist(), bool(abs(losses[0] - losses[-1]) < 1e-6)
        ([0.0, 0.25, 0.5, 0.75, 1.0], True)

    Args:
        model: a built, compiled Keras model.
        X, y: data the loss is computed on: as many features as the model's
            input, labels 0 and 1, the same number of rows, all finite
            (``data.check_xy``).
        layer: a Dense layer (name, index into the Dense layers, or the layer)
            that feeds exactly one Dense layer.
        i, j: two different unit indices of that layer.
        points: int >= 2, evenly spaced alphas from 0 to 1.

    Returns:
        ``(alphas, losses)``: float64 arrays of ``points`` values.

    Raises:
        ValueError: a unit index out of range, ``i == j``, a layer that is not
            Dense or feeds nothing, or data that ``check_xy`` refuses.
    """
    from course_companion.models import dense_layers, find_dense_layer, following_dense_layer

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
    outputs = dense_layers(model)[-1].units  # one output: labels 0 and 1; ten: labels 0-9
    X, y = check_xy(X, y, n_features=dense_layers(model)[0].kernel.shape[0], labels=class_labels(outputs))
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


def unit_pairs(n_units, count=None, seed=0):
    """Pairs (i, j), i < j, of a layer's units: all of them, or ``count`` drawn without repeats (seeded).

    Examples:
        >>> unit_pairs(3)
        [(0, 1), (0, 2), (1, 2)]
        >>> len(unit_pairs(25, count=30))
        30
    """
    every = [(i, j) for i in range(n_units) for j in range(i + 1, n_units)]
    if count is None or count >= len(every):
        return every
    picked = np.random.default_rng(seed).choice(len(every), size=check_int(count, "count", minimum=1), replace=False)
    return [every[k] for k in sorted(picked)]


def run_landscape(data, seed=0, pairs=30, points=21, epochs=None, progress=True):
    """Train a ``random`` model on a ``data.DataSet`` and walk the swap path of pairs of its L1 units.

    Args:
        data: a ``data.DataSet``.
        seed: the model's seed (and the pairs' draw).
        pairs: how many L1 pairs (all of them where there are fewer), or None for all.
        points: alphas per path, an odd number >= 3 (so that the middle, alpha 0.5, is on the path).
        epochs: epochs of training (default the data set's).

    Returns:
        a ``LandscapeResult``.
    """
    points = check_int(points, "points", minimum=3)
    if points % 2 == 0:
        raise ValueError(f"points must be odd, so that the middle (alpha 0.5) is on the path; got {points}")
    from course_companion.training import train_scheme

    label = f"{data.name}, random seed {seed}" if progress else None
    model, history = train_scheme("random", data.X, data.y, epochs=epochs or data.epochs, seed=seed, progress=label,
                                  batch_size=data.batch_size, steps_per_execution=data.steps_per_execution("epoch"),
                                  **data.model_settings)
    X, y = data.loss_data
    paths = []
    for i, j in unit_pairs(data.layer_sizes[0], pairs, seed):
        alphas, losses = swap_path(model, X, y, "L1", i, j, points=points)
        paths.append((i, j, losses))
    return LandscapeResult(data=data.description, name=data.label, layer="L1", alphas=alphas, paths=paths,
                           accuracy=float(history.history["accuracy"][-1]), epochs=epochs or data.epochs, seed=seed,
                           pairs_of=data.layer_sizes[0] * (data.layer_sizes[0] - 1) // 2)
