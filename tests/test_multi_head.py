"""Tests of helpers.layers.multi_head: MultiHeadAttention against keras.layers.MultiHeadAttention
with copied weights, the scaled dot-product core against keras.ops.dot_product_attention, the
properties of self-attention (permutation equivariance, causality), masks (padding + causal, rows
with nothing to attend to), the KV cache, saving and loading, configs and bad input.

Every tensor is tiny (batch 2, at most 6 steps): the whole module runs in seconds on a CPU.
"""
import numpy as np
import pytest

import helpers  # noqa: F401  (imports TensorFlow, registers the Keras classes)
import keras
import tensorflow as tf

from helpers.layers import (MultiHeadAttention, causal_mask, combine_masks,
                            scaled_dot_product_attention)

TOL = 1e-5
B, TQ, TV = 2, 3, 5
DQ, DK, DV = 4, 6, 5  # distinct sizes catch transposed kernels
H, D_K, D_V, D_OUT = 2, 3, 4, 7


def normal(seed, *shape):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def pair(q, v, k, seed=1, **options):
    """Ours and Keras' layer, built on ``q, v, k``, with the same random weights (biases too)."""
    options = {"value_dim": D_V, **options}
    ours = MultiHeadAttention(H, D_K, output_dim=options.pop("output_dim", None), **options)
    theirs = keras.layers.MultiHeadAttention(H, D_K, output_shape=ours.output_dim, **options)
    ours(q, v, k), theirs(q, v, k)
    rng = np.random.default_rng(seed)
    weights = [0.5 * rng.normal(size=w.shape).astype("float32") for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)  # the same layout and order: a one-to-one copy
    return ours, theirs


def padding(lengths, t):
    return np.arange(t)[None, :] < np.asarray(lengths)[:, None]


# masks: query_mask, value_mask, attention_mask (each row keeps at least one key)
ATTENTION_MASK = np.random.default_rng(3).random((B, TQ, TV)) < 0.6
ATTENTION_MASK[:, :, 0] = True
CASES = {
    "self": dict(cross=False),
    "cross": dict(cross=True),
    "cross+padding": dict(cross=True, query_mask=padding([3, 2], TQ),
                          value_mask=padding([5, 2], TV)),
    "cross+attention_mask": dict(cross=True, attention_mask=ATTENTION_MASK,
                                 value_mask=padding([4, 3], TV)),
    "self+causal": dict(cross=False, use_causal_mask=True),
    "self+causal+padding": dict(cross=False, use_causal_mask=True,
                                query_mask=padding([5, 3], TV), value_mask=padding([5, 3], TV)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_matches_keras_multi_head_attention(case):
    kwargs = dict(CASES[case])
    cross = kwargs.pop("cross")
    if cross:
        q, v, k = normal(0, B, TQ, DQ), normal(1, B, TV, DV), normal(2, B, TV, DK)
    else:
        q = v = k = normal(0, B, TV, DQ)
    ours, theirs = pair(q, v, k, output_dim=D_OUT if cross else None)
    out, w = ours(q, v, k, return_attention_scores=True, **kwargs)
    # Keras reads the query mask from the query's Keras mask only: pass it in attention_mask.
    query_mask = kwargs.pop("query_mask", None)
    if query_mask is not None:
        kwargs["attention_mask"] = query_mask[:, :, None] & kwargs.get("attention_mask", True)
    k_out, k_w = theirs(q, v, k, return_attention_scores=True, **kwargs)
    assert tuple(out.shape) == (B, q.shape[1], D_OUT if cross else DQ)
    assert tuple(w.shape) == (B, H, q.shape[1], v.shape[1])
    rows = np.asarray(w).sum(-1)[:, 0] > 0  # (B, Tq): rows with something to attend to
    expected_rows = np.ones(rows.shape, bool) if query_mask is None else query_mask
    np.testing.assert_array_equal(rows, expected_rows)
    np.testing.assert_allclose(np.asarray(out)[rows], np.asarray(k_out)[rows], atol=TOL)
    np.testing.assert_allclose(np.asarray(w), np.asarray(k_w), atol=TOL)
    # the padded query rows: zero weights (Keras too) and a zero output (Keras: the bias)
    assert np.all(np.asarray(out)[~rows] == 0)


def test_core_matches_keras_dot_product_attention():
    q, k, v = normal(4, B, H, TQ, D_K), normal(5, B, H, TV, D_K), normal(6, B, H, TV, D_V)
    mask = np.ones((B, 1, TQ, TV), bool)
    mask[0, :, :, 3:] = False
    mask[1, :, 1, :2] = False
    to_keras = lambda x: np.transpose(x, (0, 2, 1, 3))  # noqa: E731  (B, H, T, d) <-> (B, T, H, d)
    for m in (None, mask):
        context, weights = scaled_dot_product_attention(q, k, v, m)
        expected = keras.ops.dot_product_attention(to_keras(q), to_keras(k), to_keras(v), mask=m)
        np.testing.assert_allclose(np.asarray(context), to_keras(np.asarray(expected)), atol=TOL)
        np.testing.assert_allclose(np.asarray(weights).sum(-1), 1.0, atol=1e-6)
    x = normal(7, B, H, TV, D_K)
    causal = keras.ops.dot_product_attention(*(to_keras(x),) * 3, is_causal=True)
    context, _ = scaled_dot_product_attention(x, x, x, causal_mask(TV))
    np.testing.assert_allclose(np.asarray(context), to_keras(np.asarray(causal)), atol=TOL)


def test_causal_mask_is_lower_triangular_and_aligned_to_the_end():
    np.testing.assert_array_equal(causal_mask(4), np.tril(np.ones((4, 4), bool)))
    np.testing.assert_array_equal(causal_mask(2, 4), [[1, 1, 1, 0], [1, 1, 1, 1]])
    np.testing.assert_array_equal(causal_mask(1, 3), [[1, 1, 1]])
    assert combine_masks(None, None) is None
    np.testing.assert_array_equal(combine_masks(np.array([1, 0, 1]), None, np.array([True] * 3)),
                                  [True, False, True])
    with pytest.raises(ValueError, match="0 <= tq <= tv"):
        causal_mask(3, 2)


def test_self_attention_without_positions_is_permutation_equivariant():
    x = normal(8, B, TV, DQ)
    layer, _ = pair(x, x, x, seed=2)
    perm = np.random.default_rng(9).permutation(TV)
    out, w = layer(x, x, return_attention_scores=True)
    out_p, w_p = layer(x[:, perm], x[:, perm], return_attention_scores=True)
    np.testing.assert_allclose(np.asarray(out_p), np.asarray(out)[:, perm], atol=TOL)
    np.testing.assert_allclose(np.asarray(w_p), np.asarray(w)[:, :, perm][:, :, :, perm], atol=TOL)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_changing_future_tokens_never_changes_earlier_outputs(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(B, 6, DQ)).astype("float32")
    layer, _ = pair(x, x, x, seed=seed)
    t = int(rng.integers(0, 5))  # keep 0..t, change t+1..
    changed = x.copy()
    changed[:, t + 1:] = rng.normal(size=changed[:, t + 1:].shape)
    before = np.asarray(layer(x, x, use_causal_mask=True))
    after = np.asarray(layer(changed, changed, use_causal_mask=True))
    np.testing.assert_allclose(after[:, :t + 1], before[:, :t + 1], atol=1e-6)
    assert np.max(np.abs(after[:, t + 1:] - before[:, t + 1:])) > 1e-3  # the future did change
    # without the causal mask, the past sees the future
    assert np.max(np.abs(np.asarray(layer(changed, changed))[:, :t + 1]
                         - np.asarray(layer(x, x))[:, :t + 1])) > 1e-3


def test_padding_and_causal_with_rows_that_see_nothing():
    x = tf.constant(normal(10, B, TV, DQ))
    layer, _ = pair(x, x, x, seed=3)
    value_mask = np.array([[0, 0, 1, 1, 1], [0, 0, 0, 0, 0]], bool)  # left padding; all padding
    with tf.GradientTape() as tape:
        tape.watch(x)
        out, w = layer(x, x, value_mask=value_mask, use_causal_mask=True,
                       return_attention_scores=True)
        loss = tf.reduce_sum(out ** 2)
    grads = tape.gradient(loss, [x, *layer.trainable_variables])
    out, w = np.asarray(out), np.asarray(w)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(w))
    assert all(np.all(np.isfinite(g)) for g in grads)
    # causal + left padding: queries 0 and 1 of example 0 see only padding -> zeros
    assert np.all(w[0, :, :2] == 0) and np.all(out[0, :2] == 0)
    np.testing.assert_allclose(w[0, :, 2:].sum(-1), 1.0, atol=1e-6)
    assert np.all(w[0][np.broadcast_to(~causal_mask(TV) | ~value_mask[0], w[0].shape)] == 0)
    assert np.all(w[1] == 0) and np.all(out[1] == 0)  # nothing at all to attend to
    np.testing.assert_array_equal(np.asarray(grads[0])[1], 0.0)


@pytest.mark.parametrize("padded", [False, True], ids=["no-padding", "padding"])
def test_kv_cache_decoding_equals_full_causal_recompute(padded):
    x = normal(11, B, 6, DQ)
    layer, _ = pair(x, x, x, seed=4)
    mask = padding([6, 4], 6) if padded else None
    full, full_w = layer(x, x, value_mask=mask, use_causal_mask=True, return_attention_scores=True)
    cache, outputs = layer.empty_cache(B), []
    for start, stop in [(0, 2), (2, 3), (3, 4), (4, 5), (5, 6)]:  # a prompt of 2, then steps
        step_mask = None if mask is None else mask[:, start:stop]
        out, w, cache = layer(x[:, start:stop], x[:, start:stop], value_mask=step_mask,
                              use_causal_mask=True, return_attention_scores=True, cache=cache)
        assert tuple(cache["key"].shape) == (B, H, stop, D_K)
        assert tuple(cache["value"].shape) == (B, H, stop, D_V)
        np.testing.assert_allclose(np.asarray(w), np.asarray(full_w)[:, :, start:stop, :stop],
                                   atol=TOL)
        outputs.append(np.asarray(out))
    np.testing.assert_allclose(np.concatenate(outputs, axis=1), np.asarray(full), atol=TOL)
    np.testing.assert_array_equal(np.asarray(cache["mask"]), np.ones((B, 6), bool)
                                  if mask is None else mask)


# Keras' own variable -> NumPy conversion while saving warns under NumPy 2; not ours to fix.
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")
def test_save_load_round_trip(tmp_path):
    ids = np.array([[3, 1, 4, 1, 5], [9, 2, 6, 0, 0]])
    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(10, DQ, mask_zero=True)(inputs)
    layer = MultiHeadAttention(H, D_K, value_dim=D_V, output_dim=DQ, name="mha")
    y, w = layer(x, x, use_causal_mask=True, return_attention_scores=True)
    assert y._keras_mask is not None  # the query's padding mask goes on
    model = keras.Model(inputs, [keras.layers.Dense(3)(y), w])
    for i, variable in enumerate(model.weights):
        variable.assign(0.5 * normal(i, *variable.shape))
    before = model(ids)
    path = tmp_path / "mha.keras"
    model.save(path)
    loaded = keras.models.load_model(path)  # no custom_objects: registered by `import helpers`
    for a, b in zip(before, loaded(ids)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert np.all(np.asarray(before[1])[1, :, :, 3:] == 0)  # padded keys got no weight
    assert loaded.get_layer("mha").get_config() == layer.get_config()
    assert keras.saving.get_registered_name(MultiHeadAttention) == "helpers>MultiHeadAttention"


def test_config_round_trip_dropout_and_bias_options():
    layer = MultiHeadAttention(3, 2, value_dim=5, dropout=0.5, use_bias=False, output_dim=6)
    clone = MultiHeadAttention.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    x = normal(12, B, TQ, DQ)
    out = layer(x, x)
    assert tuple(out.shape) == (B, TQ, 6)
    assert all("bias" not in w.path for w in layer.weights) and len(layer.weights) == 4
    clone(x, x)
    clone.set_weights(layer.get_weights())
    no_dropout = MultiHeadAttention(3, 2, value_dim=5, use_bias=False, output_dim=6)
    no_dropout(x, x)
    no_dropout.set_weights(layer.get_weights())
    reference = np.asarray(no_dropout(x, x))
    np.testing.assert_allclose(np.asarray(clone(x, x, training=False)), reference, atol=1e-6)
    assert not np.allclose(np.asarray(clone(x, x, training=True)), reference)


@pytest.mark.parametrize("options, error, match", [
    (dict(num_heads=2.0), TypeError, "num_heads must be an integer, got 2.0"),
    (dict(num_heads="2"), TypeError, "num_heads must be an integer"),
    (dict(key_dim=0), ValueError, "key_dim must be a positive integer, got 0"),
    (dict(key_dim=-3), ValueError, "key_dim must be a positive integer"),
    (dict(value_dim=True), TypeError, "value_dim must be an integer"),
    (dict(dropout=1.0), ValueError, r"dropout must be a number in \[0, 1\)"),
    (dict(use_bias="yes"), TypeError, "use_bias must be True or False"),
])
def test_bad_constructor_arguments(options, error, match):
    with pytest.raises(error, match=match):
        MultiHeadAttention(**{"num_heads": 2, "key_dim": 3, **options})


def test_bad_call_inputs_raise_clear_errors():
    layer = MultiHeadAttention(H, D_K)
    q, v = normal(0, B, TQ, DQ), normal(1, B, TV, DV)
    layer(q, v)
    with pytest.raises(ValueError, match=r"query must have shape \(B, Tq, Dq\), got \(2, 4\)"):
        layer(q[:, 0], v)
    with pytest.raises(ValueError, match=r"query has 3 features, but the layer was built for 4"):
        layer(q[..., :3], v)
    with pytest.raises(ValueError, match=r"value has 6 features, but the layer was built for 5"):
        layer(q, normal(2, B, TV, 6))
    with pytest.raises(ValueError, match=r"same number of time steps"):
        layer(q, v, key=normal(3, B, TV + 1, DV))
    with pytest.raises(ValueError, match=r"attention_mask must have shape \(2, 3, 5\)"):
        layer(q, v, attention_mask=np.ones((B, TQ, TV - 1), bool))
    with pytest.raises(ValueError, match=r"cache must be a dict"):
        layer(q, v, cache=[1, 2])
    with pytest.raises(ValueError, match=r"0 <= tq <= tv, got tq=5, tv=3"):
        layer(normal(4, B, 5, DQ), v[:, :3], use_causal_mask=True)


def test_mixed_float16_policy_keeps_padding_exact_and_finite():
    x = normal(13, B, TV, DQ) * 8
    full = MultiHeadAttention(H, D_K, value_dim=D_V)
    half = MultiHeadAttention.from_config({**full.get_config(), "dtype": "mixed_float16"})
    full(x, x), half(x, x)
    half.set_weights(full.get_weights())
    mask = padding([5, 0], TV)
    out16, w16 = half(x, x, value_mask=mask, use_causal_mask=True, return_attention_scores=True)
    assert out16.dtype == "float16" and w16.dtype == "float16"
    assert np.all(np.isfinite(np.asarray(out16))) and np.all(np.asarray(w16)[1] == 0)
    out32 = full(x, x, value_mask=mask, use_causal_mask=True)
    assert np.max(np.abs(np.asarray(out16, np.float32) - np.asarray(out32))) < 0.1


def test_bad_cache_and_none_sizes():
    layer = MultiHeadAttention(H, D_K)
    x = normal(14, B, 1, DQ)
    wrong = {**layer.empty_cache(B), "key": np.zeros((B, H + 1, 2, D_K), "float32")}
    with pytest.raises(ValueError, match=r"cache\['key'\] must have shape \(B, H=2, T, 3\)"):
        layer(x, x, cache=wrong)
    with pytest.raises(TypeError, match="num_heads must be an integer, got None"):
        MultiHeadAttention(None, D_K)
