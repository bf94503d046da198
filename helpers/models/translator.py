"""The Spanish→English translator of notebook 06: :class:`Translator` and its training helpers.

Text cleaning lives in :mod:`helpers.text.words`, the leak-free split in
:func:`helpers.data.leak_free_split`, BLEU in :mod:`helpers.metrics`. Here:

* :class:`Translator` — a ``keras.Model``: bidirectional GRU encoder, GRU decoder, additive
  (Bahdanau) attention from :mod:`helpers.layers`; the vocabularies travel inside it, so one
  ``.keras`` file is the whole translator.
* decoding — :meth:`Translator.translate`, in :mod:`helpers.models.translator_search`: greedy or
  beam search, ``[UNK]`` replacement through attention, cased and detokenised output.
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

from collections.abc import Sequence
from itertools import takewhile

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from helpers.layers import BahdanauAttention, LuongAttentionalState
from helpers.runtime import check_int, check_strings
from helpers.text.casing import Recaser
from helpers.training import compile_model, masked_accuracy, sequence_loss
from helpers.text.words import END_TOKEN, PAD_ID, START_TOKEN, preprocess, word_vectorizer

__all__ = ["MAX_SOURCE_TOKENS", "Translator", "check_translator", "compile_translator", "teacher_forcing",
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
        case_forms: ``{lower-case word: cased form}`` for cased output; saved with the model
            (:meth:`learn_case` learns it from cased training targets).

    Call: ``model((source_ids (B, Ts), decoder_inputs (B, Tt)))`` → logits ``(B, Tt, V_t)``
    (int ids, 0 = right padding; decoder inputs start with ``[START]``).
    """

    def __init__(self, source_vocabulary, target_vocabulary, *, embed_dim: int = 256,
                 units: int = 256, attention: bool = True, case_forms: dict | None = None, **kwargs):
        super().__init__(**kwargs)
        embed_dim, units = check_int("embed_dim", embed_dim), check_int("units", units)
        self.source_vocabulary = check_strings("source_vocabulary", source_vocabulary)
        self.target_vocabulary = check_strings("target_vocabulary", target_vocabulary)
        self.embed_dim, self.units, self.use_attention = embed_dim, units, bool(attention)
        self.recaser = Recaser.from_forms(case_forms or {})
        self.source_vectorizer = word_vectorizer(self.source_vocabulary)
        self.target_vectorizer = word_vectorizer(self.target_vocabulary)
        if self.target_vocabulary[2:4] != [START_TOKEN, END_TOKEN]:
            raise ValueError(f"target_vocabulary must hold {START_TOKEN!r} and {END_TOKEN!r} at ids 2 and 3.")
        self.start_id, self.end_id = 2, 3
        self.source_embedding = keras.layers.Embedding(len(self.source_vocabulary), embed_dim,
                                                       mask_zero=True, name="source_embedding")
        self.encoder_rnn = keras.layers.Bidirectional(keras.layers.GRU(units, return_sequences=True, return_state=True),
                                                      merge_mode="sum", name="encoder")
        self.target_embedding = keras.layers.Embedding(len(self.target_vocabulary), embed_dim,
                                                       mask_zero=True, name="target_embedding")
        self.decoder_rnn = keras.layers.GRU(units, return_sequences=True, return_state=True, name="decoder")
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
                "units": self.units, "attention": self.use_attention, "case_forms": self.recaser.forms}

    def build(self, input_shape=None):
        """Create every weight (one call on a dummy pair), as loading a saved model needs."""
        if not self.built:
            self.call((np.ones((1, 2), "int32"),) * 2)  # (source ids, decoder inputs)
        self.built = True

    def source_ids(self, sentences) -> np.ndarray:
        """Raw Spanish sentences → right-padded ids ``(N, T)`` (:func:`preprocess` first)."""
        texts = [preprocess(s) for s in check_strings("sentences", sentences)]
        return np.asarray(self.source_vectorizer(texts), dtype="int32") if texts else np.zeros((0, 1), "int32")

    def tokens(self, ids) -> list[str]:
        """Target ids → tokens, stopping at ``[END]`` or padding."""
        return [self.target_vocabulary[i] for i in takewhile(lambda i: i not in (self.end_id, PAD_ID), ids)]

    def learn_case(self, cased_targets: Sequence[str]) -> None:
        """Learn the case of output words from cased, tokenised training targets
        (``preprocess(english, lowercase=False)``): :class:`helpers.text.Recaser`."""
        self.recaser = Recaser(cased_targets)

    def translate(self, sentences, **options):
        """Raw Spanish sentences → English: :func:`helpers.models.translator_search.translate`."""
        from helpers.models.translator_search import translate  # (that module imports this one)
        return translate(self, sentences, **options)


def check_translator(model) -> Translator:
    if not isinstance(model, Translator):
        raise TypeError(f"model must be a helpers.models.Translator, got {type(model).__name__}.")
    return model


def compile_translator(model: Translator, learning_rate=1e-3, label_smoothing: float = 0.0) -> Translator:
    """Compile ``model`` the way notebook 06 trains it: :func:`helpers.training.sequence_loss`
    (cross-entropy over the real target tokens; ``label_smoothing`` > 0 smooths the targets, as
    notebook 08 trains its Transformer), :func:`~helpers.training.masked_accuracy`, Adam at
    ``learning_rate`` (a number or a Keras schedule) with the gradient norm clipped at 5.
    Returns the model; ``TypeError`` for a model that is not a :class:`Translator`."""
    return compile_model(check_translator(model), loss=sequence_loss(label_smoothing=label_smoothing),
                         learning_rate=learning_rate, clipnorm=5.0, metrics=[masked_accuracy])


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
