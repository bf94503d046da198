"""Additive attention of Bahdanau, Cho & Bengio (2015): :class:`BahdanauAttention`.

Reference: D. Bahdanau, K. Cho, Y. Bengio (2015). Neural Machine Translation by Jointly
Learning to Align and Translate. ICLR 2015. arXiv:1409.0473.

May import: ``keras``, :mod:`helpers.layers.base`.
"""
from __future__ import annotations

import keras
from keras import ops

from helpers.layers.base import AttentionBase, check_units

__all__ = ["BahdanauAttention"]


@keras.saving.register_keras_serializable(package="helpers")
class BahdanauAttention(AttentionBase):
    """Additive attention (Bahdanau, Cho & Bengio, 2015): ``score = v^T tanh(W1 h_i + W2 s + b)``.

    ``W1`` projects the keys (encoder states ``h_i``) and ``W2`` the query (decoder state ``s``)
    into ``units`` dimensions, ``V`` reads the ``tanh`` out into one number; softmax over time,
    context = weighted sum of the values. In row-vector form, with Keras kernels ``(in, out)``::

        score[b, t, i] = tanh(h[b, i] @ W1 + b + s[b, t] @ W2) @ V

    Sublayers: ``W1 = Dense(units)`` (its bias is ``b``), ``W2 = Dense(units, use_bias=False)``,
    ``V = Dense(1, use_bias=False)``. The paper has no bias at all; one bias inside the ``tanh``
    is kept, and no other, because any other would be redundant: a bias on ``W2`` would only
    ever be added to ``b`` (two biases learn nothing one cannot), and a bias on ``V`` shifts
    every score of a row by the same constant, which the softmax ignores. ``b`` sits on the
    key projection, which is computed once per sentence for all queries at once (the paper's
    ``U_a h_i``).

    The TensorFlow tutorials' ``BahdanauAttention`` gives all three ``Dense`` layers a bias.
    Their numbers are reproduced with ``b = b1 + b2`` (the sum of the two projections' biases)
    and ``V``'s bias dropped. The image-captioning tutorial names the projections as here
    (``W1(features) + W2(hidden)``); the NMT tutorial the other way round
    (``W1(query) + W2(values)``): to load its weights, swap ``W1`` and ``W2``.

    Args:
        units: size of the hidden layer of the score (the paper's ``n'``).

    Shapes: see :class:`helpers.layers.base.AttentionBase`. Any query and key sizes.
    """

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = check_units(units)
        self.W1 = keras.layers.Dense(units, name="W1", dtype=self.dtype_policy)
        self.W2 = keras.layers.Dense(units, use_bias=False, name="W2", dtype=self.dtype_policy)
        self.V = keras.layers.Dense(1, use_bias=False, name="V", dtype=self.dtype_policy)

    def build_score(self, query_shape, key_shape):
        self.W1.build(key_shape)
        self.W2.build(query_shape)
        self.V.build((None, None, None, self.units))

    def score(self, query, key):
        keys = ops.expand_dims(self.W1(key), 1)  # (B, 1, Tv, U): h_i @ W1 + b
        queries = ops.expand_dims(self.W2(query), 2)  # (B, Tq, 1, U): s_t @ W2
        return ops.squeeze(self.V(ops.tanh(queries + keys)), -1)  # (B, Tq, Tv)

    def get_config(self):
        return {**super().get_config(), "units": self.units}
