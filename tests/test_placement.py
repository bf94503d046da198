"""helpers.models.placement: the Bahdanau and Luong (input feeding) decoders, checked step by step
against the same computation written out with the model's own layers, on tiny seeded models."""
import numpy as np
import pytest

import helpers
import keras
from keras import ops

from helpers.models import RecurrentAttentionTranslator, stepwise_loss, teacher_forcing
from helpers.text import make_vocabulary
from helpers.training import sequence_loss

SOURCES = ["hola mundo", "buenos días amigo mío", "el gato"]
TARGETS = ["hello world", "good morning my friend", "the cat"]


def tiny(placement, seed=0):
    helpers.set_seed(seed)
    model = RecurrentAttentionTranslator(make_vocabulary(SOURCES, 40), make_vocabulary(TARGETS, 40),
                                         embed_dim=8, units=6, placement=placement)
    model.build()
    return model


def by_hand(model, source_ids, decoder_inputs):
    """The decoder's equations of helpers.models.placement, one step at a time, with the model's own layers."""
    H, h, mask = model.encode(source_ids)
    s = ops.convert_to_numpy(h)[:, :model.units]
    fed = np.zeros_like(s)
    logits, weights = [], []
    for t in range(decoder_inputs.shape[1]):
        x = model.target_embedding(decoder_inputs[:, t])
        if model.placement == "bahdanau":
            c, w = model.attention(s[:, None], H, value_mask=mask, return_attention_scores=True)
            s = model.decoder_rnn(ops.concatenate([x, c[:, 0]], -1), [s])[0]
            out = model.combine(query=s, context=c[:, 0])
        else:
            s = model.decoder_rnn(ops.concatenate([x, fed], -1), [s])[0]
            c, w = model.attention(s[:, None], H, value_mask=mask, return_attention_scores=True)
            out = fed = model.combine(query=s, context=c[:, 0])
        logits.append(ops.convert_to_numpy(model.output_layer(out)))
        weights.append(ops.convert_to_numpy(w[:, 0]))
    return np.stack(logits, 1), np.stack(weights, 1)


@pytest.mark.parametrize("placement", ["bahdanau", "luong"])
def test_decoder_follows_its_equations(placement):
    model = tiny(placement)
    source_ids, decoder_inputs, _ = teacher_forcing(model, SOURCES[1:2], TARGETS[1:2])  # no padding
    H, state, mask = model.encode(source_ids)
    logits, _, weights = model.decode(decoder_inputs, H, mask, state)
    expected_logits, expected_weights = by_hand(model, source_ids, decoder_inputs)
    np.testing.assert_allclose(ops.convert_to_numpy(logits), expected_logits, atol=1e-5)
    np.testing.assert_allclose(ops.convert_to_numpy(weights), expected_weights, atol=1e-6)


def test_bahdanau_first_query_is_the_encoder_state_and_luong_starts_unfed():
    bahdanau, luong = tiny("bahdanau"), tiny("luong")
    source_ids, decoder_inputs, _ = teacher_forcing(bahdanau, SOURCES[:1], TARGETS[:1])
    H, h, mask = bahdanau.encode(source_ids)
    _, expected = bahdanau.attention(h[:, None], H, value_mask=mask, return_attention_scores=True)
    _, _, weights = bahdanau.decode(decoder_inputs, H, mask, h)
    np.testing.assert_allclose(ops.convert_to_numpy(weights[:, 0]), ops.convert_to_numpy(expected[:, 0]), atol=1e-6)
    _, state, _ = luong.encode(source_ids)
    assert state.shape == (1, 2 * luong.units)
    assert not np.any(ops.convert_to_numpy(state)[:, luong.units:])


@pytest.mark.parametrize("placement", ["bahdanau", "luong"])
def test_padding_steps_change_nothing(placement):
    model = tiny(placement)
    source_ids, decoder_inputs, targets = teacher_forcing(model, SOURCES, TARGETS)  # rows of unequal length
    H, state, mask = model.encode(source_ids)
    logits, last, _ = model.decode(decoder_inputs, H, mask, state)
    for row in range(len(SOURCES)):
        n = int((decoder_inputs[row] != 0).sum())
        alone, alone_last, _ = model.decode(decoder_inputs[row:row + 1, :n], H[row:row + 1], mask[row:row + 1],
                                            state[row:row + 1])
        np.testing.assert_allclose(ops.convert_to_numpy(logits)[row, :n], ops.convert_to_numpy(alone)[0], atol=1e-5)
        np.testing.assert_allclose(ops.convert_to_numpy(last)[row], ops.convert_to_numpy(alone_last)[0], atol=1e-5)
    vectorised = float(sequence_loss()(targets, model((source_ids, decoder_inputs))))
    assert abs(vectorised - float(stepwise_loss(model, source_ids, decoder_inputs, targets))) < 1e-5


@pytest.mark.parametrize("placement", ["bahdanau", "luong"])
def test_translates_and_survives_save_load(placement, tmp_path):
    model = tiny(placement)
    greedy, beam = model.translate(SOURCES), model.translate(SOURCES, beam_width=3)
    texts, tokens, weights = model.translate(SOURCES, return_attention=True)
    assert texts == greedy and all(isinstance(t, str) for t in beam)
    assert all(w.shape == (min(len(t) + 1, w.shape[0]), len(s.split())) for w, t, s in zip(weights, tokens, SOURCES))
    path = tmp_path / f"{placement}.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    assert type(reloaded) is RecurrentAttentionTranslator and reloaded.placement == placement
    assert reloaded.translate(SOURCES) == greedy and reloaded.translate(SOURCES, beam_width=3) == beam


def test_the_placement_changes_the_model():
    """Both decoders' GRUs read (E + U) numbers, so equal seeds give equal weights: only the
    placement can make the outputs differ."""
    source_ids, decoder_inputs, _ = teacher_forcing(tiny("luong"), SOURCES, TARGETS)
    bahdanau, luong = tiny("bahdanau"), tiny("luong")
    for a, b in zip(bahdanau.weights, luong.weights):
        np.testing.assert_array_equal(ops.convert_to_numpy(a), ops.convert_to_numpy(b))
    assert not np.allclose(ops.convert_to_numpy(bahdanau((source_ids, decoder_inputs))),
                           ops.convert_to_numpy(luong((source_ids, decoder_inputs))), atol=1e-4)


def test_bad_arguments():
    vocabularies = make_vocabulary(SOURCES, 40), make_vocabulary(TARGETS, 40)
    with pytest.raises(ValueError, match="placement must be one of"):
        RecurrentAttentionTranslator(*vocabularies, placement="sideways")
    with pytest.raises(ValueError, match="always attends"):
        RecurrentAttentionTranslator(*vocabularies, attention=False)
