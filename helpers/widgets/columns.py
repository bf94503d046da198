"""Notebook 03's widget: move the hidden answer, watch the attention follow.

May import: :mod:`helpers.plots`, :mod:`helpers.models`, :mod:`helpers.widgets._base`.
"""
from __future__ import annotations

from helpers.widgets._base import _p, _Panel, _redraw_on_change, _box  # noqa: F401


def column_attention_widget(models, means=None, *, column=None, example: int = 0, time_steps=None):
    """Sliders over the hidden-column models of notebook 03: where does each one look?

    Args:
        models: ``{answer_step: (attention_model, x_test, y_test, ...)}``, models already trained
            (see :func:`helpers.models.build_attention_pooling`); extra tuple items
            (e.g. the accuracy) are ignored.
        means: ``{answer_step: (T,) mean attention}``; computed with
            :func:`helpers.models.mean_attention` when ``None``.
        column, example: the sliders' start values (default: the smallest step, example 0).

    Returns the VBox; ``.callback(column, example)`` draws one example's attention and the
    test-set mean for the model with the answer at ``column``.
    """
    import ipywidgets as widgets
    import numpy as np
    from matplotlib.patches import Rectangle

    from helpers.models import mean_attention
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
