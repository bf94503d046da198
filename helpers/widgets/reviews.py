"""Notebook 05's widget: type a review, see the verdict and the words attention weighted.

May import: :mod:`helpers.explain` (the explainer it is given), :mod:`helpers.widgets._base`.
"""
from __future__ import annotations

from helpers.widgets._base import _Panel, _box  # noqa: F401


def review_explorer(explainer, value: str = "", max_tokens: int = 300):
    """A text area and a button: score a movie review and highlight the words it attended to.

    ``explainer`` is a :class:`helpers.explain.Explainer`. The HTML updates on every click (and
    once at the start); bad input shows a message, never a traceback. Returns the VBox;
    ``.callback(text)`` (also ``.explain(text)``, which only computes the HTML); ``.area``,
    ``.button``, ``.output`` (the HTML widget).
    """
    import ipywidgets as widgets

    panel = _Panel()

    def explain(text):
        return explainer.explain_html(text, max_tokens=max_tokens)

    def show(text):
        return panel.show(explain(text))

    area = widgets.Textarea(value=value, placeholder="Type or paste a movie review…",
                            layout=widgets.Layout(width="95%", height="90px"))
    button = widgets.Button(description="Score it", button_style="primary")
    box = _box([area, button], panel, show, "course-review-widget")
    button.on_click(lambda _: box.callback(area.value))
    box.callback(area.value)
    box.explain = explain
    box.area, box.button, box.output = area, button, panel.message
    return box
