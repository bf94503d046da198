"""The date translator of notebook 04: its fixed vocabularies, loading, and :func:`translate_dates`.

May import: ``keras``, :mod:`helpers.runtime`, :mod:`helpers.data`, :mod:`helpers.text`,
:mod:`helpers.metrics`, :mod:`helpers.training`, :mod:`helpers.models.seq2seq`.
"""
from __future__ import annotations

import keras

from helpers.models.seq2seq import greedy_decoder_for
from helpers.runtime import check_int, check_strings
from helpers.text.chars import CharVocabulary

__all__ = ["compare_scores", "date_vocabularies", "load_date_translator", "score_summary", "translate_dates"]

def date_vocabularies() -> tuple[CharVocabulary, CharVocabulary]:
    """The fixed (source, target) vocabularies of the date task.

    The source holds every character any of ``helpers.data.DATE_FORMATS`` can write (month and
    weekday names in all cases, digits, `` ,-./``); the target is ``0123456789-``. Being fixed,
    they need not be stored with a trained model.
    """
    import datetime

    from helpers.data import DATE_FORMATS

    days = [datetime.date(2000, 1, 1) + datetime.timedelta(days=i) for i in range(366)]
    texts = [fmt(day) for fmt in DATE_FORMATS.values() for day in days]
    return CharVocabulary.from_texts(texts + ["0123456789"]), CharVocabulary("0123456789-")


def load_date_translator(model_or_path) -> keras.Model:
    """A trained date model, given as a model or a path to its ``.keras`` file.

    ``TypeError`` for anything else (``None`` included); ``FileNotFoundError`` for a path with
    no file.
    """
    import os
    from pathlib import Path

    if isinstance(model_or_path, keras.Model):
        return model_or_path
    if not isinstance(model_or_path, (str, os.PathLike)):
        raise TypeError("pass a trained date model (keras.Model) or the path of its .keras file, "
                        f"got {type(model_or_path).__name__} {model_or_path!r:.60}.")
    path = Path(model_or_path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}; train and save one with notebook 04.")
    return keras.models.load_model(path)


def translate_dates(model_or_path, dates, *, return_attention: bool = False, max_length: int = 12):
    """Translate human-written dates into ISO ``YYYY-MM-DD`` with a trained date model.

    >>> translate_dates("artifacts/04_date_translator_luong_general.keras", ["Sep 27, 1994"])
    ['1994-09-27']

    Args:
        model_or_path: a model from :func:`build_attention_seq2seq` (or :func:`build_seq2seq`)
            trained on :func:`date_vocabularies`, or the path of its saved ``.keras`` file.
        dates: a list of strings (an empty list gives an empty result). Characters the
            vocabulary lacks (an emoji, a letter no month name has) are read as ``<unk>``; the
            model's answer for such a date is a guess.
        return_attention: also return one ``(output steps, input characters)`` weight matrix
            per date; its rows are the output characters followed by ``<end>`` (when the model
            wrote it within ``max_length`` steps): label them ``(list(iso) + ["<end>"])[:rows]``.
        max_length: most output characters, an integer >= 1.

    Raises:
        TypeError: ``dates`` is not a list of strings (``None``, a single string, numbers), or
            ``model_or_path`` is neither a model nor a path.
        ValueError: a date is empty or blank, or none of its characters is one the model knows
            (e.g. only emoji): there is nothing to translate.
    """
    dates = check_strings("dates", dates)
    max_length = check_int("max_length", max_length, 1)
    model = load_date_translator(model_or_path)
    source_vocab, target_vocab = date_vocabularies()
    for i, date in enumerate(dates):
        if not date.strip():
            raise ValueError(f"date {i} is empty; type a date such as 'Sep 27, 1994' or '9/27/94'.")
        if set(source_vocab.unknown_characters(date)) >= set(date) - {" "}:
            raise ValueError(f"date {i} ({date[:40]!r}) has no character the model knows; type a "
                             "date such as 'Sep 27, 1994' or '9/27/94'.")
    if not dates:
        return ([], []) if return_attention else []
    src = source_vocab.encode(dates)
    tokens, weights = greedy_decoder_for(model)(src, max_length=max_length, return_attention=True)
    isos = target_vocab.decode(tokens)
    if not return_attention:
        return isos
    matrices = []
    for d, iso, w in zip(dates, isos, weights):
        steps = min(len(iso) + 1, max_length)  # output characters and <end>, if it was written
        matrices.append(w[:steps, : max(len(d), 1)])
    return isos, matrices


def compare_scores(train_dates, validation_dates, seeds, *, units: int, embed_dim: int, batch_size: int,
                   epochs: int, scores=None, learning_rate: float = 3e-3):
    """Notebook 04's score-function comparison: for every seed and score, a fresh bidirectional
    date translator (:func:`~helpers.models.build_attention_seq2seq`), trained on
    ``train_dates`` for ``epochs`` epochs (Adam, gradients clipped to norm 1) and scored by greedy
    exact match on ``validation_dates`` (lists of ``(human, iso)`` pairs on disjoint calendar
    dates, as :func:`helpers.data.held_out_dates` cuts them; ``ValueError`` when they share one).

    Returns a ``pandas.DataFrame`` with one row per (score, seed): ``score``, ``seed``,
    ``parameters``, ``seconds / epoch`` (compare within one run only), ``exact match``;
    :func:`score_summary` summarises it. ``scores`` defaults to every score function
    (``ATTENTION_SCORES``).
    """
    import time

    import pandas as pd

    from helpers.data import length_bucketed_dataset
    from helpers.metrics import exact_match
    from helpers.models.seq2seq import ATTENTION_SCORES, GreedyDecoder, build_attention_seq2seq, teacher_forcing_arrays
    from helpers.runtime import set_seed
    from helpers.training import compile_model

    source_vocab, target_vocab = date_vocabularies()
    shared = {iso for _, iso in train_dates} & {iso for _, iso in validation_dates}
    if shared:
        raise ValueError(f"train_dates and validation_dates share {len(shared)} calendar dates (e.g. "
                         f"{min(shared)}); hold them out with helpers.data.held_out_dates.")
    src, dec_in, dec_out = teacher_forcing_arrays([h for h, _ in train_dates], [iso for _, iso in train_dates],
                                                  source_vocab, target_vocab)
    validation_src = source_vocab.encode([h for h, _ in validation_dates])
    rows = []
    for seed in seeds:
        for score in scores or ATTENTION_SCORES:
            set_seed(seed)
            candidate = compile_model(build_attention_seq2seq(source_vocab.size, target_vocab.size, embed_dim=embed_dim,
                                                              units=units, score=score, bidirectional=True),
                                      loss="sparse_categorical_crossentropy", learning_rate=learning_rate, clipnorm=1.0)
            data = length_bucketed_dataset((src, dec_in), dec_out, batch_size=batch_size, seed=seed)
            start = time.perf_counter()
            candidate.fit(data, epochs=epochs, verbose=0, shuffle=False)
            seconds = (time.perf_counter() - start) / epochs
            guesses = target_vocab.decode(GreedyDecoder(candidate)(validation_src, max_length=12))
            rows.append({"score": score, "seed": seed, "parameters": candidate.count_params(),
                         "seconds / epoch": seconds,
                         "exact match": exact_match(guesses, [iso for _, iso in validation_dates])})
    return pd.DataFrame(rows)


def score_summary(runs):
    """Per score (rows in the order of ``runs``): ``parameters``, the mean ``seconds_per_epoch``,
    and exact match's ``exact_mean``, ``exact_std`` (over seeds) and ``exact_min`` (the worst seed)."""
    return runs.groupby("score", sort=False).agg(
        parameters=("parameters", "first"), seconds_per_epoch=("seconds / epoch", "mean"),
        exact_mean=("exact match", "mean"), exact_std=("exact match", "std"), exact_min=("exact match", "min"))
