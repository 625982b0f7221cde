"""One line of progress per training run, instead of a wall of Keras bars."""
import sys
import time

import keras

__all__ = ["ProgressLine"]


class ProgressLine(keras.callbacks.Callback):
    """Shows ``label: epoch 7/20, loss 0.4123, about 3 s left`` as training runs.

    On a terminal the line is rewritten in place after each epoch; elsewhere
    (a log file, CI) only the finished line is printed, so logs stay short.

    Args:
        label: str, what is training (a scheme).
        stream: file to write to; default ``sys.stdout`` at the time of use.
        loss_parts: int; the loss is a sum of this many (replicas), and the
            line shows their mean.
    """

    def __init__(self, label, stream=None, loss_parts=1):
        super().__init__()
        self.label = label
        self.stream = stream
        self.loss_parts = int(loss_parts)

    def _out(self):
        return self.stream or sys.stdout

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()
        self._epochs = int(self.params.get("epochs") or 0)

    def _line(self, done, logs):
        elapsed = time.perf_counter() - self._start
        left = elapsed / done * (self._epochs - done) if done else float("nan")
        loss = (logs or {}).get("loss")
        if loss is None:
            loss_text = ""
        elif self.loss_parts > 1:
            loss_text = f", mean loss {loss / self.loss_parts:.4f}"
        else:
            loss_text = f", loss {loss:.4f}"
        tail = f"about {left:.0f} s left" if done < self._epochs else f"done in {elapsed:.1f} s"
        return f"{self.label}: epoch {done}/{self._epochs}{loss_text}, {tail}"

    def on_epoch_end(self, epoch, logs=None):
        self._last = (epoch + 1, logs)
        out = self._out()
        if getattr(out, "isatty", lambda: False)():
            out.write("\r" + self._line(epoch + 1, logs).ljust(70))
            out.flush()

    def on_train_end(self, logs=None):
        done, logs = getattr(self, "_last", (0, logs))
        out = self._out()
        prefix = "\r" if getattr(out, "isatty", lambda: False)() else ""
        out.write(prefix + self._line(done, logs).ljust(70 if prefix else 0) + "\n")
        out.flush()
