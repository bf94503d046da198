"""Training: the course's one compile recipe, its learning-rate schedule, losses, and a timer.

* :func:`compile_model`: Adam (with optional gradient-norm clipping) + a loss + metrics; every
  model of the course is compiled by it, each notebook choosing its loss and learning rate;
* :func:`warmup_cosine`: linear warm-up, then cosine decay to 0 (Keras' ``CosineDecay``);
* :func:`sequence_loss`: next-token cross-entropy that ignores padding (Keras'
  ``SparseCategoricalCrossentropy(ignore_class=0)``) and :func:`masked_accuracy`;
* :class:`EpochTimer`: seconds per epoch.

Training in the course is always a fixed amount of work (epochs or steps); time is measured and
printed, never used to stop training, so every outcome is the same on a fast and a slow machine.

May import: ``keras``, :mod:`helpers.runtime`.
"""
from __future__ import annotations

import time

import keras
from keras import ops

from helpers.runtime import check_int, check_learning_rate, check_model

__all__ = ["compile_model", "warmup_cosine", "sequence_loss", "masked_accuracy", "EpochTimer"]


def compile_model(model: keras.Model, *, loss, learning_rate=1e-3, clipnorm: float | None = None,
                  metrics=None) -> keras.Model:
    """Compile ``model`` with Adam at ``learning_rate`` (a number > 0 or a Keras schedule), the
    gradient norm clipped at ``clipnorm`` when given (recurrent nets occasionally produce huge
    gradients), ``loss`` and ``metrics``. Returns the model, so a builder's result can be
    compiled in one line. ``TypeError`` for a model that is not a ``keras.Model``,
    ``ValueError`` for a learning rate or ``clipnorm`` out of range."""
    check_model("model", model)
    check_learning_rate(learning_rate)
    if clipnorm is not None and (isinstance(clipnorm, bool) or not isinstance(clipnorm, (int, float))
                                 or not clipnorm > 0):
        raise ValueError(f"clipnorm must be a number > 0 or None, got {clipnorm!r}.")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate, clipnorm=clipnorm), loss=loss,
                  metrics=list(metrics or []))
    return model


def warmup_cosine(peak: float, steps: int, warmup_fraction: float = 0.0):
    """A learning rate that rises linearly from 0 to ``peak`` over the first
    ``warmup_fraction`` of ``steps`` optimizer steps, then follows a cosine down to 0 at
    ``steps`` (Keras' ``CosineDecay`` with ``warmup_steps``). ``steps``: an integer >= 1."""
    check_learning_rate(peak)
    steps = check_int("steps", steps, 1)
    if isinstance(warmup_fraction, bool) or not 0 <= warmup_fraction <= 1:
        raise ValueError(f"warmup_fraction must be a number in [0, 1], got {warmup_fraction!r}.")
    warmup = int(round(warmup_fraction * steps))
    return keras.optimizers.schedules.CosineDecay(
        0.0 if warmup else peak, decay_steps=max(steps - warmup, 1),
        warmup_target=peak if warmup else None, warmup_steps=warmup)


def sequence_loss(from_logits: bool = True) -> keras.losses.Loss:
    """Next-token cross-entropy averaged over the real target tokens only: Keras'
    ``SparseCategoricalCrossentropy(ignore_class=0)`` (id 0 is padding everywhere in the course),
    which averages over the non-ignored tokens of the batch."""
    return keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits, ignore_class=0,
                                                      name="sequence_loss")


@keras.saving.register_keras_serializable(package="helpers")
def masked_accuracy(y_true, y_pred):
    """Share of real (non-padding, id != 0) target tokens predicted right (teacher-forced)."""
    mask = ops.not_equal(y_true, 0)
    hits = ops.logical_and(ops.equal(ops.cast(y_true, "int32"),
                                     ops.cast(ops.argmax(y_pred, axis=-1), "int32")), mask)
    return ops.sum(ops.cast(hits, "float32")) / ops.maximum(ops.sum(ops.cast(mask, "float32")), 1.0)


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
