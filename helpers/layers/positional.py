"""Word order for attention without recurrence: :func:`sinusoidal_encoding`,
:class:`SinusoidalPositionalEncoding` and :class:`PositionalEmbedding` (Vaswani et al., 2017).

Self-attention without positions is permutation-equivariant: shuffle the input tokens and the
outputs are shuffled the same way, so "dog bites man" and "man bites dog" look alike. A vector
that depends on the position ``p`` is therefore added to every token's embedding, either fixed
(the paper's sines and cosines, for ``p = 0 .. T-1``, ``i = 0 .. D/2 - 1``)::

    PE[p, 2i]     = sin(p / base^(2i / D))
    PE[p, 2i + 1] = cos(p / base^(2i / D))          base = 10000

or learned (an ``Embedding(max_length, D)`` looked up at ``0 .. T-1``, as in BERT and GPT).
Each pair of dimensions is a clock of its own frequency, from period ``2 pi`` to
``2 pi * base``; ``PE[p + k]`` is a linear (rotation) function of ``PE[p]`` for every offset
``k``, which makes relative positions easy to read for dot products.

Shapes: token ids ``(B, T)`` -> embeddings ``(B, T, D)``; both layers pass the Keras mask on
(``mask_zero=True``: id 0 is padding), so the attention layers downstream ignore the padding.
A (static) length ``T > max_length`` raises ``ValueError``.

Reference: A. Vaswani et al. (2017). Attention Is All You Need. NeurIPS 2017. arXiv:1706.03762.

May import: ``keras``, :mod:`helpers.layers.base`.
"""
from __future__ import annotations

import math

import keras
from keras import ops

from helpers.layers.base import check_units, static_shape

__all__ = ["sinusoidal_encoding", "SinusoidalPositionalEncoding", "PositionalEmbedding",
           "TiedOutput", "POSITIONS"]

#: The kinds of position vectors of :class:`PositionalEmbedding`.
POSITIONS = ("learned", "sinusoidal")


def sinusoidal_encoding(length, depth: int, base: float = 10000.0, dtype="float32"):
    """The table ``PE (length, depth)`` of the module docstring (sin on even dimensions, cos on
    odd ones; an odd ``depth`` ends with a sine). ``length`` may be a scalar tensor."""
    positions = ops.expand_dims(ops.arange(length, dtype="float32"), 1)  # (T, 1)
    dims = ops.arange(depth)
    even = ops.cast(dims - dims % 2, "float32")  # 2i, for dimensions 2i and 2i + 1
    angles = positions * ops.exp(even * (-math.log(base) / depth))  # p / base^(2i / D)
    return ops.cast(ops.where(dims % 2 == 0, ops.sin(angles), ops.cos(angles)), dtype)


def _check_positions(layer, shape, rank: int, max_length: int, what: str):
    """``ValueError`` unless ``shape`` has ``rank`` axes and at most ``max_length`` steps."""
    shape = static_shape(shape)
    name = f"{type(layer).__name__} '{layer.name}'"
    if len(shape) != rank:
        raise ValueError(f"{name}: inputs must have shape {what}, got {shape}.")
    if shape[1] is not None and shape[1] > max_length:
        raise ValueError(f"{name}: the inputs have {shape[1]} positions, more than "
                         f"max_length={max_length} (got inputs {shape}).")
    return shape


@keras.saving.register_keras_serializable(package="helpers")
class SinusoidalPositionalEncoding(keras.layers.Layer):
    """Adds the fixed sinusoidal position vectors: ``(B, T, D) -> x + PE[:T]`` (no weights).

    Args:
        max_length: the longest sequence accepted (a longer static length is a ``ValueError``;
            the table itself is computed for the length at hand).
        base: the ``10000`` of the formula.

    The input's Keras mask is passed on unchanged.
    """

    def __init__(self, max_length: int, base: float = 10000.0, **kwargs):
        super().__init__(**kwargs)
        self.max_length = check_units(max_length, "max_length")
        if isinstance(base, bool) or not isinstance(base, (int, float)) or base <= 1:
            raise ValueError(f"SinusoidalPositionalEncoding: base must be a number > 1, "
                             f"got {base!r}.")
        self.base = float(base)
        self.supports_masking = True

    def call(self, inputs):
        shape = _check_positions(self, inputs, 3, self.max_length, "(B, T, D)")
        if shape[2] is None:
            raise ValueError(f"SinusoidalPositionalEncoding '{self.name}': the feature size D "
                             f"must be known, got inputs {shape}.")
        length = shape[1] if shape[1] is not None else ops.shape(inputs)[1]
        table = sinusoidal_encoding(length, shape[2], self.base, inputs.dtype)
        return inputs + ops.expand_dims(table, 0)

    def compute_mask(self, inputs, previous_mask=None):
        return previous_mask

    def get_config(self):
        return {**super().get_config(), "max_length": self.max_length, "base": self.base}


@keras.saving.register_keras_serializable(package="helpers")
class PositionalEmbedding(keras.layers.Layer):
    """Token embedding plus position vectors: ``ids (B, T) -> token(ids) + P[:T]`` ``(B, T, D)``.

    Sublayers: ``token = Embedding(vocab_size, embed_dim, mask_zero=mask_zero)`` and
    ``position``: ``Embedding(max_length, embed_dim)`` (learned) or
    :class:`SinusoidalPositionalEncoding` (fixed).

    Args:
        vocab_size: number of token ids (0 is padding when ``mask_zero``).
        max_length: the longest sequence; a longer static length is a ``ValueError``.
        embed_dim: ``D``.
        positions: ``"learned"`` or ``"sinusoidal"``.
        mask_zero: treat id 0 as padding: the output carries the mask ``ids != 0``.
        scale: multiply the token embeddings by ``sqrt(D)`` before adding positions (as the
            paper does, so that both have a similar size).
    """

    def __init__(self, vocab_size: int, max_length: int, embed_dim: int,
                 positions: str = "learned", mask_zero: bool = True, scale: bool = False,
                 **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = check_units(vocab_size, "vocab_size")
        self.max_length = check_units(max_length, "max_length")
        self.embed_dim = check_units(embed_dim, "embed_dim")
        if positions not in POSITIONS:
            raise ValueError(f"PositionalEmbedding: positions must be one of "
                             f"{', '.join(map(repr, POSITIONS))}, got {positions!r}.")
        for what, flag in (("mask_zero", mask_zero), ("scale", scale)):
            if not isinstance(flag, bool):
                raise TypeError(f"PositionalEmbedding: {what} must be True or False, got {flag!r}.")
        self.positions, self.mask_zero, self.scale = positions, mask_zero, scale
        self.token = keras.layers.Embedding(vocab_size, embed_dim, mask_zero=mask_zero,
                                            name="token", dtype=self.dtype_policy)
        if positions == "learned":
            self.position = keras.layers.Embedding(max_length, embed_dim, name="position",
                                                   dtype=self.dtype_policy)
        else:
            self.position = SinusoidalPositionalEncoding(max_length, name="position",
                                                         dtype=self.dtype_policy)
        self.supports_masking = True

    def build(self, input_shape):
        _check_positions(self, input_shape, 2, self.max_length, "(B, T)")
        self.token.build(input_shape)
        if self.positions == "learned":
            self.position.build((self.max_length,))

    def call(self, inputs):
        _check_positions(self, inputs, 2, self.max_length, "(B, T)")
        x = self.token(inputs)
        if self.scale:
            x = x * ops.cast(math.sqrt(self.embed_dim), x.dtype)
        if self.positions == "sinusoidal":
            return self.position(x)
        steps = ops.arange(ops.shape(inputs)[1])
        return x + ops.expand_dims(self.position(steps), 0)

    def compute_mask(self, inputs, previous_mask=None):
        """``ids != 0`` with ``mask_zero``, else no mask."""
        return self.token.compute_mask(inputs) if self.mask_zero else None

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size,
                "max_length": self.max_length, "embed_dim": self.embed_dim,
                "positions": self.positions, "mask_zero": self.mask_zero, "scale": self.scale}


@keras.saving.register_keras_serializable(package="helpers")
class TiedOutput(keras.layers.Layer):
    """Output projection tied to an embedding: ``x (B, T, D)``, ``embeddings (V, D)`` ->
    ``x E^T + b`` ``(B, T, V)``; only the bias ``b (V,)`` is this layer's own weight."""

    def __init__(self, vocab_size: int, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = check_units(vocab_size, "vocab_size")

    def build(self, input_shape):
        self.bias = self.add_weight(shape=(self.vocab_size,), initializer="zeros", name="bias")

    def call(self, x, embeddings):
        return ops.matmul(x, ops.transpose(ops.cast(embeddings, x.dtype))) + self.bias

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size}
