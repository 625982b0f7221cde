"""Dense layers whose units differ by construction: ``MaskedDense`` (own inputs) and ``MixedDense`` (own activations).

The learner's two other guesses, made literal: units that do not all see the
same inputs, and units that do not all use the same activation. Both are
``keras.layers.Dense`` subclasses, so their kernels are read, tied and checked
like any Dense layer's (``models.dense``, ``testing.assert_tied``).
"""
import keras
import numpy as np

from course_companion.checks import check_int

__all__ = ["MaskedDense", "MixedDense", "stride_mask"]


def stride_mask(fan_in, units):
    """A per-unit input mask: unit ``j`` does not see inputs ``j, j + units, j + 2 * units, ...``; 1 = seen.

    Every unit misses its own inputs, so no two units see the same subset
    (while there are at least as many inputs as units).

    Examples:
        >>> stride_mask(2, 3)
        array([[0., 1., 1.],
               [1., 0., 1.]], dtype=float32)
    """
    fan_in, units = check_int(fan_in, "fan_in", minimum=1), check_int(units, "units", minimum=1)
    mask = np.ones((fan_in, units), np.float32)
    for j in range(units):
        mask[j::units, j] = 0.0
    return mask


@keras.saving.register_keras_serializable(package="course_companion")
class MaskedDense(keras.layers.Dense):
    """A Dense layer whose unit ``j`` sees only the inputs where ``stride_mask`` column ``j`` is 1.

    The kernel keeps its full shape (fan_in, units) and starts wherever its
    initializer puts it; the layer multiplies it by the fixed mask, so a
    masked-out weight gets no gradient and keeps its starting value. Two units
    with equal starting kernels therefore differ after training only through
    the inputs they saw.

    Examples:
        >>> layer = MaskedDense(3)
        >>> layer.build((None, 2))
        >>> layer.mask.tolist()
        [[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]]
    """

    def build(self, input_shape):
        super().build(input_shape)
        self.mask = stride_mask(int(input_shape[-1]), self.units)

    def call(self, inputs, training=None):
        x = keras.ops.matmul(inputs, keras.ops.multiply(self.kernel, keras.ops.cast(self.mask, self.kernel.dtype)))
        if self.bias is not None:
            x = keras.ops.add(x, self.bias)
        return self.activation(x) if self.activation is not None else x


@keras.saving.register_keras_serializable(package="course_companion")
class MixedDense(keras.layers.Dense):
    """A Dense layer whose first half of units uses ``activation`` and the rest ``second_activation``.

    With ``units`` odd the first half has the extra unit (3 units: 2 and 1).

    Examples:
        >>> layer = MixedDense(4, activation="sigmoid", second_activation="tanh")
        >>> layer.split
        2

    Args:
        units: int, as for Dense.
        second_activation: the activation of units ``split, ..., units - 1``.
        **kwargs: Dense's (``activation`` is the first half's).
    """

    def __init__(self, units, second_activation="tanh", **kwargs):
        super().__init__(units, **kwargs)
        self.second_activation = keras.activations.get(second_activation)
        self.split = (int(units) + 1) // 2

    def call(self, inputs, training=None):
        z = keras.ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            z = keras.ops.add(z, self.bias)
        first = np.arange(self.units) < self.split  # a fixed choice per unit; where() sends each unit one gradient
        return keras.ops.where(first, self.activation(z), self.second_activation(z))

    def get_config(self):
        return {**super().get_config(), "second_activation": keras.activations.serialize(self.second_activation)}
