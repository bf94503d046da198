"""Notebook 07's widget (helpers.widgets.faithfulness_explorer), on a tiny untrained classifier.

Both highlight columns are shown; k = 0 changes nothing; removing k words removes exactly
min(k, length) of them and reports what predict_ids says for the edited ids; switching the
ranking changes the removed words when the rankings differ; bad input gives a message, never a
traceback or warning text. (browser_tests/test_faithfulness_in_browser.py drives it in JupyterLab.)
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from helpers import explain as EX
from helpers import widgets as W

TEXTS = ["A great movie, great acting! Loved it.", "Bad, awful film. Terrible plot and bad acting.",
         "The plot was dull but the music was great."]
REVIEWS = {"a good one": TEXTS[0], "a bad one": TEXTS[1]}


@pytest.fixture(scope="module")
def explainer():
    import keras

    from helpers.models import COURSE, build_classifier, make_encoder

    config = COURSE.replace(vocab_size=40, max_len=50, embed_dim=8, lstm_units=4, attention_units=4,
                            dense_units=4)
    encoder = make_encoder(config, TEXTS)
    keras.utils.set_random_seed(0)
    return EX.Explainer(encoder, build_classifier(config))


@pytest.fixture(scope="module")
def box(explainer):
    return W.faithfulness_explorer(explainer, reviews=REVIEWS)


def assert_clean(page: str):
    for word in ("Traceback", "Warning", "went wrong", "site-packages"):
        assert word not in page, page[:300]


def edited_row(page: str) -> str:
    return re.search(r"<tr class='course-edited'>.*?</tr>", page).group(0)


def expected(explainer, text, k, ranking):
    """What the widget must report, computed independently with helpers.explain."""
    parts = EX.ClassifierParts(explainer.classifier)
    ids = explainer.encoder(np.array([text])).numpy()
    ids = ids[:, : int((ids != 0).sum())]
    scores = (EX.attention_weights(parts, ids)[1] if ranking == "attention"
              else EX.gradient_x_input(parts, ids)[1])
    mask = EX.top_k_mask(scores, ids, k)
    return ids, mask, float(EX.predict_ids(parts, EX.delete_tokens(ids, mask))[0])


def test_follows_the_widget_convention(box):
    import ipywidgets

    assert isinstance(box, ipywidgets.VBox) and callable(box.callback) and callable(box.explain)
    assert box.message in box.children and box.output is box.message
    assert "course-widget" in box._dom_classes and "course-faithfulness-widget" in box._dom_classes
    for control in (box.picker, box.area, box.button, box.slider, box.ranking):
        assert control in box.children
    assert (box.slider.min, box.slider.max) == (0, 10)
    assert set(box.ranking.options) == {"attention", "gradient"}
    assert box._repr_mimebundle_()["text/plain"] == W.STATIC_TEXT


def test_first_view_has_both_highlight_columns(box):
    page = box.output.value
    assert box.area.value == TEXTS[0] and box.picker.value == "a good one"
    assert "By attention" in page and "By gradient x input" in page
    assert "blue against it" in page and "a uniform weight would be 1/" in page  # the legends
    assert page.count("<td style='width:50%") == 2
    assert re.search(r"rgba\(255, 140, 0, 0\.[1-9]", page), "no highlighted word"
    assert "P(positive)" in page and "original review" in page
    assert_clean(page)


def test_k_zero_changes_nothing(explainer, box):
    a = box.analyse(TEXTS[1], 0, "gradient")
    assert a["removed"] == [] and (a["edited"] == a["ids"]).all()
    assert a["new_probability"] == pytest.approx(a["original_probability"], abs=1e-6)
    page = box.callback(TEXTS[1], 0, "attention")
    assert "course-removed" not in page and "nothing (k = 0)" in page
    assert f"<b>{a['original_probability']:.3f}</b>" in edited_row(page)


@pytest.mark.parametrize("text, k, ranking", [(TEXTS[1], 3, "attention"), (TEXTS[1], 1, "gradient"),
                                              ("great film", 10, "gradient")])
def test_removes_min_k_length_words_and_reports_predict_ids(explainer, box, text, k, ranking):
    ids, mask, probability = expected(explainer, text, k, ranking)
    n = ids.shape[1]
    a = box.analyse(text, k, ranking)
    assert len(a["removed"]) == min(k, n) == int(mask.sum())
    assert sorted(a["removed"]) == np.flatnonzero(mask[0]).tolist()
    assert a["new_probability"] == pytest.approx(probability, abs=1e-6)
    page = box.callback(text, k, ranking)
    assert page.count("class='course-removed'") == min(k, n)
    row = edited_row(page)
    assert f"<b>{probability:.3f}</b>" in row
    assert ("all its words (an empty review)" in row) if k >= n else (f"words by {ranking}" in row)
    tokens = a["tokens"]
    assert [w for w in re.findall(r"class='course-removed'>([^<]*)<", page)] == [
        tokens[i] for i in a["removed"]]
    assert_clean(page)


def test_switching_the_ranking_changes_the_removed_words(box):
    differing = 0
    for text in TEXTS:
        a = box.analyse(text, 1, "attention")
        top_attention = int(np.argmax(a["weights"]))
        top_gradient = int(np.argmax(a["gradient"]))
        if top_attention == top_gradient:
            continue
        differing += 1
        box.area.value, box.slider.value, box.ranking.value = text, 1, "attention"
        box.button.click()
        by_attention = box.output.value
        box.ranking.value = "gradient"  # the toggle redraws by itself
        by_gradient = box.output.value
        removed = [re.findall(r"class='course-removed'>([^<]*)<", page)
                   for page in (by_attention, by_gradient)]
        assert removed == [[a["tokens"][top_attention]], [a["tokens"][top_gradient]]]
        assert "words by gradient" in edited_row(by_gradient)
    assert differing, "attention and gradient agree on every test text: pick other texts"


def test_slider_and_picker_redraw(box):
    box.picker.value = "a bad one"
    assert box.area.value == TEXTS[1]
    box.ranking.value = "attention"
    box.slider.value = 2
    assert box.output.value.count("class='course-removed'") == 2
    box.slider.value = 4
    assert box.output.value.count("class='course-removed'") == 4


@pytest.mark.parametrize("text, message", [
    ("", "no words to read"), ("😀😀👍", "no words to read"),
    ("!!! ??? ...", "no words to read"),
    (5, "expected text, got int"), (None, "expected text, got NoneType"),
    (["great"], "expected text, got list"), ("great " * 4000, "only the first 20,000 characters"),
    ("w" * 25_000, "only the first 20,000 characters")])
def test_bad_input_gives_a_message(box, text, message):
    page = box.callback(text, 3, "attention")
    assert message in page, page[:300]
    assert_clean(page)
    assert len(page) < 20_000  # a 25,000-character word is shown cut, not in full


@pytest.mark.parametrize("k, ranking, message", [
    (11, "attention", "k must be a whole number"), (-1, "gradient", "k must be a whole number"),
    (2.5, "attention", "k must be a whole number"), (2, "random", "ranking must be one of")])
def test_bad_choices_give_a_message(box, k, ranking, message):
    page = box.callback("great film", k, ranking)
    assert "Cannot score this input" in page and message in page
    assert_clean(page)


def test_an_unexpected_error_is_one_line_not_a_traceback(explainer):
    class Broken:
        encoder, classifier, net = explainer.encoder, explainer.classifier, explainer.net
        check = staticmethod(EX.Explainer.check)

        def explain(self, text):
            raise RuntimeError("the model is gone")

    page = W.faithfulness_explorer(Broken(), value="great film").output.value
    assert "Something went wrong" in page and "the model is gone" in page
    assert "Traceback" not in page
