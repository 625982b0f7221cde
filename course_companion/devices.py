"""Which device TensorFlow trains on: choose it, and say what was used.

``choose_device("cpu")`` hides the GPUs from TensorFlow; ``"gpu"`` fails with a
clear message when TensorFlow sees none; ``"auto"`` takes a GPU if there is
one. ``device_name()`` says what is in use, for metadata and figure footers.
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
    "NoGPUError",
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


def choose_device(device="auto"):
    """Make TensorFlow use ``device`` ("auto", "cpu" or "gpu"); return what is used.

    Call it before any model is built: TensorFlow fixes its devices when it
    first uses them.

    Raises:
        ValueError: ``device`` is not one of ``DEVICES``.
        NoGPUError: "gpu" was asked for and no GPU is visible (message with
            the install hint).
    """
    if device not in DEVICES:
        raise ValueError(f"device must be one of {list(DEVICES)}; got {device!r}")
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


def device_name():
    """"GPU:0 (name)" when TensorFlow uses a GPU, else "CPU"."""
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    if not gpus:
        return "CPU"
    details = tf.config.experimental.get_device_details(tf.config.list_physical_devices("GPU")[0])
    name = details.get("device_name", "")
    return f"GPU:0 ({name})" if name else "GPU:0"


def run_metadata():
    """What a run used, for recordings and figure footers: Keras and TensorFlow versions, backend, device."""
    import keras
    import tensorflow as tf

    return {"keras": keras.__version__, "tensorflow": tf.__version__, "backend": keras.backend.backend(), "device": device_name()}
