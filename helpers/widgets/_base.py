"""What every widget of :mod:`helpers.widgets` shares: limits, the message/image panel, the box
with its safe ``.callback``, quiet callbacks and the static view. Imports only helpers.plots.

May import: :mod:`helpers.plots` (and ipywidgets).
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
        # The image first, the message last: the browser applies widget updates in the order they
        # are sent, so once the new message (and its data-update counter) is shown, the picture
        # that belongs to it is already in place.
        if png:
            self.image.value = png
            self.image.layout.display = None
        else:
            self.image.value = b""
            self.image.layout.display = "none"
        self.updates += 1  # data-update: lets a browser test wait for this answer
        self.message.value = (f"<div data-update='{self.updates}' style='overflow-wrap:anywhere;"
                              f"word-break:break-word;max-width:100%'>{page}</div>")
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
