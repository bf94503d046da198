"""Tests of the Keras attention layers in helpers.layers.

Each layer is checked against the NumPy reference (helpers.reference) with the layer's own weights,
against the Keras built-ins where they compute the same thing, for masks (explicit and
propagated automatically), for all-padding rows (no NaN, gradients included), for saving and
loading, and for clear errors on bad input. The largest NumPy-vs-Keras differences are collected
in ``MAX_DIFFS`` and printed by the last test (run pytest with ``-s`` to see them).
"""
import math

import numpy as np
import pytest

import helpers  # noqa: F401  (imports TensorFlow, registers the Keras classes)
import keras
import tensorflow as tf

from helpers import reference as ref
from helpers.layers import (
    BahdanauAttention,
    DotProductAttention,
    LuongAttention,
    LuongAttentionalState,
)

TOL = 1e-5
MAX_DIFFS: dict[str, float] = {}

B, TQ, TV = 3, 4, 6
DQ, DK, DV = 5, 7, 3  # distinct sizes catch transposed kernels; dot scores use DK = DQ

LAYERS = {
    "DotProductAttention": lambda: DotProductAttention(),
    "DotProductAttention(scaled)": lambda: DotProductAttention(scaled=True),
    "BahdanauAttention": lambda: BahdanauAttention(units=8),
    "LuongAttention(dot)": lambda: LuongAttention("dot"),
    "LuongAttention(general)": lambda: LuongAttention("general"),
    "LuongAttention(concat)": lambda: LuongAttention("concat", units=8),
}
NEEDS_EQUAL_DIMS = {"DotProductAttention", "DotProductAttention(scaled)", "LuongAttention(dot)"}


@pytest.fixture
def quiet_retracing():
    """Each test builds a new model, so ``predict`` traces a new function every time and
    TensorFlow logs a retracing warning after five of them; that is expected here."""
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")
    yield
    logger.setLevel(level)


def record(name: str, diff: float) -> None:
    MAX_DIFFS[name] = max(MAX_DIFFS.get(name, 0.0), float(diff))


def max_diff(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


def make_inputs(name: str, seed: int = 0, query_rank: int = 3):
    rng = np.random.default_rng(seed)
    dk = DQ if name in NEEDS_EQUAL_DIMS else DK
    q_shape = (B, TQ, DQ) if query_rank == 3 else (B, DQ)
    q = rng.normal(size=q_shape).astype("float32")
    k = rng.normal(size=(B, TV, dk)).astype("float32")
    v = rng.normal(size=(B, TV, DV)).astype("float32")
    return q, k, v


def make_masks():
    # Every row keeps at least one key (the Keras built-ins give uniform weights, not zeros,
    # to a row whose keys are all padding; that case is tested separately).
    value_mask = np.array(
        [[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0], [0, 1, 0, 1, 0, 0]], dtype=bool
    )
    query_mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0]], dtype=bool)
    return query_mask, value_mask


def randomize(layer, seed: int = 1) -> None:
    """Give every weight (biases included) random values, so no zero init hides a bug."""
    rng = np.random.default_rng(seed)
    for w in layer.weights:
        w.assign(0.5 * rng.normal(size=w.shape).astype("float32"))


def reference_scores(layer, q, k):
    q = np.asarray(q, np.float64)
    k = np.asarray(k, np.float64)
    W = lambda var: np.asarray(var.numpy(), np.float64)  # noqa: E731
    if isinstance(layer, DotProductAttention):
        return ref.scaled_dot_score(q, k) if layer.scaled else ref.dot_score(q, k)
    if isinstance(layer, BahdanauAttention):
        return ref.bahdanau_score(
            q, k, W(layer.W1.kernel), W(layer.W2.kernel), W(layer.V.kernel)[:, 0],
            b1=W(layer.W1.bias),
        )
    if isinstance(layer, LuongAttention):
        if layer.score_mode == "dot":
            return ref.dot_score(q, k)
        if layer.score_mode == "general":
            return ref.luong_general_score(q, k, W(layer.W_a.kernel))
        return ref.luong_concat_score(q, k, W(layer.W_a.kernel), W(layer.v_a.kernel)[:, 0])
    raise TypeError(type(layer))


def built_layer(name, q, k, v, seed=1):
    layer = LAYERS[name]()
    layer(q, v, key=k)  # build
    randomize(layer, seed)
    return layer


# ------------------------------------------------------------------------ vs NumPy reference
def assert_matches_keras(name, ours, theirs, query_rank, query_mask):
    """Compare (context, weights) of one of our layers with a Keras built-in's, record the max
    difference under ``name`` and require it below TOL. Keras leaves the weights of padded
    queries as they are (and zeroes their output); ours zeroes both, so weights are compared on
    real query rows and outputs everywhere. A 2-D query was fed to Keras as one time step."""
    (c, w), (kc, kw) = ours, (np.asarray(theirs[0]), np.asarray(theirs[1]))
    if query_rank == 2:
        kc, kw = kc[:, 0], kw[:, 0]
    rows = np.ones(kw.shape[:-1], bool) if query_mask is None else query_mask
    diff = max(max_diff(c, kc), max_diff(np.asarray(w)[rows], kw[rows]))
    record(name, diff)
    assert diff < TOL


@pytest.mark.parametrize("masked", [False, True], ids=["no-mask", "masks"])
@pytest.mark.parametrize("query_rank", [2, 3])
@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_matches_numpy_reference(name, query_rank, masked):
    q, k, v = make_inputs(name, query_rank=query_rank)
    layer = built_layer(name, q, k, v)
    query_mask, value_mask = make_masks() if masked else (None, None)
    if query_mask is not None and query_rank == 2:
        query_mask = query_mask[:, 0]  # a single query per example: one flag per example
        query_mask[1] = False
    context, weights = layer(
        q, v, key=k, query_mask=query_mask, value_mask=value_mask, return_attention_scores=True
    )
    scores = reference_scores(layer, q, k)
    qm = query_mask
    if qm is not None and query_rank == 2:
        # The reference takes a query mask for 3-D scores only: apply the flag by hand.
        w_ref, c_ref = ref.attention_forward(scores, v.astype(np.float64), value_mask)
        w_ref, c_ref = w_ref * qm[:, None], c_ref * qm[:, None]
    else:
        w_ref, c_ref = ref.attention_forward(scores, v.astype(np.float64), value_mask, qm)

    expected_w_shape = (B, TV) if query_rank == 2 else (B, TQ, TV)
    expected_c_shape = (B, DV) if query_rank == 2 else (B, TQ, DV)
    assert tuple(weights.shape) == expected_w_shape
    assert tuple(context.shape) == expected_c_shape
    diff = max(max_diff(weights, w_ref), max_diff(context, c_ref))
    record(f"{name} vs NumPy", diff)
    assert diff < TOL, f"{name}: max |Keras - NumPy| = {diff:.2e}"

    w = np.asarray(weights)
    row_sums = w.sum(-1)
    if value_mask is not None:
        key_valid = value_mask if query_rank == 2 else value_mask[:, None, :]
        padded = ~np.broadcast_to(key_valid, w.shape)
        assert np.all(w[padded] == 0.0), "padded keys must get exactly zero weight"
    valid_rows = np.ones(row_sums.shape, bool) if query_mask is None else query_mask
    np.testing.assert_allclose(row_sums[valid_rows], 1.0, atol=1e-6)
    assert np.all(row_sums[~valid_rows] == 0.0)


@pytest.mark.parametrize("name", list(LAYERS))
def test_key_defaults_to_value(name):
    rng = np.random.default_rng(5)
    dv = DQ if name in NEEDS_EQUAL_DIMS else DK
    q = rng.normal(size=(B, TQ, DQ)).astype("float32")
    v = rng.normal(size=(B, TV, dv)).astype("float32")
    layer = LAYERS[name]()
    layer(q, v)
    randomize(layer)
    _, value_mask = make_masks()
    a = layer(q, v, value_mask=value_mask)
    b = layer(q, v, key=v, value_mask=value_mask)
    c = layer(q, v, key=v, key_mask=value_mask)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    scores = reference_scores(layer, q, v)
    _, c_ref = ref.attention_forward(scores, v.astype(np.float64), value_mask)
    diff = max_diff(a, c_ref)
    record(f"{name} vs NumPy", diff)
    assert diff < TOL


def test_luong_attentional_state_matches_reference():
    rng = np.random.default_rng(7)
    for shape_q, shape_c in [((B, DQ), (B, DV)), ((B, TQ, DQ), (B, TQ, DV))]:
        q = rng.normal(size=shape_q).astype("float32")
        c = rng.normal(size=shape_c).astype("float32")
        layer = LuongAttentionalState(6)
        out = layer(query=q, context=c)
        randomize(layer)
        out = layer(query=q, context=c)
        expected = ref.luong_attentional_state(
            c.astype(np.float64), q.astype(np.float64), layer.W_c.kernel.numpy()
        )
        assert tuple(out.shape) == (*shape_q[:-1], 6)
        diff = max_diff(out, expected)
        record("LuongAttentionalState vs NumPy", diff)
        assert diff < TOL


# ------------------------------------------------------------------------ vs Keras built-ins
@pytest.mark.parametrize("masked", [False, True], ids=["no-mask", "masks"])
@pytest.mark.parametrize("query_rank", [2, 3])
@pytest.mark.parametrize("scaled", [False, True], ids=["dot", "scaled-dot"])
def test_dot_product_matches_keras_attention(scaled, query_rank, masked):
    q, k, v = make_inputs("DotProductAttention", seed=11, query_rank=query_rank)
    ours = DotProductAttention(scaled=scaled)
    keras_layer = keras.layers.Attention(use_scale=scaled)
    q3 = q if query_rank == 3 else q[:, None, :]
    query_mask, value_mask = make_masks() if masked else (None, None)
    if query_rank == 2:
        query_mask = None
    keras_mask = None if not masked else [
        np.ones((B, 1), bool) if query_mask is None else query_mask, value_mask
    ]
    keras_layer([q3, v, k], mask=keras_mask)  # build
    if scaled:
        # Keras 3's use_scale multiplies the scores by a trainable scalar initialised to 1.
        keras_layer.scale.assign(1.0 / math.sqrt(DQ))
    kc, kw = keras_layer([q3, v, k], mask=keras_mask, return_attention_scores=True)
    c, w = ours(
        q, v, key=k, query_mask=query_mask, value_mask=value_mask, return_attention_scores=True
    )
    assert_matches_keras(
        f"{'scaled ' if scaled else ''}DotProductAttention vs keras.layers.Attention",
        (c, w), (kc, kw), query_rank, query_mask)


@pytest.mark.parametrize("masked", [False, True], ids=["no-mask", "masks"])
@pytest.mark.parametrize("query_rank", [2, 3])
def test_bahdanau_matches_keras_additive_attention(query_rank, masked):
    q, k, v = make_inputs("BahdanauAttention", seed=13, query_rank=query_rank)
    ours = built_layer("BahdanauAttention", q, k, v, seed=3)
    q3 = q if query_rank == 3 else q[:, None, :]
    # AdditiveAttention computes sum(scale * tanh(query + key)) over features (no bias after
    # the scale, like our V): feed it the projected query W2 s and keys W1 h + b; its
    # per-feature scale is V's kernel.
    projected_q = ours.W2(q3)
    projected_k = ours.W1(k)
    additive = keras.layers.AdditiveAttention(use_scale=True)
    query_mask, value_mask = make_masks() if masked else (None, None)
    if query_rank == 2:
        query_mask = None
    keras_mask = None if not masked else [
        np.ones((B, 1), bool) if query_mask is None else query_mask, value_mask
    ]
    additive([projected_q, v, projected_k], mask=keras_mask)
    additive.scale.assign(ours.V.kernel.numpy()[:, 0])
    kc, kw = additive([projected_q, v, projected_k], mask=keras_mask, return_attention_scores=True)
    c, w = ours(
        q, v, key=k, query_mask=query_mask, value_mask=value_mask, return_attention_scores=True
    )
    assert_matches_keras("BahdanauAttention vs keras.layers.AdditiveAttention",
                         (c, w), (kc, kw), query_rank, query_mask)


def test_bahdanau_has_one_bias_and_reproduces_the_tutorial_layer_with_three():
    """W1 keeps the only bias; W2 and V have none. The TensorFlow tutorials' layer, which has
    biases b1, b2 (inside the tanh) and bV (after V), gives the same weights and context once
    W1's bias is set to b1 + b2: b1 and b2 only appear as their sum, bV cancels in the softmax."""
    q, k, v = make_inputs("BahdanauAttention", seed=37)
    layer = built_layer("BahdanauAttention", q, k, v, seed=5)
    assert sorted(w.path.split("/", 1)[1] for w in layer.weights) == [
        "V/kernel", "W1/bias", "W1/kernel", "W2/kernel"]
    assert layer.W2.bias is None and layer.V.bias is None
    assert layer.count_params() == (DK + 1) * 8 + DQ * 8 + 8
    rng = np.random.default_rng(6)
    b1, b2, bv = rng.normal(size=8), rng.normal(size=8), 3.0
    W = lambda var: np.asarray(var.numpy(), np.float64)  # noqa: E731
    tutorial = ref.bahdanau_score(q.astype(np.float64), k.astype(np.float64), W(layer.W1.kernel),
                                  W(layer.W2.kernel), W(layer.V.kernel), b1=b1, b2=b2, bv=bv)
    layer.W1.bias.assign((b1 + b2).astype("float32"))
    _, value_mask = make_masks()
    context, weights = layer(q, v, key=k, value_mask=value_mask, return_attention_scores=True)
    w_ref, c_ref = ref.attention_forward(tutorial, v.astype(np.float64), value_mask)
    diff = max(max_diff(weights, w_ref), max_diff(context, c_ref))
    record("BahdanauAttention vs NumPy", diff)
    assert diff < TOL


@pytest.mark.parametrize("name", list(LAYERS))
def test_mixed_precision(name):
    q, k, v = make_inputs(name, seed=31)
    full = built_layer(name, q, k, v)
    half = type(full).from_config({**full.get_config(), "dtype": "mixed_float16"})
    half(q, v, key=k)
    half.set_weights(full.get_weights())
    _, value_mask = make_masks()
    value_mask = value_mask.copy()
    value_mask[1] = False
    c16, w16 = half(q, v, key=k, value_mask=value_mask, return_attention_scores=True)
    c32 = full(q, v, key=k, value_mask=value_mask)
    assert c16.dtype == "float16" and w16.dtype == "float16"
    assert np.all(np.isfinite(np.asarray(c16))) and np.all(np.asarray(w16)[1] == 0)
    assert max_diff(c16, c32) < 1e-2


# ------------------------------------------------------------------------ all-padding rows
@pytest.mark.parametrize("name", list(LAYERS))
def test_all_padding_row_gives_zeros_and_finite_gradients(name):
    q, k, v = make_inputs(name, seed=17)
    layer = built_layer(name, q, k, v)
    value_mask = np.ones((B, TV), bool)
    value_mask[1] = False  # example 1 has nothing to attend to
    value_mask[2, 3:] = False
    q_t, k_t, v_t = (tf.constant(x) for x in (q, k, v))
    with tf.GradientTape() as tape:
        tape.watch([q_t, k_t, v_t])
        context, weights = layer(
            q_t, v_t, key=k_t, value_mask=value_mask, return_attention_scores=True
        )
        loss = tf.reduce_sum(context**2) + tf.reduce_sum(weights * tf.range(TV, dtype="float32"))
    sources = [q_t, k_t, v_t, *layer.trainable_variables]
    grads = tape.gradient(loss, sources)
    assert np.all(np.isfinite(context)) and np.all(np.isfinite(weights))
    np.testing.assert_array_equal(np.asarray(weights)[1], 0.0)
    np.testing.assert_array_equal(np.asarray(context)[1], 0.0)
    np.testing.assert_allclose(np.asarray(weights)[[0, 2]].sum(-1), 1.0, atol=1e-6)
    for source, g in zip(sources, grads):
        name = getattr(source, "path", "input")
        # every weight takes part in the scores (none cancels in the softmax), so none is None
        assert g is not None, f"no gradient for {name}"
        assert np.all(np.isfinite(g)), f"non-finite gradient for {name}"
    # Nothing flows back into the example with no keys.
    np.testing.assert_array_equal(np.asarray(grads[0])[1], 0.0)
    np.testing.assert_array_equal(np.asarray(grads[2])[1], 0.0)


# ------------------------------------------------------------------------ automatic masks
def _masked_ids(seed):
    rng = np.random.default_rng(seed)
    q_ids = rng.integers(1, 20, size=(B, TQ))
    v_ids = rng.integers(1, 20, size=(B, TV))
    q_ids[1, 2:] = 0
    q_ids[2, 1:] = 0
    v_ids[0, 4:] = 0
    v_ids[2, 2:] = 0
    return q_ids, v_ids


@pytest.mark.parametrize("name", list(LAYERS))
def test_masks_propagate_automatically_in_functional_model(name, quiet_retracing):
    q_ids, v_ids = _masked_ids(19)
    q_in = keras.Input((None,), dtype="int32")
    v_in = keras.Input((None,), dtype="int32")
    embed = keras.layers.Embedding(20, DQ, mask_zero=True)
    layer = LAYERS[name]()
    eq, ev = embed(q_in), embed(v_in)
    context, weights = layer(eq, ev, return_attention_scores=True)
    assert context._keras_mask is not None, "the output should carry the query's mask"
    state = LuongAttentionalState(4)(query=eq, context=context)
    assert state._keras_mask is not None
    model = keras.Model([q_in, v_in], [context, weights, state])
    randomize(layer, seed=4)
    c_auto, w_auto, _ = model.predict([q_ids, v_ids], verbose=0)

    # The same computation with explicit masks.
    emb_q, emb_v = embed(q_ids), embed(v_ids)
    c_explicit, w_explicit = layer(
        np.asarray(emb_q), np.asarray(emb_v),
        query_mask=q_ids != 0, value_mask=v_ids != 0, return_attention_scores=True,
    )
    diff = max(max_diff(c_auto, c_explicit), max_diff(w_auto, w_explicit))
    assert diff < 1e-6
    assert np.all(w_auto[np.broadcast_to((v_ids == 0)[:, None, :], w_auto.shape)] == 0.0)
    # Eagerly too: the output tensor carries the query's mask.
    eager_context = layer(emb_q, emb_v)
    np.testing.assert_array_equal(np.asarray(eager_context._keras_mask), q_ids != 0)


def test_masked_loss_downstream_ignores_padded_steps(quiet_retracing):
    # Padded query steps must not change a masked loss: change the targets there, same loss.
    q_ids, v_ids = _masked_ids(23)
    q_in = keras.Input((None,), dtype="int32")
    v_in = keras.Input((None,), dtype="int32")
    embed = keras.layers.Embedding(20, DQ, mask_zero=True)
    context = BahdanauAttention(6)(embed(q_in), embed(v_in))
    logits = keras.layers.Dense(5)(context)
    model = keras.Model([q_in, v_in], logits)
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    targets = np.ones((B, TQ), "int32")
    other = targets.copy()
    other[q_ids == 0] = 4
    l1 = model.evaluate([q_ids, v_ids], targets, verbose=0)
    l2 = model.evaluate([q_ids, v_ids], other, verbose=0)
    assert l1 == pytest.approx(l2, abs=1e-7)


def test_no_output_mask_for_a_single_query():
    layer = DotProductAttention()
    q_in = keras.Input((DQ,))
    v_in = keras.Input((None,), dtype="int32")
    context = layer(q_in, keras.layers.Embedding(20, DQ, mask_zero=True)(v_in))
    assert getattr(context, "_keras_mask", None) is None
    assert tuple(context.shape) == (None, DQ)


# ------------------------------------------------------------------------ saving
# Keras' own variable -> NumPy conversion while saving warns under NumPy 2; not ours to fix.
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")
@pytest.mark.parametrize("name", list(LAYERS))
def test_save_load_round_trip(name, tmp_path, quiet_retracing):
    q_ids, v_ids = _masked_ids(29)
    q_in = keras.Input((None,), dtype="int32", name="query_ids")
    v_in = keras.Input((None,), dtype="int32", name="value_ids")
    embed = keras.layers.Embedding(20, DQ, mask_zero=True)
    eq, ev = embed(q_in), embed(v_in)
    layer = LAYERS[name]()
    context, weights = layer(eq, ev, return_attention_scores=True)
    state = LuongAttentionalState(4)(query=eq, context=context)
    pooled = keras.layers.Dense(2)(layer(eq[:, 0, :], ev))  # the 2-D (one query) form too
    model = keras.Model([q_in, v_in], [state, weights, pooled])
    randomize(layer, seed=8)
    before = model.predict([q_ids, v_ids], verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    after = loaded.predict([q_ids, v_ids], verbose=0)
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)
    loaded_layer = next(l for l in loaded.layers if type(l) is type(layer))
    assert loaded_layer.get_config() == layer.get_config()


def test_config_round_trip():
    for factory in [*LAYERS.values(), lambda: LuongAttentionalState(5)]:
        layer = factory()
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()
    assert keras.saving.get_registered_name(BahdanauAttention) == "helpers>BahdanauAttention"


# ------------------------------------------------------------------------ bad input
def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="score_mode must be one of"):
        LuongAttention("cosine")
    with pytest.raises(ValueError, match="needs units"):
        LuongAttention("concat")
    with pytest.raises(ValueError, match="positive integer"):
        BahdanauAttention(0)
    with pytest.raises(ValueError, match="positive integer"):
        LuongAttentionalState(None)


@pytest.mark.parametrize(
    "layer_factory, q_shape, v_shape, k_shape, match",
    [
        (DotProductAttention, (2, 3, 4, 5), (2, 6, 5), None,
         r"query must have shape.*\(2, 3, 4, 5\)"),
        (DotProductAttention, (2, 5), (2, 5), None, r"value must have shape.*\(2, 5\)"),
        (lambda: BahdanauAttention(4), (2, 5), (2, 6, 5), (2, 6), r"key must have shape.*\(2, 6\)"),
        (DotProductAttention, (2, 3, 5), (4, 6, 5), None,
         r"batch sizes differ.*\(2, 3, 5\).*\(4, 6, 5\)"),
        (lambda: BahdanauAttention(4), (2, 5), (2, 6, 3), (2, 7, 3),
         r"same number of time steps.*\(2, 7, 3\).*\(2, 6, 3\)"),
        (DotProductAttention, (2, 3, 4), (2, 6, 5), None,
         r"equal query and key sizes.*\(2, 3, 4\).*\(2, 6, 5\)"),
        (lambda: LuongAttention("dot"), (2, 4), (2, 6, 5), None,
         r"'dot' score needs equal.*general"),
    ],
)
def test_bad_shapes_raise_clear_errors(layer_factory, q_shape, v_shape, k_shape, match):
    layer = layer_factory()
    k = None if k_shape is None else np.zeros(k_shape, "float32")
    with pytest.raises(ValueError, match=match):
        layer(np.zeros(q_shape, "float32"), np.zeros(v_shape, "float32"), key=k)


def test_bad_masks_and_state_inputs_raise_clear_errors():
    layer = DotProductAttention()
    q, v = np.zeros((2, 3, 4), "float32"), np.zeros((2, 6, 4), "float32")
    layer(q, v)
    with pytest.raises(ValueError, match=r"value_mask must have shape \(2, 6\), got \(2, 5\)"):
        layer(q, v, value_mask=np.ones((2, 5), bool))
    with pytest.raises(ValueError, match=r"query_mask must have shape \(2, 3\), got \(2, 6\)"):
        layer(q, v, query_mask=np.ones((2, 6), bool))
    state = LuongAttentionalState(3)
    both = r"both be \(B, D\) or both \(B, T, D\).*\(2, 4\).*\(2, 3, 4\)"
    with pytest.raises(ValueError, match=both):
        state(query=np.zeros((2, 4), "float32"), context=np.zeros((2, 3, 4), "float32"))
    with pytest.raises(ValueError, match=r"agree on batch.*\(2, 3, 4\).*\(2, 5, 4\)"):
        state(query=np.zeros((2, 3, 4), "float32"), context=np.zeros((2, 5, 4), "float32"))


# ------------------------------------------------------------------------ report (keep last)
def test_zz_report_max_differences(capsys):
    lines = [f"  {name:<60s} {diff:.2e}" for name, diff in sorted(MAX_DIFFS.items())]
    with capsys.disabled():
        print("\n[max |Keras layer - reference|: float32 layers vs float64 NumPy / Keras layers]")
        print("\n".join(lines) if lines else "  (no comparison ran in this session)")
    assert all(d < TOL for d in MAX_DIFFS.values()), MAX_DIFFS
