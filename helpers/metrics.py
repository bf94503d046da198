"""Evaluation metrics for the course's sequence tasks."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def exact_match(predictions: Sequence[str], references: Sequence[str]) -> float:
    """Fraction of predictions identical to their reference (a whole sequence right, or wrong)."""
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} references.")
    if not references:
        raise ValueError("exact_match needs at least one example.")
    return float(np.mean([p == r for p, r in zip(predictions, references)]))


def char_accuracy(prediction: str, reference: str) -> float:
    """Fraction of positions where ``prediction`` has the reference's character, counted over the
    longer of the two (so missing or extra characters count as errors)."""
    longest = max(len(prediction), len(reference))
    if longest == 0:
        return 1.0
    return sum(p == r for p, r in zip(prediction, reference)) / longest


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
    if not len(predictions) == len(references) == len(lengths):
        raise ValueError("predictions, references and lengths must have the same length.")
    correct = np.array([p == r for p, r in zip(predictions, references)], dtype=float)
    per_char = np.array([char_accuracy(p, r) for p, r in zip(predictions, references)])
    lengths = np.asarray(lengths)
    rows = []
    for lo, hi in zip(bins[:-1], bins[1:]):
        in_bin = (lengths >= lo) & (lengths < hi)
        if in_bin.any():
            rows.append({"length_from": int(lo), "length_to": int(hi) - 1, "mid": (lo + hi - 1) / 2,
                         "examples": int(in_bin.sum()), "accuracy": float(correct[in_bin].mean()),
                         "char_accuracy": float(per_char[in_bin].mean())})
    return pd.DataFrame(rows)
