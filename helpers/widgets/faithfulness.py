"""Notebook 07's widget: does attention explain? Two explanations of the IMDB classifier side by
side, and what the model says once the words one of them ranks first are removed.

Left, the attention weights (orange, relative to the review's largest weight, as in notebook
05); right, gradient x input (:func:`helpers.explain.gradient_x_input`), signed towards the
verdict on a two-colour scale: orange pushed towards the verdict, blue against it, strength
relative to the largest ``|score|``. The slider removes the top-k words of the chosen ranking
(:func:`helpers.explain.top_k_mask`, then :func:`helpers.explain.delete_tokens`: the rest close
up) and shows the new P(positive) (:func:`helpers.explain.predict_ids`) next to the original.

May import: :mod:`helpers.explain`, :mod:`helpers.widgets._base`, :mod:`helpers.plots`.
"""
from __future__ import annotations

import html

import numpy as np

from helpers.explain import (MAX_INPUT_CHARS, ClassifierParts, delete_tokens, gradient_x_input,
                             predict_ids, top_k_mask)
from helpers.plots import highlight_html
from helpers.widgets._base import _box, _Panel, shorten

#: The rankings the widget can remove words by (a subset of :data:`helpers.explain.RANKINGS`).
WIDGET_RANKINGS = ("attention", "gradient")
MAX_K = 10
SHOWN_CHARS = 40  # a longer word is shown cut (a 20,000-character "word" would fill pages)
LEGENDS = {
    "attention": "Attention weight: orange, the stronger the larger the weight (relative to the "
                 "largest, {top:.3f}; a uniform weight would be 1/{n} = {uniform:.3f}).",
    "gradient": "Gradient x input, signed towards the verdict: orange pushed the model towards it, "
                "blue against it (strength relative to the largest |score|).",
}


def _signed_html(tokens, scores, unknown, max_tokens: int | None) -> str:
    """Tokens on a two-colour background: orange for positive scores, blue for negative ones."""
    top = float(np.max(np.abs(scores))) if len(scores) else 0.0
    spans = []
    for i in range(len(tokens) if max_tokens is None else min(len(tokens), max_tokens)):
        alpha = 0.0 if top <= 0 else min(abs(float(scores[i])) / top, 1.0) * 0.85
        rgb = "255, 140, 0" if scores[i] >= 0 else "60, 130, 255"
        word = html.escape(tokens[i])
        word = f"<i>{word}</i>" if unknown[i] else word
        spans.append(f'<span style="background-color:rgba({rgb}, {alpha:.2f});padding:0 1px" '
                     f'title="{float(scores[i]):+.2e}">{word}</span>')
    if max_tokens is not None and len(tokens) > max_tokens:
        spans.append(f"<span> … ({len(tokens) - max_tokens} more)</span>")
    return ("<div style='line-height:1.7;font-family:sans-serif'>" + " ".join(spans) + "</div>")


class BadInput(ValueError):
    """Input the widget cannot score; its message is shown as is."""


def _verdict(p: float) -> str:
    return "positive" if p >= 0.5 else "negative"


def _check_choice(k, ranking) -> tuple[int, str]:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= MAX_K:
        raise BadInput(f"k must be a whole number from 0 to {MAX_K}, got {k!r}.")
    if ranking not in WIDGET_RANKINGS:
        raise BadInput(f"ranking must be one of {WIDGET_RANKINGS}, got {ranking!r}.")
    return int(k), ranking


def faithfulness_explorer(explainer, reviews: dict | None = None, value: str = "", k: int = 3,
                          max_tokens: int = 300):
    """Attention next to gradient x input for one review, and a "remove the top-k words" test.

    ``explainer`` is a :class:`helpers.explain.Explainer`; ``reviews`` an optional
    ``{label: text}`` offered in a drop-down (picking one fills the text area and scores it).
    Returns the VBox; ``.callback(text, k, ranking)`` updates it and returns its HTML,
    ``.explain(text, k, ranking)`` only computes the HTML, ``.analyse(text, k, ranking)`` the
    numbers behind it (a dict; :class:`BadInput`, a ``ValueError``, for bad input). Controls:
    ``.picker`` (``None`` without ``reviews``), ``.area``, ``.button``, ``.slider``,
    ``.ranking``; ``.output`` is the HTML widget. Bad input shows a message, never a traceback.
    """
    import ipywidgets as widgets

    k = min(max(int(k), 0), MAX_K)
    classifier = getattr(explainer, "classifier", None)
    parts = ClassifierParts(explainer.net if classifier is None else classifier)
    cache: dict = {}  # the last text's explanations, and its removals, so a slider move is cheap

    def explanations(text):
        if cache.get("text") != text:
            try:
                result = explainer.explain(text)
            except ValueError as error:  # Explainer's message for input it cannot score
                raise BadInput(str(error)) from None
            n = len(result["tokens"])
            ids = explainer.encoder(np.array([text])).numpy()[:, :n].astype("int32")
            gradient = gradient_x_input(parts, ids)[1]
            cache.clear()
            cache.update(text=text, result=result, ids=ids, gradient=gradient[0],
                         probability=float(predict_ids(parts, ids)[0]), removals={})
        return cache

    def analyse(text, k=k, ranking="attention"):
        k, ranking = _check_choice(k, ranking)
        try:
            text = explainer.check(text)
        except ValueError as error:
            raise BadInput(str(error)) from None
        c = explanations(text)
        if (k, ranking) not in c["removals"]:
            ids = c["ids"]
            scores = (c["result"]["weights"] if ranking == "attention" else c["gradient"])[None, :]
            mask = top_k_mask(scores, ids, k)
            edited = delete_tokens(ids, mask)
            order = np.argsort(-np.where(mask[0], scores[0], -np.inf), kind="stable")
            c["removals"][(k, ranking)] = {
                "removed": [int(i) for i in order[: int(mask.sum())]], "edited": edited,
                "new_probability": float(predict_ids(parts, edited)[0])}
        return {**c["result"], "ids": c["ids"], "gradient": c["gradient"],
                "original_probability": c["probability"], "k": k, "ranking": ranking,
                **c["removals"][(k, ranking)]}

    def explain(text, k=k, ranking="attention"):
        try:
            a = analyse(text, k, ranking)
        except BadInput as error:  # anything else reaches the box's callback, in one line
            return f"<p><b>Cannot score this input:</b> {html.escape(str(error))}</p>"
        tokens, unknown, n = a["tokens"], a["unknown"], len(a["tokens"])
        words = [shorten(t, SHOWN_CHARS) for t in tokens]
        notes = []
        if len(text) > MAX_INPUT_CHARS:
            notes.append(f"only the first {MAX_INPUT_CHARS:,} characters were read")
        if a["n_words_total"] > n:
            notes.append(f"the model reads {n} of {a['n_words_total']} words")
        if any(unknown):
            notes.append(f"{sum(unknown)} of {n} words are not in the vocabulary "
                         "(italics; the model sees them all as one 'unknown' word)")
        note = f"<p><small>{html.escape('; '.join(notes))}.</small></p>" if notes else ""
        p, q = a["original_probability"], a["new_probability"]
        removed = ", ".join(f"<span class='course-removed'>{html.escape(words[i])}</span>"
                            for i in a["removed"]) or "none"
        flipped = " (<b>the verdict flips</b>)" if _verdict(p) != _verdict(q) else ""
        gone = len(a["removed"])
        left = ("nothing (k = 0)" if gone == 0 else "all its words (an empty review)"
                if gone == n else f"the top {gone} words by {a['ranking']}")
        cell = "style='padding:2px 8px;text-align:left'"
        table = (f"<table style='border-collapse:collapse;margin:4px 0'><tr><th {cell}></th>"
                 f"<th {cell}>P(positive)</th><th {cell}>verdict</th></tr>"
                 f"<tr><td {cell}>original review</td><td {cell}><b>{p:.3f}</b></td>"
                 f"<td {cell}>{_verdict(p)}</td></tr>"
                 f"<tr class='course-edited'><td {cell}>without {left}</td>"
                 f"<td {cell}><b>{q:.3f}</b></td><td {cell}>{_verdict(q)}{flipped}</td></tr>"
                 "</table>")
        column = ("<td style='width:50%;vertical-align:top;padding:4px 8px'><b>{}</b>"
                  "<div style='font-size:85%;line-height:1.3;margin:2px 0'>{}</div>{}</td>")
        legend = LEGENDS["attention"].format(top=float(np.max(a["weights"])), n=n, uniform=1 / n)
        columns = ("<table style='table-layout:fixed;width:100%;border-collapse:collapse'><tr>"
                   + column.format("By attention", html.escape(legend),
                                   highlight_html(words, a["weights"], unknown=unknown,
                                                  max_tokens=max_tokens))
                   + column.format("By gradient x input", html.escape(LEGENDS["gradient"]),
                                   _signed_html(words, a["gradient"], unknown, max_tokens))
                   + "</tr></table>")
        return (note + table + f"<p style='margin:2px 0'>Removed ({a['ranking']}): {removed}</p>"
                + columns)

    panel = _Panel()
    area = widgets.Textarea(value=value, placeholder="Type or paste a movie review…",
                            layout=widgets.Layout(width="95%", height="90px"))
    picker = None
    if reviews:
        picker = widgets.Dropdown(options=list(reviews),
                                  value=None if value else next(iter(reviews)),
                                  description="pick a test review",
                                  style={"description_width": "initial"},
                                  layout=widgets.Layout(width="95%"))
        if not value:
            area.value = reviews[picker.value]
    button = widgets.Button(description="Explain it", button_style="primary")
    slider = widgets.IntSlider(value=k, min=0, max=MAX_K, description="remove the top-k words",
                               continuous_update=False, style={"description_width": "initial"},
                               layout=widgets.Layout(width="480px"))
    toggle = widgets.ToggleButtons(options=list(WIDGET_RANKINGS), value="attention",
                                    description="ranked by", style={"description_width": "initial"})
    controls = [c for c in (picker, area, button, slider, toggle) if c is not None]
    box = _box(controls, panel, lambda text, k, how: panel.show(explain(text, k, how)),
               "course-faithfulness-widget")

    def redraw(_=None):
        return box.callback(area.value, slider.value, toggle.value)

    if picker is not None:
        def pick(change):
            if change["new"] is not None:
                area.value = reviews[change["new"]]
                redraw()
        picker.observe(pick, names="value")

    def score(_=None):
        if picker is not None and picker.value is not None and area.value != reviews[picker.value]:
            picker.value = None  # the text was edited: it is no longer the picked review
        return redraw()

    button.on_click(score)
    slider.observe(redraw, names="value")
    toggle.observe(redraw, names="value")
    redraw()
    box.explain, box.analyse = explain, analyse
    box.picker, box.area, box.button, box.slider, box.ranking = picker, area, button, slider, toggle
    box.output = panel.message
    return box
