"""Tests of helpers.models.column (notebook 03's hidden-column models): shapes, weights, errors."""
import numpy as np
import pytest

import helpers  # noqa: F401  (imports TensorFlow, registers the Keras classes)
import keras

from helpers.layers import TimeStepAttention

from helpers.models import build_attention_after_lstm, build_attention_pooling, mean_attention
from helpers.data import attention_column_data

T, D = 6, 2


def test_time_step_attention_weights_and_output():
    x = np.random.default_rng(0).standard_normal((4, T, D)).astype("float32")
    layer = TimeStepAttention()
    output, weights = layer(x)
    weights = np.asarray(weights)
    assert output.shape == (4, T, D) and weights.shape == (4, T)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-6)
    assert np.all(weights > 0)
    # the output is every step scaled by its weight, and the weights are softmax(flatten(x) W + b)
    np.testing.assert_allclose(np.asarray(output), x * weights[:, :, None], atol=1e-6)
    scores = x.reshape(4, T * D) @ layer.kernel.numpy() + layer.bias.numpy()
    expected = np.exp(scores - scores.max(1, keepdims=True))
    np.testing.assert_allclose(weights, expected / expected.sum(1, keepdims=True), atol=1e-6)


def test_time_step_attention_needs_known_sizes():
    with pytest.raises(ValueError, match="known"):
        TimeStepAttention().build((None, None, D))


@pytest.mark.parametrize("build", [lambda t, d: build_attention_after_lstm(t, d, lstm_units=4),
                                   build_attention_pooling])
def test_builders_return_classifier_and_attention_model(build):
    model, attention = build(T, D)
    x, y = attention_column_data(16, time_steps=T, input_dim=D, attention_column=2, seed=0)
    probabilities = model.predict(x, verbose=0)
    weights = attention.predict(x, verbose=0)
    assert probabilities.shape == (16, 1) and np.all((probabilities > 0) & (probabilities < 1))
    assert weights.shape == (16, T)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-5)
    mean = mean_attention(attention, x)
    assert mean.shape == (T,) and abs(mean.sum() - 1) < 1e-5
    # the attention model shares the classifier's layers (same weights, no copy)
    shared = {id(w) for w in model.weights}
    assert all(id(w) in shared for w in attention.weights)
    model.train_on_batch(x, y)  # compiled and trainable


def test_after_lstm_values_option():
    model, _ = build_attention_after_lstm(T, D, lstm_units=4, values="inputs")
    assert model.output.shape == (None, 1)
    with pytest.raises(ValueError, match="values"):
        build_attention_after_lstm(T, D, values="keys")


def test_time_step_attention_saves_and_loads(tmp_path):
    inputs = keras.Input((T, D))
    weighted, _ = TimeStepAttention(name="att")(inputs)
    model = keras.Model(inputs, weighted)
    x = np.random.default_rng(1).standard_normal((3, T, D)).astype("float32")
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_position_only_scores_are_the_same_for_every_sequence():
    layer = TimeStepAttention(content=False)
    x = np.random.default_rng(2).standard_normal((5, T, D)).astype("float32")
    layer.build(x.shape)
    layer.bias.assign(np.arange(T, dtype="float32"))
    _, weights = layer(x)
    weights = np.asarray(weights)
    expected = np.exp(np.arange(T) - T + 1.0) / np.exp(np.arange(T) - T + 1.0).sum()
    np.testing.assert_allclose(weights, np.broadcast_to(expected, (5, T)), atol=1e-6)
    assert not hasattr(layer, "kernel")
    assert TimeStepAttention.from_config(layer.get_config()).content is False


def test_pooling_model_sees_only_the_weighted_sum():
    """Moving all weight to one step makes the model's output depend on that step alone."""
    model, attention = build_attention_pooling(T, D)
    model.get_layer("attention").bias.assign(np.where(np.arange(T) == 3, 50.0, 0.0).astype("float32"))
    x = np.random.default_rng(3).standard_normal((4, T, D)).astype("float32")
    changed = x.copy()
    changed[:, [0, 1, 2, 4, 5]] += 10.0          # every step but 3
    np.testing.assert_allclose(model.predict(changed, verbose=0), model.predict(x, verbose=0), atol=1e-5)
    changed = x.copy()
    changed[:, 3] += 10.0
    assert np.abs(model.predict(changed, verbose=0) - model.predict(x, verbose=0)).max() > 1e-3
