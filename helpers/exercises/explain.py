"""Notebook 05's exercise: do attention and gradients point at the same words?

* :func:`embedding_gradients` runs a classifier from :func:`helpers.models.build_classifier`
  on token ids and returns the gradient of ``P(positive)`` with respect to each token's
  embedding, ``(B, T, E)``, together with the embeddings themselves and the attention weights.
* The learner turns them into a **gradient x input saliency** per token; :func:`check_saliency`
  grades it: ``saliency[b, t] = |sum_e g[b, t, e] x[b, t, e]|`` over the real tokens
  (``ids != 0``), normalised to sum to 1 per review, and exactly 0 on padding, so it can be
  compared with the attention weights ``a`` (also ``(B, T)``, summing to 1).

Notation (README, "Notation"): ``h`` the BiLSTM states (keys/values), ``a`` the weights.

May import: ``keras``, ``tensorflow``, :mod:`helpers.explain`, :mod:`helpers.exercises._grading`.
"""
from __future__ import annotations

import numpy as np

import tensorflow as tf  # already imported (quietly) by `import helpers`

from helpers.explain.parts import ClassifierParts
from helpers.exercises._grading import Verdict, Wrong, as_array, call_learner, first_match, grader, same

__all__ = ["embedding_gradients", "check_saliency"]


def embedding_gradients(classifier, ids):
    """Gradients of ``P(positive)`` with respect to the token embeddings.

    Re-runs ``classifier`` (built by :func:`helpers.models.build_classifier`) layer by layer in
    inference mode (:class:`helpers.explain.ClassifierParts`), with the embeddings watched.

    Args:
        classifier: the trained Keras classifier.
        ids: token ids ``(B, T)``, right-padded with 0.

    Returns:
        ``(probability (B,), gradients (B, T, E), embedded (B, T, E), weights (B, T))`` as NumPy
        arrays; ``probability`` equals ``classifier(ids)``.
    """
    ids = tf.constant(np.asarray(ids, dtype="int32"))
    if len(ids.shape) != 2:
        raise ValueError(f"ids must have shape (B, T), got {tuple(ids.shape)}.")
    parts = ClassifierParts(classifier)
    embedded = parts.embed(ids)
    with tf.GradientTape() as tape:
        tape.watch(embedded)
        probability, weights = parts.head(embedded, tf.not_equal(ids, 0))
    gradients = tape.gradient(probability, embedded)
    return probability.numpy(), gradients.numpy(), embedded.numpy(), weights.numpy()


def _reference(gradients, embedded, ids):
    real = np.asarray(ids) != 0
    raw = np.abs((gradients * embedded).sum(-1)) * real
    total = raw.sum(-1, keepdims=True)
    return raw / np.where(total > 0, total, 1.0)


def _case(seed: int = 11):
    rng = np.random.default_rng(seed)
    b, t, e = 3, 6, 4
    gradients, embedded = rng.standard_normal((b, t, e)), rng.standard_normal((b, t, e))
    ids = rng.integers(2, 50, (b, t))
    for row, length in enumerate((6, 4, 2)):
        ids[row, length:] = 0
    return gradients, embedded, ids


@grader("gradient x input saliency")
def check_saliency(fn) -> Verdict:
    """Grade ``fn(gradients, embedded, ids) -> saliency``: ``gradients`` and ``embedded``
    ``(B, T, E)``, ``ids (B, T)`` with 0 for padding; ``saliency (B, T)`` =
    ``|sum over E of gradients * embedded|`` on real tokens, normalised to sum to 1 per review,
    exactly 0 on padding."""
    gradients, embedded, ids = _case()
    b, t, _ = gradients.shape
    how = "as fn(gradients (3, 6, 4), embedded (3, 6, 4), ids (3, 6))"
    saliency = as_array(call_learner(fn, gradients, embedded, ids, how=how), "the saliency", (b, t))
    expected = _reference(gradients, embedded, ids)
    if saliency.shape != (b, t):
        if saliency.shape == (b, t, gradients.shape[-1]):
            raise Wrong("wrong_shape", f"shape {saliency.shape}: sum over the embedding axis "
                                       "(axis=-1) to get one number per token, (B, T).")
        raise Wrong("wrong_shape", f"shape {saliency.shape}; expected one number per token, (B, T) = "
                                   f"{(b, t)}.")
    if same(saliency, expected):
        return Verdict.ok("|gradient . embedding| per token, 0 on padding, each review summing to 1.")
    real = ids != 0
    raw = (gradients * embedded).sum(-1)
    unnormalised = np.abs(raw) * real
    norms = np.linalg.norm(gradients, axis=-1) * real
    hint = first_match(saliency, [
        ("not_normalised", unnormalised),
        ("not_normalised", np.abs(raw)),
        ("padding_not_masked", np.abs(raw) / np.abs(raw).sum(-1, keepdims=True)),
        ("missing_abs", raw * real / (raw * real).sum(-1, keepdims=True)),
        ("missing_abs", raw * real),
        ("gradient_only", _reference(gradients, np.ones_like(embedded), ids)),
        ("gradient_only", norms / norms.sum(-1, keepdims=True)),
    ])
    messages = {
        "not_normalised": "not normalised: divide each review's values by their sum over its real "
                          "tokens, so that they sum to 1 like the attention weights.",
        "padding_not_masked": "padding is not masked: tokens with id 0 must get exactly 0 (multiply "
                              "by ids != 0 before normalising).",
        "missing_abs": "take the absolute value: a token that pushes P(positive) down matters as "
                       "much as one that pushes it up.",
        "gradient_only": "this uses the gradient alone; gradient x input multiplies it with the "
                         "embedding and sums over the embedding axis.",
    }
    if hint is not None:
        return Verdict.wrong(hint, messages[hint])
    if np.abs(saliency[~real]).max() > 1e-9:
        return Verdict.wrong("padding_not_masked", messages["padding_not_masked"])
    if not np.allclose(saliency.sum(-1), 1.0, atol=1e-6):
        return Verdict.wrong("not_normalised", messages["not_normalised"])
    return Verdict.wrong("wrong_saliency", f"the values differ from |sum_e g * x| (normalised) by up "
                         f"to {np.abs(saliency - expected).max():.3g}.")
