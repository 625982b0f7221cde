"""Adam in one TensorFlow kernel per variable, for the replica models.

Keras's Adam updates each variable with about a dozen element-wise ops (each a
pass over the variable and an op for TensorFlow's executor to run).
``FusedAdam`` does the same update with TensorFlow's ``ResourceApplyAdam``,
one kernel per variable. The formula is Keras's (and the course's):

    m += (g - m)(1 - beta_1);  v += (g^2 - v)(1 - beta_2)
    w -= lr sqrt(1 - beta_2^t) / (1 - beta_1^t) m / (sqrt(v) + epsilon)

In float64 the two give the same bits. In float32 the kernel computes
``1 - beta_1`` in float32 (0.10000002 for 0.9) where Keras computes it in
Python and rounds it (0.1), so the two differ at float32 rounding. The
update is element-wise, so units that are tied stay exactly tied. Other
backends and ``amsgrad`` use Keras's Adam as is.
"""
import keras

__all__ = ["FusedAdam", "resource_handle"]


def resource_handle(variable):
    """The resource handle of a Keras variable (its TensorFlow variable's) or of a TensorFlow variable.

    What TensorFlow's raw ops (``ResourceApplyAdam`` here, the recorder's on-device copies) write through.
    """
    return (variable.value if isinstance(variable, keras.Variable) else variable).handle


@keras.saving.register_keras_serializable(package="course_companion")
class FusedAdam(keras.optimizers.Adam):
    """``keras.optimizers.Adam`` whose update is TensorFlow's fused ``ResourceApplyAdam``.

    Takes Adam's arguments.
    """

    def update_step(self, gradient, variable, learning_rate):
        if keras.backend.backend() != "tensorflow" or self.amsgrad:
            return super().update_step(gradient, variable, learning_rate)
        import tensorflow as tf

        dtype = variable.dtype
        step = tf.cast(self.iterations + 1, dtype)
        index = self._get_variable_index(variable)
        tf.raw_ops.ResourceApplyAdam(
            var=resource_handle(variable),
            m=resource_handle(self._momentums[index]),
            v=resource_handle(self._velocities[index]),
            # as Keras computes them: tf.cast rounds a Python float to float32 first
            beta1_power=tf.pow(tf.cast(self.beta_1, dtype), step),
            beta2_power=tf.pow(tf.cast(self.beta_2, dtype), step),
            lr=tf.cast(learning_rate, dtype),
            # Keras uses 1 - beta_1 computed in Python: the nearest in the variable's dtype
            beta1=tf.constant(self.beta_1, dtype),
            beta2=tf.constant(self.beta_2, dtype),
            epsilon=tf.constant(self.epsilon, dtype),
            grad=tf.cast(gradient, dtype),
        )
