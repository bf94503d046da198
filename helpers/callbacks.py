"""Keras callbacks shared by the notebooks."""
from __future__ import annotations

import time

from helpers.runtime import import_tensorflow_quietly

import_tensorflow_quietly()
import keras  # noqa: E402


class TimedTraining(keras.callbacks.Callback):
    """Records the seconds spent in each training epoch (``on_epoch_begin`` to ``on_epoch_end``,
    i.e. without any evaluation done between ``fit`` calls).

    Args:
        budget_seconds: if given, training stops at the end of the first batch that brings the
            total recorded time (over all ``fit`` calls using this callback) to the budget or
            beyond; :attr:`stopped_early` tells whether that happened.
    """

    def __init__(self, budget_seconds: float | None = None):
        super().__init__()
        if budget_seconds is not None and not budget_seconds > 0:
            raise ValueError(f"budget_seconds must be positive, got {budget_seconds!r}.")
        self.budget_seconds = budget_seconds
        self.epoch_seconds: list[float] = []
        self.stopped_early = False

    @property
    def total_seconds(self) -> float:
        running = time.perf_counter() - self._start if getattr(self, "_running", False) else 0.0
        return sum(self.epoch_seconds) + running

    def on_epoch_begin(self, epoch, logs=None):
        self._start, self._running = time.perf_counter(), True

    def on_train_batch_end(self, batch, logs=None):
        if self.budget_seconds is not None and self.total_seconds >= self.budget_seconds:
            self.stopped_early = True
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_seconds.append(time.perf_counter() - self._start)
        self._running = False
