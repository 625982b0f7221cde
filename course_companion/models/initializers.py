"""Keras initializers that set up (or break) the symmetry between units.

``Constant`` makes every unit of a layer the same; ``Random`` draws seeded
values (Glorot uniform by default, Keras's default for ``Dense``); ``Mirrored``
draws like ``Random`` and then makes chosen groups of units (kernel columns)
or of inputs (kernel rows) identical. All three are serializable, so a model
built with them saves to ``.keras`` and loads back.
"""
import keras
import numpy as np

from course_companion.checks import check_groups, check_int, check_number

__all__ = ["Constant", "Random", "Mirrored", "SeededInitializer", "DISTRIBUTIONS"]

# The seeded Keras initializers a ``Random`` or ``Mirrored`` may draw from.
DISTRIBUTIONS = {
    "glorot_uniform": keras.initializers.GlorotUniform,
    "glorot_normal": keras.initializers.GlorotNormal,
    "he_uniform": keras.initializers.HeUniform,
    "he_normal": keras.initializers.HeNormal,
    "lecun_uniform": keras.initializers.LecunUniform,
    "lecun_normal": keras.initializers.LecunNormal,
    "random_uniform": keras.initializers.RandomUniform,
    "random_normal": keras.initializers.RandomNormal,
}


def _check_distribution(name, arg):
    if name not in DISTRIBUTIONS:
        raise ValueError(f"{arg} must be one of {sorted(DISTRIBUTIONS)}; got {name!r}")
    return name


def _draw(distribution, seed, shape, dtype):
    """Seeded draws as a NumPy array (an int seed gives the same values every call)."""
    init = DISTRIBUTIONS[distribution](seed=seed)
    return keras.ops.convert_to_numpy(init(shape, dtype=dtype or "float32"))


@keras.saving.register_keras_serializable(package="course_companion")
class Constant(keras.initializers.Initializer):
    """Every weight the same value, so every unit of the layer is the same.

    With a constant kernel (and equal biases) all units of a layer compute the
    same output and get the same gradient, so they stay identical however long
    the model trains: the symmetry is never broken.

    Examples:
        >>> init = Constant(0.1)
        >>> layer = keras.layers.Dense(3, kernel_initializer=init)

    Args:
        value: float, the value of every weight.
    """

    def __init__(self, value=0.0):
        self.value = check_number(value, "value", float32=True)

    def __call__(self, shape, dtype=None):
        return keras.ops.full(shape, self.value, dtype=dtype or "float32")

    def get_config(self):
        return {"value": self.value}


class SeededInitializer(keras.initializers.Initializer):
    """The seed handling of ``Random`` and ``Mirrored``, in one place (as Keras's ``RandomInitializer``).

    ``seed`` is kept as the user gave it (and serialized so); ``seed=None``
    is resolved once, when the initializer is made, so every call of one
    instance draws the same values.

    Args:
        seed: int >= 0, or None.
    """

    def __init__(self, seed=None):
        self.seed = None if seed is None else check_int(seed, "seed", minimum=0)
        self._seed = self.seed if self.seed is not None else int(np.random.randint(2**31 - 1))

    def get_config(self):
        return {"seed": self.seed}


@keras.saving.register_keras_serializable(package="course_companion")
class Random(SeededInitializer):
    """Seeded random weights: the start that breaks the symmetry.

    By default the draws come from Glorot uniform, which is what the course's
    ``Dense`` layers use when no initializer is given. An int seed gives the
    same values on every call and after ``clone()``; ``seed=None`` picks one
    seed when the initializer is made (as Keras does), so calls still agree.

    Examples:
        >>> init = Random(seed=0)
        >>> a = init((3, 2))
        >>> bool(np.array_equal(a, init.clone()((3, 2))))
        True

    Args:
        seed: int or None.
        distribution: str, one of ``DISTRIBUTIONS`` (default "glorot_uniform").
    """

    def __init__(self, seed=None, distribution="glorot_uniform"):
        super().__init__(seed)
        self.distribution = _check_distribution(distribution, "distribution")

    def __call__(self, shape, dtype=None):
        return keras.ops.convert_to_tensor(
            _draw(self.distribution, self._seed, shape, dtype), dtype=dtype or "float32"
        )

    def get_config(self):
        return {**super().get_config(), "distribution": self.distribution}


@keras.saving.register_keras_serializable(package="course_companion")
class Mirrored(SeededInitializer):
    """Random weights with chosen groups of units (or inputs) made identical.

    Draws from ``base`` like ``Random``, then for every group in ``unit_groups``
    copies the first member's slice along the last axis onto the others (kernel
    columns, i.e. a unit's incoming weights, or bias entries), and for every
    group in ``input_groups`` copies the first member's slice along axis 0 onto the
    others (kernel rows, i.e. the weights leaving a unit of the layer before).
    Tying units completely needs both: their columns in one layer and their
    rows in the next. ``jitter > 0`` then adds seeded normal noise of that
    standard deviation to every weight, for "almost tied" units.

    Examples:
        >>> init = Mirrored(unit_groups=[[0, 1]], seed=0)
        >>> w = keras.ops.convert_to_numpy(init((4, 3)))
        >>> bool(np.array_equal(w[:, 0], w[:, 1]))
        True

    Args:
        unit_groups: list of groups (lists of >= 2 distinct ints) along the last axis,
            or None.
        input_groups: list of groups along axis 0 (kernels only), or None.
        base: str, one of ``DISTRIBUTIONS``, where the values come from.
        seed: int or None; seeds the draws and the jitter.
        jitter: float >= 0, standard deviation of the noise added after tying.
    """

    def __init__(self, unit_groups=None, input_groups=None, base="glorot_uniform", seed=None, jitter=0.0):
        super().__init__(seed)
        self.unit_groups = check_groups(unit_groups, "unit_groups")
        self.input_groups = check_groups(input_groups, "input_groups")
        self.base = _check_distribution(base, "base")
        self.jitter = check_number(jitter, "jitter", minimum=0, float32=True)

    def __call__(self, shape, dtype=None):
        shape = tuple(int(s) for s in shape)
        if len(shape) == 0:
            raise ValueError(f"Mirrored needs a shape with at least one axis; got {shape}")
        if self.input_groups and len(shape) < 2:
            raise ValueError(
                f"input_groups tie kernel rows and need a 2-D shape; got shape {shape}"
            )
        for arg, groups, axis in (("unit_groups", self.unit_groups, -1), ("input_groups", self.input_groups, 0)):
            for group in groups or []:
                if max(group) >= shape[axis]:
                    raise ValueError(
                        f"{arg} group {group} has index {max(group)}, outside shape {shape} "
                        f"(axis {axis} has {shape[axis]} entries)"
                    )
        w = np.array(_draw(self.base, self._seed, shape, dtype))
        for group in self.unit_groups or []:
            w[..., group[1:]] = w[..., group[:1]]
        for group in self.input_groups or []:
            w[group[1:]] = w[group[:1]]
        if self.jitter > 0:
            rng = np.random.default_rng(self._seed)
            w = w + rng.normal(0.0, self.jitter, size=shape).astype(w.dtype)
        return keras.ops.convert_to_tensor(w, dtype=dtype or "float32")

    def get_config(self):
        return {**super().get_config(), "unit_groups": self.unit_groups, "input_groups": self.input_groups,
                "base": self.base, "jitter": self.jitter}
