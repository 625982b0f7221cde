"""Which backend and device train: check the backend, choose the device, and say what was used.

Keras 3 runs on TensorFlow (the course's, and ``requirements.txt``'s) and on
JAX (``KERAS_BACKEND=jax``); other backends stop at once with one line
(``backend()``). ``choose_device("cpu")`` hides the GPUs; ``"gpu"`` fails with
a clear message when the backend sees none; ``"auto"`` takes a GPU if there
is one. ``device_name()`` says what is in use, for metadata and figure footers.
On a GPU, op determinism is switched on and ``report.tie_check`` accepts
differences up to ``GPU_TIE_TOLERANCE`` instead of exact equality (GPU
kernels may sum in different orders).
"""
import os
import sys
import tempfile

__all__ = [
    "DEVICES",
    "GPU_HINT",
    "GPU_TIE_TOLERANCE",
    "JAX_GPU_HINT",
    "BACKENDS",
    "NoGPUError",
    "UnsupportedBackendError",
    "backend",
    "prepare_backend",
    "backend_version",
    "allow_float64",
    "choose_device",
    "device_name",
    "quiet_tensorflow",
    "run_metadata",
]

DEVICES = ("auto", "cpu", "gpu")
GPU_TIE_TOLERANCE = 1e-6  # largest difference inside a tied group accepted on a GPU
GPU_HINT = (
    'install the GPU build with pip install "tensorflow[and-cuda]" (Linux); '
    "TensorFlow has no native GPU support on Windows, use WSL2"
)
JAX_GPU_HINT = 'install JAX for your GPU, for example pip install "jax[cuda12]" (Linux)'
# The Keras backends this package runs on and is tested on; the others, and what they lack here.
BACKENDS = ("tensorflow", "jax")
UNSUPPORTED = {
    "torch": "not supported: the recorder's probe gradients are written for TensorFlow and JAX only, and nothing "
             "here has been run on PyTorch (its default wheel brings several GB of GPU libraries; neither CI nor "
             "requirements.txt installs it)",
    "numpy": "Keras's NumPy backend cannot train (it has no gradients)",
    "openvino": "Keras's OpenVINO backend cannot train (inference only)",
}


class UnsupportedBackendError(ValueError):
    """``KERAS_BACKEND`` names a backend this package does not run on."""


class NoGPUError(ValueError):
    """``--device gpu`` was asked for, and TensorFlow sees no GPU."""


def quiet_tensorflow():
    """Import TensorFlow with its C++ start-up lines silenced, and return it.

    Those lines (oneDNN, CUDA drivers) ignore TF_CPP_MIN_LOG_LEVEL, so file
    descriptor 2 is redirected while TensorFlow loads and finds its devices;
    if that fails, what it printed is shown after all.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            import tensorflow as tf

            tf.config.list_physical_devices()
        except BaseException:
            os.dup2(saved, 2)
            sink.seek(0)
            sys.stderr.write(sink.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    return tf


def backend():
    """The Keras backend this process runs ("tensorflow", "jax" or "torch"), refused where unsupported.

    Raises:
        UnsupportedBackendError: ``KERAS_BACKEND`` names a backend this package does not run on (one line naming
            it and what is missing).
    """
    try:
        import keras
    except ImportError as exc:  # KERAS_BACKEND names a framework that is not installed
        raise UnsupportedBackendError(f"KERAS_BACKEND={os.environ.get('KERAS_BACKEND', '?')}: Keras could not load "
                                      f"it ({exc}); use {' or '.join(BACKENDS)}") from None
    name = keras.backend.backend()
    if name not in BACKENDS:
        raise UnsupportedBackendError(f"KERAS_BACKEND={name}: {UNSUPPORTED.get(name, 'not supported')}; "
                                      f"use {' or '.join(BACKENDS)}")
    return name


def prepare_backend():
    """Check the backend (``backend()``) and import its framework, TensorFlow's start-up lines silenced; its name."""
    name = backend()
    if name == "tensorflow":
        quiet_tensorflow()
    return name


def choose_device(device="auto"):
    """Make the backend (TensorFlow or JAX) use ``device`` ("auto", "cpu" or "gpu"); return what is used.

    Call it before any model is built: TensorFlow and JAX fix their devices
    when they first use them.

    Raises:
        ValueError: ``device`` is not one of ``DEVICES``.
        NoGPUError: "gpu" was asked for and no GPU is visible (message with
            the install hint).
        UnsupportedBackendError: as for ``backend()``.
    """
    if device not in DEVICES:
        raise ValueError(f"device must be one of {list(DEVICES)}; got {device!r}")
    if prepare_backend() == "jax":
        return _choose_jax_device(device)
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if device == "cpu":
        try:
            tf.config.set_visible_devices([], "GPU")
        except RuntimeError:  # already initialized; if it still sees a GPU, say so
            if tf.config.list_logical_devices("GPU"):
                raise RuntimeError("device 'cpu' must be chosen before TensorFlow first runs") from None
    elif device == "gpu" and not gpus:
        raise NoGPUError(f"--device gpu: TensorFlow sees no GPU; {GPU_HINT}")
    used = device_name()
    if used.startswith("GPU"):
        tf.config.experimental.enable_op_determinism()
    return used


def _choose_jax_device(device):
    import jax

    if device == "cpu":
        jax.config.update("jax_platforms", "cpu")  # before JAX first runs; later it keeps the devices it has
        if jax.devices()[0].platform != "cpu":
            raise RuntimeError("device 'cpu' must be chosen before JAX first runs")
    elif device == "gpu" and jax.devices()[0].platform != "gpu":
        raise NoGPUError(f"--device gpu: JAX sees no GPU; {JAX_GPU_HINT}")
    return device_name()


def device_name():
    """"GPU:0 (name)" when the backend uses a GPU, else "CPU"."""
    if backend() == "jax":
        import jax

        first = jax.devices()[0]
        return f"GPU:0 ({first.device_kind})" if first.platform == "gpu" else "CPU"
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    if not gpus:
        return "CPU"
    details = tf.config.experimental.get_device_details(tf.config.list_physical_devices("GPU")[0])
    name = details.get("device_name", "")
    return f"GPU:0 ({name})" if name else "GPU:0"


def allow_float64(dtype):
    """Make a ``dtype`` of "float64" real on JAX, which computes in float32 unless its x64 mode is on.

    Without it a float64 Keras model on JAX silently holds float32 arrays. Call it before the model is built;
    TensorFlow needs nothing.
    """
    if dtype == "float64" and backend() == "jax":
        import jax

        jax.config.update("jax_enable_x64", True)


def backend_version(name):
    """The version of the framework behind backend ``name``."""
    if name == "jax":
        import jax

        return jax.__version__
    import tensorflow as tf

    return tf.__version__


def run_metadata():
    """What a run used, for recordings and figure footers: the Keras version, the backend that trained and its
    version, the device."""
    import keras

    name = backend()
    meta = {"keras": keras.__version__, "backend": name, "backend_version": backend_version(name), "device": device_name()}
    if name == "tensorflow":
        meta["tensorflow"] = meta["backend_version"]  # the key recordings made before other backends have
    return meta
