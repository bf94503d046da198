"""Notebook 07's widget (faithfulness_explorer) in JupyterLab in Chromium, used as a learner uses it.

A fixture notebook (written to the server's temp folder) loads the model notebook 05 saved and
builds the widget with two test reviews. The tests type a review and click, move the "remove
the top-k words" slider with the keyboard, switch the ranking, pick a review from the list and
try bad input, and read what the page shows: both highlight columns side by side, the verdict
and P(positive) before and after the removal, and never a traceback or warning text. With
``COURSE_SCREENSHOTS=1`` each test also saves the widget itself in ``browser_tests/screenshots/``.
"""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

import nbformat
import pytest

from lab_pages import run_fixture_notebook, wait_for_selectors

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"  # as in conftest.py

SETUP = """\
import helpers
import keras
from helpers.explain import Explainer
from helpers.widgets import faithfulness_explorer
model = keras.models.load_model(helpers.artifacts_dir() / "05_imdb_bilstm_attention.keras")
explainer = Explainer(model.get_layer("encoder"), model.get_layer("classifier"))"""

WIDGET = """\
faithfulness_explorer(explainer, k=2, reviews={
    "a warm one": "A wonderful, moving film. The acting is superb and the story is beautiful.",
    "a harsh one": "Boring and badly acted. The plot makes no sense and the ending is awful."})"""

NAME = ".course-faithfulness-widget"
BAD_WORDS = ("Traceback", "Warning", "warning:", "Error", ".venv", "site-packages", "went wrong")
TIMEOUT_MS = 240_000  # the first answer includes loading TensorFlow and the model on a busy machine
TYPED = "The music was wonderful and the actors were great, but the story was dull and far too long."


def shown(page) -> dict:
    """The widget's message: text, the data-update counter, the edited row and removed words."""
    return page.locator(NAME).evaluate("""(box) => {
        const msg = box.querySelector('.course-widget-message');
        const upd = msg.querySelector('[data-update]');
        const row = msg.querySelector('tr.course-edited');
        return {text: msg.innerText, update: upd ? Number(upd.dataset.update) : 0,
                edited: row ? row.innerText : '',
                removed: [...msg.querySelectorAll('.course-removed')].map(e => e.innerText),
                columns: [...msg.querySelectorAll('td[style*="width:50%"]')].map(e => {
                    const r = e.getBoundingClientRect();
                    return {text: e.innerText, left: r.left, top: r.top, width: r.width}; })};
    }""")


def answer_after(page, action) -> dict:
    """Do ``action`` and wait until the widget shows a newer answer."""
    before = shown(page)["update"]
    action()
    page.wait_for_function(
        "([sel, n]) => { const e = document.querySelector(sel + ' [data-update]');"
        " return e && Number(e.dataset.update) > n; }", arg=[NAME, before], timeout=60_000)
    return shown(page)


def probabilities(info) -> list[float]:
    return [float(p) for p in re.findall(r"\b[01]\.\d{3}\b", info["text"].split("By attention")[0])]


def assert_clean(page, info, what):
    for word in BAD_WORDS:
        assert word not in info["text"], f"{what}: {word!r} in {info['text'][:300]!r}"
    stderr = page.locator("[data-mime-type='application/vnd.jupyter.stderr']")
    assert stderr.count() == 0, f"{what}: stderr output in the notebook: {stderr.first.inner_text()[:300]}"


def assert_two_columns(info):
    left, right = info["columns"]
    assert "By attention" in left["text"] and "By gradient x input" in right["text"]
    assert abs(left["top"] - right["top"]) < 2 and right["left"] > left["left"] + 200, info["columns"]
    assert min(left["width"], right["width"]) > 200, info["columns"]


@pytest.fixture(scope="module")
def page(browser, jupyter_lab):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in (SETUP, WIDGET)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, jupyter_lab["root"] / "faithfulness_fixture.ipynb")
    started = time.perf_counter()
    page = run_fixture_notebook(browser, jupyter_lab, "faithfulness_fixture.ipynb",
                                {"width": 1280, "height": 1000}, TIMEOUT_MS)
    wait_for_selectors(page, [f"{NAME} [data-update]"], TIMEOUT_MS)
    print(f"fixture notebook ran in {time.perf_counter() - started:.0f} s")
    yield page
    page.context.close()


@pytest.fixture(autouse=True)
def _screenshots(request, page):
    request.node._course_page = page  # conftest saves the page on failure (or always, see below)
    yield
    if os.environ.get("COURSE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(exist_ok=True)
        box = page.locator(NAME)
        box.scroll_into_view_if_needed()
        box.screenshot(path=str(SCREENSHOTS / f"faithfulness_widget_{request.node.name[:80]}.png"))


def test_first_view_shows_both_columns_and_the_removal(page):
    info = shown(page)
    assert "P(positive)" in info["text"] and "original review" in info["text"]
    assert len(info["removed"]) == 2 and "the top 2 words by attention" in info["edited"]
    assert len(probabilities(info)) == 2
    assert_two_columns(info)
    assert_clean(page, info, "first view")


def test_type_a_review_then_move_the_slider(page):
    box = page.locator(NAME)
    box.locator("textarea").fill(TYPED)
    typed = answer_after(page, lambda: box.get_by_role("button", name="Explain it").click())
    assert "wonderful" in typed["columns"][0]["text"] and len(typed["removed"]) == 2
    original, after_2 = probabilities(typed)
    handle = box.locator(".noUi-handle").first
    handle.focus()
    moved = answer_after(page, lambda: handle.press("ArrowRight"))  # k 2 -> 3
    assert len(moved["removed"]) == 3 and moved["removed"][:2] == typed["removed"]
    assert "the top 3 words by attention" in moved["edited"]
    again, after_3 = probabilities(moved)
    assert again == original                 # the original review's score stays
    assert f"{after_3:.3f}" in moved["edited"] and moved["edited"] != typed["edited"]
    verdict = "positive" if after_3 >= 0.5 else "negative"
    assert verdict in moved["edited"]
    print(f"P(positive) {original:.3f}; without 2 words {after_2:.3f}; without 3 {after_3:.3f}")
    assert_two_columns(moved)
    assert_clean(page, moved, "after the slider")


def test_switch_to_the_gradient_ranking(page):
    box = page.locator(NAME)
    info = answer_after(page, lambda: box.get_by_role("button", name="gradient").click())
    assert "words by gradient" in info["edited"] and len(info["removed"]) == 3
    assert_two_columns(info)
    assert_clean(page, info, "gradient ranking")


def test_pick_a_test_review(page):
    box = page.locator(NAME)
    info = answer_after(page, lambda: box.locator("select").select_option(label="a harsh one"))
    assert box.locator("textarea").input_value().startswith("Boring and badly acted")
    assert "boring" in info["columns"][0]["text"]
    assert_clean(page, info, "picked review")


@pytest.mark.parametrize("text, expected", [("", "no words to read"), ("😀😀👍", "no words to read"),
                                            ("w" * 25_000, "only the first 20,000 characters")],
                         ids=["empty", "emoji", "25000 chars"])
def test_bad_input_gives_a_message(page, text, expected):
    box = page.locator(NAME)
    box.locator("textarea").fill(text)
    info = answer_after(page, lambda: box.get_by_role("button", name="Explain it").click())
    assert expected in info["text"], info["text"][:300]
    assert_clean(page, info, f"bad input {text[:10]!r}")
    overflow = box.evaluate("""(box) => {
        const right = box.closest('.jp-Cell').getBoundingClientRect().right; let worst = 0;
        for (const e of box.querySelectorAll('.course-widget-message *'))
            worst = Math.max(worst, e.getBoundingClientRect().right - right);
        return worst; }""")
    assert overflow <= 1, f"text runs {overflow:.0f} px past the cell's right edge"
