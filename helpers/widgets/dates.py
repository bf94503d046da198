"""Notebook 04's widget: type a date, see its ISO translation and the attention heatmap.

May import: :mod:`helpers.plots`, :mod:`helpers.models`, :mod:`helpers.widgets._base`.
"""
from __future__ import annotations

from helpers.widgets._base import MAX_DATE_CHARS, shorten, _p, _Panel, _redraw_on_change, _box, _text_input, _translation  # noqa: F401


def check_date_text(text: str) -> tuple[str | None, str | None]:
    """Vet a typed date for the translator: returns ``(error, warning)``.

    ``error`` (translation refused) for empty or overlong input and for input with no letter or
    digit (emoji, punctuation); ``warning`` (translated, but the answer is a guess) for
    characters the date vocabulary does not contain.
    """
    from helpers.models import date_vocabularies

    stripped = text.strip()
    if not stripped:
        return "Type a date, for example 'Sep 27, 1994', '9/27/94' or 'TUESDAY, SEPTEMBER 27, 1994'.", None
    if len(stripped) > MAX_DATE_CHARS:
        return (f"That is {len(stripped):,} characters; the model was trained on dates of at most 29. "
                f"Type a single date (up to {MAX_DATE_CHARS} characters)."), None
    if not any(ch.isalnum() for ch in stripped):
        return (f"{shorten(stripped)!r} has no letter or digit, so there is no date to read. "
                "Type a date, for example 'Sep 27, 1994'."), None
    unknown = date_vocabularies()[0].unknown_characters(stripped)
    if unknown:
        return None, (f"The model never saw {' '.join(repr(c) for c in unknown)}; it reads them as "
                      "<unk>, so the answer below is a guess.")
    return None, None


def date_translator_widget(model, examples=("Sep 27, 1994", "TUESDAY, SEPTEMBER 27, 1994", "9/27/94")):
    """A text box: type a date, press Enter, see its ISO translation and the attention heatmap.

    ``model`` is a trained date model (or the path of its ``.keras`` file). Returns the VBox;
    ``.callback(text)``; ``.text`` is the box.
    """
    from helpers.plots import heatmap_figure
    from helpers.models import load_date_translator, translate_dates

    model = load_date_translator(model)
    panel = _Panel()

    def show(text):
        error, warning = check_date_text(text)
        if error:
            return panel.show(_p(error))
        text = text.strip()
        (iso,), (weights,) = translate_dates(model, [text], return_attention=True)
        fig = heatmap_figure(weights, list(text), (list(iso) + ["<end>"])[: len(weights)],
                             xlabel="input characters", ylabel="output characters",
                             title="Where each output character looked")
        return _translation(panel, warning, f"{text!r} → {iso}", fig)

    box = _text_input("Date:", examples, "420px")

    widget = _box([box], panel, show, "course-date-widget")
    _redraw_on_change(widget, [box])
    widget.text = box
    return widget
