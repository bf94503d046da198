"""Incremental decoding of the notebook-08 :class:`~helpers.models.transformer.TransformerTranslator`:
with a KV cache, or by recomputing the whole prefix at every step.

Decoding writes one token per step. Step ``t`` needs the decoder's output at position ``t`` only,
but every decoder self-attention layer reads the keys and values of positions ``0 .. t``:

* **recompute** (what a decoder without a cache must do): run the decoder over the whole prefix
  ``[START] y_1 .. y_t`` again, from nothing, every step: ``t + 1`` positions of every sublayer
  (and the cross-attention's projections of the encoder output) per step, ``O(L^2)`` positions
  for ``L`` tokens;
* **KV cache** (:meth:`TransformerTranslator.decode` with the state :meth:`~TransformerTranslator.encode`
  returns): each self-attention layer keeps the keys and values it has projected
  (:meth:`helpers.layers.MultiHeadAttention.empty_cache`), the new token's query attends over
  them, and a step computes one position; the cross-attention keys and values are projected once
  per sentence. The causal mask makes the two give the same numbers (to float rounding).

Both are step functions of :mod:`helpers.decoding` (``step(tokens (B,), state) ->
(log-probabilities (B, V_t), state, cross-attention weights (B, Ts))``) with these states::

    cache:      (caches, encoder output (B, Ts, D), source mask (B, Ts))
    recompute:  (prefix (B, t) int32, encoder output, source mask)

:func:`greedy_ids` runs :func:`helpers.decoding.greedy_search` with either (compiled once per
model and mode; ``benchmarks/kv_cache_speed.py`` times them), :func:`stepwise_logits` the
teacher-forced logits one step at a time (eagerly, for tests), :func:`cross_attention_maps` what
every cross-attention head of every block read while translating one sentence (notebook 08's
widget). :meth:`TransformerTranslator.translate`
decodes with the cache (06's :func:`helpers.models.translator_search.translate`).

A cache's time axis grows by one per step. A ``tf.while_loop`` keeps each loop variable's traced
shape, so :func:`growing_cache` gives the empty caches a time axis of size ``0 * Ts``: 0, but a
size TensorFlow does not fix while tracing a search for sources of any length.

May import: ``keras``, ``tensorflow``, ``numpy``, :mod:`helpers.runtime`, :mod:`helpers.text`,
:mod:`helpers.layers`, :mod:`helpers.decoding`, :mod:`helpers.models.transformer`.
"""
from __future__ import annotations

import math

import numpy as np
import tensorflow as tf
from keras import ops

from helpers.decoding import greedy_search, trace_once
from helpers.layers import sinusoidal_encoding
from helpers.runtime import check_int
from helpers.text.words import PAD_ID, preprocess

__all__ = ["growing_cache", "embed_from", "decoder_step", "start_state", "greedy_ids",
           "stepwise_logits", "cross_attention_maps"]


def growing_cache(attention, like):
    """An empty KV cache of ``attention`` (a :class:`helpers.layers.MultiHeadAttention`) for the
    batch of ``like (B, T, ...)``: ``{"key": (B, H, 0, d_k), "value": (B, H, 0, d_v), "mask":
    (B, 0)}`` whose time axis (``0 * T``) has no static size when ``T`` has none."""
    batch, none = ops.shape(like)[0], ops.shape(like)[1] * 0
    heads, d_k = attention.num_heads, attention.key_dim
    dtype = attention.compute_dtype
    return {"key": ops.zeros((batch, heads, none, d_k), dtype),
            "value": ops.zeros((batch, heads, none, attention.value_dim or d_k), dtype),
            "mask": ops.zeros((batch, none), "bool")}


def embed_from(embedding, ids, start):
    """``embedding`` (a :class:`helpers.layers.PositionalEmbedding`) of ``ids (B, T)`` standing at
    positions ``start .. start + T - 1`` (the layer itself starts at 0): ``(B, T, D)``.
    ``start`` is an int or a scalar tensor (the number of cached steps)."""
    if isinstance(start, int) and start == 0:
        return embedding(ids)
    x = embedding.token(ids)
    if embedding.scale:
        x = x * ops.cast(math.sqrt(embedding.embed_dim), x.dtype)
    length = ops.shape(ids)[1]
    if embedding.positions == "learned":
        return x + ops.expand_dims(embedding.position(ops.arange(length) + start), 0)
    table = sinusoidal_encoding(start + length, embedding.embed_dim, embedding.position.base,
                                x.dtype)
    return x + ops.expand_dims(table[start:], 0)


def _check_model(model):
    from helpers.models.transformer import TransformerTranslator  # (that module imports this one)

    if not isinstance(model, TransformerTranslator):
        raise TypeError(f"model must be a helpers.models.TransformerTranslator, "
                        f"got {type(model).__name__}.")
    return model


def _check_cache_flag(use_cache):
    if not isinstance(use_cache, bool):
        raise TypeError(f"use_cache must be True or False, got {use_cache!r}.")
    return use_cache


def start_state(model, source_ids, use_cache: bool = True):
    """The encoder run once over ``source_ids (B, Ts)`` and the first state of
    :func:`decoder_step` (see the module docstring)."""
    memory, caches, source_mask = model.encode(source_ids)
    if _check_cache_flag(use_cache):
        return caches, memory, source_mask
    none = ops.shape(memory)[1] * 0
    return ops.zeros((ops.shape(memory)[0], none), "int32"), memory, source_mask


def _logits_step(model, use_cache: bool):
    """``step(tokens (B,), state) -> (logits (B, V_t), state, weights (B, Ts))``."""
    def cached(tokens, state):
        caches, memory, source_mask = state
        logits, caches, weights = model.decode(tokens[:, None], memory, source_mask, caches)
        return logits[:, 0], (caches, memory, source_mask), weights[:, 0]

    def recompute(tokens, state):
        prefix, memory, source_mask = state
        prefix = ops.concatenate([prefix, ops.cast(tokens[:, None], prefix.dtype)], axis=1)
        fresh = model.initial_state(memory, source_mask)  # nothing cached: all from scratch
        logits, _, weights = model.decode(prefix, memory, source_mask, fresh)
        return logits[:, -1], (prefix, memory, source_mask), weights[:, -1]

    return cached if _check_cache_flag(use_cache) else recompute


def decoder_step(model, use_cache: bool = True):
    """The step function of :mod:`helpers.decoding` for ``model``: with the KV cache, or
    recomputing the prefix (``use_cache=False``); it returns log-probabilities."""
    logits_step = _logits_step(_check_model(model), use_cache)

    def step(tokens, state):
        logits, state, weights = logits_step(tokens, state)
        return tf.nn.log_softmax(logits), state, weights

    return step


def greedy_ids(model, source_ids, max_length: int, *, use_cache: bool = True):
    """Greedy decoding of ``source_ids (B, Ts)`` (int ids, 0 = padding) to at most ``max_length``
    tokens, with the KV cache or recomputing the prefix: ``tokens (B, max_length)`` and
    ``lengths (B,)``, int32 NumPy arrays, as :func:`helpers.decoding.greedy_search` returns them
    (``[END]`` included, zeros after it; padding and ``[START]`` are never written). The search
    is traced once per model and mode. ``TypeError`` for another model or a non-bool
    ``use_cache``; ``ValueError`` for ``max_length`` < 1 or > ``model.max_positions``."""
    _check_model(model)
    _check_cache_flag(use_cache)
    max_length = check_int("max_length", max_length)
    if max_length > model.max_positions:
        raise ValueError(f"max_length={max_length} is more than the model's max_positions="
                         f"{model.max_positions}.")
    searches = model.__dict__.setdefault("_greedy_ids", {})  # outside Keras attribute tracking
    if use_cache not in searches:
        model.build()

        def search(ids, limit):
            return greedy_search(decoder_step(model, use_cache), start_state(model, ids, use_cache),
                                 start_id=model.start_id, end_id=model.end_id, max_length=limit,
                                 banned=(PAD_ID, model.start_id))

        searches[use_cache] = trace_once(search, tf.TensorSpec([None, None], tf.int32),
                                         tf.TensorSpec([], tf.int32))
    tokens, _, lengths = searches[use_cache](tf.constant(np.asarray(source_ids, "int32")),
                                             tf.constant(max_length, tf.int32))
    return tokens.numpy(), lengths.numpy()


def stepwise_logits(model, source_ids, decoder_inputs, *, use_cache: bool = True):
    """The teacher-forced logits ``(B, Tt, V_t)`` of ``decoder_inputs (B, Tt)``, one decoder step
    at a time (eagerly), with the KV cache or recomputing the prefix: both equal
    ``model((source_ids, decoder_inputs))`` up to float rounding."""
    step = _logits_step(_check_model(model), use_cache)
    state = start_state(model, source_ids, use_cache)
    decoder_inputs = np.asarray(decoder_inputs, "int32")
    logits = []
    for t in range(decoder_inputs.shape[1]):
        out, state, _ = step(decoder_inputs[:, t], state)
        logits.append(ops.convert_to_numpy(out))
    return np.stack(logits, axis=1)


def cross_attention_maps(model, sentence: str):
    """Translate ``sentence`` (raw Spanish) greedily and return what each cross-attention head
    read: ``(source tokens, output tokens, maps)``, ``maps`` a float array ``(N, H, len(output
    tokens) + 1, len(source tokens))`` (block, head, one row per output token and the final
    ``[END]``, one column per source token; each row sums to 1).

    The output tokens are the model's own (lower case, ``[UNK]`` kept). The maps come from one
    teacher-forced pass of the decoder over ``[START]`` + those tokens: the causal mask makes
    each row what that decoding step computed. ``TypeError`` for another model or a non-string,
    ``ValueError`` for a sentence with no token to translate."""
    _check_model(model)
    if not isinstance(sentence, str):
        raise TypeError(f"sentence must be a str, got {type(sentence).__name__}.")
    source_tokens = preprocess(sentence).split()
    if not source_tokens:
        raise ValueError(f"{sentence!r} has no token to translate (empty, blanks, emoji or symbols only).")
    _, (tokens,), _ = model.translate([sentence], return_attention=True, replace_unknowns=False, cased=False)
    index = {token: i for i, token in enumerate(model.target_vocabulary)}
    decoder_inputs = np.asarray([[model.start_id] + [index[token] for token in tokens]], "int32")
    _, state, _ = model.encode(model.source_ids([sentence]))
    _, _, weights = model.decode_all_heads(decoder_inputs, state)
    return source_tokens, tokens, np.stack([ops.convert_to_numpy(w)[0] for w in weights])
