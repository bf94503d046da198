"""Multi-head attention of the Transformer (Vaswani et al., 2017): :class:`MultiHeadAttention`, its
scaled dot-product core :func:`scaled_dot_product_attention`, :func:`causal_mask` and
:func:`combine_masks`.

Each of ``H`` heads projects the inputs into its own small space, attends there with the
scaled dot product, and the heads' contexts are projected back together::

    Q_h = X_q W_q[:, h, :]   K_h = X_k W_k[:, h, :]   V_h = X_v W_v[:, h, :]   (+ biases)
    head_h = softmax(Q_h K_h^T / sqrt(d_k) + mask) V_h
    output = sum_h head_h W_o[h]  (+ b_o)          = Concat(head_1, ..., head_H) W_o

Shapes (``B`` batch, ``Tq`` queries, ``Tv`` keys/values, ``H`` heads)::

    query (B, Tq, Dq), value (B, Tv, Dv), key (B, Tv, Dk) (defaults to value)
    W_q (Dq, H, d_k)   W_k (Dk, H, d_k)   W_v (Dv, H, d_v)   W_o (H, d_v, D_out)
    ->  output (B, Tq, D_out);  weights (B, H, Tq, Tv)

The kernels have the layout of ``keras.layers.MultiHeadAttention``'s ``EinsumDense`` sublayers,
in the same order (query, key, value, output; kernel then bias), so
``ours.set_weights(theirs.get_weights())`` copies a Keras layer one to one.

Masks (True/1 = may attend) are combined with AND: ``query_mask (B, Tq)``, ``value_mask`` and
``key_mask (B, Tv)`` (filled by Keras from the inputs' masks), ``attention_mask (B, Tq, Tv)`` and,
with ``use_causal_mask=True``, :func:`causal_mask`. A query row with nothing to attend to (a
padded query, or every key masked) gets all-zero weights and an all-zero output (the output
bias is not added there either): never NaN, as in :class:`helpers.layers.base.AttentionBase`.

Two differences from ``keras.layers.MultiHeadAttention``: an explicit ``query_mask`` argument is
applied (Keras reads only the query's Keras mask), and the causal mask is aligned to the END of
the keys when ``Tv > Tq`` (query ``i`` sees keys ``0 .. i + Tv - Tq``, as with a KV cache;
Keras aligns it to the start). For ``Tq == Tv`` they are the same.

Incremental decoding (a KV cache): ``cache = layer.empty_cache(batch_size)``, then for each new
step ``output, cache = layer(x_t, x_t, use_causal_mask=True, cache=cache)``. The new steps'
projected keys and values (and their padding flags) are appended to the cache and the queries
attend over the whole cached prefix; the outputs equal a full causal recomputation.

Reference: A. Vaswani et al. (2017). Attention Is All You Need. NeurIPS 2017. arXiv:1706.03762.

May import: ``keras``, :mod:`helpers.layers.base`, :mod:`helpers.layers.dot_product`.
"""
from __future__ import annotations

import keras
from keras import ops

from helpers.layers.base import (_check_mask_shapes, check_units, dims_differ, masked_softmax,
                                 static_shape, to_bool_mask, validate_inputs)
from helpers.layers.dot_product import scaled_dot_scores

__all__ = ["MultiHeadAttention", "scaled_dot_product_attention", "causal_mask", "combine_masks"]

_CACHE_KEYS = ("key", "value", "mask")


def causal_mask(tq, tv=None):
    """Lower-triangular boolean ``(Tq, Tv)``: query ``i`` sees key ``j`` iff ``j <= i + Tv - Tq``.

    ``tv`` defaults to ``tq`` (self-attention: ``j <= i``). With ``tv > tq`` the triangle is
    aligned to the end, as when the last ``Tq`` steps of a sequence attend over its ``Tv``
    cached keys. ``tq``/``tv`` may be Python ints or scalar tensors (a dynamic length).
    """
    tv = tq if tv is None else tv
    if isinstance(tq, int) and isinstance(tv, int) and not 0 <= tq <= tv:
        raise ValueError(f"causal_mask needs 0 <= tq <= tv, got tq={tq}, tv={tv}.")
    rows = ops.expand_dims(ops.arange(tq), 1) + (tv - tq)
    return ops.less_equal(ops.expand_dims(ops.arange(tv), 0), rows)


def combine_masks(*masks):
    """The AND of the given masks (bool or numbers, nonzero = True), broadcast together;
    ``None`` entries are skipped, and ``None`` is returned when every entry is ``None``."""
    combined = None
    for mask in masks:
        mask = to_bool_mask(mask)
        if mask is not None:
            combined = mask if combined is None else ops.logical_and(combined, mask)
    return combined


def scaled_dot_product_attention(query, key, value, mask=None, dropout=None):
    """The Transformer's core: ``softmax(Q K^T / sqrt(d_k)) V`` with a masked softmax.

    ``query (..., Tq, d_k)``, ``key (..., Tv, d_k)``, ``value (..., Tv, d_v)`` (e.g. ``...`` =
    ``B, H``), ``mask`` boolean broadcastable to ``(..., Tq, Tv)``. ``dropout``, if given, is
    applied to the weights before the weighted sum (``weights`` are returned before it, as in
    Keras). Returns ``(context (..., Tq, d_v), weights (..., Tq, Tv))``; masked keys get weight
    exactly 0 and a fully masked row gives zeros (see :func:`helpers.layers.base.masked_softmax`).
    """
    weights = masked_softmax(scaled_dot_scores(query, key), mask)
    used = weights if dropout is None else dropout(weights)
    return ops.matmul(used, ops.cast(value, used.dtype)), weights


def _heads(x):
    """``(B, T, H, d) -> (B, H, T, d)``."""
    return ops.transpose(x, (0, 2, 1, 3))


def _append_to_cache(cache, k, v, key_valid):
    """The cache extended by the new steps' keys and values ``(B, H, T_new, d)`` and their
    flags ``(B, T_new)`` (``None``: all real)."""
    if key_valid is None:
        key_valid = ops.ones_like(k[:, 0, :, 0], "bool")
    return {"key": ops.concatenate([ops.cast(cache["key"], k.dtype), k], axis=2),
            "value": ops.concatenate([ops.cast(cache["value"], v.dtype), v], axis=2),
            "mask": ops.concatenate([to_bool_mask(cache["mask"]), key_valid], axis=1)}


def _check_int(value, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"MultiHeadAttention: {what} must be an integer, got {value!r} "
                        f"({type(value).__name__}).")
    return check_units(value, f"MultiHeadAttention: {what}")


def _check_options(num_heads, key_dim, value_dim, dropout, use_bias, output_dim):
    """:class:`MultiHeadAttention`'s arguments, checked (``TypeError`` / ``ValueError``)."""
    sizes = [_check_int(num_heads, "num_heads"), _check_int(key_dim, "key_dim")]
    sizes += [None if d is None else _check_int(d, what)
              for d, what in ((value_dim, "value_dim"), (output_dim, "output_dim"))]
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) \
            or not 0.0 <= dropout < 1.0:
        raise ValueError(f"MultiHeadAttention: dropout must be a number in [0, 1), "
                         f"got {dropout!r}.")
    if not isinstance(use_bias, bool):
        raise TypeError(f"MultiHeadAttention: use_bias must be True or False, got {use_bias!r}.")
    return (*sizes[:3], float(dropout), use_bias, sizes[3])


def _check_call(layer, query, value, key, masks, attention_mask, cache):
    """Shapes of a :class:`MultiHeadAttention` call (``ValueError`` naming them otherwise)."""
    q, v, k = validate_inputs(layer, query, value, key, **masks)
    name = f"MultiHeadAttention '{layer.name}'"
    if len(q) != 3:
        raise ValueError(f"{name}: query must have shape (B, Tq, Dq), got {q}.")
    if layer.built:
        for what, shape, sub in (("query", q, layer.W_q), ("value", v, layer.W_v),
                                 ("key", k, layer.W_k)):
            if dims_differ(shape[-1], sub.kernel.shape[0]):
                raise ValueError(f"{name}: {what} has {shape[-1]} features, but the layer was "
                                 f"built for {sub.kernel.shape[0]} (got {what} {shape}).")
    tv = v[1]
    if cache is not None:
        if not isinstance(cache, dict) or set(cache) != set(_CACHE_KEYS):
            raise ValueError(f"{name}: cache must be a dict with keys {_CACHE_KEYS} "
                             f"(see empty_cache()), got {type(cache).__name__}.")
        c = static_shape(cache["key"])
        if len(c) != 4 or any(dims_differ(a, b) for a, b in zip(
                c, (q[0], layer.num_heads, None, layer.key_dim))):
            raise ValueError(f"{name}: cache['key'] must have shape (B, H={layer.num_heads}, "
                             f"T, {layer.key_dim}) with B = {q[0]}, got {c}.")
        tv = None if None in (tv, c[2]) else tv + c[2]
    _check_mask_shapes(name, {"attention_mask": attention_mask},
                       {"attention_mask": (q[0], q[1], tv)}, (q, v, k))


@keras.saving.register_keras_serializable(package="helpers")
class MultiHeadAttention(keras.layers.Layer):
    """Multi-head scaled dot-product attention (Vaswani et al., 2017); see the module docstring
    for the equations, shapes, masks and the KV cache.

    Args:
        num_heads: number of heads ``H``.
        key_dim: size ``d_k`` of each head's queries and keys.
        value_dim: size ``d_v`` of each head's values (default ``key_dim``).
        dropout: dropout rate on the attention weights (training only).
        use_bias: biases on the four projections.
        output_dim: ``D_out`` (default: the query's size ``Dq``).

    Call arguments: ``query``, ``value``, ``key``, ``query_mask``, ``value_mask``, ``key_mask``,
    ``attention_mask``, ``use_causal_mask``, ``return_attention_scores``, ``training`` as in
    ``keras.layers.MultiHeadAttention``; ``cache`` (default ``None``): a dict from
    :meth:`empty_cache` or a previous call; ``value_mask``/``key_mask`` then refer to the new
    steps only, ``attention_mask`` and the weights to all ``T_cached + Tv`` keys.

    Returns: ``output (B, Tq, D_out)`` carrying the query's Keras mask; with
    ``return_attention_scores`` also ``weights (B, H, Tq, Tv)`` (before dropout); with a
    ``cache`` also the extended cache, last: ``(output, [weights,] cache)``.
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_dim=None, **kwargs):
        super().__init__(**kwargs)
        (self.num_heads, self.key_dim, self.value_dim, self.dropout, self.use_bias,
         self.output_dim) = _check_options(num_heads, key_dim, value_dim, dropout, use_bias,
                                           output_dim)
        self.W_q, self.W_k = (self._projection(name, key_dim) for name in ("W_q", "W_k"))
        self.W_v = self._projection("W_v", self.value_dim or key_dim)
        self.dropout_layer = keras.layers.Dropout(self.dropout, dtype=self.dtype_policy)
        self.supports_masking = True

    def _projection(self, name, size, equation="btd,dhk->bthk", bias_axes="hk"):
        shape = (None, self.num_heads, size) if bias_axes == "hk" else (None, size)
        dense = keras.layers.EinsumDense(equation, shape, name=name, dtype=self.dtype_policy,
                                         bias_axes=bias_axes if self.use_bias else None)
        dense.supports_masking = True  # inputs may carry a padding mask; it is applied here
        return dense

    def check_score_dims(self, query_dim, key_dim):
        """Any sizes: the projections map queries and keys to ``d_k``."""

    def build(self, query_shape, value_shape, key_shape=None):
        q, v, k = validate_inputs(self, query_shape, value_shape, key_shape)
        self.W_q.build(q)
        self.W_k.build(k)
        self.W_v.build(v)
        self.W_o = self._projection("W_o", self.output_dim or q[-1], "bthv,hvo->bto", "o")
        self.W_o.build((None, None, self.num_heads, self.value_dim or self.key_dim))

    def empty_cache(self, batch_size: int):
        """A KV cache holding no step yet, for ``batch_size`` sequences: ``{"key": (B, H, 0,
        d_k), "value": (B, H, 0, d_v), "mask": (B, 0) bool}`` (pass it as ``cache=``)."""
        h, dtype = self.num_heads, self.compute_dtype
        return {"key": ops.zeros((batch_size, h, 0, self.key_dim), dtype),
                "value": ops.zeros((batch_size, h, 0, self.value_dim or self.key_dim), dtype),
                "mask": ops.zeros((batch_size, 0), "bool")}

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, use_causal_mask=False, return_attention_scores=False,
             training=None, cache=None):
        masks = {"query_mask": query_mask, "value_mask": value_mask, "key_mask": key_mask}
        _check_call(self, query, value, key, masks, attention_mask, cache)
        key = value if key is None else key
        q, k, v = _heads(self.W_q(query)), _heads(self.W_k(key)), _heads(self.W_v(value))
        key_valid = combine_masks(value_mask, key_mask)
        if cache is not None:
            cache = _append_to_cache(cache, k, v, key_valid)
            k, v, key_valid = cache["key"], cache["value"], cache["mask"]
        mask = combine_masks(
            None if query_mask is None else ops.expand_dims(to_bool_mask(query_mask), 2),
            None if key_valid is None else ops.expand_dims(key_valid, 1), attention_mask,
            ops.expand_dims(causal_mask(ops.shape(q)[2], ops.shape(k)[2]), 0)
            if use_causal_mask else None)
        dropout = lambda w: self.dropout_layer(w, training=training)  # noqa: E731
        context, weights = scaled_dot_product_attention(
            q, k, v, None if mask is None else ops.expand_dims(mask, 1),
            dropout if self.dropout > 0 else None)
        output = self.W_o(_heads(context))  # (B, Tq, H, d_v) -> (B, Tq, D_out)
        if mask is not None:  # rows with nothing to attend to: zero, the bias included
            output = output * ops.cast(ops.expand_dims(ops.any(mask, axis=-1), -1), output.dtype)
        result = (output, *((weights,) if return_attention_scores else ()),
                  *(() if cache is None else (cache,)))
        return result if len(result) > 1 else output

    def compute_mask(self, query, previous_mask=None):
        """The output carries the query's mask ``(B, Tq)``."""
        return previous_mask

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "value_dim": self.value_dim, "dropout": self.dropout, "use_bias": self.use_bias,
                "output_dim": self.output_dim}
