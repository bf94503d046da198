"""The forward pass of attention in NumPy: softmax, the score functions, weights and context.

* :func:`softmax` (optionally over the unmasked keys only);
* the scores ``(query, keys) -> (B, Tq, Tv)`` (or ``(B, Tv)`` for one query per example):
  :func:`dot_score`, :func:`scaled_dot_score`, :func:`bahdanau_score`,
  :func:`luong_general_score`, :func:`luong_concat_score`;
* :func:`attention_forward` (scores -> weights, context) and :func:`luong_attentional_state`
  (Luong's ``tanh(W_c [c; s])``).

Conventions: see :mod:`helpers.reference` (row vectors, Keras kernel layout ``(in, out)``).

May import: ``numpy`` only.
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "softmax",
    "dot_score",
    "scaled_dot_score",
    "bahdanau_score",
    "luong_general_score",
    "luong_concat_score",
    "attention_forward",
    "luong_attentional_state",
]


# --------------------------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------------------------
def _as_query_sequence(q: np.ndarray) -> tuple[np.ndarray, bool]:
    """Return ``q`` as ``(B, Tq, Dq)`` and whether it was a single ``(B, Dq)`` query."""
    q = np.asarray(q)
    if q.ndim == 2:
        return q[:, None, :], True
    if q.ndim == 3:
        return q, False
    raise ValueError(f"query must have shape (B, Dq) or (B, Tq, Dq), got {q.shape}.")


def _check_keys(k: np.ndarray, name: str = "keys") -> np.ndarray:
    k = np.asarray(k)
    if k.ndim != 3:
        raise ValueError(f"{name} must have shape (B, Tv, D), got {k.shape}.")
    return k


# --------------------------------------------------------------------------------------------
# Softmax
# --------------------------------------------------------------------------------------------
def softmax(x, mask=None, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax along ``axis``, optionally over the unmasked entries only.

    ``softmax(x)_i = exp(x_i - m) / sum_j exp(x_j - m)`` with ``m = max_j x_j`` (subtracting the
    maximum changes nothing mathematically and avoids overflow).

    Args:
        x: scores, any shape.
        mask: ``None`` or booleans/0-1 broadcastable to ``x``; ``False`` entries get exactly zero
            probability and do not take part in the normalisation.
        axis: the axis to normalise over (the keys).

    Returns:
        Array of ``x``'s shape. Each row along ``axis`` sums to 1, except a row whose entries are
        **all** masked, which is all zeros (there is nothing to attend to), never NaN.
    """
    x = np.asarray(x, dtype=np.result_type(x, np.float32))
    if mask is None:
        shifted = x - np.max(x, axis=axis, keepdims=True)
        e = np.exp(shifted)
        return e / np.sum(e, axis=axis, keepdims=True)
    mask = np.broadcast_to(np.asarray(mask).astype(bool), x.shape)
    filled = np.where(mask, x, -np.inf)
    row_max = np.max(filled, axis=axis, keepdims=True)
    row_max = np.where(np.isfinite(row_max), row_max, 0.0)  # all-masked rows
    e = np.where(mask, np.exp(np.where(mask, x, row_max) - row_max), 0.0)
    total = np.sum(e, axis=axis, keepdims=True)
    return e / np.where(total > 0, total, 1.0)


# --------------------------------------------------------------------------------------------
# Scores: (query, keys) -> (B, Tq, Tv), or (B, Tv) for a single query
# --------------------------------------------------------------------------------------------
def _finish(scores: np.ndarray, single: bool) -> np.ndarray:
    return scores[:, 0, :] if single else scores


def dot_score(q, k) -> np.ndarray:
    """Dot-product score (Luong et al., 2015, "dot"): ``score(s_t, h_i) = s_t . h_i``.

    Args:
        q: ``(B, D)`` or ``(B, Tq, D)``.
        k: ``(B, Tv, D)``.

    Returns:
        ``(B, Tv)`` or ``(B, Tq, Tv)``.
    """
    q3, single = _as_query_sequence(q)
    k = _check_keys(k)
    if q3.shape[-1] != k.shape[-1]:
        raise ValueError(f"cannot dot queries {q3.shape} with keys {k.shape}: last dims differ.")
    return _finish(np.einsum("bqd,bkd->bqk", q3, k), single)


def scaled_dot_score(q, k) -> np.ndarray:
    """Scaled dot-product score: ``score(s_t, h_i) = s_t . h_i / sqrt(D)``.

    Shapes as :func:`dot_score`; ``D`` is the key (= query) size.
    """
    d = np.asarray(k).shape[-1]
    return dot_score(q, k) / np.sqrt(d)


def bahdanau_score(q, k, W1, W2, v, *, b1=0.0, b2=0.0, bv=0.0) -> np.ndarray:
    """Additive score (Bahdanau, Cho & Bengio, 2015): ``score(s, h_i) = v^T tanh(W1 h_i + W2 s)``.

    Row-vector form, with optional biases::

        score[b, t, i] = tanh(k[b, i] @ W1 + b1 + q[b, t] @ W2 + b2) @ v + bv

    :class:`helpers.layers.BahdanauAttention` has one bias, ``b1`` (``W1``'s): pass
    ``bahdanau_score(q, k, W1.kernel, W2.kernel, V.kernel, b1=W1.bias)``. ``b2`` and ``bv``
    are redundant parameters, accepted to reproduce the TensorFlow tutorials' layer (whose
    three ``Dense`` layers all have a bias): ``b2`` only ever adds to ``b1``, and ``bv`` shifts
    all the scores of a row alike, which the softmax ignores.

    Args:
        q: ``(B, Dq)`` or ``(B, Tq, Dq)`` decoder states ``s``.
        k: ``(B, Tv, Dk)`` encoder states ``h_i``.
        W1: ``(Dk, U)`` for the keys; W2: ``(Dq, U)`` for the query; v: ``(U,)`` or ``(U, 1)``.
        b1, b2: keyword only, ``(U,)`` or scalars (default 0); bv: keyword only, a scalar
            (default 0).

    Returns:
        ``(B, Tv)`` or ``(B, Tq, Tv)``.
    """
    q3, single = _as_query_sequence(q)
    k = _check_keys(k)
    W1, W2 = np.asarray(W1), np.asarray(W2)
    v = np.reshape(v, (-1,))
    dq, dk, u = q3.shape[-1], k.shape[-1], v.shape[0]
    if W1.shape != (dk, u) or W2.shape != (dq, u):
        raise ValueError(
            f"bahdanau_score needs W1 (Dk, U) = {(dk, u)} for the keys and W2 (Dq, U) = "
            f"{(dq, u)} for the query (U from v {v.shape}); got W1 {W1.shape}, W2 {W2.shape}."
        )
    keys = k @ W1 + b1  # (B, Tv, U)
    queries = q3 @ W2 + b2  # (B, Tq, U)
    hidden = np.tanh(queries[:, :, None, :] + keys[:, None, :, :])  # (B, Tq, Tv, U)
    scores = hidden @ v + np.reshape(bv, ())
    return _finish(scores, single)


def luong_general_score(q, k, Wa) -> np.ndarray:
    """Luong et al. (2015) "general" score: ``score(s_t, h_i) = s_t^T W_a h_i``.

    Row-vector form: ``score[b, t, i] = q[b, t] . (k[b, i] @ Wa)``.

    Args:
        q: ``(B, Dq)`` or ``(B, Tq, Dq)``; k: ``(B, Tv, Dk)``;
        Wa: ``(Dk, Dq)`` (Keras kernel layout: it maps a key to the query's size).
    """
    k = _check_keys(k)
    return dot_score(q, k @ Wa)


def luong_concat_score(q, k, Wa, va) -> np.ndarray:
    """Luong et al. (2015) "concat" score: ``score(s_t, h_i) = v_a^T tanh(W_a [s_t; h_i])``.

    ``Wa`` acts on the concatenation ``[s_t; h_i]`` (query first), so its first ``Dq`` rows
    multiply the query and the remaining ``Dk`` rows multiply the key.

    Args:
        q: ``(B, Dq)`` or ``(B, Tq, Dq)``; k: ``(B, Tv, Dk)``;
        Wa: ``(Dq + Dk, U)``; va: ``(U,)`` or ``(U, 1)``.
    """
    q3, single = _as_query_sequence(q)
    k = _check_keys(k)
    dq = q3.shape[-1]
    B, Tq, _ = q3.shape
    Tv = k.shape[1]
    # Build [s_t; h_i] for every pair explicitly (the slow, obviously-correct way).
    pairs = np.concatenate(
        [
            np.broadcast_to(q3[:, :, None, :], (B, Tq, Tv, dq)),
            np.broadcast_to(k[:, None, :, :], (B, Tq, Tv, k.shape[-1])),
        ],
        axis=-1,
    )
    scores = np.tanh(pairs @ Wa) @ np.reshape(va, (-1,))
    return _finish(scores, single)


# --------------------------------------------------------------------------------------------
# Scores -> weights -> context
# --------------------------------------------------------------------------------------------
def attention_forward(scores, values, value_mask=None, query_mask=None):
    """Turn scores into attention weights and a context vector.

    ``a = softmax(scores)`` over the keys (masked keys get weight 0), ``c = sum_i a_i v_i``.

    Args:
        scores: ``(B, Tv)`` for one query per example or ``(B, Tq, Tv)``.
        values: ``(B, Tv, Dv)``.
        value_mask: ``None`` or ``(B, Tv)``, ``False`` for padded keys.
        query_mask: ``None`` or ``(B, Tq)`` (3-D scores only); padded query rows get zero weights
            and a zero context, as in :mod:`helpers.layers`.

    Returns:
        ``(weights, context)``: ``(B, Tv)`` and ``(B, Dv)``, or ``(B, Tq, Tv)`` and ``(B, Tq, Dv)``.
        A row whose keys are all padding has zero weights and zero context.
    """
    scores = np.asarray(scores)
    values = _check_keys(values, "values")
    single = scores.ndim == 2
    s3 = scores[:, None, :] if single else scores
    mask = None if value_mask is None else np.asarray(value_mask).astype(bool)[:, None, :]
    weights = softmax(s3, mask)
    if query_mask is not None:
        if single:
            raise ValueError("query_mask needs 3-D scores (B, Tq, Tv).")
        weights = weights * np.asarray(query_mask).astype(bool)[:, :, None]
    context = weights @ values  # (B, Tq, Dv)
    if single:
        return weights[:, 0, :], context[:, 0, :]
    return weights, context


def luong_attentional_state(context, query, Wc) -> np.ndarray:
    """Luong et al. (2015), eq. 5: ``h~_t = tanh(W_c [c_t; h_t])``.

    Args:
        context: ``(B, Dv)`` or ``(B, T, Dv)``; query: ``(B, Dq)`` or ``(B, T, Dq)``;
        Wc: ``(Dv + Dq, U)`` (first the context rows, then the query rows).

    Returns:
        ``(B, U)`` or ``(B, T, U)``.
    """
    return np.tanh(np.concatenate([context, query], axis=-1) @ Wc)
