"""NumPy reference implementations of attention (no TensorFlow): the ground truth for the tests.

Everything here is written for clarity, not speed, and works in float64 by default so that it can
be compared with the Keras layers in :mod:`helpers.layers` and checked by finite differences.

Conventions (the same as in :mod:`helpers.layers`):

* ``B`` batch size, ``Tq`` number of queries, ``Tv`` number of keys/values, ``D*`` feature sizes.
* A query is ``q`` of shape ``(B, Dq)`` (one query per example) or ``(B, Tq, Dq)`` (a sequence of
  queries); keys ``k`` are ``(B, Tv, Dk)``, values ``v`` are ``(B, Tv, Dv)``.
* Vectors are **rows** and a weight matrix has the Keras ``Dense`` kernel layout ``(in, out)``:
  a projection is ``x @ W``. The papers write column vectors, ``W x``; their ``W`` is our
  ``W.T``. The numbers are the same, only the bookkeeping differs.
* A mask is ``True`` (or 1) for a real position and ``False`` (or 0) for padding.

Contents:

* :func:`softmax` (with a key mask), the score functions :func:`dot_score`,
  :func:`scaled_dot_score`, :func:`bahdanau_score`, :func:`luong_general_score`,
  :func:`luong_concat_score`, and :func:`attention_forward` (scores -> weights, context);
* :func:`luong_attentional_state`: Luong's ``tanh(W_c [c; s])``;
* the dot-product attention forward **and backward** pass split into the two layers of
  Saitoh, *Deep Learning from Scratch 2* (O'Reilly Japan, 2018), chapter 8:
  :class:`AttentionWeight` and :class:`WeightSum`, combined in :class:`DotAttention`;
* :func:`numerical_gradient` (central differences) and :func:`relative_error` to check them.
"""
from __future__ import annotations

from collections.abc import Callable

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
    "AttentionWeight",
    "WeightSum",
    "DotAttention",
    "numerical_gradient",
    "relative_error",
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


def bahdanau_score(q, k, W1, b1, W2, b2, v, bv=0.0) -> np.ndarray:
    """Additive score (Bahdanau, Cho & Bengio, 2015): ``score(s, h_i) = v^T tanh(W1 h_i + W2 s)``.

    Written with row vectors and biases, exactly as :class:`helpers.layers.BahdanauAttention`
    computes it: ``score[b, t, i] = tanh(k[b, i] @ W1 + b1 + q[b, t] @ W2 + b2) @ v + bv``.

    Args:
        q: ``(B, Dq)`` or ``(B, Tq, Dq)`` decoder states ``s``.
        k: ``(B, Tv, Dk)`` encoder states ``h_i``.
        W1: ``(Dk, U)``, b1: ``(U,)``; W2: ``(Dq, U)``, b2: ``(U,)``.
        v: ``(U,)`` or ``(U, 1)``; bv: scalar (it cancels in the softmax).

    Returns:
        ``(B, Tv)`` or ``(B, Tq, Tv)``.
    """
    q3, single = _as_query_sequence(q)
    k = _check_keys(k)
    keys = k @ W1 + b1  # (B, Tv, U)
    queries = q3 @ W2 + b2  # (B, Tq, U)
    hidden = np.tanh(queries[:, :, None, :] + keys[:, None, :, :])  # (B, Tq, Tv, U)
    scores = hidden @ np.reshape(v, (-1,)) + np.reshape(bv, ())
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


# --------------------------------------------------------------------------------------------
# Forward and backward of dot-product attention, as two small layers (Saitoh, DLfS 2, ch. 8)
# --------------------------------------------------------------------------------------------
class AttentionWeight:
    """Dot-product attention weights for one decoder state per example.

    Forward::

        hs: (N, T, H) encoder states,  h: (N, H) decoder state
        s[n, t] = sum_d hs[n, t, d] * h[n, d]          scores      (N, T)
        a = softmax(s, axis=1)                          weights     (N, T)

    Backward, given ``da = dL/da`` of shape (N, T):

    * softmax: ``ds = a * (da - sum_t a_t da_t)``  (the Jacobian of softmax is
      ``diag(a) - a a^T``, applied to ``da``);
    * dot product: ``dhs[n, t, :] = ds[n, t] * h[n, :]`` and
      ``dh[n, :] = sum_t ds[n, t] * hs[n, t, :]``.
    """

    def __init__(self):
        self.cache = None

    def forward(self, hs: np.ndarray, h: np.ndarray) -> np.ndarray:
        scores = np.einsum("ntd,nd->nt", hs, h)
        a = softmax(scores, axis=1)
        self.cache = (hs, h, a)
        return a

    def backward(self, da: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        hs, h, a = self.cache
        ds = a * (da - np.sum(a * da, axis=1, keepdims=True))
        dhs = ds[:, :, None] * h[:, None, :]
        dh = np.einsum("nt,ntd->nd", ds, hs)
        return dhs, dh


class WeightSum:
    """Weighted sum of the encoder states: the context vector.

    Forward::

        hs: (N, T, H),  a: (N, T)
        c[n, :] = sum_t a[n, t] * hs[n, t, :]           context     (N, H)

    Backward, given ``dc = dL/dc`` of shape (N, H): the sum copies ``dc`` to every time step and
    the product swaps its factors::

        dhs[n, t, :] = a[n, t] * dc[n, :]
        da[n, t]     = sum_d hs[n, t, d] * dc[n, d]
    """

    def __init__(self):
        self.cache = None

    def forward(self, hs: np.ndarray, a: np.ndarray) -> np.ndarray:
        self.cache = (hs, a)
        return np.einsum("nt,ntd->nd", a, hs)

    def backward(self, dc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        hs, a = self.cache
        dhs = a[:, :, None] * dc[:, None, :]
        da = np.einsum("ntd,nd->nt", hs, dc)
        return dhs, da


class DotAttention:
    """``AttentionWeight`` followed by ``WeightSum``: ``c = sum_t softmax(hs h)_t hs_t``.

    ``hs`` is used twice (to score and to be summed), so its gradient is the sum of the two
    paths' gradients.

    Shapes: ``forward(hs (N, T, H), h (N, H)) -> c (N, H)``;
    ``backward(dc (N, H)) -> (dhs (N, T, H), dh (N, H))``. After ``forward``, ``self.weights``
    holds the attention weights ``(N, T)``.
    """

    def __init__(self):
        self.weight_layer = AttentionWeight()
        self.sum_layer = WeightSum()
        self.weights = None

    def forward(self, hs: np.ndarray, h: np.ndarray) -> np.ndarray:
        a = self.weight_layer.forward(hs, h)
        self.weights = a
        return self.sum_layer.forward(hs, a)

    def backward(self, dc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        dhs_sum, da = self.sum_layer.backward(dc)
        dhs_weight, dh = self.weight_layer.backward(da)
        return dhs_sum + dhs_weight, dh


# --------------------------------------------------------------------------------------------
# Gradient checking
# --------------------------------------------------------------------------------------------
def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    """Central-difference gradient of a scalar function ``f`` at ``x``.

    ``grad_i = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`` for every entry ``i`` of ``x``.

    ``x`` is modified in place one entry at a time and restored, so ``f`` may close over ``x``
    (e.g. a loss that reads a parameter array). The truncation error is ``O(eps^2)``; use float64.

    Returns:
        An array of ``x``'s shape.
    """
    if not np.issubdtype(np.asarray(x).dtype, np.floating):
        raise TypeError(
            f"numerical_gradient needs a floating-point array, got {np.asarray(x).dtype}."
        )
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        original = x[i].copy()
        x[i] = original + eps
        plus = float(f(x))
        x[i] = original - eps
        minus = float(f(x))
        x[i] = original
        grad[i] = (plus - minus) / (2.0 * eps)
    return grad


def relative_error(a, b, floor: float = 1e-12) -> float:
    """Largest absolute difference relative to the size of the gradient.

    ``max_i |a_i - b_i| / max(max_i |a_i|, max_i |b_i|, floor)``. Dividing by the largest entry
    (rather than entry by entry) keeps tiny gradient entries, whose finite-difference estimate is
    dominated by rounding noise of order ``1e-16 |f| / eps``, from inflating the error.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}.")
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), floor)
    return float(np.max(np.abs(a - b)) / scale)
