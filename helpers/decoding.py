"""Greedy search and beam search: the one decoding loop of every encoder-decoder of the course.

Both searches are driven by a **step function** that runs the decoder one token further::

    step(tokens (B,) int32, state) -> (scores (B, V), new_state, attention_weights (B, T_src))

``state`` is any nested structure (tuple, list, dict) of batch-first tensors: the decoder's
recurrent state and whatever else the step reads (encoder states, source mask), returned with
the same structure and shapes. ``scores`` rank the next token: log-probabilities for
:func:`beam_search` (they are summed along a hypothesis); for :func:`greedy_search` any
increasing function of them (probabilities, logits). ``attention_weights`` row ``b`` is where
sequence ``b`` looked while scoring (zeros for a model without attention).

The searches are TensorFlow loops (``tf.while_loop``), so the whole search, the top-k of every
step (``tf.math.top_k``) and all bookkeeping run on the device; they also run eagerly (slowly).
Wrap a search with :func:`trace_once` to compile it once per model. :func:`replace_unknowns`
post-processes an output with its attention weights (Luong et al. 2015's "unk replacement").

Contract of both: outputs have ``max_length`` columns; a sequence ends with (and includes) the
first ``end_id`` it produces, after which its tokens are ``0`` (padding) and its attention rows
are zero; a sequence that has not ended after ``max_length`` tokens is cut there (no ``end_id``);
``lengths`` counts the tokens up to and including ``end_id`` (``max_length`` if cut). Tokens in
``banned`` (e.g. padding and ``<start>``) are never generated. Ties between equal scores go to
the lower token id (greedy) or the lower flat index ``beam * V + token`` (beam), as ``np.argmax``
and ``tf.math.top_k`` order them.

May import: ``keras``, ``tensorflow``, ``numpy``, :mod:`helpers.runtime`.
"""
from __future__ import annotations

import numbers

import numpy as np
import tensorflow as tf

from helpers.runtime import check_int, check_strings

__all__ = ["greedy_search", "beam_search", "length_penalties", "trace_once", "replace_unknowns"]


def length_penalties(max_length: int, alpha: float = 0.6) -> np.ndarray:
    """Wu et al.'s (2016) length penalty ``((5 + n) / 6) ** alpha`` for ``n = 1 .. max_length``:
    float64 ``(max_length,)``, the divisors :func:`beam_search` applies to the summed
    log-probability of a finished hypothesis of ``n`` tokens. ``alpha = 0``: all ones (no
    normalisation). ``ValueError`` for ``max_length`` < 1 or ``alpha`` not a number >= 0."""
    max_length = check_int("max_length", max_length, 1)
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not np.isfinite(alpha) or alpha < 0:
        raise ValueError(f"alpha (the length penalty) must be a number >= 0, got {alpha!r}.")
    return np.array([((5 + n) / 6) ** alpha for n in range(1, max_length + 1)], dtype=np.float64)


def trace_once(function, *input_signature):
    """``function`` traced once by ``tf.function`` for ``input_signature`` (``tf.TensorSpec`` with
    ``None`` for every size that varies): a ``ConcreteFunction`` that takes arrays of any such
    shape and never retraces, so TensorFlow's "retracing" warning cannot arise from it."""
    return tf.function(function).get_concrete_function(*input_signature)


def _batch_size(state):
    return tf.shape(tf.nest.flatten(state)[0])[0]


def _ban(scores, banned):
    """``scores (..., V)`` with the ``banned`` token ids set to ``-inf``."""
    if not banned:
        return scores
    ids = tf.range(tf.shape(scores)[-1])
    hit = tf.reduce_any(tf.equal(ids[:, None], tf.constant(list(banned), tf.int32)[None, :]), axis=1)
    return tf.where(hit, tf.constant(-np.inf, scores.dtype), scores)


def _pad_steps(stacked, max_length):
    """``(steps, B, ...)`` -> ``(B, max_length, ...)``, zero-padded after the last step."""
    rank = stacked.shape.rank
    batch_major = tf.transpose(stacked, [1, 0] + list(range(2, rank)))
    pad = [[0, 0], [0, max_length - tf.shape(stacked)[0]]] + [[0, 0]] * (rank - 2)
    return tf.pad(batch_major, pad)


def _steps(dtype, rank):
    """A growing TensorArray of per-step tensors of ``rank`` (batch first)."""
    return tf.TensorArray(dtype, size=0, dynamic_size=True, element_shape=tf.TensorShape([None] * rank))


def greedy_search(step, state, *, start_id: int, end_id: int, max_length, banned=()):
    """Feed the decoder its own most likely token (``argmax`` of ``scores``) until every
    sequence has produced ``end_id`` or ``max_length`` tokens.

    Args:
        step: the step function of the module docstring.
        state: its initial state (batch-first, batch ``B``).
        start_id: the first input token; end_id: the token that ends a sequence.
        max_length: most tokens per sequence (an int or int32 scalar tensor >= 1).
        banned: token ids never generated (their scores are set to ``-inf`` first).

    Returns:
        ``tokens (B, max_length)`` int32, ``attention (B, max_length, T_src)`` float32 (row
        ``t``: the weights of the step that chose token ``t``), ``lengths (B,)`` int32; see the
        module docstring for what follows ``end_id``. Finished sequences are fed ``end_id``
        (never padding: a fully masked step is what a cuDNN RNN refuses).
    """
    if isinstance(max_length, numbers.Integral):
        max_length = check_int("max_length", max_length, 1)
    max_length = tf.cast(max_length, tf.int32)
    batch = _batch_size(state)
    tokens_ta, weights_ta = _steps(tf.int32, 1), _steps(tf.float32, 2)

    def body(t, tokens, state, done, lengths, tokens_ta, weights_ta):
        scores, state, weights = step(tokens, state)
        chosen = tf.math.top_k(_ban(scores, banned), 1).indices[:, 0]  # argmax, lowest id on ties
        tokens_ta = tokens_ta.write(t, tf.where(done, 0, chosen))
        weights_ta = weights_ta.write(t, tf.where(done[:, None], 0.0, tf.cast(weights, tf.float32)))
        ends = ~done & tf.equal(chosen, end_id)
        lengths = tf.where(ends, t + 1, lengths)
        return t + 1, tf.where(done, end_id, chosen), state, done | ends, lengths, tokens_ta, weights_ta

    def more(t, tokens, state, done, *_):
        return (t < max_length) & ((t == 0) | ~tf.reduce_all(done))

    start = (tf.constant(0), tf.fill([batch], tf.constant(start_id, tf.int32)), state,
             tf.zeros([batch], tf.bool), tf.fill([batch], max_length), tokens_ta, weights_ta)
    _, _, _, _, lengths, tokens_ta, weights_ta = tf.while_loop(more, body, start)
    return (_pad_steps(tokens_ta.stack(), max_length), _pad_steps(weights_ta.stack(), max_length),
            lengths)


def beam_search(step, state, *, start_id: int, end_id: int, beam_width: int, penalties, banned=()):
    """Keep the ``beam_width`` best partial hypotheses per sequence; return the best finished one.

    At step ``t`` every live hypothesis ``j`` (summed log-probability ``S_j``, float64) is
    extended by every token ``v``: candidates ``S_j + log p(v)``, ``beam_width * V`` per
    sequence, of which ``tf.math.top_k`` keeps the ``beam_width`` best (all beams start as the
    same ``<start>``, so only beam 0 is expanded at ``t = 0``). A kept candidate that is
    ``end_id`` (or any kept candidate at the last step, ``t = max_length - 1``) finishes: it is
    recorded with the score ``S / penalties[t]`` (its length is ``t + 1``, ``end_id`` included)
    and leaves the beam. Once ``beam_width`` hypotheses of a sequence are recorded, that
    sequence stops; the search stops when no sequence has a live hypothesis. The answer is the
    recorded hypothesis with the best score (on equal scores, the one recorded first). Beams
    without a live hypothesis are fed ``end_id``, never padding (a fully masked step is what a
    cuDNN RNN refuses).

    Args:
        step, state, start_id, end_id, banned: as for :func:`greedy_search`; ``step`` must
            return log-probabilities. Each leaf of ``state`` is repeated ``beam_width`` times
            (rows ``b * beam_width + j``) and reordered with ``tf.gather`` as beams are chosen.
        beam_width: hypotheses kept per sequence, an integer >= 1.
        penalties: float64 ``(max_length,)``, the divisor for each length (its size sets
            ``max_length``), e.g. :func:`length_penalties`; all ones = plain log-probabilities.

    Returns:
        ``tokens (B, max_length)`` int32, ``attention (B, max_length, T_src)`` float32 (the
        weights of the chosen path), ``lengths (B,)`` int32, ``scores (B,)`` float64 (the
        winner's normalised score).
    """
    k = check_int("beam_width", beam_width, 1)
    penalties = tf.convert_to_tensor(penalties, tf.float64)
    max_length = tf.shape(penalties)[0]
    batch = _batch_size(state)
    state = tf.nest.map_structure(lambda x: tf.repeat(x, k, axis=0), state)
    first = tf.constant([0.0] + [-np.inf] * (k - 1), tf.float64)
    arrays = [_steps(tf.int32, 2), _steps(tf.int32, 2), _steps(tf.float32, 3)]
    no_score = tf.fill([batch], tf.constant(-np.inf, tf.float64))
    zero = tf.zeros([batch], tf.int32)

    def body(t, tokens, state, scores, count, best, arrays):
        log_probs, new_state, weights = step(tokens, state)
        log_probs = _ban(tf.cast(log_probs, tf.float64), banned)
        vocab = tf.shape(log_probs)[-1]
        candidates = scores[:, :, None] + tf.reshape(log_probs, [batch, k, vocab])
        scores, flat = tf.math.top_k(tf.reshape(candidates, [batch, k * vocab]), k)
        beam, chosen = flat // vocab, flat % vocab
        weights = tf.gather(tf.reshape(tf.cast(weights, tf.float32), [batch, k, -1]), beam, batch_dims=1)
        rows = tf.reshape(beam + tf.range(batch)[:, None] * k, [-1])
        state = tf.nest.map_structure(lambda x: tf.gather(x, rows), new_state)
        ended = tf.equal(chosen, end_id) | (t == max_length - 1)
        recorded = ended & tf.math.is_finite(scores) & (count < k)[:, None]
        normalised = tf.where(recorded, scores / penalties[t], -np.inf)
        step_best, step_j = tf.math.top_k(normalised, 1)  # the first of equal scores
        better = step_best[:, 0] > best[0]
        best = (tf.where(better, step_best[:, 0], best[0]), tf.where(better, t, best[1]),
                tf.where(better, step_j[:, 0], best[2]))
        count += tf.reduce_sum(tf.cast(recorded, tf.int32), axis=1)
        scores = tf.where(ended | (count >= k)[:, None], tf.constant(-np.inf, tf.float64), scores)
        tokens = tf.reshape(tf.where(tf.math.is_finite(scores), chosen, end_id), [-1])
        arrays = [a.write(t, x) for a, x in zip(arrays, (chosen, beam, weights))]
        return t + 1, tokens, state, scores, count, best, arrays

    def more(t, tokens, state, scores, *_):
        return (t < max_length) & ((t == 0) | tf.reduce_any(tf.math.is_finite(scores)))

    start = (tf.constant(0), tf.fill([batch * k], tf.constant(start_id, tf.int32)), state,
             tf.tile(first[None, :], [batch, 1]), zero, (no_score, zero, zero), arrays)
    _, _, _, _, _, (score, last_t, last_j), arrays = tf.while_loop(more, body, start)
    return _backtrack([a.stack() for a in arrays], last_t, last_j, max_length) + (score,)


def _backtrack(stacked, last_t, last_j, max_length):
    """Follow the parent beams back from each sequence's winner ``(last_t, last_j)``:
    ``stacked`` = chosen tokens ``(T, B, k)``, parent beams ``(T, B, k)``, weights
    ``(T, B, k, T_src)``; returns ``tokens (B, max_length)``, ``attention``, ``lengths``."""
    chosen, parents, weights = stacked
    steps = tf.shape(chosen)[0]
    out = (tf.TensorArray(tf.int32, size=steps, element_shape=tf.TensorShape([None])),
           tf.TensorArray(tf.float32, size=steps, element_shape=tf.TensorShape([None, None])))

    def body(s, beam, out):
        live = s <= last_t
        token = tf.where(live, tf.gather(chosen[s], beam, batch_dims=1), 0)
        row = tf.where(live[:, None], tf.gather(weights[s], beam, batch_dims=1), 0.0)
        beam = tf.where(live, tf.gather(parents[s], beam, batch_dims=1), beam)
        return s - 1, beam, (out[0].write(s, token), out[1].write(s, row))

    _, _, out = tf.while_loop(lambda s, *_: s >= 0, body, (steps - 1, last_j, out))
    return (_pad_steps(out[0].stack(), max_length), _pad_steps(out[1].stack(), max_length),
            last_t + 1)


def replace_unknowns(tokens, weights, source_tokens, *, unknown: str = "[UNK]") -> list[str]:
    """Replace every ``unknown`` output token by the source token its step attended to most.

    Luong, Sutskever, Le, Vinyals & Zaremba (2015), *Addressing the Rare Word Problem in Neural
    Machine Translation*: a word outside the target vocabulary is often a name or a number that
    the source has too, and the attention of the step that wrote ``[UNK]`` points at it, so
    ``output[t] = source[argmax_j weights[t, j]]`` where ``output[t]`` is unknown. Pass the source
    tokens in their original case (``preprocess(text, lowercase=False)``) to copy "Aires", not "aires".

    Args:
        tokens: the output tokens, a list of ``n`` strings.
        weights: attention weights of shape ``(>= n, S)``: row ``t`` is step ``t``'s distribution
            over the ``S`` source tokens (extra rows, e.g. the ``[END]`` step, are ignored).
        source_tokens: the ``S`` source tokens.

    Returns a new list; tokens other than ``unknown`` are unchanged. ``TypeError`` unless the
    tokens are lists of strings; ``ValueError`` if ``weights`` is not 2-D with at least ``n`` rows
    and ``S`` columns.
    """
    tokens = check_strings("tokens", tokens)
    source_tokens = check_strings("source_tokens", source_tokens)
    weights = np.asarray(weights, dtype="float64")
    if weights.ndim != 2 or weights.shape[0] < len(tokens) or weights.shape[1] != len(source_tokens):
        raise ValueError(f"weights must have shape (>= {len(tokens)}, {len(source_tokens)}) for {len(tokens)} "
                         f"output and {len(source_tokens)} source tokens, got {weights.shape}.")
    return [source_tokens[int(np.argmax(weights[t]))] if token == unknown else token
            for t, token in enumerate(tokens)]
