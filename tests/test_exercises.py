"""Tests of helpers.exercises: every grader accepts a correct answer and rejects each typical
mistake it names, with the named hint, and never raises for a wrong answer."""
import numpy as np
import pytest

from helpers import reference as ref
from helpers.exercises import (check_additive_score, check_clipped_precision, check_general_score,
                               check_length_penalty, check_saliency,
                               check_scaled_dot_product_attention, check_teacher_forcing,
                               embedding_gradients)
from helpers.text import END_ID


def expect(verdict, hint, words=None):
    """The verdict failed with ``hint`` (or passed, for hint "ok") and its message says ``words``."""
    assert verdict.hint == hint, (verdict.hint, verdict.message)
    assert bool(verdict) == (hint == "ok")
    if words:
        assert words.lower() in verdict.message.lower(), verdict.message


# ------------------------------------------------------------------------ 02: dot-product attention
def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def attention(Q, K, V, mask=None, *, scale=True, axis=-1, masking="before", shift=True,
              normalise=True, swap=False, context_from=None):
    d = Q.shape[-1]
    scores = Q @ np.swapaxes(K, -1, -2)
    if scale == "d":
        scores = scores / d
    elif scale:
        scores = scores / np.sqrt(d)
    if mask is not None and masking == "before":
        scores = np.where(mask[:, None, :], scores, -np.inf)
    if mask is not None and masking == "inverted":
        scores = np.where(~mask[:, None, :], scores, -np.inf)
    if shift:
        e = np.exp(scores - scores.max(axis=axis, keepdims=True))
    else:
        e = np.exp(scores)
    weights = e / e.sum(axis=axis, keepdims=True) if normalise else e
    if mask is not None and masking == "after":
        weights = weights * mask[:, None, :]
    context = weights @ (V if context_from is None else context_from(K, V))
    return (weights, context) if swap else (context, weights)


def test_attention_grader_accepts_a_correct_answer_and_the_course_layer():
    expect(check_scaled_dot_product_attention(attention), "ok")

    def with_reference(Q, K, V, mask=None):
        return ref.attention_forward(ref.scaled_dot_score(Q, K), V, value_mask=mask)[::-1]

    expect(check_scaled_dot_product_attention(with_reference), "ok")

    from helpers.layers import DotProductAttention

    def with_layer(Q, K, V, mask=None):   # float32 Keras tensors pass too
        layer = DotProductAttention(scaled=True)
        return layer(Q.astype("float32"), V.astype("float32"), key=K.astype("float32"),
                     value_mask=mask, return_attention_scores=True)

    expect(check_scaled_dot_product_attention(with_layer), "ok")


@pytest.mark.parametrize("kwargs, hint, words", [
    ({"scale": False}, "missing_scale", "missing 1/sqrt(d)"),
    ({"scale": "d"}, "scaled_by_d", "sqrt(d)"),
    ({"axis": -2}, "wrong_axis", "wrong axis"),
    ({"normalise": False}, "not_normalised", "do not sum to 1"),
    ({"masking": "ignored"}, "mask_not_applied", "mask not applied"),
    ({"masking": "inverted"}, "mask_inverted", "mask inverted"),
    ({"masking": "after"}, "mask_after_softmax", "sum to 1"),
    ({"shift": False}, "overflow", "overflow"),
    ({"swap": True}, "swapped_outputs", "swapped"),
    ({"context_from": lambda K, V: K}, "context_uses_keys", "weights @ V"),
])
def test_attention_grader_names_each_typical_mistake(kwargs, hint, words):
    expect(check_scaled_dot_product_attention(lambda Q, K, V, mask=None: attention(Q, K, V, mask, **kwargs)),
           hint, words)


def test_attention_grader_shapes_and_bad_returns_and_exceptions(capsys):
    transposed = lambda Q, K, V, mask=None: (attention(Q, K, V, mask)[0],
                                             np.swapaxes(attention(Q, K, V, mask)[1], 1, 2))
    expect(check_scaled_dot_product_attention(transposed), "wrong_shape", "(B, Tq, Tv)")
    expect(check_scaled_dot_product_attention(lambda Q, K, V, mask=None: None), "return_pair", "None")
    expect(check_scaled_dot_product_attention(lambda Q, K, V, mask=None: ("a", "b")), "unreadable")

    def no_mask_argument(Q, K, V):
        return attention(Q, K, V)

    expect(check_scaled_dot_product_attention(no_mask_argument), "raised", "TypeError")

    def crashes_on_none(Q, K, V, mask=None):
        scores = Q @ np.swapaxes(K, -1, -2)
        return scores[~mask], scores

    verdict = check_scaled_dot_product_attention(crashes_on_none)
    expect(verdict, "raised", "without a mask")
    expect(check_scaled_dot_product_attention(attention(*[np.ones((1, 1, 1))] * 3)), "not_callable")
    printed = capsys.readouterr().out
    assert "Traceback" not in printed and printed.count("✗ not yet") == 6


# ------------------------------------------------------------------------ 03: additive score
def additive(s, h, W1, b1, W2, b2, v, *, tanh=True, bias=True, readout="v", softmax_out=False,
             shape=None):
    keys = h @ W1 + (b1 if bias else 0)
    query = (s @ W2 + (b2 if bias else 0))[:, None, :]
    if tanh == "separately":
        hidden = np.tanh(keys) + np.tanh(query)
    else:
        hidden = np.tanh(keys + query) if tanh else keys + query
    e = hidden @ v if readout == "v" else hidden.sum(-1)
    if softmax_out:
        e = softmax(e)
    return e if shape is None else e.reshape(shape(e))


def test_additive_grader_accepts_correct_answers():
    expect(check_additive_score(additive), "ok")
    expect(check_additive_score(
        lambda s, h, W1, b1, W2, b2, v: ref.bahdanau_score(s, h, W1, W2, v, b1=b1, b2=b2)), "ok")
    # one bias holding the sum, as in helpers.layers.BahdanauAttention: the same scores
    expect(check_additive_score(
        lambda s, h, W1, b1, W2, b2, v: ref.bahdanau_score(s, h, W1, W2, v, b1=b1 + b2)), "ok")


@pytest.mark.parametrize("kwargs, hint, words", [
    ({"tanh": False}, "missing_tanh", "missing tanh"),
    ({"tanh": "separately"}, "tanh_of_sum", "tanh of the sum"),
    ({"bias": False}, "missing_bias", "bias"),
    ({"readout": "sum"}, "missing_v", "with v"),
    ({"softmax_out": True}, "returned_weights", "scores e"),
    ({"shape": lambda e: e.shape + (1,)}, "wrong_shape", "(B, Tv)"),
])
def test_additive_grader_names_each_typical_mistake(kwargs, hint, words):
    expect(check_additive_score(lambda *a: additive(*a, **kwargs)), hint, words)


def test_additive_grader_missing_query_bias_says_only_the_sum_matters():
    no_b2 = lambda s, h, W1, b1, W2, b2, v: np.tanh(h @ W1 + b1 + (s @ W2)[:, None, :]) @ v
    expect(check_additive_score(no_b2), "missing_bias", "only their sum matters")


def test_additive_grader_swapped_weights_raise_with_a_shape_note():
    swapped = lambda s, h, W1, b1, W2, b2, v: np.tanh(h @ W2 + b2 + (s @ W1 + b1)[:, None, :]) @ v
    expect(check_additive_score(swapped), "raised", "W1 (Dk, U)")


# ------------------------------------------------------------------------ 04: general score
def test_general_grader():
    correct = lambda s, h, Wa: np.einsum("btd,bid->bti", s, h @ Wa)
    expect(check_general_score(correct), "ok")
    expect(check_general_score(lambda s, h, Wa: np.einsum("btd,bid->bti", s, h)), "missing_Wa", "W_a")
    expect(check_general_score(lambda s, h, Wa: np.einsum("btd,bid->bti", s @ Wa, h)), "Wa_transposed",
           "transposed")
    expect(check_general_score(lambda s, h, Wa: softmax(correct(s, h, Wa))), "returned_weights")
    expect(check_general_score(lambda s, h, Wa: np.swapaxes(correct(s, h, Wa), 1, 2)), "wrong_shape",
           "transposed")


# ------------------------------------------------------------------------ 01: teacher forcing
def test_teacher_forcing_grader():
    def correct(rows):
        inputs = rows[:, :-1].copy()
        inputs[inputs == END_ID] = 0
        return inputs, rows[:, 1:]

    def in_place(rows):
        inputs = rows[:, :-1]
        inputs[inputs == END_ID] = 0
        return inputs, rows[:, 1:]

    expect(check_teacher_forcing(correct), "ok")
    expect(check_teacher_forcing(in_place), "changed_input", "copy")
    expect(check_teacher_forcing(lambda rows: (rows[:, :-1], rows[:, 1:])), "end_in_inputs", "<end>")
    expect(check_teacher_forcing(lambda rows: (rows, rows)), "not_shifted", "not shifted")
    expect(check_teacher_forcing(lambda rows: (rows[:, 1:], rows[:, 1:])), "not_shifted")
    expect(check_teacher_forcing(lambda rows: (rows[:, 1:], rows[:, :-1])), "wrong_direction", "wrong way")
    expect(check_teacher_forcing(lambda rows: correct(rows)[::-1]), "swapped_outputs", "swapped")
    expect(check_teacher_forcing(lambda rows: (rows[:, :-2], rows[:, 2:])), "wrong_shape", "T - 1")
    expect(check_teacher_forcing(lambda rows: 1 / 0), "raised", "ZeroDivisionError")


# ------------------------------------------------------------------------ 05: saliency
def saliency(g, x, ids, *, absolute=True, masked=True, normalised=True, use_x=True):
    raw = (g * (x if use_x else 1)).sum(-1)
    raw = np.abs(raw) if absolute else raw
    raw = raw * (ids != 0) if masked else raw
    return raw / raw.sum(-1, keepdims=True) if normalised else raw


def test_saliency_grader():
    expect(check_saliency(saliency), "ok")
    expect(check_saliency(lambda *a: saliency(*a, normalised=False)), "not_normalised", "sum to 1")
    expect(check_saliency(lambda *a: saliency(*a, masked=False)), "padding_not_masked", "padding")
    expect(check_saliency(lambda *a: saliency(*a, absolute=False)), "missing_abs", "absolute")
    expect(check_saliency(lambda *a: saliency(*a, use_x=False)), "gradient_only", "gradient alone")
    expect(check_saliency(lambda g, x, ids: np.abs(g * x)), "wrong_shape", "axis=-1")


def test_embedding_gradients_match_the_classifier_and_finite_differences():
    import keras

    from helpers.models import COURSE, build_classifier

    keras.utils.set_random_seed(0)
    config = COURSE.replace(vocab_size=30, embed_dim=6, lstm_units=4, attention_units=5, dense_units=3)
    classifier = build_classifier(config)
    ids = np.array([[5, 7, 9, 2, 0, 0], [3, 4, 5, 6, 7, 8]], "int32")
    probability, gradients, embedded, weights = embedding_gradients(classifier, ids)
    np.testing.assert_allclose(probability, np.asarray(classifier(ids))[:, 0], rtol=1e-5)
    assert gradients.shape == embedded.shape == (2, 6, 6) and weights.shape == (2, 6)
    assert np.all(weights[0, 4:] == 0) and np.allclose(weights.sum(-1), 1, atol=1e-6)
    assert np.abs(gradients[1]).max() > 0
    # The gradient of one real token's embedding, by central differences through the model.
    eps = 1e-3
    emb_layer = classifier.get_layer("embedding")
    table = emb_layer.embeddings.numpy()
    token = ids[1, 2]  # occurs once in the batch, so d p / d table[token] = d p / d embedded[1, 2]
    numeric = np.zeros(table.shape[1])
    for j in range(table.shape[1]):
        for sign in (1, -1):
            shifted = table.copy()
            shifted[token, j] += sign * eps
            emb_layer.embeddings.assign(shifted)
            numeric[j] += sign * float(np.asarray(classifier(ids))[1, 0]) / (2 * eps)
    emb_layer.embeddings.assign(table)
    np.testing.assert_allclose(gradients[1, 2], numeric, rtol=2e-2, atol=1e-5)


# ------------------------------------------------------------------------ 06: translation
def test_length_penalty_grader():
    expect(check_length_penalty(lambda lp, n, alpha=0.6: lp / ((5 + n) / 6) ** alpha), "ok")
    expect(check_length_penalty(lambda lp, n, alpha=0.6: lp * ((5 + n) / 6) ** alpha), "multiplied", "divide")
    expect(check_length_penalty(lambda lp, n, alpha=0.6: lp / n), "plain_length", "length")
    expect(check_length_penalty(lambda lp, n, alpha=0.6: lp / ((5 + n) / 6)), "missing_alpha", "alpha")
    expect(check_length_penalty(lambda lp, n, alpha=0.6: lp / (5 + n) ** alpha), "formula", "6")
    expect(check_length_penalty(lambda lp, n, alpha=1.0: lp / ((5 + n) / 6) ** alpha), "default_alpha", "0.6")
    expect(check_length_penalty(lambda lp, n, alpha=0.6: [lp, n]), "wrong_shape", "one number")


def clipped(hyp, refs, n, *, clip="max", first_only=False, ignore_n=False, recall=False):
    from collections import Counter
    n = 1 if ignore_n else n
    grams = lambda t: Counter(tuple(t[i:i + n]) for i in range(len(t) - n + 1))
    refs = refs[:1] if first_only else refs
    counts, total = grams(hyp), max(len(hyp) - n + 1, 0)
    limit = Counter()
    for r in refs:
        limit = limit | grams(r) if clip == "max" else limit + grams(r)
    matches = sum(min(c, limit[g]) if clip else (c if limit[g] else 0) for g, c in counts.items())
    denominator = max(len(refs[0]) - n + 1, 0) if recall else total
    return matches / denominator if denominator else 0.0


def test_clipped_precision_grader_and_its_reference_agree_with_sacrebleu():
    expect(check_clipped_precision(clipped), "ok")
    expect(check_clipped_precision(lambda *a: clipped(*a, clip=None)), "not_clipped", "not clipped")
    expect(check_clipped_precision(lambda *a: clipped(*a, clip="sum")), "clip_sum", "maximum")
    expect(check_clipped_precision(lambda *a: clipped(*a, first_only=True)), "first_reference_only", "any")
    expect(check_clipped_precision(lambda *a: clipped(*a, ignore_n=True)), "ignores_n", "n-grams")
    expect(check_clipped_precision(lambda *a: clipped(*a, recall=True)), "recall", "hypothesis")
    expect(check_clipped_precision(lambda h, r, n: sum(t in r[0] for t in h) / (len(h) - n + 1)),
           "raised", "ZeroDivisionError")
    # The grader's reference counts what sacreBLEU counts.
    import sacrebleu

    from helpers.exercises.translation import _CASES, _clipped
    for hyp, refs, n in _CASES[:3]:
        stats = sacrebleu.corpus_bleu([" ".join(hyp)], [[" ".join(r)] for r in refs], tokenize="none")
        assert _clipped(hyp, refs, n) == pytest.approx(stats.counts[n - 1] / stats.totals[n - 1])


def test_non_callable_and_printed_verdicts(capsys):
    verdict = check_length_penalty(0.5)
    expect(verdict, "not_callable", "pass your function itself")
    assert "✗ not yet (length penalty)" in capsys.readouterr().out
    correct = check_length_penalty(lambda lp, n, alpha=0.6: lp / ((5 + n) / 6) ** alpha)
    assert str(correct).startswith("✓ correct")


# ------------------------------------------------------------------------ 07: faithfulness
def comprehensiveness(p_full, p_erased, *, per_class=True, sign=1, threshold=0.5):
    if not per_class:
        return sign * (p_full - p_erased)
    positive = p_full >= threshold
    return sign * (np.where(positive, p_full, 1 - p_full) - np.where(positive, p_erased, 1 - p_erased))


def test_comprehensiveness_grader():
    from helpers.exercises import check_comprehensiveness

    expect(check_comprehensiveness(comprehensiveness), "ok")
    expect(check_comprehensiveness(lambda a, b: comprehensiveness(a, b, per_class=False)), "positive_only", "1 - P")
    expect(check_comprehensiveness(lambda a, b: comprehensiveness(a, b, sign=-1)), "reversed", "leaves")
    expect(check_comprehensiveness(lambda a, b: np.abs(a - b)), "absolute", "negative")
    expect(check_comprehensiveness(lambda a, b: comprehensiveness(a, b, threshold=0.51)), "threshold", ">= 0.5")
    expect(check_comprehensiveness(lambda a, b: a[:3]), "wrong_shape", "one number per review")
    expect(check_comprehensiveness(lambda a, b: 1 / 0), "raised", "ZeroDivisionError")


def integrated_gradients(gradient_at, embedded, steps, *, points="mid", times_input=True, average=True):
    k = np.arange(1, steps + 1)
    alphas = {"mid": (k - 0.5) / steps, "right": k / steps, "left": (k - 1) / steps}[points]
    total = sum(gradient_at(a * embedded) for a in alphas) / (steps if average else 1)
    return ((embedded if times_input else 1) * total).sum(-1)


def test_integrated_gradients_grader():
    from helpers.exercises import check_integrated_gradients

    expect(check_integrated_gradients(integrated_gradients), "ok")
    expect(check_integrated_gradients(lambda g, x, m: integrated_gradients(g, x, m, points="right")),
           "right_endpoints", "midpoint")
    expect(check_integrated_gradients(lambda g, x, m: integrated_gradients(g, x, m, points="left")),
           "left_endpoints", "midpoints")
    expect(check_integrated_gradients(lambda g, x, m: integrated_gradients(g, x, m, times_input=False)),
           "no_input", "multiply")
    expect(check_integrated_gradients(lambda g, x, m: (x * g(x)).sum(-1)), "gradient_x_input", "path")
    expect(check_integrated_gradients(lambda g, x, m: x * g(x)), "wrong_shape", "axis=-1")
    expect(check_integrated_gradients(lambda g, x, m: integrated_gradients(g, x, m, average=False)),
           "not_averaged", "divide")
    # the toy model's integrated gradients add up to P(x) - P(0) (completeness), as they must
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal((2, 4, 3)) * 0.7, rng.standard_normal(3)
    from helpers.exercises.faithfulness import _toy_gradient
    p = lambda z: 1 / (1 + np.exp(-(w * z ** 2).sum(axis=(1, 2))))
    np.testing.assert_allclose(integrated_gradients(_toy_gradient(w), x, 400).sum(1), p(x) - p(0 * x), atol=1e-4)
