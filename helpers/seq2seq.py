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
"""
from __future__ import annotations

import weakref
from typing import NamedTuple

import keras
import numpy as np
import tensorflow as tf

from helpers.layers import BahdanauAttention, LuongAttention, LuongAttentionalState
from helpers.runtime import check_int, check_learning_rate, check_model, check_sizes, check_strings
from helpers.text import END, START, CharVocabulary

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
    decoder_inputs[decoder_inputs == END] = 0  # <end> is only ever a target
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


class GreedyDecoder:
    """Greedy decoding with a trained :func:`build_seq2seq` or :func:`build_attention_seq2seq` model.

    At every step the most probable token is fed back as the next decoder input; decoding stops
    when every sequence has produced ``<end>`` or after ``max_length`` tokens. With an attention
    model, the attention weights of every step can be returned too.

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
        self.encoder_embedding = model.get_layer("encoder_embedding")
        self.encoder_lstm = model.get_layer("encoder_lstm")
        self.decoder_embedding = model.get_layer("decoder_embedding")
        self.decoder_lstm = model.get_layer("decoder_lstm")
        self.decoder_output = model.get_layer("decoder_output")
        self.has_attention = "attention" in names
        if self.has_attention:
            self.attention = model.get_layer("attention")
            self.attentional_state = model.get_layer("attentional_state")
        self._encode = tf.function(self._encode_eager, reduce_retracing=True)
        self._step = tf.function(self._step_eager, reduce_retracing=True)

    def _encode_eager(self, encoder_tokens):
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
        return states, mask, h, c

    def _step_eager(self, tokens, h, c, states, mask):
        y = self.decoder_embedding(tokens[:, None])
        y, h, c = self.decoder_lstm(y, initial_state=[h, c])  # y: (B, 1, H)
        if self.has_attention:
            context, weights = self.attention(y, states, value_mask=mask, return_attention_scores=True)
            y = self.attentional_state(query=y, context=context)
            weights = weights[:, 0, :]
        else:
            weights = tf.zeros_like(mask, dtype=y.dtype)
        return self.decoder_output(y)[:, 0, :], h, c, weights

    @staticmethod
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

    def encode(self, encoder_tokens):
        """The context: ``(h, c)``, each ``(B, units)``: all a plain decoder gets from the source."""
        _, _, h, c = self._encode(tf.constant(self._token_array(encoder_tokens)))
        return h, c

    def __call__(self, encoder_tokens, max_length: int, batch_size: int = 1024,
                 return_attention: bool = False):
        """Decode a batch of source ids.

        Returns int32 token ids ``(B, max_length)`` (0 after the end), and with
        ``return_attention=True`` also the weights ``(B, max_length, T_src)``: row ``t`` is where
        output step ``t`` looked (all zero for a model without attention). ``max_length`` and
        ``batch_size`` must be integers >= 1 (``ValueError``).
        """
        encoder_tokens = self._token_array(encoder_tokens)
        max_length = check_int("max_length", max_length, 1)
        batch_size = check_int("batch_size", batch_size, 1)
        outputs, attention = [], []
        for start in range(0, len(encoder_tokens), batch_size):
            block_src = encoder_tokens[start : start + batch_size]
            states, mask, h, c = self._encode(tf.constant(block_src))
            tokens = tf.fill([tf.shape(h)[0]], START)
            steps, weights, done = [], [], np.zeros(len(block_src), dtype=bool)
            for _ in range(max_length):
                probs, h, c, w = self._step(tokens, h, c, states, mask)
                tokens = tf.argmax(probs, axis=-1, output_type=tf.int32)
                step = np.where(done, 0, tokens.numpy())
                steps.append(step)
                weights.append(np.where(done[:, None], 0.0, w.numpy()))
                done |= step == END
                if done.all():
                    break
            pad = max_length - len(steps)
            outputs.append(np.pad(np.stack(steps, axis=1), ((0, 0), (0, pad))))
            attention.append(np.pad(np.stack(weights, axis=1), ((0, 0), (0, pad), (0, 0))))
        if not outputs:
            empty = np.zeros((0, max_length), np.int32)
            return (empty, np.zeros((0, max_length, encoder_tokens.shape[1]))) if return_attention else empty
        tokens = np.concatenate(outputs)
        if return_attention:
            return tokens, np.concatenate(attention)
        return tokens


def date_vocabularies() -> tuple[CharVocabulary, CharVocabulary]:
    """The fixed (source, target) vocabularies of the date task.

    The source holds every character any of ``helpers.data.DATE_FORMATS`` can write (month and
    weekday names in all cases, digits, `` ,-./``); the target is ``0123456789-``. Being fixed,
    they need not be stored with a trained model.
    """
    import datetime

    from helpers.data import DATE_FORMATS

    days = [datetime.date(2000, 1, 1) + datetime.timedelta(days=i) for i in range(366)]
    texts = [fmt(day) for fmt in DATE_FORMATS.values() for day in days]
    return CharVocabulary.from_texts(texts + ["0123456789"]), CharVocabulary("0123456789-")


_DECODERS: "weakref.WeakKeyDictionary[keras.Model, GreedyDecoder]" = weakref.WeakKeyDictionary()


def greedy_decoder_for(model: keras.Model) -> GreedyDecoder:
    """One :class:`GreedyDecoder` per model (its compiled step functions are reused)."""
    decoder = _DECODERS.get(model)
    if decoder is None:
        decoder = _DECODERS[model] = GreedyDecoder(model)
    return decoder


def load_date_translator(model_or_path) -> keras.Model:
    """A trained date model, given as a model or a path to its ``.keras`` file.

    ``TypeError`` for anything else (``None`` included); ``FileNotFoundError`` for a path with
    no file.
    """
    import os
    from pathlib import Path

    if isinstance(model_or_path, keras.Model):
        return model_or_path
    if not isinstance(model_or_path, (str, os.PathLike)):
        raise TypeError("pass a trained date model (keras.Model) or the path of its .keras file, "
                        f"got {type(model_or_path).__name__} {model_or_path!r:.60}.")
    path = Path(model_or_path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}; train and save one with notebook 04.")
    return keras.models.load_model(path)


def translate_dates(model_or_path, dates, *, return_attention: bool = False, max_length: int = 12):
    """Translate human-written dates into ISO ``YYYY-MM-DD`` with a trained date model.

    >>> translate_dates("artifacts/04_date_translator_luong_general.keras", ["Sep 27, 1994"])
    ['1994-09-27']

    Args:
        model_or_path: a model from :func:`build_attention_seq2seq` (or :func:`build_seq2seq`)
            trained on :func:`date_vocabularies`, or the path of its saved ``.keras`` file.
        dates: a list of strings (an empty list gives an empty result). Characters the
            vocabulary lacks (an emoji, a letter no month name has) are read as ``<unk>``; the
            model's answer for such a date is a guess.
        return_attention: also return one ``(output steps, input characters)`` weight matrix
            per date; its rows are the output characters followed by ``<end>`` (when the model
            wrote it within ``max_length`` steps): label them ``(list(iso) + ["<end>"])[:rows]``.
        max_length: most output characters, an integer >= 1.

    Raises:
        TypeError: ``dates`` is not a list of strings (``None``, a single string, numbers), or
            ``model_or_path`` is neither a model nor a path.
        ValueError: a date is empty or blank, or none of its characters is one the model knows
            (e.g. only emoji): there is nothing to translate.
    """
    dates = check_strings("dates", dates)
    max_length = check_int("max_length", max_length, 1)
    model = load_date_translator(model_or_path)
    source_vocab, target_vocab = date_vocabularies()
    for i, date in enumerate(dates):
        if not date.strip():
            raise ValueError(f"date {i} is empty; type a date such as 'Sep 27, 1994' or '9/27/94'.")
        if set(source_vocab.unknown_characters(date)) >= set(date) - {" "}:
            raise ValueError(f"date {i} ({date[:40]!r}) has no character the model knows; type a "
                             "date such as 'Sep 27, 1994' or '9/27/94'.")
    if not dates:
        return ([], []) if return_attention else []
    src = source_vocab.encode(dates)
    tokens, weights = greedy_decoder_for(model)(src, max_length=max_length, return_attention=True)
    isos = target_vocab.decode(tokens)
    if not return_attention:
        return isos
    matrices = []
    for d, iso, w in zip(dates, isos, weights):
        steps = min(len(iso) + 1, max_length)  # output characters and <end>, if it was written
        matrices.append(w[:steps, : max(len(d), 1)])
    return isos, matrices


def compile_seq2seq(model: keras.Model, learning_rate: float = 3e-3) -> keras.Model:
    """The course's training recipe for its seq2seq models: Adam with gradient-norm clipping
    (recurrent nets occasionally produce huge gradients) and next-token cross-entropy.
    ``learning_rate``: a number > 0 or a Keras learning-rate schedule."""
    check_model("model", model)
    check_learning_rate(learning_rate)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate, clipnorm=1.0),
                  loss="sparse_categorical_crossentropy")
    return model


class ReversalResult(NamedTuple):
    """What :func:`train_digit_reversal` returns."""

    model: keras.Model
    by_length: "pd.DataFrame"       # exact match per input-length bin (helpers.metrics)
    train_seconds: float
    test_pairs: list                # (digits, reversed digits)
    predictions: list               # the model's greedy answers for test_pairs


def train_digit_reversal(build_model, *, n_train: int, n_test: int = 2_000, min_len: int = 5,
                         max_len: int = 60, epochs: int = 4, batch_size: int = 128, seed: int = 0,
                         bin_width: int = 5, verbose: int = 2) -> ReversalResult:
    """Notebook 01's bottleneck experiment, packaged so notebook 04 can repeat it exactly.

    Trains ``build_model(vocab_size)`` (a function returning an uncompiled seq2seq model) to
    reverse random digit strings of ``min_len``-``max_len`` digits, then measures greedy
    exact-match accuracy on ``n_test`` new strings by input length. Seeds everything from
    ``seed``, so two models trained with the same arguments see the same data in the same order.
    ``ValueError`` for sizes that are not integers >= 1 (``n_test``, ``epochs``, ...).
    """
    import time

    from helpers.data import digit_task
    from helpers.metrics import accuracy_by_length
    from helpers.pipeline import length_bucketed_dataset
    from helpers.runtime import set_seed

    if not callable(build_model):
        raise TypeError("build_model must be a function vocab_size -> uncompiled model, e.g. "
                        f"lambda v: build_seq2seq(v, v); got {type(build_model).__name__}.")
    n_train, n_test, epochs, batch_size, bin_width = check_sizes(
        n_train=n_train, n_test=n_test, epochs=epochs, batch_size=batch_size, bin_width=bin_width)
    vocab = CharVocabulary("0123456789")
    train = digit_task(n_train, min_len=min_len, max_len=max_len, seed=seed, task="reverse")
    test = digit_task(n_test, min_len=min_len, max_len=max_len, seed=seed + 1, task="reverse")
    src, dec_in, dec_out = teacher_forcing_arrays([s for s, _ in train], [t for _, t in train], vocab, vocab)
    data = length_bucketed_dataset((src, dec_in), dec_out, batch_size=batch_size, seed=seed)
    set_seed(seed)
    model = compile_seq2seq(build_model(vocab.size))
    start = time.perf_counter()
    model.fit(data, epochs=epochs, verbose=verbose, shuffle=False)  # the dataset shuffles itself
    seconds = time.perf_counter() - start
    predictions = vocab.decode(GreedyDecoder(model)(vocab.encode([s for s, _ in test]), max_length=max_len + 2))
    by_length = accuracy_by_length(predictions, [t for _, t in test], [len(s) for s, _ in test],
                                   bins=list(range(min_len, max_len + bin_width + 1, bin_width)))
    return ReversalResult(model, by_length, seconds, test, predictions)
