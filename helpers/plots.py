"""Plots shared by every notebook: one attention heatmap, one accuracy-by-length chart."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


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
        y_labels: ``T_query`` tick labels (output tokens); ``None`` for indices.
        annotate: write the numbers in the cells; by default only for small matrices.
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    w = np.asarray(weights, dtype=float)
    if w.ndim == 1:
        w = w[None, :]
    if w.ndim != 2:
        raise ValueError(f"attention_heatmap expects a 1-D or 2-D array, got shape {w.shape}.")
    for labels, size, name in ((x_labels, w.shape[1], "x_labels"), (y_labels, w.shape[0], "y_labels")):
        if labels is not None and len(labels) != size:
            raise ValueError(f"{name} has {len(labels)} labels but the weights have {size} columns/rows.")
    if annotate is None:
        annotate = w.size <= 64
    if ax is None:
        width = min(1.0 + 0.45 * w.shape[1], 16)
        height = min(1.0 + 0.4 * w.shape[0], 12)
        _, ax = plt.subplots(figsize=(max(width, 3.5), max(height, 1.8)))
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
        xticklabels=list(x_labels) if x_labels is not None else "auto",
        yticklabels=list(y_labels) if y_labels is not None else "auto",
    )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    # Upright labels while they fit (characters, short words); slanted, then vertical, when not.
    longest = max((len(str(label)) for label in x_labels), default=1) if x_labels is not None else 2
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
