"""Notebook 01's bottleneck experiment, packaged so that notebook 04 repeats it exactly:
:func:`train_digit_reversal` trains a seq2seq model to reverse digit strings and measures greedy
exact match by input length.

May import: ``keras``, :mod:`helpers.runtime`, :mod:`helpers.data`, :mod:`helpers.text`,
:mod:`helpers.metrics`, :mod:`helpers.training`, :mod:`helpers.models.seq2seq`.
"""
from __future__ import annotations

import time
from typing import NamedTuple

import keras

from helpers.data import digit_task, length_bucketed_dataset
from helpers.metrics import accuracy_by_length
from helpers.models.seq2seq import GreedyDecoder, teacher_forcing_arrays
from helpers.runtime import check_sizes, set_seed
from helpers.text.chars import CharVocabulary
from helpers.training import compile_model

__all__ = ["ReversalResult", "train_digit_reversal"]

class ReversalResult(NamedTuple):
    """What :func:`train_digit_reversal` returns."""

    model: keras.Model
    by_length: object       # exact match per input-length bin (helpers.metrics)
    train_seconds: float
    test_pairs: list                # (digits, reversed digits)
    predictions: list               # the model's greedy answers for test_pairs


def train_digit_reversal(build_model, *, n_train: int, n_test: int = 2_000, min_len: int = 5,
                         max_len: int = 60, epochs: int = 4, batch_size: int = 128, seed: int = 0,
                         bin_width: int = 5, verbose: int = 2) -> ReversalResult:
    """Notebook 01's bottleneck experiment, packaged so notebook 04 can repeat it exactly.

    Trains ``build_model(vocab_size)`` (a function returning an uncompiled seq2seq model) to
    reverse random digit strings of ``min_len``-``max_len`` digits, then measures greedy
    exact-match accuracy on ``n_test`` new strings by input length. Seeds everything from
    ``seed``, so two models trained with the same arguments see the same data in the same order.
    ``ValueError`` for sizes that are not integers >= 1 (``n_test``, ``epochs``, ...).
    """
    if not callable(build_model):
        raise TypeError("build_model must be a function vocab_size -> uncompiled model, e.g. "
                        f"lambda v: build_seq2seq(v, v); got {type(build_model).__name__}.")
    n_train, n_test, epochs, batch_size, bin_width = check_sizes(
        n_train=n_train, n_test=n_test, epochs=epochs, batch_size=batch_size, bin_width=bin_width)
    vocab = CharVocabulary("0123456789")
    train = digit_task(n_train, min_len=min_len, max_len=max_len, seed=seed, task="reverse")
    test = digit_task(n_test, min_len=min_len, max_len=max_len, seed=seed + 1, task="reverse")
    src, dec_in, dec_out = teacher_forcing_arrays([s for s, _ in train], [t for _, t in train], vocab, vocab)
    set_seed(seed)   # first: tf.data's seeded shuffle also depends on TensorFlow's global seed
    data = length_bucketed_dataset((src, dec_in), dec_out, batch_size=batch_size, seed=seed)
    model = compile_model(build_model(vocab.size), loss="sparse_categorical_crossentropy",
                          learning_rate=3e-3, clipnorm=1.0)
    start = time.perf_counter()
    model.fit(data, epochs=epochs, verbose=verbose, shuffle=False)  # the dataset shuffles itself
    seconds = time.perf_counter() - start
    predictions = vocab.decode(GreedyDecoder(model)(vocab.encode([s for s, _ in test]), max_length=max_len + 2))
    by_length = accuracy_by_length(predictions, [t for _, t in test], [len(s) for s, _ in test],
                                   bins=list(range(min_len, max_len + bin_width + 1, bin_width)))
    return ReversalResult(model, by_length, seconds, test, predictions)
