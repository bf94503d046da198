"""Attention layers for Keras 3: dot-product, Bahdanau (additive) and Luong (multiplicative).

All attention layers share one base class, :class:`AttentionBase`, which does the common part
once: combine the masks, a masked softmax over the keys, and the weighted sum of the values.
A subclass only defines its **score** ``score(s_t, h_i)`` between a query (decoder state) ``s_t``
and a key (encoder state) ``h_i``:

* :class:`DotProductAttention`: ``s_t . h_i``, optionally divided by ``sqrt(d)``;
* :class:`BahdanauAttention`: ``v^T tanh(W1 h_i + W2 s_t)`` (Bahdanau, Cho & Bengio, 2015);
* :class:`LuongAttention`: ``dot``, ``general`` or ``concat`` (Luong, Pham & Manning, 2015);

and :class:`LuongAttentionalState` is Luong's attentional hidden state ``tanh(W_c [c_t; s_t])``.

The weights and the context are then, for every query ``t``::

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

References:
    D. Bahdanau, K. Cho, Y. Bengio (2015). Neural Machine Translation by Jointly Learning to
    Align and Translate. ICLR 2015. arXiv:1409.0473.
    M.-T. Luong, H. Pham, C. D. Manning (2015). Effective Approaches to Attention-based Neural
    Machine Translation. EMNLP 2015. arXiv:1508.04025.
"""
from __future__ import annotations

import math

import keras
from keras import ops

__all__ = [
    "AttentionBase",
    "DotProductAttention",
    "BahdanauAttention",
    "LuongAttention",
    "LuongAttentionalState",
]

LUONG_SCORES = ("dot", "general", "concat")


def _shape(x) -> tuple | None:
    """Static shape of a tensor (or a shape itself) as a tuple, ``None`` for ``None``."""
    if x is None:
        return None
    shape = x.shape if hasattr(x, "shape") else x
    return tuple(None if d is None else int(d) for d in shape)


def _differ(a, b) -> bool:
    """True when two static dimensions are both known and different."""
    return a is not None and b is not None and a != b


def _to_bool_mask(mask):
    if mask is None:
        return None
    return mask if mask.dtype == "bool" else ops.not_equal(mask, 0)


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

    # ---------------------------------------------------------------- for subclasses
    def check_score_dims(self, query_dim, key_dim):
        """Raise ``ValueError`` if queries of size ``query_dim`` cannot be scored against keys
        of size ``key_dim`` (either may be ``None`` if unknown). Default: any sizes."""

    def build_score(self, query_shape, key_shape):
        """Create the score's weights.

        ``query_shape`` is ``(B, Tq, Dq)`` (a 2-D query is seen as ``Tq = 1``), ``key_shape``
        is ``(B, Tv, Dk)``.
        """

    def score(self, query, key):
        """Scores ``(B, Tq, Tv)`` from ``query (B, Tq, Dq)`` and ``key (B, Tv, Dk)``."""
        raise NotImplementedError

    # ---------------------------------------------------------------- shapes
    def _validate(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None):
        name = f"{type(self).__name__} '{self.name}'"
        q, v = _shape(query), _shape(value)
        k = v if key is None else _shape(key)
        if q is None or len(q) not in (2, 3):
            raise ValueError(f"{name}: query must have shape (B, Dq) or (B, Tq, Dq), got {q}.")
        if len(v) != 3:
            raise ValueError(f"{name}: value must have shape (B, Tv, Dv), got {v}.")
        if len(k) != 3:
            raise ValueError(f"{name}: key must have shape (B, Tv, Dk), got {k}.")
        batches = {"query": q[0], "value": v[0], "key": k[0]}
        known = {n: b for n, b in batches.items() if b is not None}
        if len(set(known.values())) > 1:
            raise ValueError(
                f"{name}: batch sizes differ: query {q}, value {v}, key {k}."
            )
        if _differ(k[1], v[1]):
            raise ValueError(
                f"{name}: key and value must have the same number of time steps Tv; "
                f"got key {k} and value {v}."
            )
        try:
            self.check_score_dims(q[-1], k[-1])
        except ValueError as error:
            raise ValueError(f"{name}: {error} (query {q}, key {k}).") from None
        expected = {
            "query_mask": q[:-1],
            "value_mask": (v[0], v[1]),
            "key_mask": (k[0], k[1]),
        }
        masks = {"query_mask": query_mask, "value_mask": value_mask, "key_mask": key_mask}
        for mask_name, mask in masks.items():
            m = _shape(mask)
            if m is None:
                continue
            want = expected[mask_name]
            if len(m) != len(want) or any(_differ(a, b) for a, b in zip(m, want)):
                raise ValueError(
                    f"{name}: {mask_name} must have shape {want}, got {m} "
                    f"(query {q}, value {v}, key {k})."
                )
        return q, v, k

    def build(self, query_shape, value_shape, key_shape=None):
        q, v, k = self._validate(query_shape, value_shape, key_shape)
        q3 = q if len(q) == 3 else (q[0], 1, q[1])
        self.build_score(q3, k)

    # ---------------------------------------------------------------- forward
    def call(
        self,
        query,
        value,
        key=None,
        query_mask=None,
        value_mask=None,
        key_mask=None,
        return_attention_scores=False,
        training=None,
    ):
        self._validate(query, value, key, query_mask, value_mask, key_mask)
        key = value if key is None else key
        single = len(query.shape) == 2
        q = ops.expand_dims(query, 1) if single else query  # (B, Tq, Dq)

        scores = self.score(q, key)  # (B, Tq, Tv)

        key_valid = _to_bool_mask(value_mask)
        if key_mask is not None:
            km = _to_bool_mask(key_mask)
            key_valid = km if key_valid is None else ops.logical_and(key_valid, km)
        weights = self._masked_softmax(scores, None if key_valid is None else key_valid[:, None, :])

        if query_mask is not None:
            qm = _to_bool_mask(query_mask)
            qm = ops.reshape(qm, (-1, 1, 1)) if single else qm[:, :, None]
            weights = weights * ops.cast(qm, weights.dtype)

        context = ops.matmul(weights, ops.cast(value, weights.dtype))  # (B, Tq, Dv)
        if single:
            context, weights = context[:, 0, :], weights[:, 0, :]
        if return_attention_scores:
            return context, weights
        return context

    @staticmethod
    def _masked_softmax(scores, mask):
        """Softmax over the last axis; ``mask`` (broadcastable bool) False -> weight exactly 0.

        Masked scores are replaced (not just shifted) by a large negative number before the
        softmax, and the result is multiplied by the mask. A row with every key masked therefore
        gives a softmax of equal numbers times 0 = 0: no division by zero, no NaN, and the
        gradient through ``where`` to the masked scores is exactly 0.

        One key (``Tv == 1`` known statically, e.g. a one-word sentence): the softmax of a
        single score is exactly 1 with gradient 0, which ``exp(s - s)`` computes too (the same
        numbers, NaN for a NaN or infinite score included) without ``ops.softmax``'s warning
        about a softmax over an axis of size 1.
        """
        one_key = scores.shape[-1] == 1
        if mask is None:
            return ops.exp(scores - scores) if one_key else ops.softmax(scores, axis=-1)
        large = 65504.0 if scores.dtype == "float16" else 1.0e9
        filled = ops.where(mask, scores, ops.cast(-large, scores.dtype))
        weights = ops.exp(filled - filled) if one_key else ops.softmax(filled, axis=-1)
        return weights * ops.cast(mask, scores.dtype)

    def compute_mask(self, query, previous_mask=None):
        """The output carries the query's mask ``(B, Tq)``; no mask for a 2-D query."""
        if previous_mask is None or len(query.shape) != 3:
            return None
        return previous_mask


@keras.saving.register_keras_serializable(package="helpers")
class DotProductAttention(AttentionBase):
    """Dot-product attention: ``score(s_t, h_i) = s_t . h_i``, or ``s_t . h_i / sqrt(d)`` if scaled.

    This is Luong et al.'s (2015) "dot" score (``scaled=False``, the same numbers as
    ``keras.layers.Attention()``), or the scaled dot product of the Transformer
    (``scaled=True``; ``d`` is the key size; ``keras.layers.Attention(use_scale=True)`` with its
    scale set to ``1/sqrt(d)``). No weights; query and key sizes must be equal.

    Args:
        scaled: divide the scores by ``sqrt(d)``.

    Shapes: see :class:`AttentionBase` (query ``(B, D)`` or ``(B, Tq, D)``, value ``(B, Tv, Dv)``,
    key ``(B, Tv, D)``).
    """

    def __init__(self, scaled: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.scaled = bool(scaled)

    def check_score_dims(self, query_dim, key_dim):
        if _differ(query_dim, key_dim):
            raise ValueError(
                f"dot-product scores need equal query and key sizes, got {query_dim} and {key_dim}"
            )

    def score(self, query, key):
        scores = ops.matmul(query, ops.swapaxes(ops.cast(key, query.dtype), -1, -2))
        if self.scaled:
            scores = scores * ops.cast(1.0 / math.sqrt(key.shape[-1]), scores.dtype)
        return scores

    def get_config(self):
        return {**super().get_config(), "scaled": self.scaled}


@keras.saving.register_keras_serializable(package="helpers")
class BahdanauAttention(AttentionBase):
    """Additive attention (Bahdanau, Cho & Bengio, 2015): ``score = v^T tanh(W1 h_i + W2 s)``.

    As in the TensorFlow tutorials' ``BahdanauAttention``: ``W1`` and ``W2`` are
    ``Dense(units)`` (with biases), ``V`` is ``Dense(1)``, softmax over time, context = weighted
    sum of the values. ``W1`` projects the keys (encoder states ``h_i``) and ``W2`` the query
    (decoder state ``s``), as in the image-captioning tutorial (``W1(features) +
    W2(hidden)``). The NMT tutorial uses the opposite naming (``W1(query) + W2(values)``): to load
    its weights, swap ``W1`` and ``W2``.

    In row-vector form, with Keras kernels ``(in, out)``::

        score[b, t, i] = tanh(h[b, i] @ W1 + b1 + s[b, t] @ W2 + b2) @ V + bV

    (``bV`` is harmless: the softmax ignores a constant shift.) The paper computes the key
    projection ``U_a h_i`` once per sentence; so does this layer, for all queries at once.

    Args:
        units: size of the hidden layer of the score (the paper's ``n'``).

    Shapes: see :class:`AttentionBase`. Any query and key sizes.
    """

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units < 1:
            raise ValueError(f"units must be a positive integer, got {units!r}.")
        self.units = units
        self.W1 = keras.layers.Dense(units, name="W1", dtype=self.dtype_policy)
        self.W2 = keras.layers.Dense(units, name="W2", dtype=self.dtype_policy)
        self.V = keras.layers.Dense(1, name="V", dtype=self.dtype_policy)

    def build_score(self, query_shape, key_shape):
        self.W1.build(key_shape)
        self.W2.build(query_shape)
        self.V.build((None, None, None, self.units))

    def score(self, query, key):
        keys = ops.expand_dims(self.W1(key), 1)  # (B, 1, Tv, U)
        queries = ops.expand_dims(self.W2(query), 2)  # (B, Tq, 1, U)
        return ops.squeeze(self.V(ops.tanh(queries + keys)), -1)  # (B, Tq, Tv)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="helpers")
class LuongAttention(AttentionBase):
    """Multiplicative / global attention of Luong, Pham & Manning (2015), eq. 8.

    With ``s_t`` the decoder state (query) and ``h_i`` an encoder state (key)::

        dot:     score = s_t^T h_i                        (no weights; equal sizes)
        general: score = s_t^T W_a h_i                    W_a: Dense(Dq, use_bias=False) on h_i
        concat:  score = v_a^T tanh(W_a [s_t; h_i])       W_a: Dense(units, use_bias=False) on
                                                          [s_t; h_i], v_a: Dense(1, use_bias=False)

    For ``concat`` the first ``Dq`` rows of ``W_a``'s kernel act on the query and the rest on the
    key; the layer applies the two blocks separately (same numbers, without building the
    ``(B, Tq, Tv, Dq + Dk)`` concatenation).

    Args:
        score: ``"dot"``, ``"general"`` or ``"concat"``.
        units: hidden size of the ``concat`` score (required for it, ignored otherwise).

    Shapes: see :class:`AttentionBase`. Combine with :class:`LuongAttentionalState` for
    ``h~_t = tanh(W_c [c_t; s_t])``.
    """

    def __init__(self, score: str = "dot", units: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if score not in LUONG_SCORES:
            raise ValueError(
                f"LuongAttention: score must be one of {', '.join(map(repr, LUONG_SCORES))}, "
                f"got {score!r}."
            )
        if score == "concat" and (
            units is None or not isinstance(units, int) or isinstance(units, bool) or units < 1
        ):
            raise ValueError(
                f"LuongAttention(score='concat') needs units, a positive integer (the size of "
                f"v_a); got units={units!r}."
            )
        self.score_name = score
        self.units = units
        if score == "concat":
            self.W_a = keras.layers.Dense(
                units, use_bias=False, name="W_a", dtype=self.dtype_policy
            )
            self.v_a = keras.layers.Dense(1, use_bias=False, name="v_a", dtype=self.dtype_policy)

    def check_score_dims(self, query_dim, key_dim):
        if self.score_name == "dot" and _differ(query_dim, key_dim):
            raise ValueError(
                f"the 'dot' score needs equal query and key sizes, got {query_dim} and {key_dim}; "
                "use score='general' to learn a map between them"
            )

    def build_score(self, query_shape, key_shape):
        dq, dk = query_shape[-1], key_shape[-1]
        if self.score_name == "general":
            self.W_a = keras.layers.Dense(dq, use_bias=False, name="W_a", dtype=self.dtype_policy)
            self.W_a.build(key_shape)
        elif self.score_name == "concat":
            self.W_a.build((None, dq + dk))
            self.v_a.build((None, None, None, self.units))

    def score(self, query, key):
        key = ops.cast(key, query.dtype)
        if self.score_name == "dot":
            return ops.matmul(query, ops.swapaxes(key, -1, -2))
        if self.score_name == "general":
            return ops.matmul(query, ops.swapaxes(self.W_a(key), -1, -2))
        dq = query.shape[-1]
        kernel = ops.cast(self.W_a.kernel, query.dtype)
        q_part = ops.expand_dims(ops.matmul(query, kernel[:dq]), 2)  # (B, Tq, 1, U)
        k_part = ops.expand_dims(ops.matmul(key, kernel[dq:]), 1)  # (B, 1, Tv, U)
        return ops.squeeze(self.v_a(ops.tanh(q_part + k_part)), -1)

    def get_config(self):
        return {**super().get_config(), "score": self.score_name, "units": self.units}


@keras.saving.register_keras_serializable(package="helpers")
class LuongAttentionalState(keras.layers.Layer):
    """Luong et al.'s (2015) attentional hidden state, eq. 5: ``h~_t = tanh(W_c [c_t; s_t])``.

    ``W_c`` is ``Dense(units, activation="tanh", use_bias=False)`` applied to the concatenation
    of the context ``c_t`` (first) and the decoder state ``s_t``. ``h~_t`` feeds the output
    softmax (and, with input feeding, the next decoder step).

    Call it with keywords, query first like the attention layers:
    ``LuongAttentionalState(units)(query=decoder_states, context=context)``.

    Args:
        units: size of ``h~_t``.

    Call arguments:
        query: decoder states ``s_t``, ``(B, Dq)`` or ``(B, T, Dq)``.
        context: context vectors ``c_t``, ``(B, Dv)`` or ``(B, T, Dv)`` (same rank, batch, T).

    Returns:
        ``(B, units)`` or ``(B, T, units)``, carrying the query's mask (3-D only).
    """

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units < 1:
            raise ValueError(f"units must be a positive integer, got {units!r}.")
        self.units = units
        self.W_c = keras.layers.Dense(
            units, activation="tanh", use_bias=False, name="W_c", dtype=self.dtype_policy
        )
        self.supports_masking = True

    def _validate(self, query, context):
        q, c = _shape(query), _shape(context)
        name = f"LuongAttentionalState '{self.name}'"
        if len(q) not in (2, 3) or len(c) != len(q):
            raise ValueError(
                f"{name}: query and context must both be (B, D) or both (B, T, D); "
                f"got query {q} and context {c}."
            )
        if any(_differ(a, b) for a, b in zip(q[:-1], c[:-1])):
            raise ValueError(
                f"{name}: query and context must agree on batch (and time) sizes; "
                f"got query {q} and context {c}."
            )
        return q, c

    def build(self, query_shape, context_shape):
        q, c = self._validate(query_shape, context_shape)
        self.W_c.build((None, c[-1] + q[-1]))

    def call(self, query, context):
        self._validate(query, context)
        return self.W_c(ops.concatenate([ops.cast(context, query.dtype), query], axis=-1))

    def compute_mask(self, query, previous_mask=None):
        if previous_mask is None or len(query.shape) != 3:
            return None
        return previous_mask

    def get_config(self):
        return {**super().get_config(), "units": self.units}
