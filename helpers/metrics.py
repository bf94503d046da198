"""Evaluation metrics for the course's sequence tasks."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.runtime import check_strings


def exact_match(predictions: Sequence[str], references: Sequence[str]) -> float:
    """Fraction of predictions identical to their reference (a whole sequence right, or wrong).
    Both are lists of strings of one length >= 1 (``TypeError``/``ValueError`` otherwise)."""
    predictions = check_strings("predictions", predictions)
    references = check_strings("references", references)
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} references.")
    if not references:
        raise ValueError("exact_match needs at least one example.")
    return float(np.mean([p == r for p, r in zip(predictions, references)]))


def char_accuracy(prediction: str, reference: str) -> float:
    """Fraction of positions where ``prediction`` has the reference's character, counted over the
    longer of the two (so missing or extra characters count as errors)."""
    for name, text in (("prediction", prediction), ("reference", reference)):
        if not isinstance(text, str):
            raise TypeError(f"{name} must be a str, got {type(text).__name__}.")
    longest = max(len(prediction), len(reference))
    if longest == 0:
        return 1.0
    return sum(p == r for p, r in zip(prediction, reference)) / longest


def length_bins(lengths: Sequence[int], bins: Sequence[int]):
    """Yield ``(low, high, indices)`` for every non-empty bin ``[low, high)`` of ``bins`` edges
    (at least two, increasing): the positions of the examples whose length falls in it."""
    edges = np.asarray(bins)
    if edges.ndim != 1 or len(edges) < 2 or not np.issubdtype(edges.dtype, np.number) \
            or np.any(np.diff(edges) <= 0):
        raise ValueError(f"bins must be at least two increasing edges, e.g. [1, 5, 10], got {bins!r}.")
    lengths = np.asarray(lengths)
    for low, high in zip(bins[:-1], bins[1:]):
        indices = np.flatnonzero((lengths >= low) & (lengths < high))
        if len(indices):
            yield low, high, indices


def accuracy_by_length(predictions: Sequence[str], references: Sequence[str],
                       lengths: Sequence[int], bins: Sequence[int]) -> pd.DataFrame:
    """Exact-match accuracy grouped by input length.

    Args:
        lengths: the input length of each example (e.g. number of source symbols).
        bins: bin edges; example ``i`` falls in ``[bins[k], bins[k+1])``.

    Returns a DataFrame with one row per non-empty bin: ``length_from``, ``length_to``
    (inclusive), ``mid`` (bin centre, for plotting), ``examples``, ``accuracy`` (exact match)
    and ``char_accuracy`` (mean :func:`char_accuracy`: how much of each answer is right).
    """
    predictions = check_strings("predictions", predictions)
    references = check_strings("references", references)
    if not len(predictions) == len(references) == len(lengths):
        raise ValueError("predictions, references and lengths must have the same length.")
    correct = np.array([p == r for p, r in zip(predictions, references)], dtype=float)
    per_char = np.array([char_accuracy(p, r) for p, r in zip(predictions, references)])
    rows = [{"length_from": int(lo), "length_to": int(hi) - 1, "mid": (lo + hi - 1) / 2,
             "examples": len(idx), "accuracy": float(correct[idx].mean()),
             "char_accuracy": float(per_char[idx].mean())}
            for lo, hi, idx in length_bins(lengths, bins)]
    return pd.DataFrame(rows)
