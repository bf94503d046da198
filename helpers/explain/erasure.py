"""Erasure tests of an explanation: remove the words it ranks first and see what the model does.

An explanation ranks a review's tokens. If the ranking is *faithful*, removing its top tokens
should change the model's decision more than removing random ones (DeYoung et al. 2020, ERASER).
For the predicted class ``y`` of each review ``x`` and its top-k tokens ``r``:

* **flip rate**: the share of reviews whose decision changes when ``r`` is removed;
* **comprehensiveness** ``p_y(x) - p_y(x without r)``: how much probability leaves with ``r``
  (larger = the ranking found what the decision rests on);
* **sufficiency** ``p_y(only r)``: the probability when only ``r`` is kept (ERASER reports
  ``p_y(x) - p_y(only r)``, smaller = better; here the probability itself, larger = better).

"Removing" deletes tokens: the rest close up and stay right-padded (as the model's cuDNN path
needs), so the model reads a shorter review, not one with holes. Padding is never ranked, never
removed, never counted in a fraction. Rankings (``scores (N, T)``, higher = more important,
``-inf`` on padding):

* ``"attention"``: the attention weights; ``"gradient"``: gradient x input
  (:func:`helpers.explain.parts.gradient_x_input`); ``"leave_one_out"``: the drop in ``p_y``
  when the token alone is removed (:func:`leave_one_out`); ``"random"``: a seeded random order.

May import: ``numpy``, ``pandas``, :mod:`helpers.runtime`, :mod:`helpers.explain.parts`.
"""
from __future__ import annotations

import numpy as np

from helpers.explain.parts import (attention_weights, check_ids, gradient_x_input,
                                   predict_ids)
from helpers.runtime import check_int

__all__ = ["RANKINGS", "delete_tokens", "top_k_mask", "k_for_fraction", "leave_one_out",
           "random_scores", "rank_tokens", "erasure_curves", "kendall_agreement"]

RANKINGS = ("attention", "gradient", "leave_one_out", "random")


def delete_tokens(ids, remove) -> np.ndarray:
    """``ids (N, T)`` with the tokens where ``remove (N, T)`` is True deleted: the remaining
    tokens keep their order and are right-padded to the same width ``T``. Padding stays padding
    whatever ``remove`` says there."""
    ids = check_ids(ids)
    remove = np.asarray(remove, bool)
    if remove.shape != ids.shape:
        raise ValueError(f"remove must have the shape of ids {ids.shape}, got {remove.shape}.")
    keep = (ids != 0) & ~remove
    # a stable sort of "not kept" moves the kept tokens to the front, in their order
    order = np.argsort(~keep, axis=1, kind="stable")
    out = np.take_along_axis(np.where(keep, ids, 0), order, axis=1)
    return out


def _check_scores(scores, ids) -> np.ndarray:
    scores = np.asarray(scores, np.float64)
    if scores.shape != ids.shape:
        raise ValueError(f"scores must have the shape of ids {ids.shape}, got {scores.shape}.")
    return np.where(ids != 0, scores, -np.inf)


def top_k_mask(scores, ids, k) -> np.ndarray:
    """Boolean ``(N, T)``: each review's ``k`` highest-scoring real tokens (ties broken by
    position). ``k`` is an integer >= 0 or one per review; it is capped at the review's length."""
    ids = check_ids(ids)
    scores = _check_scores(scores, ids)
    k = np.broadcast_to(np.asarray(k), (len(ids),))
    if k.size and (not np.issubdtype(k.dtype, np.integer) or k.min() < 0):
        raise ValueError(f"k must be integers >= 0, got {k[:5]}.")
    ranks = np.empty_like(ids, dtype=np.int64)
    order = np.argsort(-scores, axis=1, kind="stable")
    np.put_along_axis(ranks, order, np.arange(ids.shape[1])[None, :].repeat(len(ids), 0), axis=1)
    return (ranks < k[:, None]) & (ids != 0)


def k_for_fraction(ids, fraction: float) -> np.ndarray:
    """Tokens per review for a fraction of its length: ``ceil(fraction * length)``, at least 1."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction!r}.")
    lengths = (check_ids(ids) != 0).sum(axis=1)
    return np.maximum(np.ceil(fraction * lengths - 1e-9).astype(int), 1)


def leave_one_out(model, ids, *, batch_size: int = 512):
    """Leave-one-out scores ``(N, T)``: ``p_y(x) - p_y(x without token t)`` for every real
    token (``y`` the predicted class), ``-inf`` on padding. Costs one forward pass per token."""
    ids = check_ids(ids)
    probability = predict_ids(model, ids, batch_size=batch_size)
    sign = np.where(probability >= 0.5, 1.0, -1.0)
    scores = np.full(ids.shape, -np.inf)
    lengths = (ids != 0).sum(axis=1)
    rows = np.repeat(np.arange(len(ids)), lengths)
    cols = np.concatenate([np.arange(n) for n in lengths]) if len(ids) else np.zeros(0, int)
    for s in range(0, len(rows), 8 * batch_size):   # a bounded number of edited copies at once
        r, c = rows[s : s + 8 * batch_size], cols[s : s + 8 * batch_size]
        remove = np.zeros((len(r), ids.shape[1]), bool)
        remove[np.arange(len(r)), c] = True
        edited = predict_ids(model, delete_tokens(ids[r], remove), batch_size=batch_size)
        scores[r, c] = sign[r] * (probability[r] - edited)
    return scores


def random_scores(ids, seed: int = 0) -> np.ndarray:
    """A seeded random ranking: uniform scores on real tokens, ``-inf`` on padding."""
    ids = check_ids(ids)
    rng = np.random.default_rng(check_int("seed", seed, 0))
    return np.where(ids != 0, rng.random(ids.shape), -np.inf)


def rank_tokens(model, ids, methods=RANKINGS, *, seed: int = 0, batch_size: int = 512) -> dict:
    """``{method: scores (N, T)}`` for the rankings in ``methods`` (see the module docstring)."""
    unknown = set(methods) - set(RANKINGS)
    if unknown:
        raise ValueError(f"unknown ranking(s) {sorted(unknown)}; choose from {RANKINGS}.")
    ids = check_ids(ids)
    out = {}
    for method in methods:
        if method == "attention":
            out[method] = np.where(ids != 0, attention_weights(model, ids, batch_size=batch_size)[1],
                                   -np.inf)
        elif method == "gradient":
            out[method] = gradient_x_input(model, ids, batch_size=batch_size)[1]
        elif method == "leave_one_out":
            out[method] = leave_one_out(model, ids, batch_size=batch_size)
        else:
            out[method] = random_scores(ids, seed)
    return out


def erasure_curves(model, ids, scores: dict, *, ks=tuple(range(1, 11)),
                   fractions=(0.01, 0.05, 0.10, 0.20, 0.50), batch_size: int = 512):
    """One row per ranking and budget (``k`` tokens, or a fraction of each review): flip rate,
    comprehensiveness and sufficiency (module docstring), as a ``pandas.DataFrame`` with columns
    ``ranking, budget, k, fraction, flip_rate, comprehensiveness, sufficiency``."""
    import pandas as pd

    ids = check_ids(ids)
    probability = predict_ids(model, ids, batch_size=batch_size)
    positive = probability >= 0.5
    p_y = np.where(positive, probability, 1 - probability)
    budgets = [(f"top {k}", int(k), np.nan, np.full(len(ids), int(k))) for k in ks]
    budgets += [(f"top {f:.0%}", np.nan, f, k_for_fraction(ids, f)) for f in fractions]
    rows = []
    for name, ranking in scores.items():
        for label, k, fraction, per_review in budgets:
            chosen = top_k_mask(ranking, ids, per_review)
            without = predict_ids(model, delete_tokens(ids, chosen), batch_size=batch_size)
            only = predict_ids(model, delete_tokens(ids, ~chosen), batch_size=batch_size)
            rows.append({"ranking": name, "budget": label, "k": k, "fraction": fraction,
                         "flip_rate": float(np.mean((without >= 0.5) != positive)),
                         "comprehensiveness": float(np.mean(p_y - np.where(positive, without, 1 - without))),
                         "sufficiency": float(np.mean(np.where(positive, only, 1 - only)))})
    return pd.DataFrame(rows)


def kendall_agreement(scores_a, scores_b, ids) -> np.ndarray:
    """Kendall's tau-b ``(N,)`` between two rankings of each review's real tokens (NaN for a
    review with fewer than 2 tokens)."""
    from scipy.stats import kendalltau

    ids = check_ids(ids)
    a, b = _check_scores(scores_a, ids), _check_scores(scores_b, ids)
    out = np.full(len(ids), np.nan)
    for i, n in enumerate((ids != 0).sum(axis=1)):
        if n >= 2:
            out[i] = kendalltau(a[i, :n], b[i, :n]).statistic
    return out
