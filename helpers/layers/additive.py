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
    """Additive attention (Bahdanau, Cho & Bengio, 2015): ``score = v^T tanh(W1 h_i + W2 s)``.

    As in the TensorFlow tutorials' ``BahdanauAttention``: ``W1`` and ``W2`` are
    ``Dense(units)`` (with biases), ``V`` is ``Dense(1)``, softmax over time, context = weighted
    sum of the values. ``W1`` projects the keys (encoder states ``h_i``) and ``W2`` the query
    (decoder state ``s``), as in the image-captioning tutorial (``W1(features) +
    W2(hidden)``). The NMT tutorial uses the opposite naming (``W1(query) + W2(values)``): to load
    its weights, swap ``W1`` and ``W2``.

    In row-vector form, with Keras kernels ``(in, out)``::

        score[b, t, i] = tanh(h[b, i] @ W1 + b1 + s[b, t] @ W2 + b2) @ V + bV

    (``bV`` is harmless: the softmax ignores a constant shift. ``b1`` and ``b2`` only ever
    appear as their sum, so one of them is redundant; both are kept for now because removing
    one changes the weight initialisation, hence every trained number of the course; a
    follow-up of issue 12.) The paper computes the key projection ``U_a h_i`` once per
    sentence; so does this layer, for all queries at once.

    Args:
        units: size of the hidden layer of the score (the paper's ``n'``).

    Shapes: see :class:`helpers.layers.base.AttentionBase`. Any query and key sizes.
    """

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = check_units(units)
        self.W1 = keras.layers.Dense(units, name="W1", dtype=self.dtype_policy)
        self.W2 = keras.layers.Dense(units, name="W2", dtype=self.dtype_policy)
        self.V = keras.layers.Dense(1, name="V", dtype=self.dtype_policy)

    def build_score(self, query_shape, key_shape):
        self.W1.build(key_shape)
        self.W2.build(query_shape)
        self.V.build((None, None, None, self.units))

    def score(self, query, key):
        keys = ops.expand_dims(self.W1(key), 1)  # (B, 1, Tv, U)
        queries = ops.expand_dims(self.W2(query), 2)  # (B, Tq, 1, U)
        return ops.squeeze(self.V(ops.tanh(queries + keys)), -1)  # (B, Tq, Tv)

    def get_config(self):
        return {**super().get_config(), "units": self.units}
