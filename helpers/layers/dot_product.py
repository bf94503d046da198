"""Dot-product attention: :class:`DotProductAttention` (Luong's "dot" score, or the Transformer's
scaled dot product).

May import: ``keras``, :mod:`helpers.layers.base`.
"""
from __future__ import annotations

import math

import keras
from keras import ops

from helpers.layers.base import AttentionBase, dims_differ

__all__ = ["DotProductAttention", "scaled_dot_scores"]


def scaled_dot_scores(query, key):
    """``query @ key^T / sqrt(d)``: ``(B, Tq, D) x (B, Tv, D) -> (B, Tq, Tv)``, ``d`` the key size.

    ``d`` is taken from the static shape when it is known (the scale is then a Python constant,
    ``1 / math.sqrt(d)`` rounded once to the scores' dtype) and from the dynamic shape
    (``ops.shape(key)[-1]``) when it is not, e.g. inside a ``tf.function`` traced with an
    unknown last dimension.
    """
    scores = ops.matmul(query, ops.swapaxes(ops.cast(key, query.dtype), -1, -2))
    d = key.shape[-1]
    if d is not None:
        return scores * ops.cast(1.0 / math.sqrt(d), scores.dtype)
    dynamic = ops.cast(ops.shape(key)[-1], "float32")
    return scores * ops.cast(1.0 / ops.sqrt(dynamic), scores.dtype)


@keras.saving.register_keras_serializable(package="helpers")
class DotProductAttention(AttentionBase):
    """Dot-product attention: ``score(s_t, h_i) = s_t . h_i``, or ``s_t . h_i / sqrt(d)`` if scaled.

    This is Luong et al.'s (2015) "dot" score (``scaled=False``, the same numbers as
    ``keras.layers.Attention()``), or the scaled dot product of the Transformer
    (``scaled=True``; ``d`` is the key size, static or, when unknown at trace time, dynamic).
    No weights; query and key sizes must be equal.

    The argument is ``scaled``, not Keras' ``use_scale``: ``keras.layers.Attention(use_scale=True)``
    multiplies the scores by a LEARNED scalar, whereas here the factor is the fixed ``1/sqrt(d)``
    (``keras.layers.Attention(use_scale=True)`` with its scale set to ``1/sqrt(d)`` gives the
    same numbers).

    Args:
        scaled: divide the scores by ``sqrt(d)``.

    Shapes: see :class:`helpers.layers.base.AttentionBase` (query ``(B, D)`` or ``(B, Tq, D)``,
    value ``(B, Tv, Dv)``, key ``(B, Tv, D)``).
    """

    def __init__(self, scaled: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.scaled = bool(scaled)

    def check_score_dims(self, query_dim, key_dim):
        if dims_differ(query_dim, key_dim):
            raise ValueError(
                f"dot-product scores need equal query and key sizes, got {query_dim} and {key_dim}"
            )

    def score(self, query, key):
        if self.scaled:
            return scaled_dot_scores(query, key)
        return ops.matmul(query, ops.swapaxes(ops.cast(key, query.dtype), -1, -2))

    def get_config(self):
        return {**super().get_config(), "scaled": self.scaled}
