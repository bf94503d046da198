"""Dot-product attention forward **and backward** in NumPy, and gradient checking.

* :class:`AttentionWeight` (scores and softmax) and :class:`WeightSum` (the context), the two
  layers of Saitoh, *Deep Learning from Scratch 2* (O'Reilly Japan, 2018), chapter 8, combined
  in :class:`DotAttention`; each has ``forward`` and ``backward``;
* :func:`numerical_gradient` (central differences) and :func:`relative_error` to check the
  backward passes.

May import: ``numpy``, :mod:`helpers.reference.forward`.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from helpers.reference.forward import softmax

__all__ = ["AttentionWeight", "WeightSum", "DotAttention", "numerical_gradient", "relative_error"]


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
