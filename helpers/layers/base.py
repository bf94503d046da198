"""The shared part of every attention layer: shape checks, masks, a masked softmax, the weighted sum.

Holds :class:`AttentionBase` (subclasses define only the score ``score(s_t, h_i)``) and the
utilities it is made of: :func:`masked_softmax`, :func:`to_bool_mask`, :func:`validate_inputs`,
:func:`static_shape`, :func:`dims_differ`, :func:`check_units`.

The weights and the context are, for every query ``t``::

    a_t,i = exp(score(s_t, h_i)) / sum_j exp(score(s_t, h_j))     (sum over unmasked keys only)
    c_t   = sum_i a_t,i v_i

Shapes (``B`` batch, ``Tq`` queries, ``Tv`` keys/values)::

    query  (B, Dq)        one query per example (e.g. classification), or
           (B, Tq, Dq)    all decoder steps at once (teacher forcing)
    value  (B, Tv, Dv)
    key    (B, Tv, Dk)    defaults to value
    ->  context (B, Dv) or (B, Tq, Dv);  weights (B, Tv) or (B, Tq, Tv)

Masks: ``value_mask`` / ``key_mask`` ``(B, Tv)`` mark real keys (True/1) versus padding; padded
keys get exactly zero weight, and a row whose keys are all padding gets all-zero weights and a
zero context (never NaN, gradients included). ``query_mask`` ``(B, Tq)`` zeroes the weights and
the context of padded query positions. Because the call arguments are named ``query_mask``,
``value_mask`` and ``key_mask``, Keras 3 fills them automatically from the masks attached to
``query``, ``value`` and ``key`` (e.g. by ``Embedding(mask_zero=True)`` or an RNN with
``return_sequences=True``), and the output carries the query's Keras mask to the layers
downstream (so a masked loss ignores padded decoder steps). A 2-D query gives an output with no
mask. An explicit ``query_mask`` argument is applied but not attached to the output.

Numerics: the softmax (and the fill of masked scores) is computed in float32 when the scores are
float16 or bfloat16 (a ``mixed_float16`` policy), and the weights are cast back to the compute
dtype; in float32 nothing is cast. Only ``keras.ops`` is used, so the layers run on any Keras 3
backend.

May import: ``keras`` only (no other ``helpers`` module).
"""
from __future__ import annotations

import keras
from keras import ops

__all__ = ["AttentionBase", "masked_softmax", "to_bool_mask", "validate_inputs", "static_shape",
           "dims_differ", "check_units"]

_LOW_PRECISION = ("float16", "bfloat16")


def static_shape(x) -> tuple | None:
    """Static shape of a tensor (or a shape itself) as a tuple, ``None`` for ``None``."""
    if x is None:
        return None
    shape = x.shape if hasattr(x, "shape") else x
    return tuple(None if d is None else int(d) for d in shape)


def dims_differ(a, b) -> bool:
    """True when two static dimensions are both known and different."""
    return a is not None and b is not None and a != b


def check_units(units, what: str = "units") -> int:
    """``units`` if it is an integer >= 1 (not a bool), else ``ValueError``."""
    if not isinstance(units, int) or isinstance(units, bool) or units < 1:
        raise ValueError(f"{what} must be a positive integer, got {units!r}.")
    return units


def to_bool_mask(mask):
    """A mask as booleans (``None`` stays ``None``; numbers: nonzero = real)."""
    if mask is None:
        return None
    return mask if mask.dtype == "bool" else ops.not_equal(mask, 0)


def masked_softmax(scores, mask=None):
    """Softmax over the last axis; ``mask`` (broadcastable bool) False -> weight exactly 0.

    Masked scores are replaced (not just shifted) by a large negative number before the
    softmax, and the result is multiplied by the mask. A row with every key masked therefore
    gives a softmax of equal numbers times 0 = 0: no division by zero, no NaN, and the
    gradient through ``where`` to the masked scores is exactly 0.

    float16 / bfloat16 scores are softmaxed in float32 and the weights cast back to the
    scores' dtype (``exp`` overflows float16 above 11; the sum of many small weights loses
    digits); float32 and float64 scores are used as they are.

    One key (``Tv == 1`` known statically, e.g. a one-word sentence): the softmax of a single
    score is exactly 1 with gradient 0, which ``exp(s - s)`` computes too (the same numbers, NaN
    for a NaN or infinite score included) without ``ops.softmax``'s warning about a softmax over
    an axis of size 1.
    """
    dtype = scores.dtype
    if dtype in _LOW_PRECISION:
        scores = ops.cast(scores, "float32")
    one_key = scores.shape[-1] == 1
    if mask is None:
        weights = ops.exp(scores - scores) if one_key else ops.softmax(scores, axis=-1)
    else:
        filled = ops.where(mask, scores, ops.cast(-1.0e9, scores.dtype))
        weights = ops.exp(filled - filled) if one_key else ops.softmax(filled, axis=-1)
        weights = weights * ops.cast(mask, scores.dtype)
    return ops.cast(weights, dtype) if weights.dtype != dtype else weights


def _check_mask_shapes(name, masks, expected, shapes):
    for mask_name, mask in masks.items():
        m = static_shape(mask)
        if m is None:
            continue
        want = expected[mask_name]
        if len(m) != len(want) or any(dims_differ(a, b) for a, b in zip(m, want)):
            q, v, k = shapes
            raise ValueError(f"{name}: {mask_name} must have shape {want}, got {m} "
                             f"(query {q}, value {v}, key {k}).")


def validate_inputs(layer, query, value, key=None, query_mask=None, value_mask=None, key_mask=None):
    """Check the ranks and sizes of an attention call (tensors or shapes); returns the static
    shapes ``(q, v, k)``. ``ValueError`` naming the layer and the shapes when they do not fit;
    ``layer.check_score_dims(Dq, Dk)`` adds the score's own rule."""
    name = f"{type(layer).__name__} '{layer.name}'"
    q, v = static_shape(query), static_shape(value)
    k = v if key is None else static_shape(key)
    if q is None or len(q) not in (2, 3):
        raise ValueError(f"{name}: query must have shape (B, Dq) or (B, Tq, Dq), got {q}.")
    if len(v) != 3:
        raise ValueError(f"{name}: value must have shape (B, Tv, Dv), got {v}.")
    if len(k) != 3:
        raise ValueError(f"{name}: key must have shape (B, Tv, Dk), got {k}.")
    known = {b for b in (q[0], v[0], k[0]) if b is not None}
    if len(known) > 1:
        raise ValueError(f"{name}: batch sizes differ: query {q}, value {v}, key {k}.")
    if dims_differ(k[1], v[1]):
        raise ValueError(f"{name}: key and value must have the same number of time steps Tv; "
                         f"got key {k} and value {v}.")
    try:
        layer.check_score_dims(q[-1], k[-1])
    except ValueError as error:
        raise ValueError(f"{name}: {error} (query {q}, key {k}).") from None
    expected = {"query_mask": q[:-1], "value_mask": (v[0], v[1]), "key_mask": (k[0], k[1])}
    masks = {"query_mask": query_mask, "value_mask": value_mask, "key_mask": key_mask}
    _check_mask_shapes(name, masks, expected, (q, v, k))
    return q, v, k


class AttentionBase(keras.layers.Layer):
    """Shared machinery of the attention layers: masks, masked softmax, weighted sum.

    Subclasses implement :meth:`score` (and, when they own weights, :meth:`build_score`);
    they may also restrict the query/key sizes in :meth:`check_score_dims`.

    Call arguments:
        query: ``(B, Dq)`` or ``(B, Tq, Dq)``.
        value: ``(B, Tv, Dv)``.
        key: ``(B, Tv, Dk)``; ``None`` means ``key = value``.
        query_mask: ``(B, Tq)`` (or ``(B,)`` for a 2-D query); False/0 rows get zero weights and
            zero context. Filled by Keras from ``query``'s mask when not given.
        value_mask, key_mask: ``(B, Tv)``; False/0 keys get zero weight. Both may be given
            (they are combined with AND). Filled by Keras from ``value``'s / ``key``'s mask.
        return_attention_scores: if True, also return the attention weights (after the
            softmax; the name follows ``keras.layers.Attention``).
        training: unused (no dropout); accepted so the layer fits in any Keras model.

    Returns:
        ``context`` of shape ``(B, Dv)`` or ``(B, Tq, Dv)``, or ``(context, weights)`` with
        ``weights`` of shape ``(B, Tv)`` or ``(B, Tq, Tv)``; every row of weights with at least
        one real key (and a real query) sums to 1.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def check_score_dims(self, query_dim, key_dim):
        """Raise ``ValueError`` if queries of size ``query_dim`` cannot be scored against keys
        of size ``key_dim`` (either may be ``None`` if unknown). Default: any sizes."""

    def build_score(self, query_shape, key_shape):
        """Create the score's weights: ``query_shape`` ``(B, Tq, Dq)`` (a 2-D query is seen as
        ``Tq = 1``), ``key_shape`` ``(B, Tv, Dk)``."""

    def score(self, query, key):
        """Scores ``(B, Tq, Tv)`` from ``query (B, Tq, Dq)`` and ``key (B, Tv, Dk)``."""
        raise NotImplementedError

    def build(self, query_shape, value_shape, key_shape=None):
        q, v, k = validate_inputs(self, query_shape, value_shape, key_shape)
        self.build_score(q if len(q) == 3 else (q[0], 1, q[1]), k)

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             return_attention_scores=False, training=None):
        validate_inputs(self, query, value, key, query_mask, value_mask, key_mask)
        key = value if key is None else key
        single = len(query.shape) == 2
        q = ops.expand_dims(query, 1) if single else query  # (B, Tq, Dq)
        scores = self.score(q, key)  # (B, Tq, Tv)
        key_valid = to_bool_mask(value_mask)
        if key_mask is not None:
            km = to_bool_mask(key_mask)
            key_valid = km if key_valid is None else ops.logical_and(key_valid, km)
        weights = masked_softmax(scores, None if key_valid is None else key_valid[:, None, :])
        if query_mask is not None:
            qm = to_bool_mask(query_mask)
            qm = ops.reshape(qm, (-1, 1, 1)) if single else qm[:, :, None]
            weights = weights * ops.cast(qm, weights.dtype)
        context = ops.matmul(weights, ops.cast(value, weights.dtype))  # (B, Tq, Dv)
        if single:
            context, weights = context[:, 0, :], weights[:, 0, :]
        return (context, weights) if return_attention_scores else context

    def compute_mask(self, query, previous_mask=None):
        """The output carries the query's mask ``(B, Tq)``; no mask for a 2-D query."""
        if previous_mask is None or len(query.shape) != 3:
            return None
        return previous_mask
