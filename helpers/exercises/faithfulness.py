"""Notebook 07's exercises: measure an explanation by what removing its words does.

* :func:`check_comprehensiveness` grades ``fn(p_full, p_erased) -> (N,)``: for each review, the
  probability of the class the model predicted on the full review, minus that class's
  probability once the top words are removed (ERASER's comprehensiveness, DeYoung et al. 2020)::

      y = 1 if p_full >= 0.5 else 0,   p_y(p) = p if y == 1 else 1 - p
      comprehensiveness = p_y(p_full) - p_y(p_erased)

  ``p_full`` and ``p_erased`` are P(positive), ``(N,)``.
* :func:`check_integrated_gradients` grades ``fn(gradient_at, embedded, steps) -> (B, T)``:
  integrated gradients from the zero embedding (Sundararajan et al. 2017) with the midpoint
  rule::

      IG[b, t] = sum_e x[b, t, e] * (1 / m) * sum_{k=1..m} g(((k - 1/2) / m) * x)[b, t, e]

  where ``gradient_at(z)`` returns ``dP/dz`` ``(B, T, E)`` for embeddings ``z`` ``(B, T, E)``.

* :func:`embedding_gradient_fn` gives a real classifier's ``gradient_at`` for exercise 3.

May import: numpy, tensorflow, :mod:`helpers.explain`, :mod:`helpers.exercises._grading`.
"""
from __future__ import annotations

import numpy as np

from helpers.exercises._grading import Verdict, as_array, call_learner, first_match, grader, same

__all__ = ["check_comprehensiveness", "check_integrated_gradients", "embedding_gradient_fn"]


def embedding_gradient_fn(classifier, ids):
    """For token ids ``(B, T)`` (right-padded), ``(gradient_at, embedded, probability)``:
    ``embedded`` the tokens' embeddings ``x`` ``(B, T, E)``, ``probability`` P(positive) ``(B,)``
    and ``gradient_at(z)`` the gradient of P(positive) with respect to embeddings ``z``
    ``(B, T, E)`` fed in their place (same padding mask), as a NumPy array."""
    import tensorflow as tf

    from helpers.explain.parts import ClassifierParts, check_ids

    ids = tf.constant(check_ids(ids))
    parts, mask = ClassifierParts(classifier), tf.not_equal(ids, 0)
    embedded = parts.embed(ids)

    @tf.function(reduce_retracing=True)
    def gradient(z):
        with tf.GradientTape() as tape:
            tape.watch(z)
            probability = parts.head(z, mask)[0]
        return tape.gradient(probability, z)

    def gradient_at(z):
        return gradient(tf.convert_to_tensor(np.asarray(z), dtype=embedded.dtype)).numpy()

    return gradient_at, embedded.numpy(), parts.head(embedded, mask)[0].numpy()


def _p_y(p_full, p):
    return np.where(p_full >= 0.5, p, 1 - p)


@grader("comprehensiveness")
def check_comprehensiveness(fn) -> Verdict:
    """Grade ``fn(p_full (N,), p_erased (N,)) -> comprehensiveness (N,)`` (module docstring)."""
    p_full = np.array([0.9, 0.2, 0.7, 0.05, 0.5, 0.35])
    p_erased = np.array([0.3, 0.6, 0.8, 0.01, 0.2, 0.1])
    how = "as fn(p_full (6,), p_erased (6,)), both P(positive)"
    answer = as_array(call_learner(fn, p_full, p_erased, how=how), "the comprehensiveness", (6,))
    expected = _p_y(p_full, p_full) - _p_y(p_full, p_erased)
    if answer.shape != expected.shape:
        return Verdict.wrong("wrong_shape", f"shape {answer.shape}; expected one number per review, "
                                            f"{expected.shape}.")
    if same(answer, expected):
        return Verdict.ok("p_y(full) - p_y(erased), with y the class predicted on the full review.")
    hint = first_match(answer, [
        ("positive_only", p_full - p_erased),
        ("reversed", -expected),
        ("absolute", np.abs(p_full - p_erased)),
        ("erased_class", _p_y(p_erased, p_full) - _p_y(p_erased, p_erased)),
        ("threshold", np.where(p_full > 0.5, p_full - p_erased, p_erased - p_full)),
    ])
    messages = {
        "positive_only": "this is P(positive) before minus after, for every review; for a review the "
                         "model called negative, the class's probability is 1 - P(positive).",
        "reversed": "the sign is reversed: it is the probability that LEAVES with the words, "
                    "full minus erased.",
        "absolute": "no absolute value: removing words can make the model MORE sure of its verdict, "
                    "and then comprehensiveness is negative.",
        "erased_class": "y is the class predicted on the FULL review, not on the erased one.",
        "threshold": "a review with P(positive) = 0.5 exactly is predicted positive (p >= 0.5), as "
                     "everywhere in the course.",
    }
    if hint is not None:
        return Verdict.wrong(hint, messages[hint])
    return Verdict.wrong("wrong_values", f"the values differ from p_y(full) - p_y(erased) by up to "
                         f"{np.abs(answer - expected).max():.3g}.")


def _toy_gradient(weights):
    """``g(z) = dP/dz`` for the toy model ``P = sigmoid(sum_t,e w_e z_te^2)``, ``(B, T, E)``."""
    def gradient_at(z):
        z = np.asarray(z, dtype=np.float64)
        logit = (weights * z ** 2).sum(axis=(1, 2), keepdims=True)
        p = 1 / (1 + np.exp(-logit))
        return p * (1 - p) * 2 * weights * z
    return gradient_at


def _integrated(gradient_at, embedded, steps, points):
    total = sum(gradient_at(a * embedded) for a in points)
    return (embedded * total / steps).sum(-1)


@grader("integrated gradients")
def check_integrated_gradients(fn) -> Verdict:
    """Grade ``fn(gradient_at, embedded (B, T, E), steps) -> (B, T)`` (module docstring)."""
    rng = np.random.default_rng(7)
    embedded = rng.standard_normal((2, 4, 3)) * 0.7
    gradient_at = _toy_gradient(rng.standard_normal(3))
    steps = 8
    how = "as fn(gradient_at, embedded (2, 4, 3), steps=8)"
    answer = as_array(call_learner(fn, gradient_at, embedded, steps, how=how),
                      "the integrated gradients", (2, 4))
    midpoints = (np.arange(1, steps + 1) - 0.5) / steps
    expected = _integrated(gradient_at, embedded, steps, midpoints)
    if answer.shape != expected.shape:
        hint = " (sum over the embedding axis, axis=-1)" if answer.shape == embedded.shape else ""
        return Verdict.wrong("wrong_shape", f"shape {answer.shape}; expected one number per token, "
                                            f"{expected.shape}{hint}.")
    if same(answer, expected):
        return Verdict.ok("x times the mean gradient along the straight path from 0 to x, summed "
                          "over the embedding axis.")
    hint = first_match(answer, [
        ("right_endpoints", _integrated(gradient_at, embedded, steps, np.arange(1, steps + 1) / steps)),
        ("left_endpoints", _integrated(gradient_at, embedded, steps, np.arange(steps) / steps)),
        ("no_input", sum(gradient_at(a * embedded) for a in midpoints).sum(-1) / steps),
        ("gradient_x_input", (embedded * gradient_at(embedded)).sum(-1)),
        ("not_averaged", _integrated(gradient_at, embedded, 1, midpoints)),
    ])
    messages = {
        "right_endpoints": "close: these are the right end points (k / m); the midpoint rule "
                           "evaluates at (k - 1/2) / m, which is more accurate for the same m.",
        "left_endpoints": "close: these are the left end points ((k - 1) / m, starting at the zero "
                          "embedding); use the midpoints (k - 1/2) / m.",
        "no_input": "multiply the averaged gradient by the input x before summing over the "
                    "embedding axis.",
        "gradient_x_input": "this is gradient x input at x alone; integrated gradients averages "
                            "the gradient over the path from 0 to x.",
        "not_averaged": "divide the sum of the gradients by the number of steps m (an average).",
    }
    if hint is not None:
        return Verdict.wrong(hint, messages[hint])
    return Verdict.wrong("wrong_values", f"the values differ from the midpoint-rule integrated "
                         f"gradients by up to {np.abs(answer - expected).max():.3g}.")
