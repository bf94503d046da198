"""helpers.training: the one compile recipe, the warm-up + cosine schedule, the sequence loss and
masked accuracy against NumPy, and EpochTimer (epoch times, measured and never used to stop
training)."""
import math

import numpy as np
import pytest

import helpers
from helpers.training import (EpochTimer, SmoothedSequenceLoss, compile_model, masked_accuracy, sequence_loss,
                              warmup_cosine)

import keras


def tiny_model():
    helpers.set_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_records_epoch_seconds():
    timer = EpochTimer()
    history = tiny_model().fit(np.ones((8, 3)), np.ones(8), epochs=3, batch_size=4, verbose=0,
                               callbacks=[timer])
    assert len(timer.epoch_seconds) == 3 and all(s > 0 for s in timer.epoch_seconds)
    assert timer.total_seconds == pytest.approx(sum(timer.epoch_seconds))
    assert len(history.history["loss"]) == 3   # every epoch ran: the timer never stops fit


def test_counts_across_fit_calls():
    timer = EpochTimer()
    model = tiny_model()
    for epoch in range(2):
        model.fit(np.ones((8, 3)), np.ones(8), epochs=epoch + 1, initial_epoch=epoch, verbose=0,
                  callbacks=[timer])
    assert len(timer.epoch_seconds) == 2


def test_has_no_time_budget():
    with pytest.raises(TypeError):
        EpochTimer(budget_seconds=10)


def test_compile_model_uses_adam_with_the_given_rate_clipping_loss_and_metrics():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    assert compile_model(model, loss="mse", learning_rate=3e-3, clipnorm=1.0, metrics=["mae"]) is model
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert float(model.optimizer.learning_rate) == pytest.approx(3e-3)
    assert model.optimizer.clipnorm == 1.0
    compile_model(model, loss="mse")
    assert model.optimizer.clipnorm is None and float(model.optimizer.learning_rate) == pytest.approx(1e-3)
    history = model.fit(np.ones((4, 3)), np.ones((4, 2)), epochs=1, verbose=0).history
    assert set(history) == {"loss"}


def test_compile_model_bad_arguments():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(TypeError, match="keras.Model"):
        compile_model("model", loss="mse")
    for bad in (0, -1.0, True, "1"):
        with pytest.raises(ValueError, match="clipnorm must be a number > 0"):
            compile_model(model, loss="mse", clipnorm=bad)
    with pytest.raises(ValueError, match="learning_rate must be a number > 0"):
        compile_model(model, loss="mse", learning_rate=0)


@pytest.mark.parametrize("warmup_fraction", [0.0, 0.1])
def test_warmup_cosine_rises_then_follows_a_cosine_to_zero(warmup_fraction):
    peak, steps = 4e-3, 200
    schedule = warmup_cosine(peak, steps, warmup_fraction)
    warmup = int(round(warmup_fraction * steps))
    values = np.array([float(schedule(step)) for step in range(steps + 1)])
    if warmup:
        np.testing.assert_allclose(values[: warmup + 1], peak * np.arange(warmup + 1) / warmup, rtol=1e-5, atol=1e-9)
    expected = [peak * 0.5 * (1 + math.cos(math.pi * (t - warmup) / (steps - warmup))) for t in range(warmup, steps + 1)]
    np.testing.assert_allclose(values[warmup:], expected, rtol=1e-4, atol=1e-9)
    assert values.max() == pytest.approx(peak) and values[-1] == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        warmup_cosine(peak, 0)
    with pytest.raises(ValueError, match="warmup_fraction"):
        warmup_cosine(peak, 10, 1.5)


def test_sequence_loss_and_masked_accuracy_ignore_padding_exactly():
    rng = np.random.default_rng(0)
    targets = rng.integers(1, 7, size=(4, 6))
    targets[0, 3:] = 0
    targets[2, 1:] = 0
    logits = rng.normal(size=(4, 6, 7)).astype("float32")
    log_p = logits - logits.max(-1, keepdims=True)
    log_p = log_p - np.log(np.exp(log_p).sum(-1, keepdims=True))
    real = targets != 0
    nll = -np.take_along_axis(log_p, targets[..., None], -1)[..., 0]
    np.testing.assert_allclose(float(sequence_loss()(targets, logits)), nll[real].mean(), rtol=1e-6)
    # padded positions do not count: changing their logits changes nothing
    changed = logits.copy()
    changed[~real] = 100.0
    assert float(sequence_loss()(targets, changed)) == pytest.approx(float(sequence_loss()(targets, logits)))
    hits = (logits.argmax(-1) == targets)[real].mean()
    assert float(masked_accuracy(targets, logits)) == pytest.approx(hits)
    assert float(masked_accuracy(np.zeros((2, 3), "int64"), logits[:2, :3])) == 0.0   # all padding: 0, not NaN


def test_label_smoothed_sequence_loss_matches_numpy_and_keras_categorical():
    rng = np.random.default_rng(1)
    targets = rng.integers(1, 9, size=(3, 5))
    targets[1, 2:] = 0
    logits = rng.normal(size=(3, 5, 9)).astype("float32")
    eps = 0.1
    log_p = logits - logits.max(-1, keepdims=True)
    log_p = log_p - np.log(np.exp(log_p).sum(-1, keepdims=True))
    real = targets != 0
    smoothed = (1 - eps) * -np.take_along_axis(log_p, targets[..., None], -1)[..., 0] - eps * log_p.mean(-1)
    loss = sequence_loss(label_smoothing=eps)
    assert isinstance(loss, SmoothedSequenceLoss)
    np.testing.assert_allclose(float(loss(targets, logits)), smoothed[real].mean(), rtol=1e-6)
    # Keras' own smoothing, on one-hot targets of the real tokens only
    keras_loss = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=eps)
    one_hot = np.eye(9, dtype="float32")[targets[real]]
    np.testing.assert_allclose(float(loss(targets, logits)), float(keras_loss(one_hot, logits[real])), rtol=1e-5)
    # padding counts nowhere; eps = 0 is the plain sequence loss; probabilities work too
    changed = logits.copy()
    changed[~real] = 50.0
    assert float(loss(targets, changed)) == pytest.approx(float(loss(targets, logits)), rel=1e-6)
    assert float(SmoothedSequenceLoss(0.0)(targets, logits)) == pytest.approx(float(sequence_loss()(targets, logits)), rel=1e-6)
    probabilities = np.exp(log_p).astype("float32")
    assert float(SmoothedSequenceLoss(eps, from_logits=False)(targets, probabilities)) == pytest.approx(
        smoothed[real].mean(), rel=1e-5)
    assert float(loss(np.zeros((2, 3), "int64"), logits[:2, :3])) == 0.0   # all padding: 0, not NaN
    restored = SmoothedSequenceLoss.from_config(loss.get_config())
    assert restored.label_smoothing == eps and restored.from_logits
    for bad in (-0.1, 1.0, True, "0.1"):
        with pytest.raises(ValueError, match="label_smoothing"):
            SmoothedSequenceLoss(bad)
