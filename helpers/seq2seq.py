"""The vanilla encoder-decoder (Sutskever et al. 2014; Cho et al. 2014) and greedy decoding.

Training (teacher forcing)::

    encoder_tokens (B, T_src) ─ Embedding ─ (B, T_src, E) ─ LSTM ─► final states h, c: (B, H) each
    decoder_inputs (B, T_tgt) ─ Embedding ─ (B, T_tgt, E) ─ LSTM(initial_state=[h, c])
                                     ─► (B, T_tgt, H) ─ Dense + softmax ─► (B, T_tgt, V_tgt)

The decoder sees the source only through ``[h, c]``: one fixed-size context, whatever the
length of the input. That is the bottleneck attention removes.

Inference feeds the decoder its own previous prediction, one step at a time
(:class:`GreedyDecoder`).
"""
from __future__ import annotations

import numpy as np

from helpers.runtime import import_tensorflow_quietly
from helpers.text import END, START

tf = import_tensorflow_quietly()
import keras  # noqa: E402


def teacher_forcing_arrays(source_texts, target_texts, source_vocab, target_vocab):
    """Encode pairs for teacher-forced training.

    Returns ``(encoder_tokens, decoder_inputs, decoder_targets)``, int32 arrays: the source
    ``(N, T_src)``; ``<start> y_1 .. y_n`` ``(N, T_tgt)``; ``y_1 .. y_n <end>`` ``(N, T_tgt)``.
    Input and target rows have equal lengths, so the decoder's padding mask is also the loss mask.
    """
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
    the encoder (its final state ignores padded steps) and in the loss.
    """
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


class GreedyDecoder:
    """Greedy decoding with a trained :func:`build_seq2seq` model.

    At every step the most probable token is fed back as the next decoder input; decoding stops
    when every sequence has produced ``<end>`` or after ``max_length`` tokens.
    """

    def __init__(self, model: keras.Model):
        self.model = model
        self.encoder_embedding = model.get_layer("encoder_embedding")
        self.encoder_lstm = model.get_layer("encoder_lstm")
        self.decoder_embedding = model.get_layer("decoder_embedding")
        self.decoder_lstm = model.get_layer("decoder_lstm")
        self.decoder_output = model.get_layer("decoder_output")
        self._encode = tf.function(self._encode_eager, reduce_retracing=True)
        self._step = tf.function(self._step_eager, reduce_retracing=True)

    def _encode_eager(self, encoder_tokens):
        x = self.encoder_embedding(encoder_tokens)
        mask = self.encoder_embedding.compute_mask(encoder_tokens)
        _, h, c = self.encoder_lstm(x, mask=mask)
        return h, c

    def _step_eager(self, tokens, h, c):
        y = self.decoder_embedding(tokens[:, None])
        y, h, c = self.decoder_lstm(y, initial_state=[h, c])
        return self.decoder_output(y)[:, 0, :], h, c

    def encode(self, encoder_tokens):
        """The fixed-size context: final encoder states ``(h, c)``, each ``(B, units)``."""
        return self._encode(tf.constant(encoder_tokens, dtype=tf.int32))

    def __call__(self, encoder_tokens, max_length: int, batch_size: int = 1024) -> np.ndarray:
        """Decode a batch of source token ids; returns int32 token ids ``(B, max_length)``."""
        encoder_tokens = np.asarray(encoder_tokens, dtype=np.int32)
        outputs = []
        for start in range(0, len(encoder_tokens), batch_size):
            h, c = self.encode(encoder_tokens[start : start + batch_size])
            tokens = tf.fill([tf.shape(h)[0]], START)
            steps, done = [], np.zeros(int(h.shape[0]), dtype=bool)
            for _ in range(max_length):
                probs, h, c = self._step(tokens, h, c)
                tokens = tf.argmax(probs, axis=-1, output_type=tf.int32)
                steps.append(tokens.numpy())
                done |= steps[-1] == END
                if done.all():
                    break
            block = np.stack(steps, axis=1)
            outputs.append(np.pad(block, ((0, 0), (0, max_length - block.shape[1]))))
        return np.concatenate(outputs) if outputs else np.zeros((0, max_length), np.int32)
