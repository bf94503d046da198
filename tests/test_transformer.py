"""helpers.models.transformer and helpers.models.transformer_decoding (notebook 08): the Transformer
translator on 06's vocabularies and teacher-forcing data. Shapes, the causal property, source
padding, KV-cache decoding against recomputing the prefix, greedy and beam translate, saving,
training, bad arguments. Tiny seeded untrained models; few traced searches (tracing is what
costs time here), the rest eagerly."""
import numpy as np
import pytest

import helpers
import keras
import tensorflow as tf

from helpers import models as MD
from helpers import text as TX
from helpers.decoding import beam_search
from helpers.models import transformer_decoding as TD
from helpers.models.transformer import DecoderBlock, EncoderBlock, TiedOutput, TransformerTranslator

SOURCES = ["¿ dónde está ?", "él es alto .", "hola", "ve a casa ahora mismo , por favor ."]
TARGETS = ["where is it ?", "he is tall .", "hi", "go home right now , please ."]
SENTENCES = ["¿Dónde está?", "Él es alto, hola.", "hola", "Ve a casa ahora mismo, por favor."]
VOCABULARIES = TX.make_vocabulary(SOURCES, 100), TX.make_vocabulary(TARGETS, 100)
TINY = dict(num_layers=1, d_model=16, num_heads=2, d_ff=32, dropout=0.0)
TOL = 1e-5


def tiny(seed=0, **options):
    helpers.set_seed(seed)
    model = TransformerTranslator(*VOCABULARIES, **{**TINY, **options})
    model.build()
    return model


@pytest.fixture(scope="module")
def model():
    return tiny()


@pytest.fixture(scope="module")
def pairs(model):
    return MD.teacher_forcing(model, SOURCES, TARGETS)  # source ids, decoder inputs, targets


def logits_of(model, source_ids, decoder_inputs):
    return np.asarray(model((source_ids, decoder_inputs)))


def eager_beam_search(model, source_ids, *, beam_width, max_length=6):
    """helpers.decoding's beam search (no length penalty) with the model's cached step, eagerly."""
    tokens, _, lengths, _ = beam_search(TD.decoder_step(model), TD.start_state(model, source_ids),
                                        start_id=model.start_id, end_id=model.end_id,
                                        banned=(TX.PAD_ID, model.start_id), beam_width=beam_width,
                                        penalties=np.ones(max_length))
    return np.asarray(tokens), np.asarray(lengths)


def test_shapes_caches_and_cross_attention_rows(model, pairs):
    src, dec_in, _ = pairs
    assert logits_of(model, src, dec_in).shape == (4, 8, len(model.target_vocabulary))
    memory, state, mask = model.encode(src)
    assert tuple(memory.shape) == (4, 9, 16) and tuple(mask.shape) == (4, 9)
    assert len(state["self"]) == len(state["cross"]) == model.num_layers
    assert all(tuple(c["key"].shape) == (4, 2, 0, 8) for c in state["self"])
    assert all(tuple(c["key"].shape) == (4, 2, 9, 8) for c in state["cross"])
    logits, after, weights = model.decode(dec_in[:, :3], memory, mask, state)
    assert tuple(logits.shape) == (4, 3, len(model.target_vocabulary))
    assert all(tuple(c["value"].shape) == (4, 2, 3, 8) for c in after["self"])  # every layer caches
    assert after["cross"] is state["cross"]  # projected once, never again
    weights = np.asarray(weights)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-6)
    assert (weights[~np.asarray(mask)[:, None, :].repeat(3, 1)] == 0).all()  # padding: no weight


def test_full_decoder_is_causal(model, pairs):
    """Changing the target tokens after position k never changes the logits up to k."""
    src, dec_in, _ = pairs
    before = logits_of(model, src, dec_in)
    rng = np.random.default_rng(0)
    for k in range(dec_in.shape[1] - 1):
        changed = dec_in.copy()
        changed[:, k + 1:] = rng.integers(1, len(model.target_vocabulary), changed[:, k + 1:].shape)
        after = logits_of(model, src, changed)
        np.testing.assert_allclose(after[:, :k + 1], before[:, :k + 1], atol=TOL)
        assert not np.allclose(after[:, k + 1:], before[:, k + 1:], atol=TOL)  # the test can fail


def test_source_padding_changes_nothing(model, pairs):
    src, dec_in, _ = pairs
    batch = logits_of(model, src, dec_in)
    alone_src, alone_in, _ = MD.teacher_forcing(model, SOURCES[2:3], TARGETS[2:3])
    np.testing.assert_allclose(logits_of(model, alone_src, alone_in)[0],
                               batch[2, :alone_in.shape[1]], atol=TOL)
    more_padding = np.pad(src, [(0, 0), (0, 5)])
    np.testing.assert_allclose(logits_of(model, more_padding, dec_in), batch, atol=TOL)


@pytest.mark.parametrize("positions, tied", [("learned", True), ("sinusoidal", False)])
def test_kv_cache_decoding_equals_recomputing_the_prefix(positions, tied, pairs):
    model = tiny(1, positions=positions, tie_embeddings=tied, num_layers=2)
    src, dec_in, _ = pairs
    full = logits_of(model, src, dec_in)
    cached = TD.stepwise_logits(model, src, dec_in, use_cache=True)
    recomputed = TD.stepwise_logits(model, src, dec_in, use_cache=False)
    np.testing.assert_allclose(cached, full, atol=TOL)
    np.testing.assert_allclose(recomputed, full, atol=TOL)


def test_translate_is_the_greedy_search_with_and_without_cache(model):
    """translate (06's compiled search, with the KV cache) writes the tokens of the compiled
    recompute-the-prefix search."""
    _, tokens, weights = model.translate(SENTENCES, max_length=7, cased=False,
                                         replace_unknowns=False, return_attention=True)
    recomputed, _ = TD.greedy_ids(model, model.source_ids(SENTENCES), 7, use_cache=False)
    assert tokens == [model.tokens(row) for row in recomputed]
    for sentence, toks, w in zip(SENTENCES, tokens, weights):
        assert w.shape[1] == len(TX.preprocess(sentence).split()) and w.shape[0] >= len(toks)
        np.testing.assert_allclose(w.sum(1), 1.0, atol=TOL)


def test_cross_attention_maps_are_what_decoding_read(model):
    """Every block's heads, teacher-forced over the greedy output: the last block's mean over
    heads is exactly the weights translate returns step by step (the causal mask at work)."""
    two_blocks = tiny(3, num_layers=2)
    for m in (model, two_blocks):
        sentence = SENTENCES[3]
        source, tokens, maps = TD.cross_attention_maps(m, sentence)
        _, (expected_tokens,), (weights,) = m.translate([sentence], return_attention=True,
                                                         replace_unknowns=False, cased=False)
        assert source == TX.preprocess(sentence).split() and tokens == expected_tokens
        assert maps.shape == (m.num_layers, m.num_heads, len(tokens) + 1, len(source))
        np.testing.assert_allclose(maps.sum(-1), 1.0, atol=TOL)
        rows = min(len(weights), len(tokens) + 1)
        np.testing.assert_allclose(maps[-1].mean(0)[:rows], weights[:rows], atol=TOL)
    with pytest.raises(ValueError, match="no token"):
        TD.cross_attention_maps(model, "  😀 ")
    with pytest.raises(TypeError, match="str"):
        TD.cross_attention_maps(model, ["hola"])
    with pytest.raises(TypeError, match="TransformerTranslator"):
        TD.cross_attention_maps(object(), "hola")


def test_translate_strings_empty_and_very_long_inputs(model):
    longest = " ".join(["hola"] * MD.MAX_SOURCE_TOKENS)
    out = model.translate(["", longest, "hola", "(@#)"])
    assert len(out) == 4 and all(isinstance(t, str) for t in out)
    assert out[0] == out[3] == ""  # no token to translate: the empty translation
    assert model.translate([]) == []
    with pytest.raises(ValueError, match="at most 200"):
        model.translate([longest + " hola"])
    bias = model.output_layer.bias.numpy()
    never_ends = bias.copy()
    never_ends[model.end_id] = -1e4
    model.output_layer.bias.assign(never_ends)
    try:  # the default max_length, 2 * 200 + 10 tokens, fits in the positions
        _, (tokens,), _ = model.translate([longest], return_attention=True)
        assert len(tokens) == 2 * MD.MAX_SOURCE_TOKENS + 10 <= model.max_positions
    finally:
        model.output_layer.bias.assign(bias)


def test_beam_width_one_is_greedy_and_beam_scores_at_least_as_well(model):
    ids = model.source_ids(SENTENCES)
    np.testing.assert_array_equal(eager_beam_search(model, ids, beam_width=1)[0],
                                  TD.greedy_ids(model, ids, 6, use_cache=False)[0])

    def log_prob(sentence, text):
        words = TX.preprocess(text).split() + [TX.END_TOKEN]
        target = [model.target_vocabulary.index(w) for w in words]
        logits = logits_of(model, model.source_ids([sentence]), np.array([[model.start_id] + target[:-1]]))
        logits = logits[0].astype(np.float64)
        logits[:, [0, model.start_id]] = -np.inf
        log_p = logits - np.log(np.exp(logits - logits.max(-1, keepdims=True)).sum(-1, keepdims=True)) \
            - logits.max(-1, keepdims=True)
        return sum(log_p[i, t] for i, t in enumerate(target))

    bias = model.output_layer.bias.numpy()
    pushed = bias.copy()
    pushed[model.end_id] += 1.5  # the untrained model must finish to be scored
    model.output_layer.bias.assign(pushed)
    try:
        raw = dict(max_length=8, cased=False, replace_unknowns=False)
        greedy = model.translate(SENTENCES, **raw)
        beam = model.translate(SENTENCES, beam_width=3, length_penalty=0.0, **raw)
        assert all(len(t.split()) < 8 for t in greedy + beam), (greedy, beam)
        for s, g, b in zip(SENTENCES, greedy, beam):
            assert log_prob(s, b) >= log_prob(s, g) - 1e-4, (s, g, b)
    finally:
        model.output_layer.bias.assign(bias)


def test_save_and_load_translate_identically(model, pairs, tmp_path):
    recaser = model.recaser
    model.learn_case(["Tom is tall .", "Where is Tom ?"])
    try:
        model.save(tmp_path / "transformer.keras")
        loaded = keras.saving.load_model(tmp_path / "transformer.keras")
        assert type(loaded) is TransformerTranslator and loaded.get_config() == model.get_config()
        assert loaded.recaser.forms == {"tom": "Tom"}
        src, dec_in, _ = pairs
        np.testing.assert_array_equal(logits_of(loaded, src, dec_in), logits_of(model, src, dec_in))
        assert loaded.translate(SENTENCES, max_length=6) == model.translate(SENTENCES, max_length=6)
    finally:
        model.recaser = recaser


def test_a_few_training_steps_lower_the_loss():
    """06's recipe (teacher_forcing, compile_translator's loss and Adam), dropout on; the steps in
    one tf.function: on a model this small, tracing Keras' fit costs far more than training."""
    model = MD.compile_translator(tiny(2, num_layers=1, dropout=0.1), learning_rate=1e-2)
    src, dec_in, dec_out = MD.teacher_forcing(model, SOURCES, TARGETS)
    model.optimizer.build(model.trainable_variables)

    @tf.function
    def train_step():
        with tf.GradientTape() as tape:
            loss = model.loss(dec_out, model((src, dec_in), training=True))
        model.optimizer.apply(tape.gradient(loss, model.trainable_variables), model.trainable_variables)
        return loss

    losses = [float(train_step()) for _ in range(40)]
    assert losses[-1] < 0.5 * losses[0], losses


@pytest.mark.parametrize("options, error, match", [
    (dict(d_model=10, num_heads=4), ValueError, "multiple of num_heads"),
    (dict(num_layers=0), ValueError, "num_layers"),
    (dict(d_ff=2.5), ValueError, "d_ff"),
    (dict(dropout=1.0), ValueError, "dropout"),
    (dict(activation="tanh"), ValueError, "activation"),
    (dict(positions="rotary"), ValueError, "positions"),
    (dict(tie_embeddings="yes"), TypeError, "tie_embeddings"),
    (dict(max_positions=100), ValueError, "max_positions"),
])
def test_bad_configuration(options, error, match):
    with pytest.raises(error, match=match):
        TransformerTranslator(*VOCABULARIES, **{**TINY, **options})


def test_bad_vocabularies_and_blocks():
    with pytest.raises(ValueError, match="START"):
        TransformerTranslator(["", "[UNK]", "a"], ["", "[UNK]", "a", "b"])
    with pytest.raises(TypeError, match="list of strings"):
        TransformerTranslator("hola", VOCABULARIES[1])
    with pytest.raises(ValueError, match="multiple of num_heads"):
        EncoderBlock(6, 4, 8)
    with pytest.raises(ValueError, match="vocab_size"):
        TiedOutput(0)


def test_bad_decoding_input(model):
    with pytest.raises(TypeError, match="list"):
        model.translate("hola")
    with pytest.raises(ValueError, match="beam_width"):
        model.translate(["hola"], beam_width=0)
    with pytest.raises(ValueError, match="max_positions"):
        model.translate(["hola"], max_length=model.max_positions + 1)
    with pytest.raises(TypeError, match="TransformerTranslator"):
        TD.greedy_ids(MD.Translator(*VOCABULARIES, embed_dim=4, units=4), [[4]], 3)
    with pytest.raises(TypeError, match="use_cache"):
        TD.greedy_ids(model, [[4]], 3, use_cache="yes")
    with pytest.raises(ValueError, match="max_length"):
        TD.greedy_ids(model, [[4]], 0)


def test_registered_for_loading():
    for cls in (EncoderBlock, DecoderBlock, TiedOutput, TransformerTranslator):
        assert keras.saving.get_registered_object(f"helpers>{cls.__name__}") is cls
    assert issubclass(TransformerTranslator, MD.Translator)  # 06's helpers accept it
