"""Numerics of helpers.layers (issue 12): softmax in float32 under ``mixed_float16``, scaled dot
product with a key size unknown at trace time, and the layers on the JAX backend."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import helpers  # noqa: F401
import keras
import tensorflow as tf

from helpers import reference as ref
from helpers.layers import (BahdanauAttention, DotProductAttention, LuongAttention,
                            masked_softmax)


@pytest.fixture
def mixed_float16():
    keras.mixed_precision.set_dtype_policy("mixed_float16")
    try:
        yield
    finally:
        keras.mixed_precision.set_dtype_policy("float32")


def test_masked_softmax_runs_in_float32_for_float16_scores():
    # exp overflows float16 above ~11: a float16 softmax of these scores would not be exact
    scores = np.array([[[12.0, 3.0, -20.0, 11.5]]], "float32")
    mask = np.array([[[True, True, False, True]]])
    expected = ref.softmax(scores.astype(np.float64), mask[0].astype(bool))
    w16 = masked_softmax(keras.ops.cast(scores, "float16"), mask)
    assert w16.dtype == "float16"
    np.testing.assert_allclose(np.asarray(w16, np.float64), expected, atol=1e-3)
    assert np.asarray(w16)[0, 0, 2] == 0
    # float32 in, float32 out, no cast at all
    w32 = masked_softmax(keras.ops.convert_to_tensor(scores), mask)
    assert w32.dtype == "float32"


@pytest.mark.parametrize("factory", [lambda: DotProductAttention(scaled=True),
                                     lambda: BahdanauAttention(4), lambda: LuongAttention("general")])
def test_layers_under_mixed_float16_policy(mixed_float16, factory):
    layer = factory()
    assert layer.compute_dtype == "float16"
    rng = np.random.default_rng(0)
    q = rng.normal(size=(2, 3, 4)).astype("float32") * 8
    v = rng.normal(size=(2, 5, 4)).astype("float32") * 8
    mask = np.ones((2, 5), bool)
    mask[0, 3:] = False
    context, weights = layer(q, v, value_mask=mask, return_attention_scores=True)
    assert context.dtype == "float16" and weights.dtype == "float16"
    w = np.asarray(weights, np.float64)
    assert np.all(np.isfinite(w)) and np.all(w[0, :, 3:] == 0)
    np.testing.assert_allclose(w.sum(-1), 1.0, atol=2e-3)


def test_scaled_dot_product_with_unknown_key_size_in_tf_function():
    layer = DotProductAttention(scaled=True)
    spec = tf.TensorSpec((None, None, None), tf.float32)

    @tf.function(input_signature=[spec, spec])
    def attend(q, v):
        return layer(q, v, return_attention_scores=True)

    rng = np.random.default_rng(1)
    q, v = rng.normal(size=(2, 3, 6)).astype("float32"), rng.normal(size=(2, 4, 6)).astype("float32")
    context, weights = attend(q, v)
    expected_w, expected_c = ref.attention_forward(ref.scaled_dot_score(q, v), v)
    np.testing.assert_allclose(np.asarray(weights), expected_w, atol=1e-5)
    np.testing.assert_allclose(np.asarray(context), expected_c, atol=1e-5)
    # a different key size through the same traced function
    q2, v2 = q[..., :5], v[..., :5]
    _, weights2 = attend(q2, v2)
    np.testing.assert_allclose(np.asarray(weights2), ref.attention_forward(ref.scaled_dot_score(q2, v2), v2)[0],
                               atol=1e-5)


JAX_SCRIPT = textwrap.dedent("""
    import numpy as np
    import keras
    assert keras.backend.backend() == "jax", keras.backend.backend()
    from helpers.layers import (BahdanauAttention, DotProductAttention, LuongAttention,
                                LuongAttentionalState)
    from helpers import reference as ref
    rng = np.random.default_rng(0)
    q = rng.normal(size=(2, 3, 4)).astype("float32")
    v = rng.normal(size=(2, 5, 4)).astype("float32")
    mask = np.ones((2, 5), bool); mask[0, 3:] = False; mask[1, :] = False
    W = lambda x: np.asarray(x, np.float64)
    def scores(layer):
        if isinstance(layer, BahdanauAttention):
            return ref.bahdanau_score(q, v, W(layer.W1.kernel), W(layer.W1.bias), W(layer.W2.kernel),
                                      W(layer.W2.bias), W(layer.V.kernel)[:, 0], W(layer.V.bias)[0])
        if isinstance(layer, LuongAttention) and layer.score_mode == "general":
            return ref.luong_general_score(q, v, W(layer.W_a.kernel))
        if isinstance(layer, LuongAttention) and layer.score_mode == "concat":
            return ref.luong_concat_score(q, v, W(layer.W_a.kernel), W(layer.v_a.kernel)[:, 0])
        return ref.scaled_dot_score(q, v) if getattr(layer, "scaled", False) else ref.dot_score(q, v)
    for layer in (DotProductAttention(), DotProductAttention(scaled=True), BahdanauAttention(6),
                  LuongAttention("dot"), LuongAttention("general"), LuongAttention("concat", units=6)):
        context, weights = layer(q, v, value_mask=mask, return_attention_scores=True)
        ew, ec = ref.attention_forward(scores(layer), v, value_mask=mask)
        assert np.max(np.abs(np.asarray(weights) - ew)) < 1e-5, type(layer).__name__
        assert np.max(np.abs(np.asarray(context) - ec)) < 1e-5, type(layer).__name__
        assert np.all(np.asarray(weights)[1] == 0) and np.all(np.isfinite(np.asarray(context)))
    state = LuongAttentionalState(3)(query=q, context=q)
    assert state.shape == (2, 3, 3)
    print("jax ok")
""")


def test_layers_on_the_jax_backend():
    pytest.importorskip("jax")
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    # helpers/__init__ imports TensorFlow; load only helpers.layers and helpers.reference
    script = ("import sys, types, importlib.util, os\n"
              f"root = {root!r}\n"
              "pkg = types.ModuleType('helpers'); pkg.__path__ = [os.path.join(root, 'helpers')]\n"
              "sys.modules['helpers'] = pkg\n" + JAX_SCRIPT)
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "jax ok" in done.stdout
    assert "tensorflow" not in done.stderr.lower() or "Traceback" not in done.stderr
