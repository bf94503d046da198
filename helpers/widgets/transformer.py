"""Notebook 08's widget: type a Spanish sentence, see the Transformer's translation and what its
cross-attention heads read, one block and one head at a time or every head of a block at once.

May import: :mod:`helpers.plots`, :mod:`helpers.models.transformer_decoding`,
:mod:`helpers.widgets._base`, :mod:`helpers.widgets.spanish`.
"""
from __future__ import annotations

from helpers.widgets._base import _box, _p, _Panel, _redraw_on_change, _text_input, _translation, shorten
from helpers.widgets.spanish import check_spanish_text

#: The head control's first choices besides the heads themselves.
ALL_HEADS, MEAN_OF_HEADS = "all heads", "mean of heads"


def transformer_attention_widget(model, examples=("¿Dónde está la estación?", "Hoy hace mucho calor.",
                                                  "No sé lo que quieres decir.")):
    """A text box, a block chooser and a head chooser: type Spanish, press Enter, see the English
    and the cross-attention map of the chosen decoder block and head (``"all heads"``: every head
    of the block side by side; ``"mean of heads"``: their average, what the course's [UNK]
    replacement reads from the last block).

    ``model`` is a trained :class:`helpers.models.TransformerTranslator`. Returns the VBox;
    ``.callback(text, block, head)`` (``block`` 0 .. N-1, ``head`` an int or one of the two
    names); ``.text``, ``.block`` and ``.head`` are the controls. Changing the block or the head
    redraws without translating again.
    """
    import ipywidgets as widgets

    from helpers.models.transformer_decoding import cross_attention_maps
    from helpers.plots import heads_figure, heatmap_figure
    from helpers.text import END_TOKEN

    panel, last = _Panel(), {}

    def maps_of(text):
        if last.get("text") != text:  # translate once per sentence, not once per head
            source, tokens, maps = cross_attention_maps(model, text)
            last.update(text=text, source=source, rows=tokens + [END_TOKEN], maps=maps,
                        english=model.translate([text])[0])
        return last

    def show(text, block=None, head=ALL_HEADS):
        error, warning = check_spanish_text(text, model)
        if error:
            return panel.show(_p(error))
        found = maps_of(text)
        block = model.num_layers - 1 if block is None else int(block)
        maps = found["maps"][block]  # (H, output tokens + 1, source tokens)
        labels = dict(x_labels=found["source"], y_labels=found["rows"], xlabel="Spanish (source tokens)",
                      ylabel="English (output tokens)")
        if head == ALL_HEADS:
            fig = heads_figure(maps, titles=[f"block {block}, head {h}" for h in range(len(maps))], **labels)
        elif head == MEAN_OF_HEADS:
            fig = heatmap_figure(maps.mean(axis=0), title=f"block {block}, mean of {len(maps)} heads", **labels)
        else:
            fig = heatmap_figure(maps[int(head)], title=f"block {block}, head {int(head)}", **labels)
        return _translation(panel, warning, f"{shorten(text.strip())!r} → {found['english']!r}", fig)

    box = _text_input("Spanish:", examples, "520px")
    block = widgets.Dropdown(options=[(f"block {b}", b) for b in range(model.num_layers)],
                             value=model.num_layers - 1, description="decoder:")
    choices = [(ALL_HEADS, ALL_HEADS), (MEAN_OF_HEADS, MEAN_OF_HEADS)]  # (label, value) pairs, all of them
    head = widgets.Dropdown(options=choices + [(f"head {h}", h) for h in range(model.num_heads)],
                            value=ALL_HEADS, description="heads:")
    widget = _box([box, widgets.HBox([block, head])], panel, show, "course-transformer-widget")
    _redraw_on_change(widget, [box, block, head])
    widget.text, widget.block, widget.head = box, block, head
    return widget
