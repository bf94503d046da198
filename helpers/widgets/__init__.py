"""Every interactive explorer of the course (ipywidgets), built the same way: one module per
notebook (``columns`` 03, ``dates`` 04, ``reviews`` 05, ``spanish`` 06, ``faithfulness`` 07,
``transformer`` 08) on a
shared ``_base``.

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

May import: its own modules.
"""
from helpers.widgets._base import (ECHO_CHARS, MAX_DATE_CHARS, MAX_SPANISH_CHARS, MAX_SPANISH_TOKENS,
                                   RERUN_NOTE, STATIC_TEXT, _box, _Panel, shorten)
from helpers.widgets.columns import column_attention_widget
from helpers.widgets.dates import check_date_text, date_translator_widget
from helpers.widgets.faithfulness import faithfulness_explorer
from helpers.widgets.reviews import review_explorer
from helpers.widgets.spanish import check_spanish_text, spanish_translator_widget
from helpers.widgets.transformer import transformer_attention_widget

__all__ = ["ECHO_CHARS", "MAX_DATE_CHARS", "MAX_SPANISH_CHARS", "MAX_SPANISH_TOKENS", "RERUN_NOTE",
           "STATIC_TEXT", "check_date_text", "check_spanish_text", "column_attention_widget",
           "date_translator_widget", "faithfulness_explorer", "review_explorer", "shorten",
           "spanish_translator_widget", "transformer_attention_widget"]
