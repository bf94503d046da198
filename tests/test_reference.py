"""Tests of the NumPy references in helpers.reference (no TensorFlow involved)."""
import numpy as np
import pytest

from helpers import reference as ref


# ---------------------------------------------------------------------------------- softmax
def test_softmax_rows_sum_to_one_and_match_definition():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4, 5)) * 10
    p = ref.softmax(x)
    np.testing.assert_allclose(p.sum(-1), 1.0, atol=1e-12)
    direct = np.exp(x) / np.exp(x).sum(-1, keepdims=True)
    np.testing.assert_allclose(p, direct, rtol=1e-12)
    # Large scores do not overflow (the max is subtracted first).
    big = ref.softmax(np.array([1000.0, 1000.0, -1000.0]))
    np.testing.assert_allclose(big, [0.5, 0.5, 0.0], atol=1e-12)


def test_softmax_masked_rows():
    x = np.array([[1.0, 2.0, 3.0], [5.0, -1.0, 7.0], [0.3, 0.2, 0.1]])
    mask = np.array([[1, 1, 0], [0, 1, 0], [0, 0, 0]], dtype=bool)
    p = ref.softmax(x, mask)
    # Row 0: softmax over the first two only.
    e = np.exp([1.0, 2.0])
    np.testing.assert_allclose(p[0], [e[0] / e.sum(), e[1] / e.sum(), 0.0], atol=1e-15)
    # Row 1: a single valid key takes all the weight, whatever the other scores are.
    np.testing.assert_array_equal(p[1], [0.0, 1.0, 0.0])
    # Row 2: every key is padding -> all zeros, no NaN.
    np.testing.assert_array_equal(p[2], [0.0, 0.0, 0.0])
    assert not np.isnan(p).any()
    # Masked entries are exactly zero; unmasked rows sum to 1.
    assert np.all(p[~mask] == 0.0)
    np.testing.assert_allclose(p[:2].sum(-1), 1.0, atol=1e-15)


# ---------------------------------------------------------------------- hand-checkable example
def test_tiny_hand_checkable_example():
    # One query q = [1, 0]; keys k1 = [1, 0], k2 = [0, 1]; values v1 = [10, 0], v2 = [0, 10].
    q = np.array([[1.0, 0.0]])
    k = np.array([[[1.0, 0.0], [0.0, 1.0]]])
    v = np.array([[[10.0, 0.0], [0.0, 10.0]]])
    scores = ref.dot_score(q, k)
    np.testing.assert_array_equal(scores, [[1.0, 0.0]])  # q.k1 = 1, q.k2 = 0
    w, c = ref.attention_forward(scores, v)
    e = np.e
    np.testing.assert_allclose(w, [[e / (e + 1), 1 / (e + 1)]], rtol=1e-14)  # 0.731, 0.269
    np.testing.assert_allclose(c, [[10 * e / (e + 1), 10 / (e + 1)]], rtol=1e-14)  # 7.31, 2.69
    # Scaled: scores / sqrt(2).
    np.testing.assert_allclose(ref.scaled_dot_score(q, k), [[1 / np.sqrt(2), 0.0]], rtol=1e-14)
    # Masking k1 leaves all the weight on k2 -> context = v2.
    w, c = ref.attention_forward(scores, v, value_mask=np.array([[False, True]]))
    np.testing.assert_array_equal(w, [[0.0, 1.0]])
    np.testing.assert_array_equal(c, [[0.0, 10.0]])
    # Masking both: zero weights and zero context.
    w, c = ref.attention_forward(scores, v, value_mask=np.array([[False, False]]))
    np.testing.assert_array_equal(w, [[0.0, 0.0]])
    np.testing.assert_array_equal(c, [[0.0, 0.0]])


def test_tiny_additive_and_luong_examples():
    q = np.array([[1.0, 0.0]])
    k = np.array([[[1.0, 0.0], [0.0, 1.0]]])
    eye = np.eye(2)
    # Bahdanau with identity projections and v = [1, 1]: score_i = sum(tanh(k_i + q)).
    s = ref.bahdanau_score(q, k, eye, eye, np.ones(2))
    np.testing.assert_allclose(s, [[np.tanh(2.0), np.tanh(1.0) + np.tanh(1.0)]], rtol=1e-14)
    # Luong general with W_a = I is the dot score; with W_a = 2I it doubles.
    np.testing.assert_allclose(ref.luong_general_score(q, k, eye), ref.dot_score(q, k))
    np.testing.assert_allclose(ref.luong_general_score(q, k, 2 * eye), 2 * ref.dot_score(q, k))
    # Luong concat with W_a = [I; I] (query rows then key rows) equals that Bahdanau score.
    s_concat = ref.luong_concat_score(q, k, np.vstack([eye, eye]), np.ones(2))
    np.testing.assert_allclose(s_concat, s, rtol=1e-14)
    # Luong attentional state: tanh([c; s] @ W_c).
    c = np.array([[0.5, -0.5]])
    Wc = np.vstack([eye, eye])
    np.testing.assert_allclose(ref.luong_attentional_state(c, q, Wc), np.tanh([[1.5, -0.5]]))


def test_scores_for_query_sequences_match_single_queries():
    rng = np.random.default_rng(1)
    B, Tq, Tv, D, U = 2, 3, 4, 5, 6
    q = rng.normal(size=(B, Tq, D))
    k = rng.normal(size=(B, Tv, D))
    W1, W2, Wa = rng.normal(size=(D, U)), rng.normal(size=(D, U)), rng.normal(size=(D, D))
    b1, b2, v = rng.normal(size=U), rng.normal(size=U), rng.normal(size=U)
    Wcat = rng.normal(size=(2 * D, U))
    fns = {
        "dot": lambda qq: ref.dot_score(qq, k),
        "scaled": lambda qq: ref.scaled_dot_score(qq, k),
        "bahdanau": lambda qq: ref.bahdanau_score(qq, k, W1, W2, v, b1=b1, b2=b2),
        "general": lambda qq: ref.luong_general_score(qq, k, Wa),
        "concat": lambda qq: ref.luong_concat_score(qq, k, Wcat, v),
    }
    for name, fn in fns.items():
        full = fn(q)
        assert full.shape == (B, Tq, Tv), name
        for t in range(Tq):
            np.testing.assert_allclose(full[:, t], fn(q[:, t]), rtol=1e-12, err_msg=name)


def test_bahdanau_score_biases_are_optional_and_only_their_sum_matters():
    rng = np.random.default_rng(4)
    B, Tq, Tv, Dq, Dk, U = 2, 3, 4, 5, 3, 6
    q, k = rng.normal(size=(B, Tq, Dq)), rng.normal(size=(B, Tv, Dk))
    W1, W2, v = rng.normal(size=(Dk, U)), rng.normal(size=(Dq, U)), rng.normal(size=(U, 1))
    b1, b2, bv = rng.normal(size=U), rng.normal(size=U), 0.7
    # The definition, one (b, t, i) at a time, with column-vector papers' W = our W.T.
    direct = np.array([[[v[:, 0] @ np.tanh(W1.T @ k[b, i] + b1 + W2.T @ q[b, t] + b2) + bv
                         for i in range(Tv)] for t in range(Tq)] for b in range(B)])
    full = ref.bahdanau_score(q, k, W1, W2, v, b1=b1, b2=b2, bv=bv)
    np.testing.assert_allclose(full, direct, rtol=1e-12)
    # b1 and b2 only appear as their sum: one bias (the layer's, on W1) gives the same scores.
    np.testing.assert_allclose(ref.bahdanau_score(q, k, W1, W2, v, b1=b1 + b2, bv=bv), full,
                               rtol=1e-12)
    # bv shifts every score by the same constant: the weights do not change.
    no_bv = ref.bahdanau_score(q, k, W1, W2, v, b1=b1 + b2)
    np.testing.assert_allclose(full - no_bv, bv, rtol=1e-12)
    np.testing.assert_allclose(ref.softmax(full), ref.softmax(no_bv), rtol=1e-12)
    # Without biases: the paper's v^T tanh(W1 h_i + W2 s).
    plain = np.einsum("btiu,u->bti", np.tanh((q @ W2)[:, :, None] + (k @ W1)[:, None]), v[:, 0])
    np.testing.assert_allclose(ref.bahdanau_score(q, k, W1, W2, v), plain, rtol=1e-12)


def test_bahdanau_score_rejects_old_argument_order_and_swapped_weights():
    rng = np.random.default_rng(5)
    q, k = rng.normal(size=(2, 3)), rng.normal(size=(2, 4, 5))
    W1, W2, b, v = rng.normal(size=(5, 6)), rng.normal(size=(3, 6)), np.zeros(6), np.ones(6)
    with pytest.raises(TypeError):  # the biases are keyword-only now
        ref.bahdanau_score(q, k, W1, b, W2, b, v)
    with pytest.raises(ValueError, match=r"W1 \(Dk, U\) = \(5, 6\).*W2 \(Dq, U\) = \(3, 6\)"):
        ref.bahdanau_score(q, k, W2, W1, v)
    with pytest.raises(ValueError, match=r"U from v \(4,\)"):
        ref.bahdanau_score(q, k, W1, W2, np.ones(4))


def test_dot_score_rejects_mismatched_dims():
    with pytest.raises(ValueError, match="last dims differ"):
        ref.dot_score(np.zeros((2, 3)), np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match=r"\(B, Dq\) or \(B, Tq, Dq\)"):
        ref.dot_score(np.zeros(3), np.zeros((2, 4, 3)))


# -------------------------------------------------------------------------------- backward
def test_weight_sum_and_attention_weight_forward():
    rng = np.random.default_rng(2)
    hs = rng.normal(size=(3, 5, 4))
    h = rng.normal(size=(3, 4))
    layer = ref.DotAttention()
    c = layer.forward(hs, h)
    w_expected, c_expected = ref.attention_forward(ref.dot_score(h, hs), hs)
    np.testing.assert_allclose(layer.weights, w_expected, rtol=1e-12)
    np.testing.assert_allclose(c, c_expected, rtol=1e-12)


def test_backward_matches_numerical_gradient(capsys):
    rng = np.random.default_rng(3)
    N, T, H = 3, 5, 4
    hs = rng.normal(size=(N, T, H))
    h = rng.normal(size=(N, H))
    upstream = rng.normal(size=(N, H))  # dL/dc for the loss L = sum(c * upstream)

    def loss() -> float:
        return float(np.sum(ref.DotAttention().forward(hs, h) * upstream))

    layer = ref.DotAttention()
    layer.forward(hs, h)
    dhs, dh = layer.backward(upstream)
    num_dhs = ref.numerical_gradient(lambda _: loss(), hs, eps=1e-6)
    num_dh = ref.numerical_gradient(lambda _: loss(), h, eps=1e-6)
    err_hs = ref.relative_error(dhs, num_dhs)
    err_h = ref.relative_error(dh, num_dh)

    # The two sub-layers on their own as well.
    a = rng.dirichlet(np.ones(T), size=N)
    ws = ref.WeightSum()
    ws.forward(hs, a)
    dhs_ws, da_ws = ws.backward(upstream)
    ws_loss = lambda _: float(np.sum(ref.WeightSum().forward(hs, a) * upstream))  # noqa: E731
    err_ws = max(
        ref.relative_error(dhs_ws, ref.numerical_gradient(ws_loss, hs)),
        ref.relative_error(da_ws, ref.numerical_gradient(ws_loss, a)),
    )
    da_up = rng.normal(size=(N, T))
    aw = ref.AttentionWeight()
    aw.forward(hs, h)
    dhs_aw, dh_aw = aw.backward(da_up)
    aw_loss = lambda _: float(np.sum(ref.AttentionWeight().forward(hs, h) * da_up))  # noqa: E731
    err_aw = max(
        ref.relative_error(dhs_aw, ref.numerical_gradient(aw_loss, hs)),
        ref.relative_error(dh_aw, ref.numerical_gradient(aw_loss, h)),
    )
    worst = max(err_hs, err_h, err_ws, err_aw)
    with capsys.disabled():
        print(
            "\n[gradient check, float64, eps=1e-6] max relative error: "
            f"attention dhs {err_hs:.2e}, "
            f"dh {err_h:.2e}; WeightSum {err_ws:.2e}; AttentionWeight {err_aw:.2e}"
        )
    assert worst < 1e-6, f"max relative error {worst:.3e} (dhs {err_hs:.2e}, dh {err_h:.2e})"


def test_numerical_gradient_of_a_known_function():
    x = np.array([0.5, -1.0, 2.0])
    g = ref.numerical_gradient(lambda z: float(np.sum(z**3)), x.copy(), eps=1e-5)
    np.testing.assert_allclose(g, 3 * x**2, rtol=1e-8)
    with pytest.raises(TypeError):
        ref.numerical_gradient(lambda z: 0.0, np.array([1, 2]))


# -------------------------------------------------------------------------------- package
def test_package_re_exports_every_public_name_of_its_modules():
    from helpers.reference import backprop, forward

    names = [*forward.__all__, *backprop.__all__]
    assert sorted(ref.__all__) == sorted(names)
    for name in names:
        module = forward if name in forward.__all__ else backprop
        assert getattr(ref, name) is getattr(module, name), name
