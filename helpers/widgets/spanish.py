"""Notebook 06's widget: type a Spanish sentence, see the translation and its alignment.

May import: :mod:`helpers.plots`, :mod:`helpers.text`, :mod:`helpers.widgets._base`.
"""
from __future__ import annotations

from helpers.widgets._base import MAX_SPANISH_TOKENS, MAX_SPANISH_CHARS, shorten, _p, _Panel, _redraw_on_change, _box, _text_input, _translation  # noqa: F401


def check_spanish_text(text: str, model) -> tuple[str | None, str | None]:
    """Vet a typed Spanish sentence for :class:`helpers.models.Translator`: ``(error, warning)``.

    ``error`` (nothing translated) for empty input, input over :data:`MAX_SPANISH_CHARS`
    characters or :data:`MAX_SPANISH_TOKENS` tokens, input with nothing the model reads (emoji,
    symbols) and input with no word (punctuation only); ``warning`` (translated, but words are
    read as ``[UNK]``) for words outside the model's source vocabulary.
    """
    from helpers.text import preprocess

    example = "for example '¿Dónde está la estación?'"
    stripped = text.strip()
    if not stripped:
        return f"Type a Spanish sentence, {example}.", None
    if len(stripped) > MAX_SPANISH_CHARS:
        return (f"That is {len(stripped):,} characters; type one sentence of at most "
                f"{MAX_SPANISH_CHARS} characters ({example})."), None
    tokens = preprocess(stripped).split()
    if not tokens:
        return (f"{shorten(stripped)!r} has nothing the model can read: emoji and symbols are "
                f"dropped before translation. Type a Spanish sentence, {example}."), None
    if not any(any(ch.isalnum() for ch in t) for t in tokens):
        return f"{shorten(stripped)!r} has punctuation but no words; type a Spanish sentence, {example}.", None
    if len(tokens) > MAX_SPANISH_TOKENS:
        return (f"That is {len(tokens)} tokens; the training sentences are mostly 3-15 tokens long. "
                f"Type one sentence of at most {MAX_SPANISH_TOKENS} tokens."), None
    known = set(model.source_vocabulary)
    unknown = sorted({t for t in tokens if t not in known})
    if unknown:
        return None, (f"Not in the model's vocabulary: {', '.join(shorten(t, 30) for t in unknown)}. "
                      "They are read as [UNK], so the translation is a guess around them.")
    return None, None


def spanish_translator_widget(model, examples=("¿Dónde está la estación?", "Hoy hace mucho calor.",
                                               "No sé lo que quieres decir.")):
    """A text box and a beam-width slider: type Spanish, press Enter, see the English and the
    alignment heatmap.

    ``model`` is a trained :class:`helpers.models.Translator`. Returns the VBox;
    ``.callback(text, beam_width=1)``; ``.text`` and ``.beam`` are the controls.
    """
    import ipywidgets as widgets

    from helpers.plots import heatmap_figure
    from helpers.text import END_TOKEN, preprocess

    panel = _Panel()

    def show(text, beam_width=1):
        error, warning = check_spanish_text(text, model)
        if error:
            return panel.show(_p(error))
        (english,), (tokens,), (weights,) = model.translate([text], beam_width=int(beam_width),
                                                            return_attention=True)
        fig = heatmap_figure(weights, preprocess(text).split(), (tokens + [END_TOKEN])[: len(weights)],
                             xlabel="Spanish (source tokens)", ylabel="English (output tokens)",
                             title="Where each English word looked")
        return _translation(panel, warning, f"{shorten(text.strip())!r} → {english!r}", fig)

    box = _text_input("Spanish:", examples, "520px")
    beam = widgets.IntSlider(value=1, min=1, max=8, description="beam width:")
    widget = _box([box, beam], panel, show, "course-spanish-widget")
    _redraw_on_change(widget, [box, beam])
    widget.text, widget.beam = box, beam
    return widget
