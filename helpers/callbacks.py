"""Keras callbacks shared by the notebooks.

Training in the course is always a fixed amount of work (epochs or steps); time is measured and
printed, never used to stop training, so every outcome is the same on a fast and a slow machine.
"""
from __future__ import annotations

import time

import keras


class EpochTimer(keras.callbacks.Callback):
    """Records the seconds spent in each training epoch (``on_epoch_begin`` to ``on_epoch_end``,
    i.e. without any evaluation done between ``fit`` calls). It measures only: it never stops
    training.

    Attributes:
        epoch_seconds: one entry per finished epoch, over all ``fit`` calls using this callback.
    """

    def __init__(self):
        super().__init__()
        self.epoch_seconds: list[float] = []

    @property
    def total_seconds(self) -> float:
        """Seconds of all finished epochs."""
        return sum(self.epoch_seconds)

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_seconds.append(time.perf_counter() - self._start)
