"""Notebook 08's first Transformer piece: one self-attention block, on a task that needs positions.

:func:`reversal_task` makes fixed-length sequences of digit tokens ``1..9`` and their reversals;
:func:`build_self_attention_reverser` maps ``ids (B, T)`` to per-position logits ``(B, T, V)``
with one block (``V = 10`` token ids, ``D`` = ``embed_dim``)::

    x = embed(ids) (+ positions)                         (B, T, D)
    a = MultiHeadAttention(H, d_k)(query=x, value=x)      (B, T, D)   self-attention: Q, K, V from x
    y = LayerNorm(x + a)                                  (B, T, D)
    logits = Dense(V)(y)                                  (B, T, V)

Output position ``i`` must copy input token ``T - 1 - i``. Without positions, self-attention is
*permutation equivariant*: shuffling the input positions shuffles the outputs the same way, and
each output sees only its own token and the unordered set of all tokens, so it cannot know which
token sits at the mirror position. With positions (``"sinusoidal"`` or ``"learned"``, see
:class:`helpers.layers.PositionalEmbedding`) one head can attend from ``i`` to ``T - 1 - i``.

May import: ``keras``, ``numpy``, :mod:`helpers.runtime`, :mod:`helpers.layers`.
"""
from __future__ import annotations

import keras
import numpy as np

from helpers.layers import MultiHeadAttention, PositionalEmbedding
from helpers.runtime import check_int

__all__ = ["REVERSER_POSITIONS", "build_self_attention_reverser", "reversal_task"]

#: The position options of :func:`build_self_attention_reverser`.
REVERSER_POSITIONS = ("none", "sinusoidal", "learned")
VOCAB = 10  # token ids 0..9; the task writes 1..9 (0 stays free, as padding would be)


def reversal_task(n: int, length: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random sequences of ``length`` digit tokens (ids ``1..9``, int32 ``(n, length)``)
    and their reversals, seeded. ``ValueError`` unless ``n`` >= 1 and ``length`` >= 2."""
    n, length = check_int("n", n, 1), check_int("length", length, 2)
    x = np.random.default_rng(seed).integers(1, VOCAB, (n, length)).astype("int32")
    return x, np.ascontiguousarray(x[:, ::-1])


def build_self_attention_reverser(length: int, positions: str = "sinusoidal", embed_dim: int = 32,
                                  num_heads: int = 2, key_dim: int = 16):
    """One self-attention block for :func:`reversal_task` (see the module docstring).

    Returns ``(model, attention_model)``: ``model`` maps ``ids (B, length)`` to logits
    ``(B, length, 10)`` (train it with ``from_logits=True``); ``attention_model`` shares its
    layers and maps the ids to the heads' weights ``(B, H, length, length)`` (rows: the output
    positions, columns: the input positions they read). ``ValueError`` for an unknown
    ``positions`` (one of :data:`REVERSER_POSITIONS`) or sizes < 1.
    """
    if positions not in REVERSER_POSITIONS:
        raise ValueError(f"positions must be one of {', '.join(map(repr, REVERSER_POSITIONS))}, got {positions!r}.")
    length = check_int("length", length, 2)
    embed_dim, num_heads, key_dim = (check_int(name, value, 1) for name, value in
                                     (("embed_dim", embed_dim), ("num_heads", num_heads), ("key_dim", key_dim)))
    ids = keras.Input((length,), dtype="int32", name="ids")
    if positions == "none":
        x = keras.layers.Embedding(VOCAB, embed_dim, name="embedding")(ids)
    else:
        x = PositionalEmbedding(VOCAB, length, embed_dim, positions=positions, mask_zero=False,
                                name="embedding")(ids)
    attended, weights = MultiHeadAttention(num_heads, key_dim, name="self_attention")(
        x, x, return_attention_scores=True)
    y = keras.layers.LayerNormalization(name="norm")(keras.layers.Add(name="residual")([x, attended]))
    logits = keras.layers.Dense(VOCAB, name="logits")(y)
    name = f"reverser_{positions}"
    return keras.Model(ids, logits, name=name), keras.Model(ids, weights, name=f"{name}_attention")
