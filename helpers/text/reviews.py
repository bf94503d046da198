"""Review text for the IMDB classifier (notebooks 05, 07): cleaning, the token-id encoder, an id cache.

* :func:`clean_text` (Python, for display) and :func:`standardize_review` (TensorFlow, inside the
  model, so it is saved with it) turn ``"Great!<br /><br />Loved it."`` into ``"great loved it"``;
* :class:`ReviewEncoder`: a Keras layer around ``TextVectorization`` that maps raw strings to
  right-padded token ids ``(B, T)`` and keeps the FIRST or the LAST ``max_len`` tokens;
* :func:`encode_cached`: the token ids of many reviews, computed once and cached on disk.

May import: :mod:`helpers.runtime`.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from helpers.runtime import check_int, check_strings

__all__ = ["clean_text", "standardize_review", "ReviewEncoder", "encode_cached", "check_encoder"]

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
    check_encoder(encoder)
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


def check_encoder(encoder) -> ReviewEncoder:
    if not isinstance(encoder, ReviewEncoder):
        raise TypeError(f"encoder must be a ReviewEncoder (make_encoder), got {type(encoder).__name__}.")
    return encoder
