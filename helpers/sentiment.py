"""IMDB sentiment with a BiLSTM + Bahdanau attention classifier, on raw review text.

The pieces notebook 05 and ``benchmarks/imdb_speed.py`` share:

* text: :func:`clean_text` (Python) and :func:`standardize_review` (TensorFlow, used inside the
  model) turn ``"Great!<br /><br />Loved it."`` into ``"great loved it"``;
* :class:`ReviewEncoder`: a Keras layer around ``TextVectorization`` that maps raw strings to
  right-padded token ids ``(B, T)`` and keeps the FIRST or the LAST ``max_tokens_per_review``
  tokens of each review;
* :func:`encode_cached`: token ids of many reviews, computed once and cached on disk;
* :func:`build_classifier`: the tutorial's architecture (Embedding with ``mask_zero`` ->
  stacked ``Bidirectional(LSTM)`` -> :class:`helpers.layers.BahdanauAttention` whose query is the
  last BiLSTM's concatenated final forward/backward states -> Dense(relu) -> Dropout ->
  Dense(1, sigmoid)); :data:`ORIGINAL` and :data:`COURSE` are the two configurations;
* :func:`export_model` (raw strings in, probability out; what is saved as ``.keras``) and
  :func:`attention_model` (token ids in, ``(probability, weights)`` out);
* :class:`Explainer`, :func:`highlight_html`, :func:`top_attended_words` and
  :func:`review_explorer` (an ipywidgets text box) to show which words decided.

Shapes: ``B`` reviews, ``T`` tokens (per batch: batches are padded only to their longest review).
"""
from __future__ import annotations

import hashlib
import html
import json
import numbers
import re
import time
from collections import Counter
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from helpers.callbacks import EpochTimer  # noqa: F401  (re-exported)
from helpers.layers import BahdanauAttention
from helpers.runtime import check_int, check_learning_rate, check_model, check_strings

__all__ = [
    "ClassifierConfig", "ORIGINAL", "COURSE", "clean_text", "standardize_review", "ReviewEncoder",
    "make_encoder", "encode_cached", "build_classifier", "export_model", "attention_model",
    "predict_texts", "evaluate_ids", "EpochTimer", "Explainer", "highlight_html",
    "top_attended_words", "review_explorer", "MAX_INPUT_CHARS",
]

# --------------------------------------------------------------------------------- text
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]{0,40}>")


def clean_text(text: str) -> str:
    """Python-side cleaning for display: ``<br />`` and other short HTML tags become spaces,
    runs of white space one space. (The model's own cleaning is :func:`standardize_review`.)"""
    text = _TAG.sub(" ", _BR.sub(" ", str(text)))
    return re.sub(r"\s+", " ", text).strip()


@keras.saving.register_keras_serializable(package="helpers")
def standardize_review(text):
    """TensorFlow standardisation used by the model (so it is saved with it).

    Lower-cases (Unicode aware), turns ``<br />`` tags into spaces, keeps letters (any script),
    digits and apostrophes inside words, and replaces everything else (punctuation, emoji)
    with spaces. ``"It's GREAT!<br />10/10 😀"`` -> ``" it's great 10 10 "``.
    """
    text = tf.strings.lower(text, encoding="utf-8")
    text = tf.strings.regex_replace(text, r"<br\s*/?>", " ")
    text = tf.strings.regex_replace(text, r"<[^>]{0,40}>", " ")
    text = tf.strings.regex_replace(text, r"[^\pL\pN']+", " ")
    # apostrophes only inside words: "'quoted'" -> "quoted", "don't" stays
    text = tf.strings.regex_replace(" " + text + " ", r"\s'+|'+\s", " ")
    return tf.strings.regex_replace(text, r"'+(\s|$)|(^|\s)'+", " ")


# --------------------------------------------------------------------------------- configs
@dataclass(frozen=True)
class ClassifierConfig:
    """Sizes of the classifier and of its training.

    ``max_len`` tokens are kept per review, from the ``"first"`` or ``"last"`` end (``truncate``);
    ``bucketed`` trains on length-bucketed batches (:mod:`helpers.pipeline`) instead of padding
    every review to ``max_len``. ``lr_schedule`` is ``"constant"`` or ``"cosine"`` (decay to 0
    over the training run, after a linear warm-up of ``warmup_fraction`` of the steps).
    """

    name: str
    vocab_size: int = 10_000
    max_len: int = 500
    truncate: str = "last"
    embed_dim: int = 128
    lstm_units: int = 64
    lstm_layers: int = 2
    lstm_dropout: float = 0.5
    attention_units: int = 64
    dense_units: int = 20
    dropout: float = 0.5
    batch_size: int = 256
    learning_rate: float = 1e-3
    lr_schedule: str = "constant"
    warmup_fraction: float = 0.0
    epochs: int = 1
    bucketed: bool = False

    def __post_init__(self):
        """Every field checked once, here: ``TypeError``/``ValueError`` saying what is allowed."""
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"name must be a non-empty str, got {self.name!r}.")
        for field in ("vocab_size", "max_len", "embed_dim", "lstm_units", "lstm_layers",
                      "attention_units", "dense_units", "batch_size", "epochs"):
            check_int(field, getattr(self, field), 1)
        if self.vocab_size < 3:
            raise ValueError(f"vocab_size must be >= 3 (padding, unknown and a word), got {self.vocab_size}.")
        if self.truncate not in ("first", "last"):
            raise ValueError(f"truncate must be 'first' or 'last', got {self.truncate!r}.")
        if self.lr_schedule not in ("constant", "cosine"):
            raise ValueError(f"lr_schedule must be 'constant' or 'cosine', got {self.lr_schedule!r}.")
        check_learning_rate(self.learning_rate)
        for field, high in (("lstm_dropout", 1.0), ("dropout", 1.0), ("warmup_fraction", 1.0)):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= high \
                    or (field != "warmup_fraction" and value == high):
                interval = "[0, 1]" if field == "warmup_fraction" else "[0, 1)"
                raise ValueError(f"{field} must be a number in {interval}, got {value!r}.")
        if not isinstance(self.bucketed, bool):
            raise TypeError(f"bucketed must be True or False, got {self.bucketed!r}.")

    def to_dict(self) -> dict:
        return asdict(self)

    def replace(self, **changes) -> "ClassifierConfig":
        return replace(self, **changes)


#: The tutorials' configuration: every review padded (and cut, keeping its last tokens, as
#: ``pad_sequences`` does) to 500 tokens, constant Adam 1e-3, batch 256, one epoch.
ORIGINAL = ClassifierConfig(name="original")

#: The course's configuration: same architecture (2 x BiLSTM, Bahdanau attention(64), Dense(20))
#: and vocabulary; length-bucketed batches; the last 400 tokens of a review (most are shorter);
#: LSTMs of 32 units (about 2x faster per step than 64 on a CPU at batch 256, measured in
#: notebook 05); lighter dropout; Adam peaking at 4e-3 with warm-up and cosine decay over 2
#: epochs. Measured on 2 CPU cores: about 0.89 test accuracy after about 105 s of training.
COURSE = ClassifierConfig(
    name="course", max_len=400, truncate="last", lstm_units=32, lstm_dropout=0.2, dropout=0.2,
    batch_size=256, learning_rate=4e-3, lr_schedule="cosine", warmup_fraction=0.05, epochs=2,
    bucketed=True,
)


# --------------------------------------------------------------------------------- encoder
@keras.saving.register_keras_serializable(package="helpers")
class ReviewEncoder(keras.layers.Layer):
    """Raw review strings ``(B,)`` or ``(B, 1)`` -> right-padded token ids ``(B, T)`` (int32).

    A ``TextVectorization`` layer (vocabulary of ``vocab_size`` ids: 0 padding, 1 unknown,
    then the most frequent words of :meth:`adapt`'s texts) with :func:`standardize_review`.
    Each review keeps at most ``max_len`` tokens, its first or its last ones (``truncate``);
    a batch is padded only to its own longest review (at least 1 column: an empty review is
    one padding id). ``vocab_size`` (>= 3) and ``max_len`` (>= 1) must be integers.
    """

    def __init__(self, vocab_size: int = 10_000, max_len: int = 200, truncate: str = "last",
                 **kwargs):
        super().__init__(**kwargs)
        check_int("vocab_size", vocab_size, 3)
        check_int("max_len", max_len, 1)
        if truncate not in ("first", "last"):
            raise ValueError(f"truncate must be 'first' or 'last', got {truncate!r}.")
        self.vocab_size, self.max_len, self.truncate = int(vocab_size), int(max_len), truncate
        self.vectorize = keras.layers.TextVectorization(
            max_tokens=self.vocab_size, standardize=standardize_review, ragged=True,
            name="vectorize")

    def build(self, input_shape=None):
        self.built = True  # the vocabulary is set by adapt() or restored by loading

    def adapt(self, texts, batch_size: int = 1024):
        """Learn the vocabulary from ``texts`` (a non-empty list of strings)."""
        texts = check_strings("texts", texts)
        if not texts:
            raise ValueError("adapt needs at least one text to learn a vocabulary from.")
        batch_size = check_int("batch_size", batch_size, 1)
        self.vectorize.adapt(tf.data.Dataset.from_tensor_slices(texts).batch(batch_size))

    def vocabulary(self) -> list[str]:
        """The token of every id (0: ``""`` padding, 1: ``"[UNK]"``), as plain ``str``."""
        return [str(token) for token in self.vectorize.get_vocabulary()]

    def call(self, texts):
        texts = tf.convert_to_tensor(texts)
        if texts.shape.rank == 2:
            texts = tf.squeeze(texts, axis=1)
        ids = self.vectorize(texts)  # RaggedTensor (B, None)
        ids = ids[:, -self.max_len:] if self.truncate == "last" else ids[:, : self.max_len]
        dense = ids.to_tensor(default_value=0)
        dense = tf.pad(dense, [[0, 0], [0, tf.maximum(1 - tf.shape(dense)[1], 0)]])
        return tf.cast(dense, "int32")

    def compute_output_shape(self, input_shape):
        return (input_shape[0], None)

    def compute_output_spec(self, texts):
        return keras.KerasTensor((texts.shape[0], None), dtype="int32")

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size, "max_len": self.max_len,
                "truncate": self.truncate}


def make_encoder(config: ClassifierConfig, train_texts) -> ReviewEncoder:
    """A :class:`ReviewEncoder` for ``config``, its vocabulary adapted on ``train_texts`` (a
    non-empty list of strings)."""
    _check_config(config)
    encoder = ReviewEncoder(config.vocab_size, config.max_len, config.truncate, name="encoder")
    encoder.adapt(train_texts)
    return encoder


def _encode(encoder: ReviewEncoder, texts, length: int, batch_size: int = 2048) -> np.ndarray:
    out = np.zeros((len(texts), length), dtype=np.int32)
    texts = list(texts)
    for s in range(0, len(texts), batch_size):
        ids = encoder(tf.constant(texts[s : s + batch_size])).numpy()
        out[s : s + len(ids), : ids.shape[1]] = ids[:, :length]
    return out


def encode_cached(encoder: ReviewEncoder, texts, cache_dir=None, name: str = "ids"):
    """Token ids ``(N, max_len)`` (int32, right-padded) of ``texts``, cached on disk.

    The cache file's name hashes the vocabulary, the truncation and the texts, so a changed
    vocabulary or data set never reads stale ids. ``cache_dir=None`` disables the cache.
    Returns ``(ids, seconds, from_cache)``. ``TypeError`` unless ``encoder`` is a
    :class:`ReviewEncoder` and ``texts`` a list of strings.
    """
    start = time.perf_counter()
    _check_encoder(encoder)
    texts = check_strings("texts", texts)
    path = None
    if cache_dir is not None:
        key = hashlib.sha256()
        key.update(json.dumps([encoder.get_config()["max_len"], encoder.truncate,
                               encoder.vocabulary()]).encode())
        for t in texts:
            key.update(t.encode("utf-8", "surrogatepass"))
            key.update(b"\0")
        path = Path(cache_dir) / f"{name}_{key.hexdigest()[:16]}.npy"
        if path.is_file():
            return np.load(path), time.perf_counter() - start, True
    ids = _encode(encoder, texts, encoder.max_len)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, ids)
        tmp.replace(path)
    return ids, time.perf_counter() - start, False


# --------------------------------------------------------------------------------- models
def _check_encoder(encoder) -> ReviewEncoder:
    if not isinstance(encoder, ReviewEncoder):
        raise TypeError(f"encoder must be a ReviewEncoder (make_encoder), got {type(encoder).__name__}.")
    return encoder


def _check_config(config) -> ClassifierConfig:
    if not isinstance(config, ClassifierConfig):
        raise TypeError("config must be a ClassifierConfig (e.g. sentiment.COURSE or "
                        f"COURSE.replace(epochs=1)), got {type(config).__name__}.")
    return config


def build_classifier(config: ClassifierConfig, vocab_size: int | None = None,
                     name: str = "classifier") -> keras.Model:
    """The BiLSTM + Bahdanau attention classifier on token ids ``(B, T)`` -> ``(B, 1)``.

    ::

        ids (B, T) - Embedding(mask_zero) - [Bidirectional LSTM, return_sequences] x layers
            -> states h (B, T, 2U), last layer's final forward/backward h: query (B, 2U)
            -> BahdanauAttention(A)(query, h, value_mask = ids != 0) -> context (B, 2U)
            -> Dense(dense_units, relu) -> Dropout -> Dense(1, sigmoid)

    ``vocab_size`` (default ``config.vocab_size``) must be an integer >= 3.
    """
    _check_config(config)
    vocab_size = config.vocab_size if vocab_size is None else check_int("vocab_size", vocab_size, 3)
    ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    mask = keras.ops.not_equal(ids, 0)
    x = keras.layers.Embedding(vocab_size, config.embed_dim, mask_zero=True,
                               name="embedding")(ids)
    for i in range(config.lstm_layers - 1):
        x = keras.layers.Bidirectional(
            keras.layers.LSTM(config.lstm_units, return_sequences=True,
                              dropout=config.lstm_dropout), name=f"bilstm_{i + 1}")(x)
    x, forward_h, _, backward_h, _ = keras.layers.Bidirectional(
        keras.layers.LSTM(config.lstm_units, return_sequences=True, return_state=True,
                          dropout=config.lstm_dropout), name=f"bilstm_{config.lstm_layers}")(x)
    query = keras.layers.Concatenate(name="query")([forward_h, backward_h])
    context, _weights = BahdanauAttention(config.attention_units, name="attention")(
        query, x, value_mask=mask, return_attention_scores=True)
    h = keras.layers.Dense(config.dense_units, activation="relu", name="dense")(context)
    h = keras.layers.Dropout(config.dropout, name="dropout")(h)
    prob = keras.layers.Dense(1, activation="sigmoid", name="probability")(h)
    return keras.Model(ids, prob, name=name)


def compile_classifier(model: keras.Model, config: ClassifierConfig, steps: int) -> keras.Model:
    """Adam with the config's learning rate (constant, or warm-up + cosine decay over
    ``steps`` optimizer steps, an integer >= 1), binary cross-entropy, accuracy."""
    check_model("model", model)
    _check_config(config)
    steps = check_int("steps", steps, 1)
    if config.lr_schedule == "cosine":
        warmup = int(round(config.warmup_fraction * steps))
        lr = keras.optimizers.schedules.CosineDecay(
            0.0 if warmup else config.learning_rate, decay_steps=max(steps - warmup, 1),
            warmup_target=config.learning_rate if warmup else None, warmup_steps=warmup)
    elif config.lr_schedule == "constant":
        lr = config.learning_rate
    else:
        raise ValueError(f"lr_schedule must be 'constant' or 'cosine', got {config.lr_schedule!r}.")
    model.compile(optimizer=keras.optimizers.Adam(lr), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


def attention_model(classifier: keras.Model) -> keras.Model:
    """Token ids ``(B, T)`` -> ``(probability (B, 1), attention weights (B, T))``, sharing the
    classifier's layers (no copy). ``ValueError`` for a model without an ``attention`` layer."""
    check_model("classifier", classifier)
    if "attention" not in {layer.name for layer in classifier.layers}:
        raise ValueError(f"model {classifier.name!r} has no layer named 'attention'; pass a "
                         "classifier from build_classifier.")
    weights = classifier.get_layer("attention").output[1]
    inputs = classifier.inputs[0] if len(classifier.inputs) == 1 else classifier.inputs
    return keras.Model(inputs, [classifier.outputs[0], weights],
                       name="classifier_with_attention")


def export_model(encoder: ReviewEncoder, classifier: keras.Model) -> keras.Model:
    """Raw strings ``(B, 1)`` -> probability of a positive review ``(B, 1)``: the encoder and
    the classifier in one model (what is saved)."""
    _check_encoder(encoder)
    check_model("classifier", classifier)
    texts = keras.Input(shape=(1,), dtype="string", name="review")
    return keras.Model(texts, classifier(encoder(texts)), name="imdb_sentiment")


def predict_texts(model: keras.Model, texts, batch_size: int = 256) -> np.ndarray:
    """Probabilities ``(N,)`` from an exported model (:func:`export_model`) for a list of strings.

    A text with no word the model reads (``""``, only punctuation or emoji) is scored like an
    empty review: a defined probability, not an error (:meth:`Explainer.explain` refuses it).
    ``TypeError`` unless ``texts`` is a list of strings (``None``, a number or a single string
    is refused, not converted); ``ValueError`` unless ``batch_size`` is an integer >= 1.
    """
    check_model("model", model)
    texts = check_strings("texts", texts)
    batch_size = check_int("batch_size", batch_size, 1)
    out = [model(tf.constant(texts[s : s + batch_size])[:, None], training=False).numpy()[:, 0]
           for s in range(0, len(texts), batch_size)]
    return np.concatenate(out) if out else np.zeros((0,), np.float32)


def evaluate_ids(model: keras.Model, ids: np.ndarray, labels: np.ndarray,
                 batch_size: int = 512, with_attention: bool = False):
    """Accuracy of a classifier on token ids, batched by length (sorted, each batch padded to
    its own longest review). Returns ``accuracy, probabilities (N,)`` and, when
    ``with_attention``, a list of each review's weights over its real tokens.
    ``ids`` must be a 2-D integer array and ``labels`` hold one label per row."""
    check_model("model", model)
    ids, labels = np.asarray(ids), np.asarray(labels)
    if ids.ndim != 2 or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
        raise ValueError(f"ids must be a 2-D integer array (reviews, tokens), got shape {ids.shape} "
                         f"and dtype {ids.dtype}.")
    if len(labels) != len(ids):
        raise ValueError(f"{len(ids)} reviews but {len(labels)} labels.")
    batch_size = check_int("batch_size", batch_size, 1)
    lengths = (ids != 0).sum(axis=1)
    order = np.argsort(lengths, kind="stable")
    net = attention_model(model) if with_attention else model
    probs = np.zeros(len(ids), np.float32)
    weights = [None] * len(ids)
    fn = tf.function(lambda x: net(x, training=False), reduce_retracing=True)
    for s in range(0, len(ids), batch_size):
        idx = order[s : s + batch_size]
        width = max(int(lengths[idx].max()), 1)
        out = fn(tf.constant(ids[idx, :width]))
        if with_attention:
            p, w = out[0].numpy()[:, 0], out[1].numpy()
            for j, i in enumerate(idx):
                weights[i] = w[j, : lengths[i]]
        else:
            p = out.numpy()[:, 0]
        probs[idx] = p
    accuracy = float(np.mean((probs >= 0.5) == (np.asarray(labels) == 1)))
    return (accuracy, probs, weights) if with_attention else (accuracy, probs)


# --------------------------------------------------------------------------------- explaining
MAX_INPUT_CHARS = 20_000


def _colour(weight: float, top: float) -> str:
    alpha = 0.0 if top <= 0 else min(max(weight / top, 0.0), 1.0)
    return f"rgba(255, 140, 0, {0.85 * alpha:.2f})"


def highlight_html(tokens, weights, *, unknown=None, title: str | None = None,
                   max_tokens: int | None = None) -> str:
    """Tokens as HTML text, each on a background whose strength is its weight relative to the
    review's largest weight (hover shows the weight). ``unknown``: per-token booleans; unknown
    words (not in the vocabulary) are shown in italics. Everything is HTML-escaped."""
    tokens = [str(t) for t in tokens]
    weights = np.asarray(weights, dtype=float).reshape(-1)
    if len(tokens) != len(weights):
        raise ValueError(f"{len(tokens)} tokens but {len(weights)} weights.")
    unknown = [False] * len(tokens) if unknown is None else list(unknown)
    top = float(weights.max()) if len(weights) else 0.0
    shown = range(len(tokens)) if max_tokens is None else range(min(len(tokens), max_tokens))
    spans = []
    for i in shown:
        word = html.escape(tokens[i])
        if unknown[i]:
            word = f"<i>{word}</i>"
        spans.append(f'<span style="background-color:{_colour(weights[i], top)};'
                     f'padding:0 1px" title="{weights[i]:.3f}">{word}</span>')
    if max_tokens is not None and len(tokens) > max_tokens:
        spans.append(f"<span> … ({len(tokens) - max_tokens} more)</span>")
    head = f"<div style='margin-bottom:2px'><b>{html.escape(title)}</b></div>" if title else ""
    return (f"<div style='line-height:1.7;font-family:sans-serif;max-width:900px'>{head}"
            + " ".join(spans) + "</div>")


class Explainer:
    """Probability and per-word attention for raw text, from an encoder and a classifier.

    ``explain(text)`` returns a dict with ``probability``, ``tokens`` (the standardised words the
    model saw, after truncation), ``weights`` and ``unknown`` (words outside the vocabulary), or
    raises ``ValueError`` with a message for input it cannot score (see :meth:`check`).
    """

    def __init__(self, encoder: ReviewEncoder, classifier: keras.Model):
        _check_encoder(encoder)
        self.encoder = encoder
        self.net = attention_model(classifier)
        self.vocab = encoder.vocabulary()

    @staticmethod
    def check(text) -> str:
        if not isinstance(text, str):
            raise ValueError(f"expected text, got {type(text).__name__}.")
        if len(text) > MAX_INPUT_CHARS:
            text = text[:MAX_INPUT_CHARS]
        return text

    def words(self, text: str) -> list[str]:
        return standardize_review(tf.constant([text])).numpy()[0].decode("utf-8").split()

    def explain(self, text) -> dict:
        text = self.check(text)
        ids = self.encoder(tf.constant([text])).numpy()[0]
        n = int((ids != 0).sum())
        if n == 0:
            raise ValueError("no words to read: the text is empty or only punctuation, "
                             "symbols or emoji.")
        words = self.words(text)
        words = words[-n:] if self.encoder.truncate == "last" else words[:n]
        prob, weights = self.net(tf.constant(ids[None, :n]), training=False)
        return {"probability": float(prob.numpy()[0, 0]), "tokens": words,
                "weights": weights.numpy()[0, :n], "unknown": [i == 1 for i in ids[:n]],
                "n_words_total": len(self.words(text)) if n >= self.encoder.max_len else n}

    def explain_html(self, text, *, max_tokens: int | None = None) -> str:
        """HTML: the verdict, notes on truncation and unknown words, the highlighted words;
        or a one-line message for bad input. Never raises."""
        try:
            result = self.explain(text)
        except ValueError as error:
            return f"<p><b>Cannot score this input:</b> {html.escape(str(error))}</p>"
        except Exception as error:  # noqa: BLE001  (a widget must not show a traceback)
            return (f"<p><b>Something went wrong:</b> {html.escape(type(error).__name__)}: "
                    f"{html.escape(str(error)[:300])}</p>")
        p = result["probability"]
        verdict = "positive" if p >= 0.5 else "negative"
        notes = []
        if isinstance(text, str) and len(text) > MAX_INPUT_CHARS:
            notes.append(f"only the first {MAX_INPUT_CHARS:,} characters were read")
        if result["n_words_total"] > len(result["tokens"]):
            end = "last" if self.encoder.truncate == "last" else "first"
            notes.append(f"the model reads the {end} {len(result['tokens'])} of "
                         f"{result['n_words_total']} words")
        unknown = sum(result["unknown"])
        if unknown:
            notes.append(f"{unknown} of {len(result['tokens'])} words are not in the "
                         f"vocabulary (italics; the model sees them all as one 'unknown' word)")
        if unknown * 2 >= len(result["tokens"]):
            notes.append("with so few known words (the model learned from English reviews) "
                         "this score says little")
        note = f"<br><small>{html.escape('; '.join(notes))}.</small>" if notes else ""
        return (f"<p>P(positive) = <b>{p:.3f}</b> → <b>{verdict}</b>{note}</p>"
                + highlight_html(result["tokens"], result["weights"], unknown=result["unknown"],
                                 max_tokens=max_tokens))


def top_attended_words(weights, ids, vocabulary, *, k: int = 20, min_count: int = 20,
                       mask=None):
    """Words the model attends to most, over many reviews.

    For each review, its single most-attended token is counted (``top1``), and each word's mean
    weight relative to a uniform weight (``weight * length``; 1 = average attention) is
    averaged over all its occurrences (``mean_relative_weight``). Returns a ``pandas.DataFrame``
    of the ``k`` words with the most ``top1`` counts among words seen at least ``min_count``
    times, unknown id excluded. ``mask`` (booleans over reviews) restricts the reviews.
    """
    import pandas as pd

    k, min_count = check_int("k", k, 1), check_int("min_count", min_count, 1)
    top1, total, count = Counter(), Counter(), Counter()
    for i, (w, row) in enumerate(zip(weights, ids)):
        if mask is not None and not mask[i]:
            continue
        n = len(w)
        if n == 0:
            continue
        toks = row[:n]
        top1[int(toks[int(np.argmax(w))])] += 1
        rel = np.asarray(w) * n
        for t, r in zip(toks.tolist(), rel.tolist()):
            total[t] += r
            count[t] += 1
    rows = [{"word": vocabulary[t], "top1": c, "mean_relative_weight": total[t] / count[t],
             "occurrences": count[t]}
            for t, c in top1.items() if t > 1 and count[t] >= min_count]
    frame = pd.DataFrame(rows, columns=["word", "top1", "mean_relative_weight", "occurrences"])
    return frame.sort_values(["top1", "mean_relative_weight"], ascending=False).head(k) \
        .reset_index(drop=True)


from helpers.widgets import review_explorer  # noqa: E402,F401  (every widget lives in helpers.widgets)
