"""Decoding with the notebook-06 :class:`~helpers.models.translator.Translator`: raw Spanish in,
readable English out.

:func:`translate` (what :meth:`Translator.translate` runs) does, for a list of sentences:

1. :func:`~helpers.text.words.preprocess` and the model's source vocabulary → ids ``(N, Ts)``;
2. greedy or beam search (:mod:`helpers.decoding`, one compiled decoder step per output token),
   which also returns each step's attention weights ``(steps, Ts)``;
3. ``[UNK]`` replacement (Luong et al. 2015): an output ``[UNK]`` becomes the source word its
   step attended to most, in the source's own case ("Buenos Aires" survives as a name);
4. case and spacing: the model's :class:`~helpers.text.casing.Recaser` (learned from the cased
   training targets) and sacremoses' detokeniser: "where is tom ?" → "Where is Tom?".

May import: ``tensorflow``, ``numpy``, :mod:`helpers.runtime`, :mod:`helpers.text`,
:mod:`helpers.decoding`, :mod:`helpers.models.translator`.
"""
from __future__ import annotations

import math
import numbers

import numpy as np
import tensorflow as tf

from helpers.decoding import beam_search, greedy_search, length_penalties, trace_once
from helpers.decoding import replace_unknowns as replace_unknown_tokens
from helpers.models.translator import MAX_SOURCE_TOKENS, Translator, check_translator
from helpers.runtime import check_int, check_strings
from helpers.text.words import OOV_TOKEN, PAD_ID, detokenize, preprocess

__all__ = ["translate"]


def translate(model: Translator, sentences, *, beam_width: int = 1, max_length: int | None = None,
              batch_size: int = 256, return_attention: bool = False, length_penalty: float = 0.6,
              replace_unknowns: bool = True, cased: bool = True):
    """Translate raw Spanish sentences with ``model`` (what :meth:`Translator.translate` runs).

    Args:
        sentences: list of str (any case and punctuation; :func:`preprocess` runs first). A
            sentence with no token left after :func:`preprocess` (``""``, blanks, only emoji
            or symbols) has nothing to translate: its translation is ``""`` (no tokens, a
            ``(0, 0)`` weight array). At most :data:`MAX_SOURCE_TOKENS` tokens per sentence.
        beam_width: 1 = greedy (the most likely next token at every step); k > 1 = beam
            search keeping the k best partial translations, ranked at the end by
            ``log p / ((5 + length) / 6) ** length_penalty`` (Wu et al. 2016); both are
            :mod:`helpers.decoding`'s, and never write padding or ``[START]``.
        max_length: most output tokens (an integer >= 1); default ``2 * source tokens + 10``.
        batch_size: sentences decoded at once (an integer >= 1).
        length_penalty: the ``alpha`` above, a number >= 0 (0 = no length normalisation).
        replace_unknowns: replace each output ``[UNK]`` by the source token its step attended
            to most (:func:`helpers.decoding.replace_unknowns`); ``False`` keeps ``[UNK]``.
        cased: restore case with the model's recaser (words it never saw cased stay lower case;
            the first word is capitalised) and copy replaced source words in their own case;
            ``False`` gives the model's lower-case words.

    Returns:
        list of English strings (detokenised); with ``return_attention`` also
        ``(translations, tokens, weights)``: the output tokens of each sentence (after ``[UNK]``
        replacement, before recasing) and a ``(len(tokens) + 1, source tokens)`` array of
        attention weights per sentence (the last row is the step that produced ``[END]``, if
        it was produced).

    Raises:
        TypeError: ``model`` is not a :class:`Translator`; ``sentences`` is not a list of
            strings (a single string, ``None``, numbers).
        ValueError: a sentence longer than :data:`MAX_SOURCE_TOKENS` tokens, or a size or
            ``length_penalty`` out of range.
    """
    check_translator(model)
    sentences = check_strings("sentences", sentences)
    beam_width, batch_size, max_length = _check_options(beam_width, batch_size, max_length, length_penalty)
    ids = model.source_ids(sentences)
    lengths = (ids != 0).sum(axis=1)
    for i in np.flatnonzero(lengths > MAX_SOURCE_TOKENS):
        raise ValueError(f"sentence {i} has {lengths[i]} tokens; translate takes at most "
                         f"{MAX_SOURCE_TOKENS} per sentence (the model learned from sentences "
                         "of up to about 50): split the text into sentences.")
    # Sentences without any token get the empty translation; the others are decoded in
    # batches of batch_size, in order.
    results = [(np.zeros(0, "int32"), np.zeros((0, 0), "float32"))] * len(ids)
    real = np.flatnonzero(lengths > 0)
    search = _compiled_search(model, beam_width)
    for start in range(0, len(real), batch_size):
        rows = real[start:start + batch_size]
        chunk = ids[rows][:, : int(lengths[rows].max())]
        limit = max_length or int(2 * chunk.shape[1] + 10)
        limit = tf.constant(limit if beam_width == 1 else length_penalties(limit, length_penalty))
        tokens, weights, steps = (x.numpy() for x in search(tf.constant(chunk), limit)[:3])
        for row, token_ids, w, n in zip(rows, tokens, weights, steps):
            results[row] = (token_ids[:n], w[:n])
    weights = [r[1][:, :n] for r, n in zip(results, lengths)]
    words = [model.tokens(r[0]) for r in results]
    if replace_unknowns and model.use_attention:
        sources = [preprocess(s, lowercase=not cased).split() for s in sentences]
        words = [_replace(w, a, s) for w, a, s in zip(words, weights, sources)]
    texts = [model.recaser(w) if cased else detokenize(w) for w in words]
    return (texts, words, weights) if return_attention else texts


def _replace(tokens, weights, source_tokens):
    """:func:`helpers.decoding.replace_unknowns`, or the tokens as they are when the cased source splits into
    a different number of tokens than the lower-cased one did (a rare Unicode case change)."""
    if OOV_TOKEN not in tokens or weights.shape[1] != len(source_tokens):
        return tokens
    return replace_unknown_tokens(tokens, weights, source_tokens, unknown=OOV_TOKEN)


def _check_options(beam_width, batch_size, max_length, length_penalty):
    """:func:`translate`'s sizes as ints (``max_length`` may be None), or ``ValueError``."""
    beam_width = check_int("beam_width", beam_width)
    batch_size = check_int("batch_size", batch_size)
    if max_length is not None:
        max_length = check_int("max_length", max_length)
    if (isinstance(length_penalty, bool) or not isinstance(length_penalty, numbers.Real)
            or not math.isfinite(length_penalty) or length_penalty < 0):
        raise ValueError(f"length_penalty must be a number >= 0, got {length_penalty!r}.")
    return beam_width, batch_size, max_length


def _compiled_search(model: Translator, beam_width: int):
    """``search(source_ids (B, Ts), limit)``, traced once per model and beam width: greedy
    (``limit`` = max_length) or beam search (``limit`` = :func:`length_penalties`). The step::

        state = (decoder state (B, U), encoder states (B, Ts, U), source mask (B, Ts))
        step(tokens (B,), state) -> log-probabilities (B, V_t), new state, weights (B, Ts)
    """
    def step(tokens, state):
        hidden, encoder_states, source_mask = state
        logits, hidden, weights = model.decode(tokens[:, None], encoder_states, source_mask, hidden)
        if weights is None:  # the no-attention baseline
            weights = tf.zeros((tf.shape(tokens)[0], 1, tf.shape(encoder_states)[1]))
        return tf.nn.log_softmax(logits[:, 0]), (hidden, encoder_states, source_mask), weights[:, 0]

    def search(source_ids, limit):
        encoder_states, hidden, source_mask = model.encode(source_ids)
        ids = dict(start_id=model.start_id, end_id=model.end_id, banned=(PAD_ID, model.start_id))
        if beam_width == 1:
            return greedy_search(step, (hidden, encoder_states, source_mask), max_length=limit, **ids)
        return beam_search(step, (hidden, encoder_states, source_mask), beam_width=beam_width,
                           penalties=limit, **ids)

    cache = model.__dict__.setdefault("_compiled_searches", {})  # outside Keras attribute tracking
    if beam_width not in cache:
        model.build()
        limit = tf.TensorSpec([], tf.int32) if beam_width == 1 else tf.TensorSpec([None], tf.float64)
        cache[beam_width] = trace_once(search, tf.TensorSpec([None, None], tf.int32), limit)
    return cache[beam_width]
