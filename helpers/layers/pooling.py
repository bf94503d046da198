"""Attention pooling over time steps without a query (notebook 03's hidden-column models):
:class:`TimeStepAttention` and :class:`SumOverTime`.

The idea comes from philipperemy/keras-attention-mechanism
(https://github.com/philipperemy/keras-attention-mechanism, Apache-2.0).

May import: ``keras``.
"""
from __future__ import annotations

import keras
from keras import ops

__all__ = ["TimeStepAttention", "SumOverTime"]


@keras.saving.register_keras_serializable(package="helpers")
class TimeStepAttention(keras.layers.Layer):
    """Attention over the time steps of the raw inputs: one learned score per step, no query.

    One score per time step is computed from the whole input sequence by a learned linear map,
    as in keras-attention-mechanism's ``attention_3d_block`` (there with one softmax per input
    feature; here one shared over the features)::

        scores = flatten(x) @ W + b          (B, T)      W: (T * D, T), b: (T,)
        a      = softmax(scores) over time   (B, T)
        output = x * a[:, :, None]           (B, T, D)   every step scaled by its weight

    The bias ``b`` alone can learn a preference for a *position*; ``W`` lets the weights also
    depend on what the sequence contains. With ``content=False`` there is no ``W``: the scores
    are ``b`` alone, the same for every sequence (a learned weighting of positions).

    Call returns ``(output, weights)``.
    """

    def __init__(self, content: bool = True, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(content, bool):
            raise TypeError(f"content must be True or False, got {content!r}.")
        self.content = content

    def get_config(self):
        return {**super().get_config(), "content": self.content}

    def build(self, input_shape):
        _, t, d = input_shape
        if t is None or d is None:
            raise ValueError(f"TimeStepAttention needs a known (T, D), got {input_shape}.")
        if self.content:
            self.kernel = self.add_weight(
                name="kernel", shape=(t * d, t), initializer="glorot_uniform"
            )
        self.bias = self.add_weight(name="bias", shape=(t,), initializer="zeros")

    def call(self, x):
        t, d = x.shape[1], x.shape[2]
        if self.content:
            scores = ops.matmul(ops.reshape(x, (-1, t * d)), self.kernel) + self.bias
        else:  # the same scores for every sequence in the batch
            scores = ops.zeros_like(x[:, :, 0]) + self.bias
        weights = ops.softmax(scores, axis=-1)
        return x * ops.expand_dims(weights, -1), weights

    def compute_output_shape(self, input_shape):
        return input_shape, input_shape[:2]


@keras.saving.register_keras_serializable(package="helpers")
class SumOverTime(keras.layers.Layer):
    """``(B, T, D) -> (B, D)``: the sum over the time axis (attention pooling's context).

    A named layer rather than a ``Lambda`` so that a saved pooling model loads with a plain
    ``keras.models.load_model`` (Keras refuses to deserialise a ``Lambda``'s Python code in its
    default safe mode).
    """

    def call(self, x):
        return ops.sum(x, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])
