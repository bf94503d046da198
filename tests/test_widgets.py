"""Every widget's callback, without a browser (browser_tests/ drives them in JupyterLab).

Bad input gives a clear message, never a traceback or warning text; every heatmap, the first
included, is a real picture; long input neither floods the text nor widens the figure.
"""
import html
import io
import warnings

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import helpers
from helpers import widgets as W
from helpers.plots import MISSING_GLYPH, attention_heatmap, figure_png, heatmap_figure, tick_label
from helpers.models import build_attention_seq2seq, date_vocabularies


def pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)


def assert_picture(png: bytes, max_width: int = 1500):
    assert png, "no image"
    p = pixels(png)
    assert p.std() > 20 and (p < 245).mean() > 0.2, f"blank image: std {p.std():.1f}"
    assert p.shape[1] <= max_width, f"image {p.shape[1]} px wide"


def assert_clean(page: str):
    for word in ("Traceback", "Warning", "went wrong", "site-packages"):
        assert word not in page, page[:300]


# --- shared drawing -----------------------------------------------------------------------

def test_tick_label_replaces_missing_glyphs_and_cuts_long_labels():
    assert tick_label("está") == "está"
    assert tick_label("💥") == MISSING_GLYPH
    assert tick_label("x" * 10_000) == "x" * 19 + "…"


def test_heatmap_with_emoji_labels_draws_without_warnings():
    import matplotlib.pyplot as plt

    ax = attention_heatmap(np.full((2, 3), 1 / 3), x_labels=["a", "💥", "とても"], y_labels=["b", "🎂"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a "Glyph ... missing from font(s)" warning fails here
        ax.figure.savefig(io.BytesIO(), format="png")
    plt.close(ax.figure)


def test_heatmap_figure_is_pyplot_free_and_not_blank():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig = heatmap_figure(np.random.default_rng(0).dirichlet(np.ones(5), 4), list("abcde"), list("wxyz"))
    assert plt.get_fignums() == before  # pyplot never saw it: no backend shows or closes it
    assert_picture(figure_png(fig))


def test_a_ten_thousand_character_label_keeps_the_figure_small():
    png = figure_png(heatmap_figure(np.ones((1, 1)), ["x" * 10_000], ["y"]))
    assert pixels(png).shape[1] < 600


@pytest.mark.parametrize("labels, expected", [(list("9/27/94"), 0), (["quiero", "que", "tom", "diga", "que", "estaba"], 40),
                                              ([str(i) for i in range(13)], 90)])
def test_heatmap_label_rotation(labels, expected):
    import matplotlib.pyplot as plt

    ax = attention_heatmap(np.full((2, len(labels)), 1 / len(labels)), x_labels=labels)
    assert ax.get_xticklabels()[0].get_rotation() == expected
    plt.close(ax.figure)


# --- notebook 04: the date translator -----------------------------------------------------

def test_check_date_text():
    assert W.check_date_text("Sep 27, 1994") == (None, None)
    assert "Type a date" in W.check_date_text("   ")[0]
    assert "10,000 characters" in W.check_date_text("1" * 10_000)[0]
    assert "no letter or digit" in W.check_date_text("🎂🎉")[0]
    error, warning = W.check_date_text("27 sept. 1994 🎂")
    assert error is None and "'🎂'" in warning and "guess" in warning


@pytest.fixture(scope="module")
def date_widget():
    source, target = date_vocabularies()
    helpers.set_seed(0)
    return W.date_translator_widget(build_attention_seq2seq(source.size, target.size, embed_dim=4, units=8))


def test_date_widget_first_drawing_is_a_picture(date_widget):
    assert "→" in date_widget.message.value
    assert_picture(date_widget.image.value)


@pytest.mark.parametrize("text, expect, drawn", [
    ("", "Type a date", False), ("💥💥", "no letter or digit", False),
    ("x" * 10_000, "10,000 characters", False), ("27 décembre 1994", "never saw", True),
    ("9/27/94 🎂", "never saw", True), ("Sep 27, 1994", "→", True)])
def test_date_widget_answers_every_input(date_widget, text, expect, drawn):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        page = date_widget.callback(text)
    assert expect in page and page in date_widget.message.value
    assert_clean(page)
    if drawn:
        assert_picture(date_widget.image.value)
    else:
        assert date_widget.image.value == b"" and date_widget.image.layout.display == "none"


def test_date_widget_typing_calls_the_callback(date_widget):
    date_widget.text.value = "9/27/94"
    assert "'9/27/94' →" in html.unescape(date_widget.message.value)


def test_widget_shows_an_error_in_one_line_not_a_traceback():
    def broken(text):
        raise RuntimeError("boom")

    panel = W._Panel()
    box = W._box([], panel, broken, "course-test-widget")
    page = box.callback("x")
    assert "Something went wrong" in page and "RuntimeError: boom" in page and "Traceback" not in page


def test_static_view_says_to_run_the_cell(date_widget):
    assert date_widget._repr_mimebundle_()["text/plain"] == W.STATIC_TEXT
    assert "run its cell again" in date_widget.note.value


# --- notebook 06: the Spanish translator --------------------------------------------------

@pytest.fixture(scope="module")
def tiny_spanish_translator():
    from helpers.models import Translator
    from helpers.text import make_vocabulary

    helpers.set_seed(0)
    sources, targets = ["¿ dónde está ?", "hola ."], ["where is it ?", "hi ."]
    return Translator(make_vocabulary(sources, 50), make_vocabulary(targets, 50), embed_dim=4, units=4)


def test_check_spanish_text(tiny_spanish_translator):
    model = tiny_spanish_translator
    assert W.check_spanish_text("¿Dónde está?", model) == (None, None)
    empty = W.check_spanish_text("  ", model)[0]
    assert "Type a Spanish sentence" in empty
    emoji = W.check_spanish_text("😀👍", model)[0]
    assert "emoji" in emoji and emoji != empty  # not the message meant for empty input
    assert "no words" in W.check_spanish_text("¿?!...", model)[0]
    assert "10,000 characters" in W.check_spanish_text("x" * 10_000, model)[0]
    assert "tokens" in W.check_spanish_text("hola " * (W.MAX_SPANISH_TOKENS + 1), model)[0]
    error, warning = W.check_spanish_text("Hola, Pepito", model)
    assert error is None and "pepito" in warning and "[UNK]" in warning
    error, warning = W.check_spanish_text("y" * 250, model)
    assert error is None and len(warning) < 200  # a long unknown word is not echoed in full


@pytest.mark.parametrize("text, expect", [
    ("", "Type a Spanish sentence"), ("😀👍", "emoji"), ("x" * 10_000, "10,000 characters"),
    ("?!¿", "no words"), ("hola " * 60, "tokens"), ("¿Dónde está?", "→"),
    ("zzz qqq", "→"), ("とても良い映画でした", "→"), ("y" * 250, "→")])
def test_spanish_widget_answers_every_input(tiny_spanish_translator, text, expect):
    widget = W.spanish_translator_widget(tiny_spanish_translator)
    assert_picture(widget.image.value)  # the first drawing
    page = widget.callback(text, 3)
    assert expect in page and len(page) < 1000  # the input is never echoed in full
    assert_clean(page)
    if expect == "→":
        assert_picture(widget.image.value, max_width=800)
    else:
        assert widget.image.value == b""


def test_spanish_widget_controls_call_the_callback(tiny_spanish_translator):
    widget = W.spanish_translator_widget(tiny_spanish_translator)
    widget.text.value = "hola"
    assert "'hola' →" in html.unescape(widget.message.value)
    before = widget.message.value
    widget.beam.value = 3
    assert widget.message.value != before  # redrawn (the update counter moved)


# --- notebook 08: the Transformer's cross-attention heads ---------------------------------

@pytest.fixture(scope="module")
def tiny_transformer():
    from helpers.models import TransformerTranslator
    from helpers.text import make_vocabulary

    helpers.set_seed(0)
    sources, targets = ["¿ dónde está ?", "hola ."], ["where is it ?", "hi ."]
    model = TransformerTranslator(make_vocabulary(sources, 50), make_vocabulary(targets, 50), num_layers=2,
                                  d_model=8, num_heads=2, d_ff=16, dropout=0.0)
    model.build()
    return model


@pytest.mark.parametrize("text, expect", [
    ("", "Type a Spanish sentence"), ("😀👍", "emoji"), ("x" * 10_000, "10,000 characters"),
    ("?!¿", "no words"), ("hola " * 60, "tokens"), ("¿Dónde está?", "→"), ("zzz qqq", "→")])
def test_transformer_widget_answers_every_input(tiny_transformer, text, expect):
    widget = W.transformer_attention_widget(tiny_transformer)
    assert_picture(widget.image.value)  # the first drawing: every head of the last block
    page = widget.callback(text, 1, "all heads")
    assert expect in page and len(page) < 1000
    assert_clean(page)
    if expect == "→":
        assert_picture(widget.image.value, max_width=1500)
    else:
        assert widget.image.value == b""


def test_transformer_widget_block_and_head_redraw_without_translating_again(tiny_transformer, monkeypatch):
    from helpers.models import transformer_decoding

    calls = []
    original = transformer_decoding.cross_attention_maps
    monkeypatch.setattr(transformer_decoding, "cross_attention_maps",
                        lambda *args: calls.append(args) or original(*args))
    widget = W.transformer_attention_widget(tiny_transformer)
    widget.text.value = "hola"
    all_heads = widget.image.value
    assert "'hola' →" in html.unescape(widget.message.value) and len(calls) == 2  # the example, then "hola"
    widths = {}
    for head in ("all heads", "mean of heads", 0, 1):
        widget.head.value = head
        assert_picture(widget.image.value)
        widths[head] = pixels(widget.image.value).shape[1]
    assert widths["all heads"] > 1.5 * widths[0]  # small multiples: one panel per head
    widget.block.value = 0
    assert widget.image.value != all_heads and len(calls) == 2  # redrawn from the maps already computed
    assert [option[1] for option in widget.block.options] == [0, 1]


# --- notebook 03: the hidden-column models ------------------------------------------------

@pytest.fixture(scope="module")
def column_widget():
    from helpers.models import build_attention_pooling
    from helpers.data import attention_column_data

    models = {}
    for column in (3, 7):
        helpers.set_seed(0)
        _, attention = build_attention_pooling(10, 2)  # untrained: the widget never trains
        x, y = attention_column_data(20, 10, 2, column, seed=1)
        models[column] = (attention, x, y, 0.5)
    return W.column_attention_widget(models, column=3)


def test_column_widget_draws_the_chosen_model(column_widget):
    assert_picture(column_widget.image.value)
    page = column_widget.callback(7, 5)
    assert "answer at step 7" in page
    assert_picture(column_widget.image.value)
    column_widget.column.value = 7  # moving a slider redraws
    assert "answer at step 7" in column_widget.message.value
    column_widget.column.value = 3
    assert "answer at step 3" in column_widget.message.value


@pytest.mark.parametrize("column, example, expect", [
    (99, 0, "No model for column 99"), (3, -1, "between 0 and 19"), (3, 10**6, "between 0 and 19"),
    ("ten", 0, "Choose a column"), (None, None, "Choose a column")])
def test_column_widget_bad_choices_give_messages(column_widget, column, example, expect):
    page = column_widget.callback(column, example)
    assert expect in page
    assert_clean(page)
    assert column_widget.image.value == b""


def test_column_widget_needs_models():
    with pytest.raises(ValueError, match="at least one trained model"):
        W.column_attention_widget({})


# --- notebook 05: the review explorer -----------------------------------------------------

@pytest.fixture(scope="module")
def explainer():
    import keras

    from helpers.explain import Explainer
    from helpers.models import COURSE, build_classifier, make_encoder

    texts = ["A great movie, great acting! Loved it.", "Bad, awful film. Terrible plot and bad acting."]
    config = COURSE.replace(vocab_size=40, max_len=50, embed_dim=8, lstm_units=4, attention_units=3,
                              dense_units=5)
    encoder = make_encoder(config, texts)
    keras.utils.set_random_seed(0)
    return Explainer(encoder, build_classifier(config))


@pytest.mark.parametrize("text, expect", [
    ("great film", "P(positive)"), ("", "Cannot score"), ("😀😀👍", "Cannot score"),
    ("w" * 10_000, "P(positive)"), ("Un film magnifique", "P(positive)")])
def test_review_explorer(explainer, text, expect):
    box = W.review_explorer(explainer, value="great film")
    assert "P(positive)" in box.output.value
    box.area.value = text
    box.button.click()
    assert expect in box.output.value
    assert_clean(box.output.value)
    assert "overflow-wrap:anywhere" in box.output.value  # a 10,000-character word wraps
    assert box.explain(text) in box.output.value and box.callback(text) == box.explain(text)


def test_every_widget_follows_the_convention(date_widget, column_widget, tiny_spanish_translator, explainer,
                                             tiny_transformer):
    import ipywidgets

    for box in (date_widget, column_widget, W.spanish_translator_widget(tiny_spanish_translator),
                W.review_explorer(explainer), W.transformer_attention_widget(tiny_transformer)):
        assert isinstance(box, ipywidgets.VBox) and callable(box.callback)
        assert isinstance(box.message, ipywidgets.HTML) and isinstance(box.image, ipywidgets.Image)
        assert box.message in box.children and "course-widget" in box._dom_classes
