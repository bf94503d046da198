"""Every widget of the course in JupyterLab in Chromium, used as a learner uses it.

One fixture notebook (written to a temp folder at test time, so nbval never collects it) builds
the five widgets from real models: 03's column models (trained here in seconds), and the models
notebooks 04, 05, 06 and 08 saved. The tests run all its cells, then type, press Enter or click, and
read what the page shows: the answer, the heatmap or the highlighted words, and for bad input a
clear message with no traceback and no warning text. Every image, the first included, must be a
real picture (decoded PNG with varied pixels), not a blank one.
"""
from __future__ import annotations

import base64
import io
import re
import time

import nbformat
import numpy as np
import pytest

from lab_pages import run_fixture_notebook, wait_for_selectors

SETUP = """\
import helpers
import keras
from helpers.widgets import (column_attention_widget, date_translator_widget, review_explorer,
                             spanish_translator_widget, transformer_attention_widget)
artifacts = helpers.artifacts_dir()"""

COLUMN = """\
# Notebook 03's widget: attention-pooling models with the answer hidden at two steps.
from helpers.models import build_attention_pooling
from helpers.data import attention_column_data
column_models = {}
for column in (4, 12):
    x, y = attention_column_data(2000, 20, 2, column, seed=0)
    helpers.set_seed(0)
    model, attention = build_attention_pooling(20, 2)
    model.fit(x, y, epochs=3, batch_size=64, verbose=0)
    column_models[column] = (attention, *attention_column_data(100, 20, 2, column, seed=1))
column_attention_widget(column_models, column=4)"""

DATE = 'date_translator_widget(artifacts / "04_date_translator_luong_general.keras")'

REVIEW = """\
from helpers.explain import Explainer
reviews = keras.models.load_model(artifacts / "05_imdb_bilstm_attention.keras")
review_explorer(Explainer(reviews.get_layer("encoder"), reviews.get_layer("classifier")),
                value="The acting was wooden, but the music was wonderful.")"""

SPANISH = """\
from helpers.models import Translator
spanish_translator_widget(keras.saving.load_model(artifacts / "06_spa_eng_translator.keras"))"""

TRANSFORMER = """\
transformer_attention_widget(keras.saving.load_model(artifacts / "08_transformer_translator.keras"))"""

WIDGETS = ("column", "date", "review", "spanish", "transformer")
BAD_WORDS = ("Traceback", "Warning", "warning:", "Error", ".venv", "site-packages")
TIMEOUT_MS = 240_000  # first answers include loading TensorFlow and the models on a busy machine


def _write_fixture(folder):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c)
                                         for c in (SETUP, COLUMN, DATE, REVIEW, SPANISH, TRANSFORMER)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / "widgets_fixture.ipynb")


# ------------------------------------------------------------------------------ page helpers

def png_pixels(data: bytes) -> np.ndarray:
    """A PNG's pixels as a grey-level float array."""
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(data)).convert("L"), dtype=float)


def widget(page, name):
    return page.locator(f".course-{name}-widget")


def update_count(page, name) -> int:
    value = widget(page, name).locator("[data-update]").get_attribute("data-update", timeout=TIMEOUT_MS)
    return int(value)


def wait_for_answer(page, name, before: int, timeout=60_000) -> None:
    page.wait_for_function(
        "([sel, n]) => { const e = document.querySelector(sel + ' [data-update]');"
        " return e && Number(e.dataset.update) > n; }",
        arg=[f".course-{name}-widget", before], timeout=timeout)


def shown(page, name) -> dict:
    """What the widget shows: its message text and, if visible, its image's PNG bytes and sizes."""
    box = widget(page, name)
    info = box.evaluate("""async (box) => {
        const img = box.querySelector('img.course-widget-image');
        const msg = box.querySelector('.course-widget-message');
        const out = {text: msg ? msg.innerText : '', html: msg ? msg.innerHTML : '',
                     boxWidth: box.getBoundingClientRect().width, image: null};
        if (img && img.src && getComputedStyle(img).display !== 'none') {
            if (!img.complete) await new Promise(r => img.addEventListener('load', r, {once: true}));
            const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
            let s = ''; for (const b of bytes) s += String.fromCharCode(b);
            out.image = {b64: btoa(s), width: img.naturalWidth, shownWidth: img.getBoundingClientRect().width};
        }
        return out;
    }""")
    if info["image"]:
        info["image"]["png"] = base64.b64decode(info["image"].pop("b64"))
    return info


def assert_picture(image, what):
    assert image is not None, f"{what}: no image shown"
    pixels = png_pixels(image["png"])
    non_white = float((pixels < 245).mean())
    assert pixels.std() > 20 and non_white > 0.2, (
        f"{what}: blank image ({len(image['png'])} bytes, {pixels.shape}, std {pixels.std():.1f}, "
        f"{non_white:.0%} non-white)")
    assert image["shownWidth"] <= min(image["width"] + 1, 1200), (
        f"{what}: image shown {image['shownWidth']:.0f} px wide, drawn {image['width']} px")


def assert_clean(page, info, what):
    for word in BAD_WORDS:
        assert word not in info["text"], f"{what}: {word!r} in {info['text'][:300]!r}"
    stderr = page.locator("[data-mime-type='application/vnd.jupyter.stderr']")
    assert stderr.count() == 0, f"{what}: stderr output in the notebook: {stderr.first.inner_text()[:300]}"


def type_and_enter(page, name, text, selector="input[type='text']"):
    before = update_count(page, name)
    box = widget(page, name).locator(selector).first
    box.fill(text)
    box.press("Enter")
    wait_for_answer(page, name, before)
    return shown(page, name)


def slide_right(page, name):
    """Move the widget's first slider one step right with the keyboard, as a learner can."""
    before = update_count(page, name)
    handle = widget(page, name).locator(".noUi-handle").first
    handle.focus()
    handle.press("ArrowRight")
    wait_for_answer(page, name, before)
    return shown(page, name)


# ------------------------------------------------------------------------------ the session

FIRST_ANSWERS: dict[str, dict] = {}  # what each widget showed right after Run All


@pytest.fixture(scope="module")
def page(browser, jupyter_lab):
    _write_fixture(jupyter_lab["root"])
    started = time.perf_counter()
    page = run_fixture_notebook(browser, jupyter_lab, "widgets_fixture.ipynb",
                                {"width": 1280, "height": 900}, TIMEOUT_MS)
    wait_for_selectors(page, [f".course-{name}-widget [data-update]" for name in WIDGETS], TIMEOUT_MS)
    FIRST_ANSWERS.update({name: shown(page, name) for name in WIDGETS})
    print(f"fixture notebook ran in {time.perf_counter() - started:.0f} s")
    yield page
    page.context.close()


@pytest.fixture(autouse=True)
def _screenshot_on_failure(request):
    if "page" in request.fixturenames:
        request.node._course_page = request.getfixturevalue("page")
    yield


# ------------------------------------------------------------------------------ tests

@pytest.mark.parametrize("name", ["column", "date", "spanish", "transformer"])
def test_first_heatmap_is_a_picture(page, name):
    info = FIRST_ANSWERS[name]
    assert_picture(info["image"], f"{name} widget, first drawing")
    assert_clean(page, info, name)


def test_first_review_is_highlighted(page):
    info = FIRST_ANSWERS["review"]
    assert "P(positive)" in info["text"]
    assert re.search(r"background-color:\s*rgba\(255, 140, 0, 0\.[1-9]", info["html"]), "no highlighted word"


DATE_INPUTS = {  # input -> text the answer must contain
    "9/27/94": "→",
    "": "Type a date",
    "🎂🎉": "no letter or digit",
    "7" * 10_000: "10,000 characters",
    "27 décembre 1994": "never saw",
    "Sep 27, 1994": "→",
}


SPANISH_INPUTS = {
    "Hoy hace mucho calor.": "→",
    "": "Type a Spanish sentence",
    "😀👍": "nothing the model can read",
    "x" * 10_000: "10,000 characters",
    "Je ne sais pas ce que tu veux dire.": "Not in the model's vocabulary",
    "¿Dónde está la estación?": "→",
}


TRANSFORMER_INPUTS = {
    "Me gusta mucho leer libros.": "→",
    "": "Type a Spanish sentence",
    "¿?¡!": "no words",
    "hola " * 300: "characters",
}


TEXT_INPUTS = [("date", text, expected) for text, expected in DATE_INPUTS.items()] + [
    ("spanish", text, expected) for text, expected in SPANISH_INPUTS.items()] + [
    ("transformer", text, expected) for text, expected in TRANSFORMER_INPUTS.items()]


@pytest.mark.parametrize("name, text, expected", TEXT_INPUTS, ids=lambda v: repr(v[:12]))
def test_text_widget(page, name, text, expected):
    """Type into the date, Spanish or Transformer widget: the answer (or the message for bad input) is shown,
    the input is never echoed in full, nothing leaks, and a translation comes with a picture."""
    info = type_and_enter(page, name, text)
    assert expected in info["text"], info["text"][:300]
    assert len(info["text"]) < 1000, "the input is echoed in full"
    assert_clean(page, info, f"{name} widget")
    if "→" in info["text"]:
        assert_picture(info["image"], f"{name} widget, {text[:20]!r}")
    else:
        assert info["image"] is None


def test_spanish_beam_slider(page):
    info = slide_right(page, "spanish")  # beam width 1 -> 2
    assert "→" in info["text"]
    assert_picture(info["image"], "Spanish widget, beam width 2")


def choose(page, name, index, label):
    """Pick ``label`` in the widget's ``index``-th drop-down, as a learner does."""
    before = update_count(page, name)
    widget(page, name).locator("select").nth(index).select_option(label=label)
    wait_for_answer(page, name, before)
    return shown(page, name)


def test_transformer_heads_and_blocks(page):
    """All heads side by side, then one head, then another block: each a real picture, one head
    narrower than all of them, the translation unchanged (the maps are reused, not recomputed)."""
    every_head = type_and_enter(page, "transformer", "¿Dónde está la estación?")  # all heads, last block
    assert "→" in every_head["text"]
    assert_picture(every_head["image"], "Transformer widget, all heads")
    one_head = choose(page, "transformer", 1, "head 1")
    assert_picture(one_head["image"], "Transformer widget, head 1")
    assert one_head["image"]["width"] < every_head["image"]["width"] / 1.5
    other_block = choose(page, "transformer", 0, "block 0")
    assert_picture(other_block["image"], "Transformer widget, block 0, head 1")
    assert other_block["image"]["png"] != one_head["image"]["png"]
    assert other_block["text"] == one_head["text"] == every_head["text"]
    assert_clean(page, other_block, "Transformer widget")


REVIEW_INPUTS = {
    "A wonderful film, the best I have seen this year.": "P(positive)",
    "": "Cannot score",
    "😀😀👍": "Cannot score",
    "w" * 10_000: "P(positive)",
    "Un film magnifique, je l'ai adoré.": "P(positive)",
}


@pytest.mark.parametrize("text", list(REVIEW_INPUTS), ids=lambda t: repr(t[:12]))
def test_review_widget(page, text):
    before = update_count(page, "review")
    box = widget(page, "review")
    box.locator("textarea").fill(text)
    box.get_by_role("button", name="Score it").click()
    wait_for_answer(page, "review", before)
    info = shown(page, "review")
    assert REVIEW_INPUTS[text] in info["text"], info["text"][:300]
    assert_clean(page, info, "review widget")
    # Nothing runs off the right edge of the cell, a 10,000-character word included.
    overflow = box.evaluate("""(box) => {
        const cell = box.closest('.jp-Cell'); const right = cell.getBoundingClientRect().right;
        let worst = 0;
        for (const e of box.querySelectorAll('.course-widget-message *'))
            worst = Math.max(worst, e.getBoundingClientRect().right - right);
        return worst; }""")
    assert overflow <= 1, f"text runs {overflow:.0f} px past the cell's right edge"


def test_column_widget_follows_the_slider(page):
    info = slide_right(page, "column")  # answer at 4 -> 12
    assert "answer at step 12" in info["text"], info["text"]
    assert_picture(info["image"], "column widget, answer at 12")
    assert_clean(page, info, "column widget")


def test_widgets_answer_after_a_page_reload(page):
    """Saved, then reloaded (the kernel keeps running): the widgets come back live from the
    kernel and answer, and each says to re-run its cell should it ever not."""
    page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty",
                           timeout=30_000)
    page.reload()
    wait_for_selectors(page, [".course-date-widget [data-update]"], TIMEOUT_MS)
    assert "run its cell again" in widget(page, "date").inner_text()
    info = type_and_enter(page, "date", "12/31/49")
    assert "→" in info["text"]
    assert_picture(info["image"], "date widget after reload")
