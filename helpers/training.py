"""Training: the course's one compile recipe, its learning-rate schedule, losses, and a timer.

* :func:`compile_model`: Adam (with optional gradient-norm clipping) + a loss + metrics; every
  model of the course is compiled by it, each notebook choosing its loss and learning rate;
* :func:`warmup_cosine`: linear warm-up, then cosine decay to 0 (Keras' ``CosineDecay``);
* :func:`sequence_loss`: next-token cross-entropy that ignores padding (Keras'
  ``SparseCategoricalCrossentropy(ignore_class=0)``), optionally with label smoothing
  (:class:`SmoothedSequenceLoss`), and :func:`masked_accuracy`;
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

__all__ = ["compile_model", "warmup_cosine", "sequence_loss", "SmoothedSequenceLoss", "masked_accuracy",
           "EpochTimer"]


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


def sequence_loss(from_logits: bool = True, label_smoothing: float = 0.0) -> keras.losses.Loss:
    """Next-token cross-entropy averaged over the real target tokens only (id 0 is padding
    everywhere in the course). Without smoothing: Keras' ``SparseCategoricalCrossentropy(
    ignore_class=0)``, which averages over the non-ignored tokens of the batch; with
    ``label_smoothing`` > 0: :class:`SmoothedSequenceLoss` (Keras' sparse loss has no smoothing)."""
    if label_smoothing:
        return SmoothedSequenceLoss(label_smoothing, from_logits=from_logits)
    return keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits, ignore_class=0,
                                                      name="sequence_loss")


@keras.saving.register_keras_serializable(package="helpers")
class SmoothedSequenceLoss(keras.losses.Loss):
    """Cross-entropy against a smoothed target (Szegedy et al. 2016; the Transformer paper's
    ``eps_ls = 0.1``), over the real target tokens only.

    The target distribution puts ``1 - eps`` on the true token ``y`` and spreads ``eps`` evenly
    over all ``V`` tokens, so the loss of one token with log-probabilities ``log p (V,)`` is::

        (1 - eps) * (-log p_y)  +  eps * mean_v(-log p_v)

    Keras' ``CategoricalCrossentropy(label_smoothing=eps)`` on one-hot targets gives the same
    numbers. Padding targets (id 0) get no loss and do not count in the mean, as with
    ``SparseCategoricalCrossentropy(ignore_class=0)``: ``call`` returns the mean over the batch's
    real tokens itself (so ``sample_weight`` is not supported).

    Args: ``label_smoothing`` (``eps`` in [0, 1)), ``from_logits`` (``y_pred`` are logits, not
    probabilities). Call: ``y_true (B, T)`` int ids, ``y_pred (B, T, V)`` -> a scalar.
    """

    def __init__(self, label_smoothing: float = 0.1, from_logits: bool = True,
                 name: str = "sequence_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        if (isinstance(label_smoothing, bool) or not isinstance(label_smoothing, (int, float))
                or not 0 <= label_smoothing < 1):
            raise ValueError(f"label_smoothing must be a number in [0, 1), got {label_smoothing!r}.")
        self.label_smoothing, self.from_logits = float(label_smoothing), bool(from_logits)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, "int32")
        log_probs = (ops.log_softmax(y_pred, axis=-1) if self.from_logits
                     else ops.log(ops.clip(y_pred, keras.config.epsilon(), 1.0)))
        real = ops.not_equal(y_true, 0)
        true_log_prob = ops.squeeze(ops.take_along_axis(log_probs, ops.expand_dims(y_true, -1), axis=-1), -1)
        eps = self.label_smoothing
        losses = -(1.0 - eps) * true_log_prob - eps * ops.mean(log_probs, axis=-1)
        real = ops.cast(real, losses.dtype)
        return ops.sum(losses * real) / ops.maximum(ops.sum(real), 1.0)  # mean over real tokens

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing,
                "from_logits": self.from_logits}


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
