"""The one model builder: the three builders start alike, read logits as the spec says, and refuse bad names."""
import keras
import numpy as np
import pytest

from course_companion.models import Branch, build_branches, build_model, build_replicas, initial_weights
from course_companion.models.builder import LOSSES, OPTIMIZERS
from course_companion.models.optimizers import FusedAdam
from course_companion.schemes import LOSSES as LOSS_NAMES
from course_companion.schemes import ModelSpec

SMALL = {"input_dim": 6, "layer_sizes": (5, 3, 1)}  # DEFAULT_TIES fit: L1 units 0-4, L2 units 0-1


def _plain_glorot(seed_of_layer, fans, sizes):
    """The ``random`` start written out with Keras's own GlorotUniform, one seed per layer (as ``layer_seed`` gives)."""
    from course_companion.schemes import layer_seed
    return [keras.ops.convert_to_numpy(keras.initializers.GlorotUniform(seed=layer_seed(seed_of_layer, i))((fan, n)))
            for i, (fan, n) in enumerate(zip(fans, sizes))]


@pytest.mark.parametrize("scheme, seed", [("random", 3), ("mirrored", 1), ("perturbed", 2), ("constant", 0)])
def test_the_three_builders_start_alike(scheme, seed):
    """A start gives the same kernels and zero biases in build_model, in replica k and in a branch."""
    expected = initial_weights(scheme, seed, **SMALL)
    alone = build_model(scheme, seed=seed, **SMALL)
    replicas = build_replicas([("random", 9), (scheme, seed)], **SMALL)
    branches = build_branches([Branch(scheme, seed)], **SMALL)
    for i, name in enumerate(("L1", "L2", "L3")):
        kernel, bias = expected[i]
        np.testing.assert_array_equal(alone.get_layer(name).kernel.numpy(), kernel)
        np.testing.assert_array_equal(replicas.get_layer(name).kernel.numpy()[:, 1], kernel)
        np.testing.assert_array_equal(branches.branches[0].get_layer(name).kernel.numpy(), kernel)
        for b in (alone.get_layer(name).bias.numpy(), replicas.get_layer(name).bias.numpy()[1],
                  branches.branches[0].get_layer(name).bias.numpy()):
            np.testing.assert_array_equal(b, np.zeros_like(bias))


def test_random_start_is_keras_glorot_and_a_plain_sequential_matches():
    """Against Keras itself: the random start is GlorotUniform per layer, and a plain Sequential given it computes the same."""
    kernels = _plain_glorot(5, (6, 5, 3), (5, 3, 1))
    model = build_model("random", seed=5, **SMALL)
    plain = keras.Sequential([keras.Input((6,))] + [
        keras.layers.Dense(n, "sigmoid", kernel_initializer=keras.initializers.Constant(k))
        for n, k in zip((5, 3, 1), kernels)])
    for layer, k in zip(model.layers, kernels):
        np.testing.assert_array_equal(layer.kernel.numpy(), k)
    x = np.random.default_rng(0).normal(size=(5, 6)).astype("float32")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(model(x)), keras.ops.convert_to_numpy(plain(x)))


@pytest.mark.parametrize("output_activation, activation, loss, from_logits", [
    ("linear", "relu", "sparse_categorical_crossentropy", True),
    (None, "linear", "sparse_categorical_crossentropy", True),  # None: the hidden layers' activation, here linear
    ("softmax", "relu", "sparse_categorical_crossentropy", False),
    ("sigmoid", "sigmoid", "binary_crossentropy", False),
    (None, "sigmoid", "binary_crossentropy", False),
])
def test_from_logits_comes_from_the_output_activation(output_activation, activation, loss, from_logits):
    sizes = (4, 3) if loss.startswith("sparse") else (4, 1)
    kw = {"input_dim": 6, "layer_sizes": sizes, "activation": activation, "output_activation": output_activation,
          "loss": loss}
    model = build_model("random", **kw)
    branches = build_branches([Branch(), Branch("random")], **kw)
    assert type(model.loss) is LOSSES[loss] and model.loss.from_logits is from_logits
    assert [type(x) for x in branches.loss] == [LOSSES[loss]] * 2
    assert [x.from_logits for x in branches.loss] == [from_logits] * 2
    assert model.layers[-1].activation.__name__ == (output_activation or activation)


@pytest.mark.parametrize("output_activation, activation", [("sigmoid", "relu"), (None, "relu"), ("relu", "linear")])
def test_a_softmax_loss_refuses_an_output_that_is_neither_logits_nor_probabilities(output_activation, activation):
    kw = {"input_dim": 6, "layer_sizes": (4, 3), "activation": activation, "output_activation": output_activation,
          "loss": "sparse_categorical_crossentropy"}
    for build in (lambda: build_model(**kw), lambda: build_branches([Branch()], **kw),
                  lambda: build_replicas([("random", 0)], **kw)):
        with pytest.raises(ValueError, match=r"^output_activation must be 'linear' \(logits\) or 'softmax'"):
            build()


def test_replicas_read_logits_only_for_softmax():
    kw = {"input_dim": 6, "layer_sizes": (4, 3), "activation": "relu", "loss": "sparse_categorical_crossentropy"}
    with pytest.raises(ValueError, match=r"reads logits: output_activation must be 'linear'; got 'softmax'"):
        build_replicas([("random", 0)], output_activation="softmax", **kw)
    with pytest.raises(ValueError, match=r"reads probabilities: output_activation must not be 'linear'; got 'linear'"):
        build_replicas([("random", 0)], output_activation="linear", input_dim=6, layer_sizes=(4, 1))


@pytest.mark.parametrize("build", [
    lambda **kw: build_model(**kw),
    lambda **kw: build_replicas([("random", 0)], **kw),
    lambda **kw: build_branches([Branch()], 400, **kw),
])
def test_bad_loss_and_optimizer_name_the_argument(build):
    with pytest.raises(ValueError, match=r"^loss must be one of \['binary_crossentropy', .*got 'hinge'"):
        build(loss="hinge")
    with pytest.raises(ValueError, match=r"^optimizer must be one of \['adam', 'sgd', 'rmsprop'\]; got 'lbfgs'"):
        build(optimizer="lbfgs")


def test_one_table_each_and_the_replicas_fused_adam():
    assert tuple(LOSSES) == LOSS_NAMES
    assert type(build_model().optimizer) is keras.optimizers.Adam
    assert type(build_replicas([("random", 0)]).optimizer) is FusedAdam
    for name, cls in OPTIMIZERS.items():
        model = build_branches([Branch()], 400, optimizer=name, learning_rate=0.25)
        assert type(model.optimizer) is cls and float(model.optimizer.learning_rate) == 0.25
        if name != "adam":
            assert type(build_replicas([("random", 0)], optimizer=name).optimizer) is cls


def test_model_spec_checks_what_the_model_is():
    with pytest.raises(ValueError, match=r"layer_sizes\[1\] must be an int >= 1; got 0"):
        ModelSpec("m", 4, [3, 0], "relu", 0.1, None)
    assert ModelSpec("m", 4, [3, 2], "relu", 0.1, None).layer_sizes == (3, 2)
