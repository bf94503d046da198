"""The IMDB classifier opened up: embeddings in, probability out, attention replaceable (notebook 07).

A faithfulness test needs three things a Keras model does not offer directly: the gradient with
respect to each token's *embedding* (ids are integers, they have no gradient), the classifier
re-run with *other* attention weights, and fast probabilities for many edited reviews. This
module gives them for any model with the two methods of :class:`TokenModel`:

* :class:`ClassifierParts` wraps a classifier from :func:`helpers.models.build_classifier`
  (attention or mean pooling), re-running its layers in inference mode;
* :func:`predict_ids`: probabilities ``(N,)`` for right-padded ids, batched by length;
* :func:`gradient_x_input`: the gradient x input score of every token, signed towards the
  predicted class::

      s[b, t] = sign_b * sum_e  dP(positive)/dx[b, t, e] * x[b, t, e],   sign_b = +1 if P >= 0.5 else -1

  so a large ``s`` is a token that pushed the model towards the verdict it gave;
* :func:`attention_weights`: the attention weights ``a (N, T)`` of every review;
* :func:`ablated_probabilities`: the classifier with its learned weights replaced by uniform
  weights over the real tokens or by a random permutation of themselves (per review).

Padding (id 0) is never scored: its scores are ``-inf`` and its weights 0.

May import: ``keras``, ``tensorflow``, :mod:`helpers.runtime`, :mod:`helpers.data`, :mod:`helpers.models`.
"""
from __future__ import annotations

import functools
import weakref
from typing import Callable, Protocol

import numpy as np
import tensorflow as tf

from helpers.data.batching import length_sorted_batches
from helpers.runtime import check_int, check_model

__all__ = ["TokenModel", "ClassifierParts", "check_ids", "predict_ids", "gradient_x_input",
           "attention_weights", "ablated_probabilities", "ABLATIONS"]

#: Test-time replacements of the learned attention weights (:func:`ablated_probabilities`).
ABLATIONS = ("uniform", "permuted")


class TokenModel(Protocol):
    """What the faithfulness functions need from a model (``B`` reviews, ``T`` tokens, ``E``
    embedding size): ``embed(ids (B, T)) -> (B, T, E)`` and ``head(embedded, mask (B, T),
    reweight=None) -> (P(positive) (B,), attention weights (B, T) or None)``, where
    ``reweight(weights, mask) -> weights`` replaces the attention weights when given."""

    def embed(self, ids): ...

    def head(self, embedded, mask, reweight=None): ...


class ClassifierParts:
    """A classifier from :func:`helpers.models.build_classifier`, split at its embeddings.

    ``head`` re-runs the layers after the embedding (``bilstm_1`` .. ``bilstm_n``, then the
    attention or the mean pooling, ``dense``, ``dropout``, ``probability``) in inference mode;
    with attention, ``reweight`` may replace its weights before the weighted sum
    ``c = sum_t a_t h_t``. ``ValueError`` for a model without these layers.
    """

    def __init__(self, classifier):
        check_model("classifier", classifier)
        names = {layer.name for layer in classifier.layers}
        self.n_lstm = sum(1 for name in names if name.startswith("bilstm_"))
        missing = {"embedding", "dense", "dropout", "probability"} - names
        if missing or self.n_lstm == 0:
            raise ValueError(f"model {classifier.name!r} is not a classifier from "
                             f"helpers.models.build_classifier (missing layers: "
                             f"{sorted(missing) or 'bilstm_1'}).")
        self.classifier = classifier
        self.has_attention = "attention" in names
        self.layer = classifier.get_layer

    def embed(self, ids):
        return self.layer("embedding")(ids)

    def head(self, embedded, mask, reweight: Callable | None = None):
        x = embedded
        for i in range(1, self.n_lstm):
            x = self.layer(f"bilstm_{i}")(x, mask=mask, training=False)
        x, forward_h, _, backward_h, _ = self.layer(f"bilstm_{self.n_lstm}")(
            x, mask=mask, training=False)
        weights = None
        if self.has_attention:
            query = self.layer("query")([forward_h, backward_h])
            context, weights = self.layer("attention")(query, x, value_mask=mask,
                                                       return_attention_scores=True)
            if reweight is not None:
                weights = tf.cast(reweight(weights, mask), x.dtype)
                context = tf.einsum("bt,btd->bd", weights, x)
        elif reweight is not None:
            raise ValueError("reweight needs a classifier with attention (pooling='attention').")
        else:
            context = self.layer("mean_pool")(x, mask=mask)
        hidden = self.layer("dropout")(self.layer("dense")(context), training=False)
        return self.layer("probability")(hidden)[:, 0], weights


def _parts(model) -> TokenModel:
    if hasattr(model, "embed") and hasattr(model, "head"):
        return model
    return ClassifierParts(model)


def check_ids(ids) -> np.ndarray:
    """Token ids as a 2-D int32 array, right-padded with 0 (``ValueError`` otherwise: a real
    token after padding would be read by an LSTM that the mask was meant to stop)."""
    ids = np.asarray(ids)
    if ids.ndim != 2 or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
        raise ValueError(f"ids must be a 2-D integer array (reviews, tokens), got shape "
                         f"{ids.shape} and dtype {ids.dtype}.")
    real = ids != 0
    if (real[:, 1:] & ~real[:, :-1]).any():
        raise ValueError("ids must be right-padded: no real token (id != 0) after a padding 0.")
    return ids.astype("int32")


def _run(ids, batch_size, fn):
    """``fn(ids_batch (B, width)) -> list of arrays (B, ...)`` over length batches, put back
    in the original order (arrays over tokens padded to ``ids``' width)."""
    ids = check_ids(ids)
    batch_size = check_int("batch_size", batch_size, 1)
    outputs = None
    for idx, width in length_sorted_batches(ids, batch_size):
        parts = [np.asarray(p) for p in fn(tf.constant(ids[idx, :width]))]
        if outputs is None:
            outputs = [np.zeros((len(ids),) + ((ids.shape[1],) if p.ndim == 2 else ()), p.dtype)
                       for p in parts]
        for out, part in zip(outputs, parts):
            if part.ndim == 2:
                out[idx, :width] = part
            else:
                out[idx] = part
    return outputs or []


_COMPILED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _compiled(model, key, build):
    """``tf.function(build(parts))`` for ``model``, traced once per model and ``key`` (a widget
    calls these functions on every slider move)."""
    try:
        table = _COMPILED.setdefault(model, {})
    except TypeError:   # not weak-referenceable: compile for this call only
        table = {}
    if key not in table:
        table[key] = tf.function(build(_parts(model)), reduce_retracing=True)
    return table[key]


def _probability_fn(reweight):
    def build(parts):
        return lambda batch: parts.head(parts.embed(batch), tf.not_equal(batch, 0), reweight)[0]
    return build


def predict_ids(model, ids, *, batch_size: int = 512, reweight: Callable | None = None) -> np.ndarray:
    """``P(positive)`` ``(N,)`` for right-padded ids ``(N, T)``, batched by length. ``model``
    is a classifier or a :class:`TokenModel`; ``reweight`` as in :meth:`ClassifierParts.head`."""
    if len(np.asarray(ids)) == 0:
        return np.zeros((0,), np.float32)
    probability = _compiled(model, ("probability", reweight), _probability_fn(reweight))
    return _run(ids, batch_size, lambda batch: [probability(batch)])[0]


def _gradient_fn(parts):
    def scores(batch):
        mask = tf.not_equal(batch, 0)
        embedded = parts.embed(batch)
        with tf.GradientTape() as tape:
            tape.watch(embedded)
            probability = parts.head(embedded, mask)[0]
        gradient = tape.gradient(probability, embedded)
        sign = tf.where(probability >= 0.5, 1.0, -1.0)[:, None]
        raw = sign * tf.reduce_sum(tf.cast(gradient * embedded, tf.float32), axis=-1)
        return probability, tf.where(mask, raw, -np.inf)
    return scores


def gradient_x_input(model, ids, *, batch_size: int = 256):
    """Gradient x input of every token, signed towards the predicted class (module docstring).

    Returns ``(probability (N,), scores (N, T))``; padding scores are ``-inf``.
    """
    probability, raw = _run(ids, batch_size, _compiled(model, "gradient", _gradient_fn))
    raw[np.asarray(ids) == 0] = -np.inf
    return probability, raw


_NO_ATTENTION = "this model has no attention (e.g. pooling='mean'): no weights to read."


def _weights_fn(parts):
    def run(batch):
        probability, weights = parts.head(parts.embed(batch), tf.not_equal(batch, 0))
        if weights is None:
            raise ValueError(_NO_ATTENTION)
        return probability, weights
    return run


def attention_weights(model, ids, *, batch_size: int = 512):
    """``(probability (N,), attention weights (N, T))``; 0 on padding. ``ValueError`` for a
    model without attention."""
    if not getattr(_parts(model), "has_attention", True):
        raise ValueError(_NO_ATTENTION)
    return tuple(_run(ids, batch_size, _compiled(model, "weights", _weights_fn)))


def _uniform(weights, mask):
    real = tf.cast(mask, weights.dtype)
    return real / tf.maximum(tf.reduce_sum(real, axis=1, keepdims=True), 1.0)


@functools.lru_cache(maxsize=None)
def _permuted(seed: int):
    def permute(weights, mask):
        # Random keys for the real tokens, +inf for padding: sorting them gives, per review, a
        # random order of its real positions followed by its padding; the weights read in that
        # order are a permutation of themselves (padding keeps weight 0).
        keys = tf.random.stateless_uniform(tf.shape(weights), seed=(seed, 0))
        keys = tf.where(mask, keys, 2.0)
        order = tf.argsort(keys, axis=1)
        shuffled = tf.gather(weights, order, batch_dims=1)
        return tf.where(mask, shuffled, tf.zeros_like(weights))
    return permute


def ablated_probabilities(model, ids, ablation: str, *, seed: int = 0,
                          batch_size: int = 512) -> np.ndarray:
    """``P(positive)`` ``(N,)`` with the learned attention weights replaced at test time:
    ``"uniform"`` (``1 / length`` on every real token) or ``"permuted"`` (each review's own
    weights, shuffled over its real tokens; seeded)."""
    if ablation not in ABLATIONS:
        raise ValueError(f"ablation must be one of {ABLATIONS}, got {ablation!r}.")
    reweight = _uniform if ablation == "uniform" else _permuted(check_int("seed", seed, 0))
    return predict_ids(model, ids, batch_size=batch_size, reweight=reweight)
