"""Graders for the attention exercises of notebooks 02-04: scaled dot-product attention with a
mask, Bahdanau's additive score, Luong's "general" score.

Each grader calls the learner's function on small random inputs whose sizes all differ
(``B = 2``, ``Tq = 3``, ``Tv = 5``, ``d = 4``, so ``sqrt(d) = 2 != d``), compares the result with
:mod:`helpers.reference` and, when it differs, with the results of the typical mistakes, to name
the mistake. Notation (README, "Notation"): queries ``Q`` / decoder states ``s_t``, keys ``K`` /
encoder states ``h_i``, values ``V``, scores ``e``, weights ``a``, context ``c``.

May import: :mod:`helpers.reference`, :mod:`helpers.exercises._grading`.
"""
from __future__ import annotations

import numpy as np

from helpers import reference as ref
from helpers.exercises._grading import (Verdict, Wrong, as_array, call_learner, first_match, grader,
                                        same)

__all__ = ["check_scaled_dot_product_attention", "check_additive_score", "check_general_score"]

B, TQ, TV, D, DV = 2, 3, 5, 4, 3


def _softmax(x, axis=-1):
    return ref.softmax(x, axis=axis)


def _attention_case(scale: float = 1.0, seed: int = 17):
    rng = np.random.default_rng(seed)
    q = scale * rng.standard_normal((B, TQ, D))
    k = scale * rng.standard_normal((B, TV, D))
    v = rng.standard_normal((B, TV, DV))
    return q, k, v


MASK = np.array([[True, True, True, False, False], [True, True, True, True, False]])


def _read_pair(result, how):
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        got = "None" if result is None else f"a {type(result).__name__}"
        raise Wrong("return_pair", f"your function returned {got} when called {how}; it should return the "
                                    f"pair (context, weights), e.g. `return context, weights`.")
    context = as_array(result[0], "the context (first returned value)", (B, TQ, DV))
    weights = as_array(result[1], "the weights (second returned value)", (B, TQ, TV))
    if context.shape == (B, TQ, TV) and weights.shape == (B, TQ, DV):
        raise Wrong("swapped_outputs", "the two results are swapped: return (context, weights), "
                                        "context first.")
    if weights.shape != (B, TQ, TV):
        if weights.shape == (B, TV, TQ):
            raise Wrong("wrong_shape", f"the weights have shape {weights.shape}, transposed: each "
                                        f"row is one query, so (B, Tq, Tv) = {(B, TQ, TV)}. Use "
                                        f"Q @ K.transpose(0, 2, 1) (or np.swapaxes(K, -1, -2)).")
        raise Wrong("wrong_shape", f"the weights have shape {weights.shape}; expected (B, Tq, Tv) = "
                                    f"{(B, TQ, TV)} for Q {(B, TQ, D)} and K {(B, TV, D)}.")
    if context.shape == (B, TQ, D):
        raise Wrong("context_uses_keys", f"the context has shape {context.shape}, the size of the "
                                         f"keys: it should average the values, context = "
                                         f"weights @ V, shape (B, Tq, dv) = {(B, TQ, DV)}.")
    if context.shape != (B, TQ, DV):
        raise Wrong("wrong_shape", f"the context has shape {context.shape}; expected (B, Tq, dv) = "
                                    f"{(B, TQ, DV)}: context = weights @ V.")
    return context, weights


_HINTS = {
    "missing_scale": "missing 1/sqrt(d): divide the scores Q K^T by sqrt(d) (d = 4 here, the size "
                     "of a query) before the softmax.",
    "scaled_by_d": "the scores are divided by d; divide by sqrt(d) instead (d = 4 here: by 2, not 4).",
    "wrong_axis": "softmax over the wrong axis: each query's weights over the KEYS must sum to 1, so "
                  "normalise over the last axis (axis=-1), not over the queries or the whole matrix.",
    "not_normalised": "the weights do not sum to 1: divide exp(scores) by its sum over the keys "
                      "(axis=-1, keepdims=True).",
    "mask_not_applied": "mask not applied: padded keys (mask False) must get weight exactly 0. Set "
                        "their scores to -inf (or -1e9) BEFORE the softmax, e.g. "
                        "np.where(mask[:, None, :], scores, -np.inf).",
    "mask_inverted": "mask inverted: True marks a REAL key and False the padding; you gave the "
                     "weight to the padding.",
    "mask_after_softmax": "the padded keys get 0, but the weights do not sum to 1: you masked after "
                          "the softmax without renormalising. Mask the scores before the softmax.",
    "overflow": "large scores overflow: exp(1000) is inf and inf/inf is NaN. Subtract each row's "
                "maximum score before exp (the result is mathematically the same).",
}


@grader("scaled dot-product attention")
def check_scaled_dot_product_attention(fn) -> Verdict:
    """Grade ``fn(Q, K, V, mask=None) -> (context, weights)``.

    ``Q (B, Tq, d)``, ``K (B, Tv, d)``, ``V (B, Tv, dv)``, ``mask (B, Tv)`` with True for real keys;
    ``weights = softmax(Q K^T / sqrt(d))`` over the keys with padded keys at exactly 0, and
    ``context = weights @ V``. Checked without a mask, with a mask, and with large scores.
    """
    q, k, v = _attention_case()
    scores = ref.dot_score(q, k)
    scaled = scores / np.sqrt(D)

    # 1. No mask.
    how = "as fn(Q, K, V) without a mask"
    context, weights = _read_pair(call_learner(fn, q, k, v, how=how), how)
    expected_w = _softmax(scaled)
    if not same(weights, expected_w):
        hint = first_match(weights, [
            ("missing_scale", _softmax(scores)), ("scaled_by_d", _softmax(scores / D)),
            ("wrong_axis", _softmax(scaled, axis=-2)),
            ("wrong_axis", _softmax(scaled.reshape(B, -1)).reshape(B, TQ, TV)),
            ("wrong_axis", _softmax(scaled.reshape(-1)).reshape(B, TQ, TV)),
            ("not_normalised", np.exp(scaled)), ("missing_scale", np.exp(scores)),
        ])
        if hint is None and not np.allclose(weights.sum(-1), 1, atol=1e-5):
            hint = "not_normalised"
        if hint is not None:
            return Verdict.wrong(hint, _HINTS[hint])
        return Verdict.wrong("wrong_weights", "the weights differ from softmax(Q K^T / sqrt(d)) by up "
                             f"to {np.abs(weights - expected_w).max():.3g}; check the scores Q @ K^T "
                             "(one per query and key).")
    expected_c = expected_w @ v
    if not same(context, expected_c):
        if same(context, expected_w @ k):
            return Verdict.wrong("context_uses_keys", "the weights are right, but the context averages "
                                 "the keys: context = weights @ V (the values).")
        return Verdict.wrong("wrong_context", "the weights are right, but the context is not "
                             "weights @ V (shape (B, Tq, dv)).")

    # 2. With a mask.
    how = "as fn(Q, K, V, mask) with a padding mask"
    context, weights = _read_pair(call_learner(fn, q, k, v, MASK, how=how), how)
    mask3 = MASK[:, None, :]
    expected_w = ref.softmax(scaled, mask3)
    if not same(weights, expected_w):
        hint = first_match(weights, [
            ("mask_not_applied", _softmax(scaled)),
            ("mask_inverted", ref.softmax(scaled, ~mask3)),
            ("mask_after_softmax", _softmax(scaled) * mask3),
        ])
        if hint is None:
            padded = np.abs(weights[np.broadcast_to(~mask3, weights.shape)]).max()
            hint = "mask_not_applied" if padded > 1e-6 else "mask_after_softmax" if not np.allclose(
                weights.sum(-1), 1, atol=1e-5) else None
        if hint is not None:
            return Verdict.wrong(hint, _HINTS[hint])
        return Verdict.wrong("wrong_weights", "without a mask your weights are right, with one they "
                             "differ: masked keys must get 0 and the others keep their ratios.")
    if not same(context, expected_w @ v):
        return Verdict.wrong("wrong_context", "with a mask the weights are right but the context is "
                             "not weights @ V.")

    # 3. Large scores.
    q_big, k_big, _ = _attention_case(scale=30.0)
    how = "with large scores (Q and K times 30)"
    _, weights = _read_pair(call_learner(fn, q_big, k_big, v, how=how), how)
    if not np.all(np.isfinite(weights)):
        return Verdict.wrong("overflow", _HINTS["overflow"])
    if not same(weights, _softmax(ref.dot_score(q_big, k_big) / np.sqrt(D))):
        return Verdict.wrong("wrong_weights", "right for small scores, wrong for large ones; subtract "
                             "each row's maximum before exp, and nothing else.")
    return Verdict.ok("weights and context match the NumPy reference without a mask, with a mask "
                      "(padded keys get exactly 0) and for large scores.")


# ------------------------------------------------------------------------------ additive score
DQ, DK, U = 3, 4, 6


def _additive_case(seed: int = 3):
    rng = np.random.default_rng(seed)
    s = rng.standard_normal((B, DQ))
    h = rng.standard_normal((B, TV, DK))
    W1, b1 = rng.standard_normal((DK, U)), rng.standard_normal(U)
    W2, b2 = rng.standard_normal((DQ, U)), rng.standard_normal(U)
    v = rng.standard_normal(U)
    return s, h, W1, b1, W2, b2, v


@grader("additive (Bahdanau) score",
        note_on_error=f"Shapes here: s (B, Dq) = {(B, DQ)}, h (B, Tv, Dk) = {(B, TV, DK)}, W1 "
                      f"(Dk, U) = {(DK, U)} for the keys h, W2 (Dq, U) = {(DQ, U)} for the query s, "
                      f"v (U,) = ({U},). The query term (B, U) needs an axis for the keys: "
                      f"(s @ W2 + b2)[:, None, :]")
def check_additive_score(fn) -> Verdict:
    """Grade ``fn(s, h, W1, b1, W2, b2, v) -> e`` with ``e[b, i] = v . tanh(h[b, i] @ W1 + b1 +
    s[b] @ W2 + b2)``: one query ``s (B, Dq)`` per example, keys ``h (B, Tv, Dk)``, scores
    ``(B, Tv)`` (before any softmax). Two biases, as in TensorFlow's tutorial; only ``b1 + b2``
    matters (:class:`helpers.layers.BahdanauAttention` has the one bias of ``W1``)."""
    s, h, W1, b1, W2, b2, v = case = _additive_case()
    scores = as_array(call_learner(fn, *case, how="as fn(s, h, W1, b1, W2, b2, v)"),
                      "the scores", (B, TV))
    expected = ref.bahdanau_score(s, h, W1, W2, v, b1=b1, b2=b2)
    if scores.shape != (B, TV):
        if scores.size == B * TV and same(scores.reshape(B, TV), expected):
            return Verdict.wrong("wrong_shape", f"right numbers, shape {scores.shape}: return one "
                                 f"score per key, (B, Tv) = {(B, TV)} (e.g. tanh(...) @ v, or "
                                 "squeeze the extra axis).")
        return Verdict.wrong("wrong_shape", f"the scores have shape {scores.shape}; expected "
                             f"(B, Tv) = {(B, TV)}: one score per key.")
    if same(scores, expected):
        return Verdict.ok("e = v^T tanh(W1 h_i + b1 + W2 s + b2) matches helpers.reference."
                          "bahdanau_score.")
    keys, query = h @ W1 + b1, (s @ W2 + b2)[:, None, :]
    hint = first_match(scores, [
        ("returned_weights", ref.softmax(expected)),
        ("missing_tanh", (keys + query) @ v),
        ("missing_bias", np.tanh(h @ W1 + (s @ W2)[:, None, :]) @ v),
        ("missing_bias", np.tanh(h @ W1 + b1 + (s @ W2)[:, None, :]) @ v),
        ("missing_bias", np.tanh(h @ W1 + query) @ v),
        ("missing_v", np.tanh(keys + query).sum(-1)),
        ("tanh_of_sum", (np.tanh(keys) + np.tanh(query)) @ v),
    ])
    messages = {
        "returned_weights": "these are the weights softmax(e); return the scores e themselves "
                            "(the softmax comes after).",
        "missing_tanh": "missing tanh: e = v^T tanh(W1 h_i + W2 s), the tanh is the hidden layer "
                        "of the little network that scores a pair.",
        "missing_bias": "missing bias: add b1 to the key projection and b2 to the query "
                        "projection (only their sum matters, so the course's layer has one, "
                        "W1's).",
        "missing_v": "the hidden layer is summed; read it out with v instead: tanh(...) @ v.",
        "tanh_of_sum": "tanh of the sum, not the sum of two tanh's: tanh(W1 h_i + b1 + W2 s + b2).",
    }
    if hint is not None:
        return Verdict.wrong(hint, messages[hint])
    return Verdict.wrong("wrong_scores", f"the scores differ from the reference by up to "
                         f"{np.abs(scores - expected).max():.3g}. Check which weight goes with "
                         "which input: W1 with the keys h, W2 with the query s.")


# ------------------------------------------------------------------------------ general score
@grader("Luong's general score",
        note_on_error="Shapes in the second test: s (B, Tq, Dq) = (2, 3, 3), h (B, Tv, Dk) = "
                      "(2, 5, 4), Wa (Dk, Dq) = (4, 3): h @ Wa maps each key to the query's size, "
                      "then dot it with each query")
def check_general_score(fn) -> Verdict:
    """Grade ``fn(s, h, Wa) -> e`` with ``e[b, t, i] = s[b, t] . (h[b, i] @ Wa)`` (Luong's
    ``s_t^T W_a h_i`` in row-vector form; ``Wa (Dk, Dq)``), scores ``(B, Tq, Tv)``. Tested with
    equal sizes (``Dq = Dk = 4``) and with different ones (``Dq = 3``, ``Dk = 4``)."""
    rng = np.random.default_rng(5)
    s, h, Wa = (rng.standard_normal((B, TQ, D)), rng.standard_normal((B, TV, D)),
                rng.standard_normal((D, D)))
    how = "as fn(s, h, Wa) with Dq = Dk = 4"
    scores = as_array(call_learner(fn, s, h, Wa, how=how), "the scores", (B, TQ, TV))
    expected = ref.luong_general_score(s, h, Wa)
    if scores.shape != (B, TQ, TV):
        if scores.shape == (B, TV, TQ):
            return Verdict.wrong("wrong_shape", f"shape {scores.shape} is transposed: one row per "
                                 f"query, (B, Tq, Tv) = {(B, TQ, TV)}.")
        return Verdict.wrong("wrong_shape", f"the scores have shape {scores.shape}; expected "
                             f"(B, Tq, Tv) = {(B, TQ, TV)}.")
    if not same(scores, expected):
        hint = first_match(scores, [
            ("missing_Wa", ref.dot_score(s, h)),
            ("Wa_transposed", ref.luong_general_score(s, h, Wa.T)),
            ("returned_weights", ref.softmax(expected)),
        ])
        messages = {
            "missing_Wa": "these are dot scores s_t . h_i: the general score puts W_a between them, "
                          "s_t . (h_i @ Wa).",
            "Wa_transposed": "W_a is used transposed: with Wa of shape (Dk, Dq), h @ Wa maps a key to "
                             "the query's size; then take its dot product with s_t.",
            "returned_weights": "these are the weights softmax(e); return the scores e.",
        }
        if hint is not None:
            return Verdict.wrong(hint, messages[hint])
        return Verdict.wrong("wrong_scores", f"the scores differ from s_t . (h_i @ Wa) by up to "
                             f"{np.abs(scores - expected).max():.3g}.")
    s2 = rng.standard_normal((B, TQ, 3))
    Wa2 = rng.standard_normal((D, 3))
    how = "as fn(s, h, Wa) with Dq = 3, Dk = 4"
    scores = as_array(call_learner(fn, s2, h, Wa2, how=how), "the scores", (B, TQ, TV))
    if not same(scores, ref.luong_general_score(s2, h, Wa2)):
        return Verdict.wrong("Wa_transposed", "right when Dq = Dk, wrong when they differ: W_a is "
                             "(Dk, Dq) here, so h @ Wa maps a key to the query's size.")
    return Verdict.ok("e = s_t . (h_i @ Wa) matches helpers.reference.luong_general_score, for equal "
                      "and for different query and key sizes.")
