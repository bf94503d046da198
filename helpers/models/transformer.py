"""The Transformer translator of notebook 08 (Vaswani et al., 2017): :class:`TransformerTranslator`,
a :class:`~helpers.models.translator.Translator` (notebook 06's vocabularies, tokenisation,
:func:`~helpers.models.translator.teacher_forcing`, :func:`~helpers.models.translator.compile_translator`,
greedy and beam ``translate``, one ``.keras`` file) with attention instead of recurrence.

Blocks, **pre-norm** (each sublayer reads a LayerNormalization of its input; its output, after
dropout, is added to the input)::

    EncoderBlock:  x = x + Dropout(SelfAttention(LN(x), source padding mask))
                   x = x + Dropout(FFN(LN(x)))          FFN = Dense(d_ff, relu | gelu) -> Dense(D)
    DecoderBlock:  y = y + Dropout(CausalSelfAttention(LN(y)))               (a KV cache)
                   y = y + Dropout(CrossAttention(LN(y), encoder output, source mask))
                   y = y + Dropout(FFN(LN(y)))

Why pre-norm: the paper's post-norm ``LN(x + sublayer(x))`` puts a normalisation on the residual
path, and its gradients near the output are large at the start, so it needs a learning-rate
warm-up to train at all (Xiong et al. 2020). With pre-norm the residual path from embedding to
output is the identity: it trains stably at the usual learning rates without warm-up tricks,
which is why GPT-2, T5 and most modern implementations use it. Each stack ends with a final LN.

Model (``B`` batch, ``Ts``/``Tt`` source/target steps, ``D`` = ``d_model``)::

    source ids (B, Ts) ─ PositionalEmbedding ─ Dropout ─ N × EncoderBlock ─ LN ─► memory (B, Ts, D)
    decoder inputs (B, Tt) ─ PositionalEmbedding ─ Dropout ─ N × DecoderBlock(memory) ─ LN
        ─ output projection ─► logits (B, Tt, V_t)

Positions are learned or sinusoidal (:class:`helpers.layers.PositionalEmbedding`, token
embeddings scaled by ``sqrt(D)`` as in the paper). The output projection is ``Dense(V_t)`` or,
tied (the paper's choice, Press & Wolf 2017), ``y E^T + b`` with the target token embedding
``E (V_t, D)`` (:class:`TiedOutput`). Padding (id 0) is masked explicitly (no Keras masks):
source keys by the source mask, future target keys by the causal mask.

:meth:`TransformerTranslator.decode` has 06's signature: its ``state`` is ``{"self": [cache per
block], "cross": [cache per block]}`` of :class:`helpers.layers.MultiHeadAttention` caches
(``{"key", "value", "mask"}``); the self caches grow by the steps decoded, the cross caches hold
the encoder output's keys and values, projected once in :meth:`~TransformerTranslator.encode`.
Decoding: :mod:`helpers.models.transformer_decoding`.

References: A. Vaswani et al. (2017). Attention Is All You Need. arXiv:1706.03762.
R. Xiong et al. (2020). On Layer Normalization in the Transformer Architecture. arXiv:2002.04745.
O. Press, L. Wolf (2017). Using the Output Embedding to Improve Language Models. EACL 2017.

May import: ``keras``, :mod:`helpers.runtime`, :mod:`helpers.text`, :mod:`helpers.layers`,
:mod:`helpers.models.translator`, :mod:`helpers.models.transformer_decoding`.
"""
from __future__ import annotations

import numbers

import keras
from keras import ops

from helpers.layers import POSITIONS, MultiHeadAttention, PositionalEmbedding, TiedOutput
from helpers.models.transformer_decoding import embed_from, growing_cache
from helpers.models.translator import MAX_SOURCE_TOKENS, Translator
from helpers.runtime import check_int, check_sizes, check_strings
from helpers.text.casing import Recaser
from helpers.text.words import END_TOKEN, PAD_ID, START_TOKEN, word_vectorizer

__all__ = ["ACTIVATIONS", "MIN_POSITIONS", "EncoderBlock", "DecoderBlock", "TiedOutput",
           "TransformerTranslator"]

#: The feed-forward activations offered.
ACTIVATIONS = ("relu", "gelu")
#: Fewest positions a translator must have: ``translate`` decodes up to ``2 * Ts + 10`` tokens.
MIN_POSITIONS = 2 * MAX_SOURCE_TOKENS + 10


def _check_block(d_model, num_heads, d_ff, dropout, activation):
    """The blocks' options, checked (``ValueError`` naming the argument)."""
    d_model, num_heads, d_ff = check_sizes(d_model=d_model, num_heads=num_heads, d_ff=d_ff)
    if d_model % num_heads:
        raise ValueError(f"d_model={d_model} must be a multiple of num_heads={num_heads}: each "
                         "head attends in d_model / num_heads dimensions.")
    if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) or not 0 <= dropout < 1:
        raise ValueError(f"dropout must be a number in [0, 1), got {dropout!r}.")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}.")
    return d_model, num_heads, d_ff, float(dropout), activation


class _Block(keras.layers.Layer):
    """What both blocks share: per name in ``SUBLAYERS`` a ``<name>_norm`` and ``<name>_attention``,
    then the feed-forward sublayer; residual dropout; build and config."""

    SUBLAYERS: tuple = ()

    def __init__(self, d_model: int, num_heads: int, d_ff: int, dropout: float = 0.0,
                 activation: str = "relu", **kwargs):
        super().__init__(**kwargs)
        (self.d_model, self.num_heads, self.d_ff, self.dropout,
         self.activation) = _check_block(d_model, num_heads, d_ff, dropout, activation)
        for name in self.SUBLAYERS:
            setattr(self, f"{name}_norm", keras.layers.LayerNormalization(epsilon=1e-6,
                                                                         name=f"{name}_norm"))
            setattr(self, f"{name}_attention", MultiHeadAttention(
                self.num_heads, self.d_model // self.num_heads, dropout=self.dropout,
                name=f"{name}_attention"))
        self.ffn_norm = keras.layers.LayerNormalization(epsilon=1e-6, name="ffn_norm")
        self.ffn_hidden = keras.layers.Dense(self.d_ff, activation=activation, name="ffn_hidden")
        self.ffn_output = keras.layers.Dense(self.d_model, name="ffn_output")
        self.residual_dropout = keras.layers.Dropout(self.dropout)

    def build(self, input_shape):
        shape = (None, None, self.d_model)
        shapes = {"ffn_norm": (shape,), "ffn_hidden": (shape,), "ffn_output": ((None, None, self.d_ff),)}
        for name in self.SUBLAYERS:
            shapes.update({f"{name}_norm": (shape,), f"{name}_attention": (shape, shape)})
        for name, arguments in shapes.items():
            if not getattr(self, name).built:  # (cross_cache may have built the cross-attention)
                getattr(self, name).build(*arguments)

    def _add(self, x, sublayer_output, training):
        """The residual connection: ``x + Dropout(sublayer_output)``."""
        return x + self.residual_dropout(sublayer_output, training=training)

    def _feed_forward(self, x, training):
        return self._add(x, self.ffn_output(self.ffn_hidden(self.ffn_norm(x))), training)

    def get_config(self):
        return {**super().get_config(), "d_model": self.d_model, "num_heads": self.num_heads,
                "d_ff": self.d_ff, "dropout": self.dropout, "activation": self.activation}


@keras.saving.register_keras_serializable(package="helpers")
class EncoderBlock(_Block):
    """Pre-norm encoder block (module docstring): ``x (B, Ts, D)``, ``mask (B, Ts)`` bool (True =
    a real token; padded keys get no weight) -> ``(B, Ts, D)``.

    Args: ``d_model`` (``D``, a multiple of ``num_heads``), ``num_heads``, ``d_ff`` (the
    feed-forward's hidden size), ``dropout`` (residual and attention weights), ``activation``
    (``"relu"`` or ``"gelu"``)."""

    SUBLAYERS = ("self",)

    def call(self, x, mask=None, training=None):
        h = self.self_norm(x)
        x = self._add(x, self.self_attention(h, h, value_mask=mask, training=training), training)
        return self._feed_forward(x, training)


@keras.saving.register_keras_serializable(package="helpers")
class DecoderBlock(_Block):
    """Pre-norm decoder block (module docstring); arguments as for :class:`EncoderBlock`.

    Call: ``x (B, T, D)`` (the new steps), ``self_cache`` (the self-attention's KV cache of the
    earlier steps, possibly empty), ``cross_cache`` (from :meth:`cross_cache`) -> ``(B, T, D)``,
    the extended self cache, cross-attention weights ``(B, H, T, Ts)``."""

    SUBLAYERS = ("self", "cross")

    def cross_cache(self, memory, source_mask):
        """The cross-attention's keys and values of the encoder output ``memory (B, Ts, D)``
        (source mask ``(B, Ts)``), projected once: a cache ``(B, H, Ts, d)`` (a zero-step query
        runs the projections only)."""
        attention = self.cross_attention
        _, cache = attention(memory[:, :0], memory, value_mask=source_mask,
                             cache=attention.empty_cache(ops.shape(memory)[0]))
        return cache

    def call(self, x, self_cache, cross_cache, training=None):
        h = self.self_norm(x)
        h, self_cache = self.self_attention(h, h, use_causal_mask=True, cache=self_cache,
                                            training=training)
        x = self._add(x, h, training)
        h = self.cross_norm(x)  # no new keys: all of them are in the cross cache
        h, weights, _ = self.cross_attention(h, h[:, :0], cache=cross_cache,
                                             return_attention_scores=True, training=training)
        return self._feed_forward(self._add(x, h, training), training), self_cache, weights


def _set_vocabularies(model, source_vocabulary, target_vocabulary, case_forms):
    """What :class:`Translator` sets up besides its GRU layers (its ``__init__`` is not called:
    those layers would be unused weights): vocabularies, vectorizers, ids, recaser."""
    for side, vocabulary in (("source", source_vocabulary), ("target", target_vocabulary)):
        vocabulary = check_strings(f"{side}_vocabulary", vocabulary)
        setattr(model, f"{side}_vocabulary", vocabulary)
        setattr(model, f"{side}_vectorizer", word_vectorizer(vocabulary))
    if model.target_vocabulary[2:4] != [START_TOKEN, END_TOKEN]:
        raise ValueError(f"target_vocabulary must hold {START_TOKEN!r} and {END_TOKEN!r} at ids 2 and 3.")
    model.start_id, model.end_id, model.use_attention = 2, 3, True
    model.recaser = Recaser.from_forms(case_forms or {})


@keras.saving.register_keras_serializable(package="helpers")
class TransformerTranslator(Translator):
    """Transformer encoder-decoder with 06's :class:`Translator` interface (module docstring).

    Args:
        source_vocabulary, target_vocabulary: token lists from :func:`helpers.text.make_vocabulary`
            (the target one with ``[START]``, ``[END]`` at ids 2, 3), as for :class:`Translator`.
        num_layers: encoder blocks and decoder blocks (``N`` each).
        d_model, num_heads, d_ff, dropout, activation: as for :class:`EncoderBlock` (``dropout``
            also after the embeddings).
        positions, tie_embeddings: ``"learned"`` or ``"sinusoidal"``; logits ``y E^T + b`` (``E``: target embedding).
        max_positions: longest source or target sequence (at least :data:`MIN_POSITIONS`).
        case_forms: as for :class:`Translator`.

    Call: ``model((source_ids (B, Ts), decoder_inputs (B, Tt)))`` -> logits ``(B, Tt, V_t)``.
    """

    def __init__(self, source_vocabulary, target_vocabulary, *, num_layers: int = 2,
                 d_model: int = 128, num_heads: int = 4, d_ff: int = 512, dropout: float = 0.1,
                 activation: str = "relu", positions: str = "learned", tie_embeddings: bool = True,
                 max_positions: int = 512, case_forms: dict | None = None, **kwargs):
        block = _check_block(d_model, num_heads, d_ff, dropout, activation)
        num_layers = check_int("num_layers", num_layers)
        max_positions = check_int("max_positions", max_positions, MIN_POSITIONS)
        if positions not in POSITIONS:
            raise ValueError(f"positions must be one of {POSITIONS}, got {positions!r}.")
        if not isinstance(tie_embeddings, bool):
            raise TypeError(f"tie_embeddings must be True or False, got {tie_embeddings!r}.")
        super(Translator, self).__init__(**kwargs)  # keras.Model's: no GRU layers
        _set_vocabularies(self, source_vocabulary, target_vocabulary, case_forms)
        self.d_model, self.num_heads, self.d_ff, self.dropout, self.activation = block
        self.num_layers, self.max_positions = num_layers, max_positions
        self.positions, self.tie_embeddings = positions, tie_embeddings
        self.source_embedding, self.target_embedding = (
            PositionalEmbedding(len(vocabulary), self.max_positions, self.d_model, positions,
                                mask_zero=False, scale=True, name=f"{side}_embedding")
            for side, vocabulary in (("source", self.source_vocabulary),
                                     ("target", self.target_vocabulary)))
        self.embedding_dropout = keras.layers.Dropout(self.dropout)
        self.encoder_blocks = [EncoderBlock(*block, name=f"encoder_{i}") for i in range(num_layers)]
        self.decoder_blocks = [DecoderBlock(*block, name=f"decoder_{i}") for i in range(num_layers)]
        self.encoder_norm = keras.layers.LayerNormalization(epsilon=1e-6, name="encoder_norm")
        self.decoder_norm = keras.layers.LayerNormalization(epsilon=1e-6, name="decoder_norm")
        vocab = len(self.target_vocabulary)
        self.output_layer = (TiedOutput(vocab, name="logits") if tie_embeddings
                             else keras.layers.Dense(vocab, name="logits"))

    def encode(self, source_ids, training=None):
        """``source_ids (B, Ts)`` -> encoder output ``(B, Ts, D)``, the first decoder state
        (:meth:`initial_state`), source mask ``(B, Ts)``."""
        mask = ops.not_equal(source_ids, PAD_ID)
        x = self.embedding_dropout(self.source_embedding(source_ids), training=training)
        for block in self.encoder_blocks:
            x = block(x, mask, training=training)
        memory = self.encoder_norm(x)
        return memory, self.initial_state(memory, mask), mask

    def initial_state(self, memory, source_mask):
        """The decoder state before any step: empty self caches, the cross caches of ``memory``."""
        return {"self": [growing_cache(b.self_attention, memory) for b in self.decoder_blocks],
                "cross": [b.cross_cache(memory, source_mask) for b in self.decoder_blocks]}

    def decode(self, decoder_inputs, encoder_states, source_mask, state, training=None):
        """The decoder over ``decoder_inputs (B, Tt)`` (the steps after those cached in ``state``)
        -> logits ``(B, Tt, V_t)``, the state with them cached, the last block's cross-attention
        averaged over heads ``(B, Tt, Ts)``. (Encoder output and mask: in the cross caches.)"""
        logits, state, weights = self.decode_all_heads(decoder_inputs, state, training=training)
        return logits, state, ops.mean(weights[-1], axis=1)

    def decode_all_heads(self, decoder_inputs, state, training=None):
        """:meth:`decode`, returning every block's cross-attention weights per head: a list of
        ``N`` arrays ``(B, H, Tt, Ts)`` (block 0 first)."""
        start = ops.shape(state["self"][0]["key"])[2]  # steps decoded so far
        x = embed_from(self.target_embedding, decoder_inputs, start)
        x = self.embedding_dropout(x, training=training)
        caches, weights = [], []
        for block, self_cache, cross_cache in zip(self.decoder_blocks, state["self"], state["cross"]):
            x, self_cache, block_weights = block(x, self_cache, cross_cache, training=training)
            caches.append(self_cache)
            weights.append(block_weights)
        x = self.decoder_norm(x)
        logits = (self.output_layer(x, self.target_embedding.token.embeddings)
                  if self.tie_embeddings else self.output_layer(x))
        return logits, {"self": caches, "cross": state["cross"]}, weights

    def translate(self, sentences, **options):
        """Raw Spanish sentences -> English, as :meth:`Translator.translate` (greedy or beam
        search with the KV cache; ``max_length`` at most ``max_positions``)."""
        limit = options.get("max_length")
        if limit is not None and check_int("max_length", limit) > self.max_positions:
            raise ValueError(f"max_length={limit} is more than the model's max_positions="
                             f"{self.max_positions}.")
        return super().translate(sentences, **options)

    def get_config(self):
        return {**super(Translator, self).get_config(), "source_vocabulary": self.source_vocabulary,
                "target_vocabulary": self.target_vocabulary, "num_layers": self.num_layers,
                "d_model": self.d_model, "num_heads": self.num_heads, "d_ff": self.d_ff,
                "dropout": self.dropout, "activation": self.activation, "positions": self.positions,
                "tie_embeddings": self.tie_embeddings, "max_positions": self.max_positions,
                "case_forms": self.recaser.forms}
