"""Multiplicative (global) attention of Luong, Pham & Manning (2015): :class:`LuongAttention` and
Luong's attentional hidden state :class:`LuongAttentionalState`.

Reference: M.-T. Luong, H. Pham, C. D. Manning (2015). Effective Approaches to Attention-based
Neural Machine Translation. EMNLP 2015. arXiv:1508.04025.

May import: ``keras``, :mod:`helpers.layers.base`.
"""
from __future__ import annotations

import keras
from keras import ops

from helpers.layers.base import AttentionBase, check_units, dims_differ, static_shape

__all__ = ["LUONG_SCORES", "LuongAttention", "LuongAttentionalState"]

#: The score modes of :class:`LuongAttention`.
LUONG_SCORES = ("dot", "general", "concat")


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
        score_mode: ``"dot"``, ``"general"`` or ``"concat"`` (the name ``keras.layers.Attention``
            gives its own choice of score; ``score`` is the method computing it).
        units: hidden size of the ``concat`` score (required for it, ignored otherwise).

    Shapes: see :class:`helpers.layers.base.AttentionBase`. Combine with
    :class:`LuongAttentionalState` for ``h~_t = tanh(W_c [c_t; s_t])``.
    """

    def __init__(self, score_mode: str = "dot", units: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in LUONG_SCORES:
            raise ValueError(
                f"LuongAttention: score_mode must be one of {', '.join(map(repr, LUONG_SCORES))}, "
                f"got {score_mode!r}."
            )
        if score_mode == "concat" and (
            units is None or not isinstance(units, int) or isinstance(units, bool) or units < 1
        ):
            raise ValueError(
                f"LuongAttention(score_mode='concat') needs units, a positive integer (the size "
                f"of v_a); got units={units!r}."
            )
        self.score_mode = score_mode
        self.units = units
        if score_mode == "concat":
            self.W_a = keras.layers.Dense(
                units, use_bias=False, name="W_a", dtype=self.dtype_policy
            )
            self.v_a = keras.layers.Dense(1, use_bias=False, name="v_a", dtype=self.dtype_policy)

    def check_score_dims(self, query_dim, key_dim):
        if self.score_mode == "dot" and dims_differ(query_dim, key_dim):
            raise ValueError(
                f"the 'dot' score needs equal query and key sizes, got {query_dim} and {key_dim}; "
                "use score_mode='general' to learn a map between them"
            )

    def build_score(self, query_shape, key_shape):
        dq, dk = query_shape[-1], key_shape[-1]
        if self.score_mode == "general":
            self.W_a = keras.layers.Dense(dq, use_bias=False, name="W_a", dtype=self.dtype_policy)
            self.W_a.build(key_shape)
        elif self.score_mode == "concat":
            self.W_a.build((None, dq + dk))
            self.v_a.build((None, None, None, self.units))

    def score(self, query, key):
        key = ops.cast(key, query.dtype)
        if self.score_mode == "dot":
            return ops.matmul(query, ops.swapaxes(key, -1, -2))
        if self.score_mode == "general":
            return ops.matmul(query, ops.swapaxes(self.W_a(key), -1, -2))
        dq = query.shape[-1]
        kernel = ops.cast(self.W_a.kernel, query.dtype)
        q_part = ops.expand_dims(ops.matmul(query, kernel[:dq]), 2)  # (B, Tq, 1, U)
        k_part = ops.expand_dims(ops.matmul(key, kernel[dq:]), 1)  # (B, 1, Tv, U)
        return ops.squeeze(self.v_a(ops.tanh(q_part + k_part)), -1)

    def get_config(self):
        return {**super().get_config(), "score_mode": self.score_mode, "units": self.units}

    @classmethod
    def from_config(cls, config):
        """Also reads configs saved before the argument was renamed (``score`` -> ``score_mode``)."""
        config = dict(config)
        if "score" in config:
            config["score_mode"] = config.pop("score")
        return cls(**config)


@keras.saving.register_keras_serializable(package="helpers")
class LuongAttentionalState(keras.layers.Layer):
    """Luong et al.'s (2015) attentional hidden state, eq. 5: ``h~_t = tanh(W_c [c_t; s_t])``.

    ``W_c`` is ``Dense(units, activation="tanh", use_bias=use_bias)`` applied to the
    concatenation of the context ``c_t`` (first) and the decoder state ``s_t``. ``h~_t`` feeds
    the output softmax (and, with input feeding, the next decoder step). The paper's equation has
    no bias (``use_bias=False``, the default); notebook 06's translator adds one
    (``tanh(W_c [c_t; s_t] + b_c)``, as TensorFlow's NMT tutorial does).

    Call it with keywords, query first like the attention layers:
    ``LuongAttentionalState(units)(query=decoder_states, context=context)``.

    Args:
        units: size of ``h~_t``.
        use_bias: add a learned bias ``b_c`` inside the ``tanh``.

    Call arguments:
        query: decoder states ``s_t``, ``(B, Dq)`` or ``(B, T, Dq)``.
        context: context vectors ``c_t``, ``(B, Dv)`` or ``(B, T, Dv)`` (same rank, batch, T).

    Returns:
        ``(B, units)`` or ``(B, T, units)``, carrying the query's mask (3-D only).
    """

    def __init__(self, units: int, use_bias: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.units = check_units(units)
        if not isinstance(use_bias, bool):
            raise TypeError(f"use_bias must be True or False, got {use_bias!r}.")
        self.use_bias = use_bias
        self.W_c = keras.layers.Dense(
            units, activation="tanh", use_bias=use_bias, name="W_c", dtype=self.dtype_policy
        )
        self.supports_masking = True

    def _validate(self, query, context):
        q, c = static_shape(query), static_shape(context)
        name = f"LuongAttentionalState '{self.name}'"
        if len(q) not in (2, 3) or len(c) != len(q):
            raise ValueError(
                f"{name}: query and context must both be (B, D) or both (B, T, D); "
                f"got query {q} and context {c}."
            )
        if any(dims_differ(a, b) for a, b in zip(q[:-1], c[:-1])):
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
        return {**super().get_config(), "units": self.units, "use_bias": self.use_bias}
