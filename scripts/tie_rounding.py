"""Which TensorFlow CPU kernels round a layer's 25th unit differently from its first 24: the caveat to "tied units
stay exactly equal on a CPU".

``breakers`` found three changes that part 25 exactly tied units into units 0-23 and unit 24 with nothing in the
model to break the tie: BatchNormalization after L1, RMSprop, and float64. Each test below gives every one of 25
columns (or elements) the same values, runs one operation, and counts over many draws how often element j came out
different from element 0. Run: ``python scripts/tie_rounding.py [--trials 300]``.

Eigen, under TensorFlow's CPU kernels, works on 8 float32 values at a time (one AVX register) and finishes a row
whose length is not a multiple of 8 with plain scalar code: the last 25 - 24 = 1 element takes another path. Where
that path adds in another order or uses another approximation, it rounds differently.
"""
import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

UNITS = 25


def _count(make, run, trials, rng):
    """Per element j, the trials in which element j of ``run(make(rng))`` differs from element 0."""
    counts = np.zeros(UNITS, int)
    for _ in range(trials):
        out = np.asarray(run(*make(rng)))
        out = out.reshape(-1, UNITS) if out.ndim > 1 else out[None]
        counts += (out != out[:, :1]).any(axis=0)
    return counts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=300)
    args = parser.parse_args(argv)
    from course_companion.devices import quiet_tensorflow

    tf = quiet_tensorflow()
    rng = np.random.default_rng(0)

    def columns(rng, dtype=np.float32):  # a (32, 25) batch whose 25 columns are one column repeated
        return (tf.constant(np.repeat(rng.normal(size=(32, 1)).astype(dtype), UNITS, axis=1)),)

    def vectors(rng):  # two 25-vectors, each one value repeated
        return (tf.constant(np.full(UNITS, rng.normal(), np.float32)),
                tf.constant(np.full(UNITS, rng.uniform(1e-6, 1.0), np.float32)))

    bias = tf.Variable(tf.zeros(UNITS))

    @tf.function
    def bias_gradient(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.nn.bias_add(x, bias) * x)
        return tape.gradient(loss, bias)

    def kernel_gradient(rng):  # x (400, 32) times delta (32, 25), the L1 kernel's gradient, in float64
        x = tf.constant(rng.normal(size=(400, 32)))
        return x, tf.constant(np.repeat(rng.normal(size=(32, 1)), UNITS, axis=1))

    tests = [
        ("reduce_sum over the batch (BatchNormalization's mean and variance), float32", columns,
         tf.function(lambda x: tf.reduce_sum(x, axis=0))),
        ("BiasAddGrad (a Dense bias's gradient), float32", columns, bias_gradient),
        ("x / sqrt(y) in a tf.function (RMSprop's step), float32", vectors, tf.function(lambda a, b: a / tf.sqrt(b))),
        ("x / sqrt(y) eager, float32", vectors, lambda a, b: a / tf.sqrt(b)),
        ("rsqrt(y) eager (what Grappler may rewrite x / sqrt(y) into), float32", vectors, lambda a, b: tf.math.rsqrt(b)),
        ("x / (sqrt(y) + eps) in a tf.function (Adam's step), float32", vectors,
         tf.function(lambda a, b: a / (tf.sqrt(b) + 1e-7))),
        ("matmul x @ delta (the L1 kernel's gradient), float64", kernel_gradient, tf.function(tf.matmul)),
        ("matmul x @ delta, float32", lambda rng: [tf.cast(t, tf.float32) for t in kernel_gradient(rng)],
         tf.function(tf.matmul)),
    ]
    print(f"{args.trials} draws each; per operation, the draws in which element j differed from element 0")
    for name, make, run in tests:
        counts = _count(make, run, args.trials, rng)
        print(f"- {name}: elements 1-23: {int(counts[1:24].sum())}; element 24: {int(counts[24])}")


if __name__ == "__main__":
    main()
