"""The vanilla encoder-decoder (Sutskever et al. 2014; Cho et al. 2014) and greedy decoding.

Training (teacher forcing)::

    encoder_tokens (B, T_src) ─ Embedding ─ (B, T_src, E) ─ LSTM ─► final states h, c: (B, H) each
    decoder_inputs (B, T_tgt) ─ Embedding ─ (B, T_tgt, E) ─ LSTM(initial_state=[h, c])
                                     ─► (B, T_tgt, H) ─ Dense + softmax ─► (B, T_tgt, V_tgt)

The decoder sees the source only through ``[h, c]``: one fixed-size context, whatever the
length of the input. That is the bottleneck attention removes.

With attention (:func:`build_attention_seq2seq`, Luong, Pham & Manning 2015) the encoder keeps
ALL its states ``(B, T_src, H)``; every decoder state ``s_t`` scores them, the softmax of the
scores weights their sum into a context ``c_t``, and ``tanh(W_c [c_t; s_t])`` feeds the softmax.
Training computes all decoder steps at once (teacher forcing makes every ``s_t`` available).

Inference feeds the decoder its own previous prediction, one step at a time
(:class:`GreedyDecoder`, which also returns the attention weights of every step).

May import: ``keras``, ``tensorflow``, :mod:`helpers.runtime`, :mod:`helpers.text`,
:mod:`helpers.layers`, :mod:`helpers.decoding`.
"""
from __future__ import annotations

import weakref

import keras
import numpy as np
import tensorflow as tf

from helpers.decoding import greedy_search, trace_once
from helpers.layers import BahdanauAttention, LuongAttention, LuongAttentionalState
from helpers.runtime import check_int, check_model, check_sizes, check_strings
from helpers.text.chars import END_ID, START_ID, CharVocabulary

__all__ = ["ATTENTION_SCORES", "teacher_forcing_arrays", "build_seq2seq", "make_attention",
           "build_attention_seq2seq", "GreedyDecoder", "greedy_decoder_for"]

ATTENTION_SCORES = ("dot", "general", "concat", "additive")


def teacher_forcing_arrays(source_texts, target_texts, source_vocab, target_vocab):
    """Encode pairs for teacher-forced training.

    Returns ``(encoder_tokens, decoder_inputs, decoder_targets)``, int32 arrays: the source
    ``(N, T_src)``; ``<start> y_1 .. y_n`` ``(N, T_tgt)``; ``y_1 .. y_n <end>`` ``(N, T_tgt)``.
    Input and target rows have equal lengths, so the decoder's padding mask is also the loss mask.
    ``TypeError`` for texts that are not lists of strings or vocabularies that are not
    :class:`CharVocabulary`; ``ValueError`` when the two lists differ in length.
    """
    source_texts = check_strings("source_texts", source_texts)
    target_texts = check_strings("target_texts", target_texts)
    if len(source_texts) != len(target_texts):
        raise ValueError(f"{len(source_texts)} source texts but {len(target_texts)} target texts; "
                         "pass one target per source.")
    for name, vocab in (("source_vocab", source_vocab), ("target_vocab", target_vocab)):
        if not isinstance(vocab, CharVocabulary):
            raise TypeError(f"{name} must be a helpers.text.CharVocabulary, got {type(vocab).__name__}.")
    encoder_tokens = source_vocab.encode(source_texts)
    decoder_full = target_vocab.encode(target_texts, add_start=True, add_end=True)
    decoder_inputs = decoder_full[:, :-1].copy()
    decoder_inputs[decoder_inputs == END_ID] = 0  # <end> is only ever a target
    decoder_targets = decoder_full[:, 1:]
    return encoder_tokens, decoder_inputs, decoder_targets


def build_seq2seq(source_vocab_size: int, target_vocab_size: int, *, embed_dim: int = 32,
                  units: int = 256, name: str = "seq2seq") -> keras.Model:
    """A teacher-forced LSTM encoder-decoder without attention.

    Inputs ``encoder_tokens (B, T_src)`` and ``decoder_inputs (B, T_tgt)`` (int, 0 = padding);
    output next-token probabilities ``(B, T_tgt, target_vocab_size)``. Padding is masked in
    the encoder (its final state ignores padded steps) and in the loss. Sizes must be integers
    >= 1 (``ValueError`` otherwise).
    """
    source_vocab_size, target_vocab_size, embed_dim, units = check_sizes(
        source_vocab_size=source_vocab_size, target_vocab_size=target_vocab_size,
        embed_dim=embed_dim, units=units)
    encoder_tokens = keras.Input(shape=(None,), dtype="int32", name="encoder_tokens")
    decoder_inputs = keras.Input(shape=(None,), dtype="int32", name="decoder_inputs")
    x = keras.layers.Embedding(source_vocab_size, embed_dim, mask_zero=True,
                               name="encoder_embedding")(encoder_tokens)
    _, h, c = keras.layers.LSTM(units, return_state=True, name="encoder_lstm")(x)
    y = keras.layers.Embedding(target_vocab_size, embed_dim, mask_zero=True,
                               name="decoder_embedding")(decoder_inputs)
    y, _, _ = keras.layers.LSTM(units, return_sequences=True, return_state=True,
                                name="decoder_lstm")(y, initial_state=[h, c])
    probs = keras.layers.Dense(target_vocab_size, activation="softmax", name="decoder_output")(y)
    return keras.Model([encoder_tokens, decoder_inputs], probs, name=name)


def make_attention(score: str, units: int, name: str = "attention") -> keras.layers.Layer:
    """The attention layer for a score name: Luong's ``dot``, ``general``, ``concat``, or
    ``additive`` (Bahdanau's ``v^T tanh(W1 h_i + W2 s_t)``). ``units`` (an integer >= 1) sizes
    the ``concat`` and ``additive`` scores."""
    units = check_int("units", units, 1)
    if score == "additive":
        return BahdanauAttention(units, name=name)
    if score in ("dot", "general", "concat"):
        return LuongAttention(score, units=units if score == "concat" else None, name=name)
    raise ValueError(f"score must be one of {ATTENTION_SCORES}, got {score!r}.")


def build_attention_seq2seq(source_vocab_size: int, target_vocab_size: int, *, embed_dim: int = 32,
                            units: int = 256, score: str = "general", bidirectional: bool = False,
                            name: str = "attention_seq2seq") -> keras.Model:
    """A teacher-forced LSTM encoder-decoder with Luong-style attention, vectorised over steps.

    Same inputs and output as :func:`build_seq2seq`. Shapes::

        encoder states  h_1..h_S   (B, T_src, H)   (all of them, not just the last)
        decoder states  s_1..s_T   (B, T_tgt, H)   (started from the encoder's final state)
        weights a_t,i = softmax_i(score(s_t, h_i))   (B, T_tgt, T_src)   one row per output step
        context c_t = sum_i a_t,i h_i                (B, T_tgt, H)
        h~_t = tanh(W_c [c_t; s_t])                  (B, T_tgt, H)  -> Dense softmax (B, T_tgt, V)

    Padded source positions get zero weight (the encoder's mask reaches the attention layer).

    ``bidirectional=True`` reads the source both ways, as Bahdanau et al. (2015) do: two LSTMs of
    ``units // 2`` whose states are concatenated, so each ``h_i`` describes character ``i`` with
    what comes before AND after it (e.g. whether a "2" is a whole day or the first digit of "22").
    The decoder starts from the concatenated final states.

    Sizes must be integers >= 1 and ``score`` one of :data:`ATTENTION_SCORES` (``ValueError``).
    """
    source_vocab_size, target_vocab_size, embed_dim, units = check_sizes(
        source_vocab_size=source_vocab_size, target_vocab_size=target_vocab_size,
        embed_dim=embed_dim, units=units)
    if score not in ATTENTION_SCORES:
        raise ValueError(f"score must be one of {ATTENTION_SCORES}, got {score!r}.")
    encoder_tokens = keras.Input(shape=(None,), dtype="int32", name="encoder_tokens")
    decoder_inputs = keras.Input(shape=(None,), dtype="int32", name="decoder_inputs")
    x = keras.layers.Embedding(source_vocab_size, embed_dim, mask_zero=True,
                               name="encoder_embedding")(encoder_tokens)
    if bidirectional:
        if units % 2:
            raise ValueError(f"a bidirectional encoder needs an even number of units, got {units}.")
        encoder_states, h_f, c_f, h_b, c_b = keras.layers.Bidirectional(
            keras.layers.LSTM(units // 2, return_sequences=True, return_state=True),
            name="encoder_lstm")(x)
        h = keras.layers.Concatenate(name="encoder_h")([h_f, h_b])
        c = keras.layers.Concatenate(name="encoder_c")([c_f, c_b])
    else:
        encoder_states, h, c = keras.layers.LSTM(units, return_sequences=True, return_state=True,
                                                 name="encoder_lstm")(x)
    y = keras.layers.Embedding(target_vocab_size, embed_dim, mask_zero=True,
                               name="decoder_embedding")(decoder_inputs)
    decoder_states, _, _ = keras.layers.LSTM(units, return_sequences=True, return_state=True,
                                             name="decoder_lstm")(y, initial_state=[h, c])
    context = make_attention(score, units)(decoder_states, encoder_states)
    attentional = LuongAttentionalState(units, name="attentional_state")(
        query=decoder_states, context=context)
    probs = keras.layers.Dense(target_vocab_size, activation="softmax",
                               name="decoder_output")(attentional)
    return keras.Model([encoder_tokens, decoder_inputs], probs, name=name)


def _token_array(encoder_tokens) -> np.ndarray:
    """``encoder_tokens`` as a 2-D int32 array, or ``TypeError``/``ValueError`` saying why not."""
    if encoder_tokens is None or isinstance(encoder_tokens, (str, bytes)):
        raise TypeError("encoder_tokens must be a 2-D array of token ids (batch, time), e.g. "
                        f"CharVocabulary.encode(texts); got {type(encoder_tokens).__name__}.")
    try:
        array = np.asarray(encoder_tokens)
    except (TypeError, ValueError) as error:
        raise TypeError(f"encoder_tokens must be a 2-D array of token ids; {error}") from None
    if array.ndim != 2:
        raise ValueError(f"encoder_tokens must be 2-D (batch, time), got shape {array.shape}.")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"encoder_tokens must hold integer token ids, got dtype {array.dtype}.")
    return array.astype(np.int32)


_IDS = tf.TensorSpec([None, None], tf.int32)  # (batch, time), any sizes: traced once


class GreedyDecoder:
    """Greedy decoding with a trained :func:`build_seq2seq` or :func:`build_attention_seq2seq` model.

    At every step the most probable token is fed back as the next decoder input; decoding stops
    when every sequence has produced ``<end>`` or after ``max_length`` tokens. With an attention
    model, the attention weights of every step can be returned too. The loop is
    :func:`helpers.decoding.greedy_search` (argmax of the softmax; no token is banned, so the
    output matches the teacher-forced model's argmax), compiled once per decoder.

    ``TypeError`` if ``model`` is not a ``keras.Model``; ``ValueError`` if it lacks the layers of
    those builders (``encoder_embedding``, ``encoder_lstm``, ``decoder_embedding``,
    ``decoder_lstm``, ``decoder_output``).
    """

    LAYERS = ("encoder_embedding", "encoder_lstm", "decoder_embedding", "decoder_lstm", "decoder_output")

    def __init__(self, model: keras.Model):
        check_model("model", model)
        # Holds the model's layers, not the model, so a cache keyed weakly on the model can free it.
        names = {layer.name for layer in model.layers}
        missing = [name for name in self.LAYERS if name not in names]
        if missing:
            raise ValueError(f"model {model.name!r} has no layer(s) {missing}; GreedyDecoder decodes "
                             "models built by build_seq2seq or build_attention_seq2seq.")
        for name in self.LAYERS:
            setattr(self, name, model.get_layer(name))
        self.has_attention = "attention" in names
        if self.has_attention:
            self.attention = model.get_layer("attention")
            self.attentional_state = model.get_layer("attentional_state")
        self._encode = self._search = None  # traced on first use (helpers.decoding.trace_once)

    def _encode_graph(self, encoder_tokens):
        """``(B, T_src)`` ids -> decoder state ``(h, c, encoder states, source mask)``."""
        x = self.encoder_embedding(encoder_tokens)
        mask = self.encoder_embedding.compute_mask(encoder_tokens)
        if isinstance(self.encoder_lstm, keras.layers.Bidirectional):
            states, h_f, c_f, h_b, c_b = self.encoder_lstm(x, mask=mask)
            h, c = tf.concat([h_f, h_b], axis=-1), tf.concat([c_f, c_b], axis=-1)
        elif self.has_attention:
            states, h, c = self.encoder_lstm(x, mask=mask)
        else:
            _, h, c = self.encoder_lstm(x, mask=mask)
            states = h[:, None, :]  # unused: no attention
        return h, c, states, mask

    def _step(self, tokens, state):
        """The step function of :mod:`helpers.decoding`: probabilities ``(B, V)``, new state,
        attention weights ``(B, T_src)`` (zeros without attention)."""
        h, c, states, mask = state
        y = self.decoder_embedding(tokens[:, None])
        y, h, c = self.decoder_lstm(y, initial_state=[h, c])  # y: (B, 1, H)
        if self.has_attention:
            context, weights = self.attention(y, states, value_mask=mask, return_attention_scores=True)
            y = self.attentional_state(query=y, context=context)
            weights = weights[:, 0, :]
        else:
            weights = tf.zeros_like(mask, dtype=y.dtype)
        return self.decoder_output(y)[:, 0, :], (h, c, states, mask), weights

    def _search_graph(self, encoder_tokens, max_length):
        tokens, weights, _ = greedy_search(self._step, self._encode_graph(encoder_tokens),
                                           start_id=START_ID, end_id=END_ID, max_length=max_length)
        return tokens, weights

    def encode(self, encoder_tokens):
        """The context: ``(h, c)``, each ``(B, units)``: all a plain decoder gets from the source."""
        if self._encode is None:
            self._encode = trace_once(lambda ids: self._encode_graph(ids)[:2], _IDS)
        return self._encode(tf.constant(_token_array(encoder_tokens)))

    def __call__(self, encoder_tokens, max_length: int, batch_size: int = 1024,
                 return_attention: bool = False):
        """Decode a batch of source ids.

        Returns int32 token ids ``(B, max_length)`` (0 after the end), and with
        ``return_attention=True`` also the weights ``(B, max_length, T_src)``: row ``t`` is where
        output step ``t`` looked (all zero for a model without attention). ``max_length`` and
        ``batch_size`` must be integers >= 1 (``ValueError``).
        """
        encoder_tokens = _token_array(encoder_tokens)
        max_length = check_int("max_length", max_length, 1)
        batch_size = check_int("batch_size", batch_size, 1)
        if self._search is None:
            self._search = trace_once(self._search_graph, _IDS, tf.TensorSpec([], tf.int32))
        blocks = [self._search(tf.constant(encoder_tokens[start : start + batch_size]), tf.constant(max_length))
                  for start in range(0, len(encoder_tokens), batch_size)]
        if not blocks:
            empty = np.zeros((0, max_length), np.int32)
            return (empty, np.zeros((0, max_length, encoder_tokens.shape[1]))) if return_attention else empty
        tokens = np.concatenate([t.numpy() for t, _ in blocks])
        if return_attention:
            return tokens, np.concatenate([w.numpy() for _, w in blocks])
        return tokens


_DECODERS: "weakref.WeakKeyDictionary[keras.Model, GreedyDecoder]" = weakref.WeakKeyDictionary()


def greedy_decoder_for(model: keras.Model) -> GreedyDecoder:
    """One :class:`GreedyDecoder` per model (its compiled step functions are reused)."""
    decoder = _DECODERS.get(model)
    if decoder is None:
        decoder = _DECODERS[model] = GreedyDecoder(model)
    return decoder
