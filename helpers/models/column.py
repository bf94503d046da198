"""The hidden-column experiment of notebook 03: where does a trained attention look?

The idea and the data come from philipperemy/keras-attention-mechanism
(https://github.com/philipperemy/keras-attention-mechanism, Apache-2.0): every time step of a
sequence is noise except one, ``attention_column``, which holds the 0/1 label
(:func:`helpers.data.attention_column_data`). A model that classifies these sequences well must
find that step, and its attention weights show whether it did.

Two small models, built here so that the notebook's widget can rebuild them quickly:

* :func:`build_attention_after_lstm`: ``LSTM(return_sequences=True)`` reads the inputs; a
  :class:`helpers.layers.BahdanauAttention` with the LSTM's **last state as the query** scores
  every step's hidden state; the context goes to ``Dense(1, sigmoid)``.
* :func:`build_attention_pooling`: a :class:`TimeStepAttention` scores the **raw inputs** (one
  learned score per time step, no query) and the classifier sees only their weighted sum.

Each builder returns ``(model, attention_model)``: the classifier, and a model sharing its layers
that maps the inputs to the attention weights ``(B, T)``.

May import: ``keras``, :mod:`helpers.runtime`, :mod:`helpers.layers`, :mod:`helpers.training`.
"""
from __future__ import annotations

import keras
import numpy as np

from helpers.layers import BahdanauAttention, SumOverTime, TimeStepAttention
from helpers.runtime import check_int, check_learning_rate, check_model, check_sizes
from helpers.training import compile_model

__all__ = [
    "SumOverTime",
    "TimeStepAttention",
    "build_attention_after_lstm",
    "build_attention_pooling",
    "mean_attention",
]


def build_attention_after_lstm(
    time_steps: int = 20,
    input_dim: int = 2,
    lstm_units: int = 32,
    attention_units: int = 16,
    learning_rate: float = 1e-2,
    values: str = "states",
) -> tuple[keras.Model, keras.Model]:
    """LSTM over the inputs, then Bahdanau attention with the last state as query, then sigmoid.

    The keys are the LSTM's hidden states ``h_1 .. h_T`` and the query its last state. The
    values, which the context averages, are the hidden states (``values="states"``, the usual
    choice) or the raw inputs ``x_1 .. x_T`` (``values="inputs"``: the attention must then
    point at the step that holds the answer, since no other step's value carries it).

    Returns:
        ``(model, attention_model)``; ``model`` maps ``(B, T, D)`` to ``(B, 1)`` probabilities
        and is compiled (Adam, binary cross-entropy, accuracy); ``attention_model`` maps the same
        inputs to the attention weights ``(B, T)``.

    Sizes must be integers >= 1, ``learning_rate`` a number > 0 (``ValueError``).
    """
    time_steps, input_dim, lstm_units, attention_units = check_sizes(
        time_steps=time_steps, input_dim=input_dim, lstm_units=lstm_units,
        attention_units=attention_units)
    if values not in ("states", "inputs"):
        raise ValueError(f"values must be 'states' or 'inputs', got {values!r}.")
    check_learning_rate(learning_rate)
    inputs = keras.Input((time_steps, input_dim), name="sequence")
    states, last_h, _ = keras.layers.LSTM(
        lstm_units, return_sequences=True, return_state=True, name="lstm"
    )(inputs)
    context, weights = BahdanauAttention(attention_units, name="attention")(
        last_h, states if values == "states" else inputs, key=states,
        return_attention_scores=True,
    )
    output = keras.layers.Dense(1, activation="sigmoid", name="label")(context)
    model = keras.Model(inputs, output, name="attention_after_lstm")
    compile_model(model, loss="binary_crossentropy", learning_rate=learning_rate, metrics=["accuracy"])
    return model, keras.Model(inputs, weights, name="attention_after_lstm_weights")


def build_attention_pooling(
    time_steps: int = 20,
    input_dim: int = 2,
    learning_rate: float = 1e-2,
) -> tuple[keras.Model, keras.Model]:
    """Attention pooling over the raw inputs: :class:`TimeStepAttention`, sum over time, sigmoid.

    There is no query and no recurrent layer: one learned score per time step
    (``flatten(x) W + b``), a softmax over time, and the classifier sees only the weighted sum
    ``c = sum_t a_t x_t`` of shape ``(B, D)``. That sum is the model's *only* view of the
    sequence, so a model that classifies well must put its weight on the step that holds the
    answer: every other step adds noise to ``c``. (With an LSTM reading the re-weighted
    sequence instead, a step with a small weight still reaches the classifier, and a model can
    be right while its weights peak elsewhere; see notebook 03, section 4.)

    Returns:
        ``(model, attention_model)`` as in :func:`build_attention_after_lstm`. Sizes must be
        integers >= 1, ``learning_rate`` a number > 0 (``ValueError``).
    """
    time_steps, input_dim = check_sizes(time_steps=time_steps, input_dim=input_dim)
    check_learning_rate(learning_rate)
    inputs = keras.Input((time_steps, input_dim), name="sequence")
    weighted, weights = TimeStepAttention(content=False, name="attention")(inputs)
    context = SumOverTime(name="context")(weighted)
    output = keras.layers.Dense(1, activation="sigmoid", name="label")(context)
    model = keras.Model(inputs, output, name="attention_pooling")
    compile_model(model, loss="binary_crossentropy", learning_rate=learning_rate, metrics=["accuracy"])
    return model, keras.Model(inputs, weights, name="attention_pooling_weights")


def mean_attention(attention_model: keras.Model, x, batch_size: int = 1024) -> np.ndarray:
    """The attention weights averaged over the examples in ``x``: a ``(T,)`` array summing to 1.

    Calls the model directly (eagerly) batch by batch rather than through ``predict``, so that
    many small models in a loop do not trigger TensorFlow's retracing warnings.
    ``x``: numbers of shape ``(N >= 1, T, D)``; ``batch_size`` an integer >= 1.
    """
    check_model("attention_model", attention_model)
    batch_size = check_int("batch_size", batch_size, 1)
    try:
        x = np.asarray(x, dtype="float32")
    except (TypeError, ValueError) as error:
        raise TypeError(f"x must be an array of numbers (N, T, D); {error}") from None
    if x.ndim != 3:
        raise ValueError(f"x must have shape (N, T, D), got {x.shape}.")
    if len(x) == 0:
        raise ValueError("mean_attention needs at least one example.")
    total = np.zeros(x.shape[1], dtype=np.float64)
    for start in range(0, len(x), batch_size):
        total += np.asarray(attention_model(x[start:start + batch_size], training=False)).sum(0)
    return total / len(x)
