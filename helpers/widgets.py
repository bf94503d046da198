"""Every interactive explorer of the course (ipywidgets), built the same way.

The convention, for every ``*_widget`` / ``*_explorer`` function here:

* it takes trained models (never trains: a click must answer in a moment) and returns an
  ``ipywidgets.VBox``, not displayed: make it a cell's last expression (or ``display`` it);
* the box's ``.callback`` is the function its controls call, with the same arguments as the
  controls' values (``callback(text)``, ``callback(text, beam_width)``, ``callback(column,
  example)``); it updates the box and returns the HTML it shows, so tests and notebooks can call
  it directly;
* the box shows text in ``.message`` (an ``HTML``) and a heatmap in ``.image`` (an ``Image``
  holding PNG bytes; hidden when there is nothing to draw), drawn with
  :func:`helpers.plots.heatmap_figure` on a figure pyplot never sees;
* bad input gives a message, never a traceback, and no warning text reaches the box: Python
  warnings and TensorFlow's log lines raised during a callback are swallowed, and any error is
  reported in one line.

Why not ``Output`` + ``plt.show()``: JupyterLab (4.6 here) with ipykernel 7 sends by default widget
messages over a kernel *subshell*, so callbacks run on another thread than the cells, while
pyplot's global figure list and the inline backend's ``show()`` (display every open figure, then
close them all) are shared with the main thread; drawn that way, the first heatmap a widget drew
after a click came out as a blank white PNG. A figure pyplot never sees, saved to PNG bytes by
the callback itself (:func:`helpers.plots.figure_png`), is exactly what was drawn, on any thread.
"""
from __future__ import annotations

import contextlib
import html
import logging
import warnings

MAX_DATE_CHARS = 40
MAX_SPANISH_TOKENS = 40
MAX_SPANISH_CHARS = 300
ECHO_CHARS = 80

RERUN_NOTE = ("This is a live widget: if it does not answer (for example after the page was "
              "reloaded or the kernel restarted), run its cell again.")
# Shown by JupyterLab/nbviewer/GitHub wherever the widget itself cannot be drawn.
STATIC_TEXT = "[interactive widget: run this cell (and the cells above it) to use it]"


def shorten(text: str, max_chars: int = ECHO_CHARS) -> str:
    """``text`` cut to ``max_chars`` characters with ``…`` and the full length, for echoing input."""
    text = str(text)
    return text if len(text) <= max_chars else f"{text[: max_chars - 1]}… ({len(text):,} characters)"


@contextlib.contextmanager
def _quiet():
    """Swallow Python warnings and TensorFlow's log lines (e.g. retracing notices) for a callback."""
    loggers = [logging.getLogger(name) for name in ("tensorflow", "absl", "keras")]
    levels = [logger.level for logger in loggers]
    try:
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _p(text: str, *, bold: str | None = None) -> str:
    head = f"<b>{html.escape(bold)}</b> " if bold else ""
    return f"<p style='margin:2px 0'>{head}{html.escape(text)}</p>"


class _Panel:
    """The shared output part of every widget: ``message`` (HTML) above ``image`` (PNG)."""

    def __init__(self):
        import ipywidgets as widgets

        # overflow-wrap: a 10,000-character word wraps inside the cell instead of running off it.
        self.message = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.message.add_class("course-widget-message")
        # align_self: drawn at its own size (a VBox would stretch it to the cell's width).
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%", height="auto",
                                                                       align_self="flex-start"))
        self.image.add_class("course-widget-image")
        self.updates = 0

    def show(self, page: str, png: bytes | None = None) -> str:
        self.updates += 1  # data-update: lets a browser test wait for this answer
        self.message.value = (f"<div data-update='{self.updates}' style='overflow-wrap:anywhere;"
                              f"word-break:break-word;max-width:100%'>{page}</div>")
        if png:
            self.image.value = png
            self.image.layout.display = None
        else:
            self.image.value = b""
            self.image.layout.display = "none"
        return page


def _redraw_on_change(widget, controls) -> None:
    """Call ``widget.callback`` with the controls' values now, and again whenever one changes."""
    def redraw(_=None):
        return widget.callback(*(control.value for control in controls))

    for control in controls:
        control.observe(redraw, names="value")
    redraw()


def _box(controls, panel: _Panel, callback, name: str):
    """The VBox every widget returns: controls, the panel and a note; ``.callback`` exposed
    (``callback`` wrapped so that it never raises and stays quiet)."""
    import ipywidgets as widgets

    def safe(*args):
        with _quiet():
            try:
                return callback(*args)
            except Exception as error:  # noqa: BLE001  (a widget must never show a traceback)
                return panel.show(_p(f"{type(error).__name__}: {shorten(str(error), 300)}",
                                     bold="Something went wrong:"))

    note = widgets.HTML(f"<small style='color:#777'>{html.escape(RERUN_NOTE)}</small>")
    box = widgets.VBox([*controls, panel.message, panel.image, note])
    box.add_class("course-widget")
    box.add_class(name)
    box.callback = safe
    box.message, box.image, box.note = panel.message, panel.image, note
    box._repr_mimebundle_ = _static_bundle(box)
    return box


def _text_input(description: str, examples, width: str):
    """A one-line text box that answers on Enter (not on every keystroke)."""
    import ipywidgets as widgets

    return widgets.Text(value=examples[0], description=description, continuous_update=False,
                        placeholder="e.g. " + " / ".join(examples) + " (then Enter)",
                        layout=widgets.Layout(width=width))


def _translation(panel: _Panel, warning: str | None, echo: str, fig) -> str:
    """Show a translation: the warning (if any), ``echo``, the heatmap."""
    from helpers.plots import figure_png

    return panel.show((_p(warning) if warning else "") + _p(echo), figure_png(fig))


def _static_bundle(box):
    """The widget's display data with a plain-text fallback that says to run the cell."""
    original = box._repr_mimebundle_

    def bundle(**kwargs):
        data = original(**kwargs)
        if data:
            data["text/plain"] = STATIC_TEXT
        return data

    return bundle


# ------------------------------------------------------------------------ notebook 03: columns

def column_attention_widget(models, means=None, *, column=None, example: int = 0, time_steps=None):
    """Sliders over the hidden-column models of notebook 03: where does each one look?

    Args:
        models: ``{answer_step: (attention_model, x_test, y_test, ...)}``, models already trained
            (see :func:`helpers.column_demo.build_attention_pooling`); extra tuple items
            (e.g. the accuracy) are ignored.
        means: ``{answer_step: (T,) mean attention}``; computed with
            :func:`helpers.column_demo.mean_attention` when ``None``.
        column, example: the sliders' start values (default: the smallest step, example 0).

    Returns the VBox; ``.callback(column, example)`` draws one example's attention and the
    test-set mean for the model with the answer at ``column``.
    """
    import ipywidgets as widgets
    import numpy as np
    from matplotlib.patches import Rectangle

    from helpers.column_demo import mean_attention
    from helpers.plots import figure_png, heatmap_figure

    if not models:
        raise ValueError("column_attention_widget needs at least one trained model.")
    models = {int(c): tuple(m[:3]) for c, m in models.items()}
    means = {int(c): np.asarray(m) for c, m in means.items()} if means is not None else \
        {c: mean_attention(m[0], m[1]) for c, m in models.items()}
    columns = sorted(models)
    panel = _Panel()

    def show(column, example):
        try:
            column, example = int(column), int(example)
        except (TypeError, ValueError):
            return panel.show(_p(f"Choose a column from {columns} and a whole-number example "
                                 f"(got {column!r}, {example!r})."))
        if column not in models:
            return panel.show(_p(f"No model for column {column}; choose one of {columns}."))
        attention, xt, yt = models[column]
        if not 0 <= example < len(xt):
            return panel.show(_p(f"Example must be between 0 and {len(xt) - 1}, got {example}."))
        single = np.asarray(attention(np.asarray(xt[example:example + 1], dtype="float32")))[0]
        steps = time_steps or len(single)
        fig = heatmap_figure(np.stack([single, means[column]]), [str(t) for t in range(steps)],
                             [f"example {example} (y={int(np.ravel(yt[example])[0])})", "test-set mean"],
                             annotate=False, xlabel="time step", ylabel="", figsize=(11, 2.2),
                             title=f"Answer hidden at step {column}: attention peaks at step "
                                   f"{single.argmax()} (this example), {means[column].argmax()} (mean)")
        fig.axes[0].add_patch(Rectangle((column, 0), 1, 2, fill=False, edgecolor="red", lw=2))
        return panel.show(_p(f"Model trained with the answer at step {column}: this example's "
                             f"attention peaks at step {single.argmax()}, the test-set mean at step "
                             f"{means[column].argmax()} (red box: the answer)."), figure_png(fig))

    start = columns[0] if column is None or int(column) not in models else int(column)
    column_slider = widgets.SelectionSlider(options=columns, value=start, description="answer at")
    example_slider = widgets.IntSlider(value=example, min=0, max=len(models[start][1]) - 1,
                                       description="example")

    box = _box([column_slider, example_slider], panel, show, "course-column-widget")
    _redraw_on_change(box, [column_slider, example_slider])
    box.column, box.example = column_slider, example_slider
    return box


# ------------------------------------------------------------------------ notebook 04: dates

def check_date_text(text: str) -> tuple[str | None, str | None]:
    """Vet a typed date for the translator: returns ``(error, warning)``.

    ``error`` (translation refused) for empty or overlong input and for input with no letter or
    digit (emoji, punctuation); ``warning`` (translated, but the answer is a guess) for
    characters the date vocabulary does not contain.
    """
    from helpers.seq2seq import date_vocabularies

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
    from helpers.seq2seq import load_date_translator, translate_dates

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


# ------------------------------------------------------------------------ notebook 05: reviews

def review_explorer(explainer, value: str = "", max_tokens: int = 300):
    """A text area and a button: score a movie review and highlight the words it attended to.

    ``explainer`` is a :class:`helpers.sentiment.Explainer`. The HTML updates on every click (and
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


# ------------------------------------------------------------------------ notebook 06: Spanish

def check_spanish_text(text: str, model) -> tuple[str | None, str | None]:
    """Vet a typed Spanish sentence for :class:`helpers.translator.Translator`: ``(error, warning)``.

    ``error`` (nothing translated) for empty input, input over :data:`MAX_SPANISH_CHARS`
    characters or :data:`MAX_SPANISH_TOKENS` tokens, input with nothing the model reads (emoji,
    symbols) and input with no word (punctuation only); ``warning`` (translated, but words are
    read as ``[UNK]``) for words outside the model's source vocabulary.
    """
    from helpers.translator import preprocess

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

    ``model`` is a trained :class:`helpers.translator.Translator`. Returns the VBox;
    ``.callback(text, beam_width=1)``; ``.text`` and ``.beam`` are the controls.
    """
    import ipywidgets as widgets

    from helpers.plots import heatmap_figure
    from helpers.translator import END, preprocess

    panel = _Panel()

    def show(text, beam_width=1):
        error, warning = check_spanish_text(text, model)
        if error:
            return panel.show(_p(error))
        (english,), (tokens,), (weights,) = model.translate([text], beam_width=int(beam_width),
                                                            return_attention=True)
        fig = heatmap_figure(weights, preprocess(text).split(), (tokens + [END])[: len(weights)],
                             xlabel="Spanish (source tokens)", ylabel="English (output tokens)",
                             title="Where each English word looked")
        return _translation(panel, warning, f"{shorten(text.strip())!r} → {english!r}", fig)

    box = _text_input("Spanish:", examples, "520px")
    beam = widgets.IntSlider(value=1, min=1, max=8, description="beam width:")
    widget = _box([box, beam], panel, show, "course-spanish-widget")
    _redraw_on_change(widget, [box, beam])
    widget.text, widget.beam = box, beam
    return widget
