"""Attention layers for Keras 3, one module per family (as in ``keras/layers/attention/``).

* :mod:`helpers.layers.base`: :class:`AttentionBase` (masks, masked softmax, weighted sum) and
  its utilities; a subclass only defines the score ``score(s_t, h_i)``;
* :mod:`helpers.layers.dot_product`: :class:`DotProductAttention` (``s_t . h_i``, optionally
  divided by ``sqrt(d)``);
* :mod:`helpers.layers.additive`: :class:`BahdanauAttention` (``v^T tanh(W1 h_i + W2 s_t + b)``);
* :mod:`helpers.layers.multiplicative`: :class:`LuongAttention` (``dot``, ``general``,
  ``concat``) and :class:`LuongAttentionalState` (``tanh(W_c [c_t; s_t])``);
* :mod:`helpers.layers.pooling`: :class:`TimeStepAttention` and :class:`SumOverTime`
  (attention pooling without a query, notebook 03);
* :mod:`helpers.layers.multi_head`: :class:`MultiHeadAttention` (``H`` heads of
  ``softmax(Q K^T / sqrt(d_k)) V`` on projections ``W_q, W_k, W_v``, joined by ``W_o``; padding,
  causal and explicit masks, a KV cache), :func:`scaled_dot_product_attention`,
  :func:`causal_mask`, :func:`combine_masks` (notebook 08);
* :mod:`helpers.layers.positional`: :class:`SinusoidalPositionalEncoding` (``sin``/``cos`` of
  the position) and :class:`PositionalEmbedding` (token embedding plus learned or sinusoidal
  positions), :func:`sinusoidal_encoding`, :class:`TiedOutput` (logits from a tied embedding
  matrix; notebook 08).

The layers use ``keras.ops`` only (no TensorFlow call), so they run on any Keras 3 backend;
the softmax is computed in float32 under a ``mixed_float16`` policy.

``helpers.layers`` is the third line of the package's layering (see :mod:`helpers`): it imports
nothing else of ``helpers``.

References:
    D. Bahdanau, K. Cho, Y. Bengio (2015). Neural Machine Translation by Jointly Learning to
    Align and Translate. ICLR 2015. arXiv:1409.0473.
    M.-T. Luong, H. Pham, C. D. Manning (2015). Effective Approaches to Attention-based Neural
    Machine Translation. EMNLP 2015. arXiv:1508.04025.

May import: ``keras`` only (and the modules of this package; no other ``helpers`` module).
"""
from helpers.layers.additive import BahdanauAttention
from helpers.layers.base import AttentionBase, masked_softmax
from helpers.layers.dot_product import DotProductAttention, scaled_dot_scores
from helpers.layers.multi_head import (MultiHeadAttention, causal_mask, combine_masks,
                                       scaled_dot_product_attention)
from helpers.layers.multiplicative import LUONG_SCORES, LuongAttention, LuongAttentionalState
from helpers.layers.pooling import SumOverTime, TimeStepAttention
from helpers.layers.positional import (POSITIONS, PositionalEmbedding, SinusoidalPositionalEncoding,
                                       TiedOutput, sinusoidal_encoding)

__all__ = [
    "AttentionBase",
    "DotProductAttention",
    "BahdanauAttention",
    "LuongAttention",
    "LuongAttentionalState",
    "TimeStepAttention",
    "SumOverTime",
    "MultiHeadAttention",
    "SinusoidalPositionalEncoding",
    "PositionalEmbedding",
    "TiedOutput",
    "LUONG_SCORES",
    "masked_softmax",
    "scaled_dot_scores",
    "scaled_dot_product_attention",
    "causal_mask",
    "combine_masks",
    "sinusoidal_encoding",
    "POSITIONS",
]
