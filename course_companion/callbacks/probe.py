"""The loss's gradient on a fixed probe batch, for the recorder's ``gradients=True``: on TensorFlow and on JAX.

Keras 3 has no backend-neutral gradient, so each backend gets its own few
lines: TensorFlow's ``GradientTape``; on JAX, ``jax.grad`` of the trainer's
own stateless loss (``compute_loss_and_updates``, penalties included).
"""
import keras
import numpy as np

__all__ = ["probe_gradients"]


def probe_gradients(model, variables, X, y):
    """d loss / d v for each of ``variables`` (trainable variables of ``model``) on (X, y), as NumPy arrays.

    The loss is the one the model was compiled with, in inference mode (no Dropout). On JAX the model's variables
    must hold the current weights (a recorder syncs them first).
    """
    if keras.backend.backend() == "jax":
        return _jax_gradients(model, variables, X, y)
    import tensorflow as tf

    with tf.GradientTape() as tape:
        pred = model(X, training=False)
        loss = model.compute_loss(x=X, y=y, y_pred=pred, training=False)
    return [g.numpy() for g in tape.gradient(loss, variables)]


def _jax_gradients(model, variables, X, y):
    import jax

    trainable = [v.value for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]
    metrics = [v.value for v in model.metrics_variables]

    def loss(values):
        return model.compute_loss_and_updates(values, non_trainable, metrics, X, y, None, training=False)[0]

    grads = jax.grad(loss)(trainable)
    index = {id(v): i for i, v in enumerate(model.trainable_variables)}
    return [np.asarray(grads[index[id(v)]]) for v in variables]
