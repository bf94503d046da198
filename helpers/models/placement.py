"""Where the attention sits in the decoder: the two placements of the papers, for notebook 06.

:class:`~helpers.models.translator.Translator` queries the encoder with the decoder state
``s_t`` *after* its GRU step and feeds nothing back, so teacher forcing computes every step at
once. The papers put the attention inside the recurrence, so each step needs the previous one:

* **Bahdanau et al. (2015)**: the query is the previous state ``s_{t-1}``; the context enters the
  GRU's input::

      c_t = attention(query=s_{t-1}, values=H)
      s_t = GRU([E y_{t-1}; c_t], s_{t-1})
      o_t = tanh(W_c [c_t; s_t] + b_c)  ->  Dense(V_t)

* **Luong et al. (2015), with input feeding**: the query is the new state ``h_t`` (``s_t`` here);
  the attentional vector ``h~_t`` is the output and is fed into the next step's input::

      s_t = GRU([E y_{t-1}; h~_{t-1}], s_{t-1})        (h~_0 = 0)
      c_t = attention(query=s_t, values=H)
      h~_t = tanh(W_c [c_t; s_t] + b_c)  ->  Dense(V_t)

Both use the same encoder, embeddings, additive score (:class:`helpers.layers.BahdanauAttention`),
``W_c`` and output layer as :class:`Translator`, so a comparison measures the placement alone.
(Bahdanau's paper reads its output through a maxout layer; ``W_c`` stands in for it here.)
The loop over decoder steps is a ``tf.while_loop``. The recurrent state is one tensor, so greedy and
beam search (:meth:`Translator.translate`) work unchanged: ``s_t`` ``(B, U)`` for Bahdanau,
``[s_t; h~_t]`` ``(B, 2U)`` for Luong.

May import: ``keras``, ``tensorflow``, :mod:`helpers.models.translator`, :mod:`helpers.text`.
"""
from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

from helpers.models.translator import Translator
from helpers.text.words import PAD_ID

__all__ = ["PLACEMENTS", "RecurrentAttentionTranslator"]

#: The placements :class:`RecurrentAttentionTranslator` offers.
PLACEMENTS = ("bahdanau", "luong")


@keras.saving.register_keras_serializable(package="helpers")
class RecurrentAttentionTranslator(Translator):
    """:class:`Translator` with the attention inside the decoder's recurrence (see the module).

    Args:
        placement: ``"bahdanau"`` (query ``s_{t-1}``, context into the GRU input) or ``"luong"``
            (query ``s_t``, input feeding of the attentional vector).
        The others as for :class:`Translator` (``attention`` must stay ``True``).

    Call and methods as for :class:`Translator`; :meth:`decode`'s ``state`` is ``(B, U)``
    (Bahdanau) or ``(B, 2U)`` (Luong: ``[s_t; h~_t]``).
    """

    def __init__(self, source_vocabulary, target_vocabulary, *, placement: str = "bahdanau", **kwargs):
        if placement not in PLACEMENTS:
            raise ValueError(f"placement must be one of {PLACEMENTS}, got {placement!r}.")
        if kwargs.get("attention", True) is not True:
            raise ValueError("RecurrentAttentionTranslator always attends; use Translator(attention=False) "
                             "for the no-attention baseline.")
        super().__init__(source_vocabulary, target_vocabulary, **kwargs)
        self.placement = placement
        self.decoder_rnn = keras.layers.GRUCell(self.units, name="decoder")  # one step at a time

    def encode(self, source_ids, training=None):
        states, state, mask = super().encode(source_ids, training=training)
        if self.placement == "luong":  # h~_0 = 0
            state = ops.concatenate([state, ops.zeros_like(state)], axis=-1)
        return states, state, mask

    def decode(self, decoder_inputs, encoder_states, source_mask, state, training=None):
        """Decoder over ``decoder_inputs (B, Tt)``, one step at a time → logits ``(B, Tt, V_t)``,
        last state, attention weights ``(B, Tt, Ts)``. Padding steps leave the state as it is."""
        real = ops.cast(ops.not_equal(decoder_inputs, PAD_ID), encoder_states.dtype)
        embedded = self.target_embedding(decoder_inputs)
        units = self.units

        def attend(query):  # (B, U) -> context (B, U), weights (B, Ts)
            context, weights = self.attention(query[:, None], encoder_states, value_mask=source_mask,
                                              return_attention_scores=True)
            return context[:, 0], weights[:, 0]

        def step(carry, x_t, real_t):  # one decoder step: new carry, (output (B, U), weights (B, Ts))
            if self.placement == "bahdanau":
                context, weights = attend(carry)  # query: s_{t-1}
                s_t = self.decoder_rnn(ops.concatenate([x_t, context], -1), [carry], training=training)[0]
                output = self.combine(query=s_t, context=context)
                new = s_t
            else:
                s_prev, fed = carry[:, :units], carry[:, units:]
                s_t = self.decoder_rnn(ops.concatenate([x_t, fed], -1), [s_prev], training=training)[0]
                context, weights = attend(s_t)  # query: s_t
                output = self.combine(query=s_t, context=context)  # h~_t
                new = ops.concatenate([s_t, output], -1)
            new = ops.where(real_t[:, None] > 0, new, carry)
            return new, (output, weights)

        if not self.decoder_rnn.built:  # create the step's weights outside the loop, once
            step(state, embedded[:, 0], real[:, 0])
        steps = tf.shape(decoder_inputs)[1]

        def body(t, carry, outputs, weights):
            carry, (output, weight) = step(carry, embedded[:, t], real[:, t])
            return t + 1, carry, outputs.write(t, output), weights.write(t, weight)

        arrays = (tf.TensorArray(embedded.dtype, size=steps), tf.TensorArray(embedded.dtype, size=steps))
        _, state, outputs, weights = tf.while_loop(lambda t, *_: t < steps, body, (0, state, *arrays))
        outputs = ops.transpose(outputs.stack(), (1, 0, 2))  # (B, Tt, U)
        weights = ops.transpose(weights.stack(), (1, 0, 2))  # (B, Tt, Ts)
        return tf.identity(self.output_layer(outputs)), state, weights

    def get_config(self):
        return {**super().get_config(), "placement": self.placement}
