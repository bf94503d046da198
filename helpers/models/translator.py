"""The Spanish→English translator of notebook 06: :class:`Translator` and its training helpers.

Text cleaning lives in :mod:`helpers.text.words`, the leak-free split in
:func:`helpers.data.leak_free_split`, BLEU in :mod:`helpers.metrics`. Here:

* :class:`Translator` — a ``keras.Model``: bidirectional GRU encoder, GRU decoder, additive
  (Bahdanau) attention from :mod:`helpers.layers`; the vocabularies travel inside it, so one
  ``.keras`` file is the whole translator.
* decoding — :meth:`Translator.translate` (:func:`translate`): greedy, or beam search with
  ``beam_width > 1``, returning the attention weights of every output token. The searches are
  :mod:`helpers.decoding`'s, compiled once per model (and beam width).
* :func:`teacher_forcing` (arrays for training) and :func:`stepwise_loss` (the loop version).

Training shapes (teacher forcing, every decoder step at once)::

    source ids (B, Ts) ─ Embedding ─ BiGRU (forward + backward summed) ─► H (B, Ts, U), h (B, U)
    target in  (B, Tt) ─ Embedding ─ GRU(initial_state=h) ─► S (B, Tt, U)
    Bahdanau(query=S, value=H, masks) ─► C (B, Tt, U), weights (B, Tt, Ts)
    combine: tanh(W_c [C; S] + b_c) ─ Dense(V_t) ─► logits (B, Tt, V_t)

``combine`` is Luong's attentional state (:class:`helpers.layers.LuongAttentionalState`, with a
bias); the no-attention baseline has no context ``C``, so there it is ``Dense(tanh)`` over ``S``.

The decoder state ``s_t`` queries the encoder states after the GRU step (as in TensorFlow's
current NMT tutorial and Luong et al. 2015), so training needs no Python loop over time steps.
Bahdanau et al. (2015) instead fed the context into the GRU's input, which forces a step loop;
:func:`stepwise_loss` runs the same model one step at a time, the original tutorials' way, to
check and benchmark the vectorised version.

May import: ``keras``, ``tensorflow``, :mod:`helpers.runtime`, :mod:`helpers.text`,
:mod:`helpers.layers`, :mod:`helpers.training`, :mod:`helpers.decoding`.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from itertools import takewhile

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from helpers.decoding import beam_search, greedy_search, length_penalties, trace_once
from helpers.layers import BahdanauAttention, LuongAttentionalState
from helpers.runtime import check_int, check_strings
from helpers.text.words import END_TOKEN, PAD_ID, START_TOKEN, detokenize, preprocess, word_vectorizer

__all__ = ["MAX_SOURCE_TOKENS", "Translator", "check_translator", "translate", "teacher_forcing",
           "stepwise_loss"]

#: Most source tokens :meth:`Translator.translate` takes per sentence. The training sentences
#: have at most about 50 (after :func:`preprocess`); a page of text must be split into sentences.
MAX_SOURCE_TOKENS = 200


@keras.saving.register_keras_serializable(package="helpers")
class Translator(keras.Model):
    """Attention encoder-decoder whose vocabularies live inside the model (one ``.keras`` file).

    Args:
        source_vocabulary, target_vocabulary: token lists from :func:`make_vocabulary`.
        embed_dim: embedding size of both languages.
        units: GRU size of the encoder (each direction; the two are summed) and decoder, and of
            the attention's hidden layer.
        attention: ``False`` builds the no-attention baseline: the decoder sees the source only
            through the encoder's final state (the fixed-context bottleneck of notebook 01).

    Call: ``model((source_ids (B, Ts), decoder_inputs (B, Tt)))`` → logits ``(B, Tt, V_t)``
    (int ids, 0 = right padding; decoder inputs start with ``[START]``).
    """

    def __init__(self, source_vocabulary, target_vocabulary, *, embed_dim: int = 256,
                 units: int = 256, attention: bool = True, **kwargs):
        super().__init__(**kwargs)
        embed_dim, units = check_int("embed_dim", embed_dim), check_int("units", units)
        self.source_vocabulary = check_strings("source_vocabulary", source_vocabulary)
        self.target_vocabulary = check_strings("target_vocabulary", target_vocabulary)
        self.embed_dim, self.units, self.use_attention = embed_dim, units, bool(attention)
        self.source_vectorizer = word_vectorizer(self.source_vocabulary)
        self.target_vectorizer = word_vectorizer(self.target_vocabulary)
        if self.target_vocabulary[2:4] != [START_TOKEN, END_TOKEN]:
            raise ValueError(f"target_vocabulary must hold {START_TOKEN!r} and {END_TOKEN!r} at ids 2 and 3.")
        self.start_id, self.end_id = 2, 3
        self.source_embedding = keras.layers.Embedding(len(self.source_vocabulary), embed_dim,
                                                       mask_zero=True, name="source_embedding")
        self.encoder_rnn = keras.layers.Bidirectional(
            keras.layers.GRU(units, return_sequences=True, return_state=True),
            merge_mode="sum", name="encoder")
        self.target_embedding = keras.layers.Embedding(len(self.target_vocabulary), embed_dim,
                                                       mask_zero=True, name="target_embedding")
        self.decoder_rnn = keras.layers.GRU(units, return_sequences=True, return_state=True,
                                            name="decoder")
        self.attention = BahdanauAttention(units, name="attention") if self.use_attention else None
        self.combine = (LuongAttentionalState(units, use_bias=True, name="combine") if self.use_attention
                        else keras.layers.Dense(units, activation="tanh", name="combine"))
        self.output_layer = keras.layers.Dense(len(self.target_vocabulary), name="logits")

    def encode(self, source_ids, training=None):
        """``source_ids (B, Ts)`` → encoder states ``(B, Ts, U)``, final state ``(B, U)``, mask."""
        mask = ops.not_equal(source_ids, PAD_ID)
        x = self.source_embedding(source_ids)
        states, forward, backward = self.encoder_rnn(x, mask=mask, training=training)
        return states, forward + backward, mask

    def decode(self, decoder_inputs, encoder_states, source_mask, state, training=None):
        """Decoder over ``decoder_inputs (B, Tt)`` from ``state (B, U)`` → logits
        ``(B, Tt, V_t)``, new state ``(B, U)``, attention weights ``(B, Tt, Ts)`` (or None)."""
        target_mask = ops.not_equal(decoder_inputs, PAD_ID)
        x = self.target_embedding(decoder_inputs)
        outputs, state = self.decoder_rnn(x, initial_state=state, mask=target_mask, training=training)
        weights = None
        if self.attention is not None:
            context, weights = self.attention(outputs, encoder_states, query_mask=target_mask,
                                              value_mask=source_mask, return_attention_scores=True)
            outputs = self.combine(query=outputs, context=context)  # tanh(W_c [c_t; s_t] + b_c)
        else:
            outputs = self.combine(outputs)
        # tf.identity drops the Keras mask (the loss masks padding itself; a mask would count twice).
        return tf.identity(self.output_layer(outputs)), state, weights

    def call(self, inputs, training=None):
        source_ids, decoder_inputs = inputs
        encoder_states, state, source_mask = self.encode(source_ids, training=training)
        logits, _, _ = self.decode(decoder_inputs, encoder_states, source_mask, state, training=training)
        return logits

    def get_config(self):
        return {**super().get_config(), "source_vocabulary": self.source_vocabulary,
                "target_vocabulary": self.target_vocabulary, "embed_dim": self.embed_dim,
                "units": self.units, "attention": self.use_attention}

    def build(self, input_shape=None):
        """Create every weight by running :meth:`call` once on a dummy pair (saving and
        loading need the weights to exist before the first real call)."""
        if not self.built:
            self.call((np.ones((1, 2), "int32"),) * 2)  # (source ids, decoder inputs)
        self.built = True

    def source_ids(self, sentences) -> np.ndarray:
        """Raw Spanish sentences → right-padded ids ``(N, T)`` (:func:`preprocess` first)."""
        texts = [preprocess(s) for s in check_strings("sentences", sentences)]
        return np.asarray(self.source_vectorizer(texts), dtype="int32") if texts else np.zeros((0, 1), "int32")

    def tokens(self, ids) -> list[str]:
        """Target ids → tokens, stopping at ``[END]`` or padding."""
        ids = takewhile(lambda i: i not in (self.end_id, PAD_ID), np.asarray(ids).tolist())
        return [self.target_vocabulary[i] for i in ids]

    def translate(self, sentences, *, beam_width: int = 1, max_length: int | None = None,
                  batch_size: int = 256, return_attention: bool = False, length_penalty: float = 0.6):
        """Translate raw Spanish sentences, greedy (``beam_width=1``) or by beam search: a list
        of English strings, or with ``return_attention`` ``(translations, tokens, weights)``.
        All arguments, results and errors: :func:`translate`."""
        return translate(self, sentences, beam_width=beam_width, max_length=max_length, batch_size=batch_size,
                         return_attention=return_attention, length_penalty=length_penalty)


def check_translator(model) -> Translator:
    if not isinstance(model, Translator):
        raise TypeError(f"model must be a helpers.models.Translator, got {type(model).__name__}.")
    return model


def translate(model: Translator, sentences, *, beam_width: int = 1, max_length: int | None = None,
              batch_size: int = 256, return_attention: bool = False, length_penalty: float = 0.6):
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

    Returns:
        list of English strings (detokenised, lower case); with ``return_attention`` also
        ``(translations, tokens, weights)``: the output tokens of each sentence and a
        ``(len(tokens) + 1, source tokens)`` array of attention weights per sentence (the
        last row is the step that produced ``[END]``, if it was produced).

    Raises:
        TypeError: ``model`` is not a :class:`Translator`; ``sentences`` is not a list of
            strings (a single string, ``None``, numbers).
        ValueError: a sentence longer than :data:`MAX_SOURCE_TOKENS` tokens, or a size or
            ``length_penalty`` out of range.
    """
    check_translator(model)
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
    words = [model.tokens(r[0]) for r in results]
    texts = [detokenize(w) for w in words]
    if not return_attention:
        return texts
    return texts, words, [r[1][:, :n] for r, n in zip(results, lengths)]


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


def teacher_forcing(model: Translator, sources: Sequence[str], targets: Sequence[str]):
    """Preprocessed pairs → ``(source_ids, decoder_inputs, decoder_targets)`` int32 arrays,
    right-padded: ``[START] y1 .. yn`` and ``y1 .. yn [END]`` of equal lengths.
    ``TypeError`` for a model that is not a :class:`Translator` or texts that are not lists of
    strings; ``ValueError`` when the two lists differ in length."""
    check_translator(model)
    sources, targets = check_strings("sources", sources), check_strings("targets", targets)
    if len(sources) != len(targets):
        raise ValueError(f"{len(sources)} sources but {len(targets)} targets; pass one target per source.")
    src = np.asarray(model.source_vectorizer(list(sources)), "int32")
    full = np.asarray(model.target_vectorizer([f"{START_TOKEN} {t} {END_TOKEN}" for t in targets]), "int32")
    decoder_inputs = full[:, :-1].copy()
    decoder_inputs[decoder_inputs == model.end_id] = PAD_ID
    return src, decoder_inputs, full[:, 1:]


def stepwise_loss(model: Translator, source_ids, decoder_inputs, decoder_targets):
    """The same teacher-forced loss as ``model((source_ids, decoder_inputs))`` + :func:`helpers.training.sequence_loss`,
    computed one decoder step at a time, the original tutorials' training loop (works eagerly
    and inside ``tf.function``, where the loop becomes a ``tf.while_loop``). It must agree with
    the vectorised loss up to float rounding; ``benchmarks/translator_speed.py`` times both."""
    encoder_states, state, source_mask = model.encode(source_ids)
    total = tf.zeros((), encoder_states.dtype)
    count = tf.zeros((), encoder_states.dtype)
    for t in tf.range(tf.shape(decoder_inputs)[1]):
        logits, new_state, _ = model.decode(decoder_inputs[:, t:t + 1], encoder_states, source_mask, state)
        real = tf.cast(tf.not_equal(decoder_targets[:, t], PAD_ID), logits.dtype)
        state = tf.where(real[:, None] > 0, new_state, state)  # padding leaves the state alone
        loss = keras.losses.sparse_categorical_crossentropy(decoder_targets[:, t], logits[:, 0],
                                                            from_logits=True)
        total += tf.reduce_sum(loss * real)
        count += tf.reduce_sum(real)
    return total / tf.maximum(count, 1.0)
