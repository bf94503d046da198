"""Tests of the IMDB pieces (helpers.text.reviews, helpers.models.classifier, helpers.explain): text cleaning, the review encoder, the classifier's shapes and
masking, highlighting, the review explorer's handling of bad input, and save/load.

Everything uses a tiny vocabulary and tiny models (the whole file runs in well under 30 s).
"""
import html
import re

import numpy as np
import pytest

import helpers  # noqa: F401  (imports TensorFlow, registers the Keras classes)
from helpers import explain as EX
from helpers import layers as L
from helpers import models as MD
from helpers import plots as PL
from helpers import text as TX
from helpers import training as TRN
from helpers import widgets as W
import keras
import tensorflow as tf

TEXTS = [
    "A great movie, great acting!<br /><br />Loved it.",
    "Bad, awful film.<br />Terrible plot and bad acting.",
    "Great fun; the best film this year.",
    "An awful, boring mess. Bad.",
    "",
]
LABELS = np.array([1, 0, 1, 0, 0], dtype="float32")
TINY = MD.COURSE.replace(vocab_size=40, max_len=6, embed_dim=8, lstm_units=4, attention_units=3,
                        dense_units=5)


def standardize(text):
    return TX.standardize_review(tf.constant([text])).numpy()[0].decode("utf-8").split()


@pytest.fixture(scope="module")
def encoder():
    return MD.make_encoder(TINY, TEXTS)


@pytest.fixture(scope="module")
def classifier():
    keras.utils.set_random_seed(0)
    return MD.build_classifier(TINY)


def test_clean_text_removes_br_and_squeezes_space():
    assert TX.clean_text("Good.<br /><br />Very  good.<BR>End<br/>") == "Good. Very good. End"


def test_standardize_review():
    assert standardize("It's GREAT!<br />10/10 😀 'quoted'") == ["it's", "great", "10", "10",
                                                                 "quoted"]
    assert standardize("Très BIEN, ÉTÉ") == ["très", "bien", "été"]  # Unicode lower-casing
    assert standardize("😀👍 !!! <br />") == []
    assert standardize("日本語 movie") == ["日本語", "movie"]


def test_encoder_keeps_first_or_last_tokens_and_right_pads(encoder):
    vocab = encoder.vocabulary()
    assert vocab[:2] == ["", "[UNK]"] and "great" in vocab and "bad" in vocab
    ids = encoder(tf.constant(TEXTS)).numpy()
    assert ids.dtype == np.int32 and ids.shape == (5, TINY.max_len)
    words = standardize(TEXTS[1])  # 8 words: keep the last 6
    assert [vocab[i] for i in ids[1]] == words[-6:]
    first = TX.ReviewEncoder(40, 6, "first")
    first.vectorize.set_vocabulary(vocab[2:])
    assert [vocab[i] for i in first(tf.constant([TEXTS[1]])).numpy()[0]] == words[:6]
    short = encoder(tf.constant(["great", "bad great film"])).numpy()
    assert short.shape == (2, 3) and list(short[0, 1:]) == [0, 0]  # padded on the right
    assert encoder(tf.constant([""])).numpy().shape == (1, 1)  # empty: one padding id
    assert encoder(tf.constant([["great"], ["bad"]])).numpy().shape == (2, 1)  # (B, 1) input
    with pytest.raises(ValueError, match="truncate"):
        TX.ReviewEncoder(10, 5, "middle")


def test_encode_cached_reuses_the_cache(encoder, tmp_path):
    ids, _, cached = TX.encode_cached(encoder, TEXTS, tmp_path, "t")
    assert not cached and ids.shape == (5, TINY.max_len)
    again, _, cached = TX.encode_cached(encoder, TEXTS, tmp_path, "t")
    assert cached and np.array_equal(ids, again)
    _, _, cached = TX.encode_cached(encoder, TEXTS[:4], tmp_path, "t")  # other texts: new key
    assert not cached


def test_classifier_shapes_and_masked_attention(classifier):
    ids = np.array([[5, 6, 7, 0, 0], [8, 9, 10, 11, 12], [4, 0, 0, 0, 0]], dtype="int32")
    prob = classifier(ids)
    assert tuple(prob.shape) == (3, 1)
    assert np.all((prob.numpy() > 0) & (prob.numpy() < 1))
    names = [layer.name for layer in classifier.layers]
    assert {"bilstm_1", "bilstm_2", "attention", "query"} <= set(names)
    assert isinstance(classifier.get_layer("attention"), L.BahdanauAttention)
    p2, weights = MD.attention_model(classifier)(ids)
    np.testing.assert_allclose(p2.numpy(), prob.numpy(), atol=1e-6)
    w = weights.numpy()
    assert w.shape == (3, 5)
    assert np.all(w[ids == 0] == 0.0)  # padding gets exactly zero weight
    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-5)
    # Extra padding on the right changes nothing (the mask reaches LSTMs and attention).
    wider = np.pad(ids, [(0, 0), (0, 4)])
    p3, w3 = MD.attention_model(classifier)(wider)
    np.testing.assert_allclose(p3.numpy(), prob.numpy(), atol=1e-5)
    np.testing.assert_allclose(w3.numpy()[:, :5], w, atol=1e-5)


def test_original_and_course_configs():
    assert (MD.ORIGINAL.max_len, MD.ORIGINAL.lstm_layers, MD.ORIGINAL.lstm_units) == (500, 2, 64)
    assert (MD.ORIGINAL.batch_size, MD.ORIGINAL.learning_rate, MD.ORIGINAL.bucketed) == (256, 1e-3,
                                                                                     False)
    assert MD.COURSE.lstm_layers == MD.ORIGINAL.lstm_layers and MD.COURSE.bucketed
    assert MD.ORIGINAL.vocab_size == 10_000 and MD.ORIGINAL.embed_dim == 128   # the tutorials'
    assert (MD.COURSE.vocab_size, MD.COURSE.embed_dim) == (30_000, 128)        # chosen on validation
    assert MD.COURSE.pooling == "attention" and MD.POOLINGS == ("attention", "mean")
    with pytest.raises(ValueError, match="pooling"):
        MD.COURSE.replace(pooling="max")


def test_compile_with_schedule_and_train_step(classifier, encoder):
    model = TRN.compile_model(MD.build_classifier(TINY, name="c2"), loss="binary_crossentropy",
                              learning_rate=TINY.learning_rate_for(10), metrics=["accuracy"])
    ids = encoder(tf.constant(TEXTS)).numpy()
    history = model.fit(ids, LABELS, epochs=1, batch_size=5, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    with pytest.raises(ValueError, match="lr_schedule"):
        TINY.replace(lr_schedule="steps")
    acc, probs, weights = MD.evaluate_ids(model, ids, LABELS, batch_size=2, with_attention=True)
    assert 0 <= acc <= 1 and probs.shape == (5,)
    assert [len(w) for w in weights] == list((ids != 0).sum(axis=1))


def test_highlight_html_escapes_and_scales():
    page = PL.highlight_html(["<b>", "good", "film"], [0.1, 0.6, 0.3], unknown=[True, False, False],
                            title="a & b")
    assert "&lt;b&gt;" in page and "<i>&lt;b&gt;</i>" in page and "a &amp; b" in page
    assert "rgba(255, 140, 0, 0.85)" in page  # the largest weight: full colour
    assert 'title="0.600"' in page
    assert "more)" in PL.highlight_html(["a"] * 5, [0.2] * 5, max_tokens=3)
    with pytest.raises(ValueError):
        PL.highlight_html(["a", "b"], [1.0])


def text_of(page):
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


@pytest.mark.parametrize("text, expect", [
    ("", "Cannot score"),
    ("   \n\t ", "Cannot score"),
    ("😀😀👍", "Cannot score"),
    ("great film " * 2000, "P(positive)"),           # 22,000 characters: cut, and said so
    ("zorblax quibble", "not in the vocabulary"),
    ("great 😍 film", "P(positive)"),
    ("Un film magnifique, très beau", "P(positive)"),
    ("とても良い映画", "P(positive)"),
    (None, "Cannot score"),
    (12345, "Cannot score"),
])
def test_explorer_handles_bad_input(encoder, classifier, text, expect):
    explorer = W.review_explorer(EX.Explainer(encoder, classifier))
    page = explorer.explain(text)
    assert expect in page and "Traceback" not in page and "went wrong" not in page
    if isinstance(text, str) and len(text) > EX.MAX_INPUT_CHARS:
        assert "first 20,000 characters" in text_of(page)


def test_explorer_widget_updates_on_click(encoder, classifier):
    explorer = W.review_explorer(EX.Explainer(encoder, classifier), value="great film")
    assert "P(positive)" in explorer.output.value
    explorer.area.value = ""
    explorer.button.click()
    assert "Cannot score" in explorer.output.value


def test_explain_tokens_follow_truncation(encoder, classifier):
    result = EX.Explainer(encoder, classifier).explain(TEXTS[1])
    assert result["tokens"] == standardize(TEXTS[1])[-TINY.max_len:]
    assert len(result["weights"]) == TINY.max_len and result["n_words_total"] == 8


def test_top_attended_words(encoder):
    ids = encoder(tf.constant(TEXTS[:4])).numpy()
    weights = []
    for row in ids:
        n = int((row != 0).sum())
        w = np.full(n, 0.1 / max(n - 1, 1))
        w[0] = 0.9  # the first word of each review gets most attention
        weights.append(w / w.sum())
    top = EX.top_attended_words(weights, ids, encoder.vocabulary(), k=5, min_count=1)
    assert list(top.columns) == ["word", "top1", "mean_relative_weight", "occurrences"]
    assert top.top1.sum() <= 4 and len(top) > 0


def test_export_save_load_identical(encoder, classifier, tmp_path):
    model = MD.export_model(encoder, classifier)
    before = MD.predict_texts(model, TEXTS + ["great 😀", "日本語"])
    path = tmp_path / "tiny.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    after = MD.predict_texts(loaded, TEXTS + ["great 😀", "日本語"])
    np.testing.assert_array_equal(before, after)
    assert loaded.get_layer("encoder").vocabulary() == encoder.vocabulary()
    assert MD.predict_texts(loaded, []).shape == (0,)
