"""Plots shared by every notebook: one attention heatmap, one accuracy-by-length chart, and
:func:`highlight_html` (words on a background as strong as their weight).

Widgets draw without pyplot: :func:`heatmap_figure` builds a standalone ``Figure`` (not
registered with pyplot, so no backend shows or closes it behind the widget's back) and
:func:`figure_png` turns it into PNG bytes for an ``ipywidgets.Image``.

May import: :mod:`helpers.runtime` (and matplotlib, seaborn).
"""
from __future__ import annotations

import functools
import html
import io
import warnings
from collections.abc import Mapping, Sequence

import numpy as np

MAX_LABEL_CHARS = 20
MISSING_GLYPH = "\u25a1"  # WHITE SQUARE, the usual stand-in for a character a font cannot draw


@functools.lru_cache(maxsize=8)
def _charmap(font_paths: tuple[str, ...]) -> frozenset[int]:
    from matplotlib import ft2font

    codes: set[int] = set()
    for path in font_paths:
        codes.update(ft2font.FT2Font(path).get_charmap())
    return frozenset(codes)


def _drawable_characters() -> frozenset[int]:
    """Code points the current text font(s) can draw (matplotlib falls back along
    ``rcParams["font.family"]``, so the union over that list)."""
    import matplotlib
    from matplotlib import font_manager

    families = matplotlib.rcParams["font.family"]
    families = [families] if isinstance(families, str) else list(families)
    paths = tuple(sorted({font_manager.findfont(font_manager.FontProperties(family=[f]))
                          for f in families}))
    return _charmap(paths)


def tick_label(text, max_chars: int = MAX_LABEL_CHARS) -> str:
    """``text`` as a tick label that always draws cleanly.

    Characters the font has no glyph for (emoji, CJK with the default DejaVu Sans) become
    ``□`` instead of making matplotlib warn ``Glyph ... missing from font(s)`` at draw
    time; labels longer than ``max_chars`` are cut with ``…`` (a 10,000-character "word"
    would otherwise make the figure 80,000 pixels wide).
    """
    text = str(text)
    drawable = _drawable_characters()
    text = "".join(ch if ord(ch) in drawable else MISSING_GLYPH for ch in text)
    return text if len(text) <= max_chars else text[: max_chars - 1] + "\u2026"


def heatmap_size(shape) -> tuple[float, float]:
    """Figure size (inches) for a ``(T_query, T_key)`` heatmap: grows with the matrix, capped."""
    rows, cols = shape
    return max(min(1.0 + 0.45 * cols, 16), 3.5), max(min(1.0 + 0.4 * rows, 12), 1.8)


def attention_heatmap(
    weights,
    x_labels: Sequence[str] | None = None,
    y_labels: Sequence[str] | None = None,
    *,
    ax=None,
    title: str | None = None,
    xlabel: str = "attended to (keys / source)",
    ylabel: str = "query (output step)",
    annotate: bool | None = None,
    cmap: str = "viridis",
):
    """Draw attention weights as a seaborn heatmap and return the matplotlib ``Axes``.

    Args:
        weights: array of shape ``(T_query, T_key)`` (one row per query; each row sums to 1),
            or ``(T_key,)`` for a single query, drawn as one row.
        x_labels: ``T_key`` tick labels (source tokens); ``None`` for indices.
        y_labels: ``T_query`` tick labels (output tokens); ``None`` for indices. Labels pass
            through :func:`tick_label` (no missing-glyph warnings, long labels cut).
        ax: the ``Axes`` to draw on; ``None`` for a new pyplot figure sized to the matrix.
        annotate: write the numbers in the cells; by default only for small matrices.
    """
    import seaborn as sns

    w = np.asarray(weights, dtype=float)
    if w.ndim == 1:
        w = w[None, :]
    if w.ndim != 2:
        raise ValueError(f"attention_heatmap expects a 1-D or 2-D array, got shape {w.shape}.")
    for labels, size, name in ((x_labels, w.shape[1], "x_labels"), (y_labels, w.shape[0], "y_labels")):
        if labels is not None and len(labels) != size:
            raise ValueError(f"{name} has {len(labels)} labels but the weights have {size} columns/rows.")
    x_labels = None if x_labels is None else [tick_label(label) for label in x_labels]
    y_labels = None if y_labels is None else [tick_label(label) for label in y_labels]
    if annotate is None:
        annotate = w.size <= 64
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=heatmap_size(w.shape))
    sns.heatmap(
        w,
        ax=ax,
        vmin=0.0,
        vmax=max(float(w.max()), 1e-9),
        cmap=cmap,
        annot=annotate,
        fmt=".2f",
        square=False,
        cbar=True,
        xticklabels=x_labels if x_labels is not None else "auto",
        yticklabels=y_labels if y_labels is not None else "auto",
    )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    # Upright labels while they fit (characters, short words); slanted, then vertical, when not.
    longest = max((len(label) for label in x_labels), default=1) if x_labels is not None else 2
    rotation = 90 if w.shape[1] > 12 else (40 if longest > 5 and w.shape[1] > 4 else 0)
    ax.tick_params(axis="x", labelrotation=rotation)
    if rotation == 40:
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
            label.set_rotation_mode("anchor")
    ax.tick_params(axis="y", labelrotation=0)
    if title:
        ax.set_title(title)
    return ax


def heatmap_figure(weights, x_labels=None, y_labels=None, *, figsize=None, dpi: int = 72, **kwargs):
    """:func:`attention_heatmap` on a standalone ``matplotlib.figure.Figure`` and return it.

    The figure is not registered with pyplot: no backend displays or closes it, nothing is left
    open, and the caller decides how it is shown (a widget uses :func:`figure_png`). ``figsize``
    defaults to :func:`heatmap_size`; ``kwargs`` go to :func:`attention_heatmap`.
    """
    from matplotlib.figure import Figure

    shape = np.atleast_2d(np.asarray(weights, dtype=float)).shape
    fig = Figure(figsize=figsize or heatmap_size(shape), dpi=dpi)
    attention_heatmap(weights, x_labels, y_labels, ax=fig.subplots(), **kwargs)
    return fig


def heads_figure(maps, x_labels=None, y_labels=None, *, titles=None, dpi: int = 72, **kwargs):
    """Small multiples: one :func:`attention_heatmap` per head, side by side, on a standalone
    ``Figure`` (as :func:`heatmap_figure`). ``maps (H, T_query, T_key)``; ``titles``: ``H``
    panel titles (default "head 0", "head 1", ...); ``kwargs`` go to every panel (numbers are
    not written in the cells unless ``annotate=True``)."""
    from matplotlib.figure import Figure

    maps = np.asarray(maps, dtype=float)
    if maps.ndim != 3:
        raise ValueError(f"heads_figure expects maps of shape (heads, T_query, T_key), got {maps.shape}.")
    titles = list(titles) if titles is not None else [f"head {h}" for h in range(len(maps))]
    if len(titles) != len(maps):
        raise ValueError(f"{len(titles)} titles for {len(maps)} heads.")
    width, height = heatmap_size(maps.shape[1:])
    fig = Figure(figsize=(width * len(maps), height), dpi=dpi, layout="constrained")
    kwargs.setdefault("annotate", False)
    for ax, weights, title in zip(np.atleast_1d(fig.subplots(1, len(maps))), maps, titles):
        attention_heatmap(weights, x_labels, y_labels, ax=ax, title=title, **kwargs)
    return fig


def figure_png(fig, dpi: int | None = None) -> bytes:
    """The figure as PNG bytes (cropped to its content), without any warning reaching the caller.

    Drawing happens here, so this is where matplotlib would warn (e.g. about a glyph missing from
    the font); such warnings are swallowed, since a widget's reader cannot act on them and
    :func:`tick_label` already replaced what could not be drawn.
    """
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig.savefig(buffer, format="png", dpi=dpi or fig.dpi, bbox_inches="tight")
    return buffer.getvalue()


def plot_accuracy_by_length(
    curves: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    *,
    ax=None,
    title: str = "Exact-match accuracy by input length",
    xlabel: str = "input length (symbols)",
    ylabel: str = "exact-match accuracy",
    ylim: tuple[float, float] | None = (-0.03, 1.03),
):
    """Plot one accuracy-vs-length line per model and return the ``Axes``.

    Args:
        curves: ``{label: (lengths, accuracies)}``, e.g. from
            :func:`helpers.metrics.accuracy_by_length`.
        ylim: y-axis range (default a 0-1 accuracy); ``None`` lets matplotlib choose (e.g. BLEU).
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    for label, (lengths, accuracies) in curves.items():
        ax.plot(list(lengths), list(accuracies), marker="o", label=label)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return ax


def _colour(weight: float, top: float) -> str:
    alpha = 0.0 if top <= 0 else min(max(weight / top, 0.0), 1.0)
    return f"rgba(255, 140, 0, {0.85 * alpha:.2f})"


def highlight_html(tokens, weights, *, unknown=None, title: str | None = None,
                   max_tokens: int | None = None) -> str:
    """Tokens as HTML text, each on a background whose strength is its weight relative to the
    review's largest weight (hover shows the weight). ``unknown``: per-token booleans; unknown
    words (not in the vocabulary) are shown in italics. Everything is HTML-escaped."""
    tokens = [str(t) for t in tokens]
    weights = np.asarray(weights, dtype=float).reshape(-1)
    if len(tokens) != len(weights):
        raise ValueError(f"{len(tokens)} tokens but {len(weights)} weights.")
    unknown = [False] * len(tokens) if unknown is None else list(unknown)
    top = float(weights.max()) if len(weights) else 0.0
    shown = range(len(tokens)) if max_tokens is None else range(min(len(tokens), max_tokens))
    spans = []
    for i in shown:
        word = html.escape(tokens[i])
        if unknown[i]:
            word = f"<i>{word}</i>"
        spans.append(f'<span style="background-color:{_colour(weights[i], top)};'
                     f'padding:0 1px" title="{weights[i]:.3f}">{word}</span>')
    if max_tokens is not None and len(tokens) > max_tokens:
        spans.append(f"<span> … ({len(tokens) - max_tokens} more)</span>")
    head = f"<div style='margin-bottom:2px'><b>{html.escape(title)}</b></div>" if title else ""
    return (f"<div style='line-height:1.7;font-family:sans-serif;max-width:900px'>{head}"
            + " ".join(spans) + "</div>")
