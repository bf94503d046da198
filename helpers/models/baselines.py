"""A strong linear baseline for IMDB: TF-IDF of unigrams and bigrams, logistic regression (notebook 07).

How much does a BiLSTM with attention buy over a bag of words? scikit-learn answers the bag of
words side with its own, well-kept pieces::

    text -> clean_text -> TfidfVectorizer(ngram_range=(1, 2), min_df, sublinear_tf) -> x (N, V) sparse
         -> LogisticRegression(C) -> P(positive) = sigmoid(w . x + b)

The regularisation ``C`` is chosen on validation reviews held out from the training split (the
test split is never looked at); the chosen pipeline is then refitted on all training reviews.

May import: ``numpy``, ``scikit-learn``, :mod:`helpers.runtime`, :mod:`helpers.text`.
"""
from __future__ import annotations

import time

import numpy as np

from helpers.runtime import check_int, check_strings
from helpers.text.reviews import clean_text

__all__ = ["fit_tfidf_baseline"]


def _pipeline(C: float, min_df: int):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(preprocessor=clean_text, ngram_range=(1, 2), min_df=min_df,
                        sublinear_tf=True, token_pattern=r"(?u)\b[\w']+\b"),
        LogisticRegression(C=C, max_iter=2000))


def fit_tfidf_baseline(texts, labels, *, Cs=(1.0, 4.0, 16.0, 64.0), validation: int | None = None,
                       min_df: int = 2, seed: int = 0):
    """Choose ``C`` on ``validation`` held-out reviews, refit on all of them.

    Args:
        texts: training reviews (list of str); labels: 0/1, one per review.
        Cs: the regularisation strengths to compare (inverse; larger = weaker).
        validation: reviews held out (a seeded random choice) to choose ``C``; default a fifth
            of them (5,000 of 25,000).

    Returns:
        ``(pipeline, report)``: the scikit-learn pipeline refitted on all ``texts`` (it takes raw
        strings: ``pipeline.predict_proba(list_of_str)[:, 1]``), and a dict with
        ``validation_accuracy`` (``{C: accuracy}``), ``C``, ``features`` and ``seconds`` (the
        final fit only).
    """
    texts = check_strings("texts", texts)
    labels = np.asarray(labels).astype(int)
    if len(labels) != len(texts) or len(texts) == 0:
        raise ValueError(f"need one label per text, got {len(texts)} texts and {len(labels)} labels.")
    validation = len(texts) // 5 if validation is None else check_int("validation", validation, 1)
    if validation >= len(texts):
        raise ValueError(f"validation ({validation}) must leave training reviews (of {len(texts)}).")
    if not Cs or any(not float(c) > 0 for c in Cs):
        raise ValueError(f"Cs must be positive numbers, got {Cs!r}.")
    order = np.random.default_rng(seed).permutation(len(texts))
    held, fit = order[:validation], order[validation:]
    vectorizer = _pipeline(1.0, min_df).steps[0][1]
    x_fit = vectorizer.fit_transform([texts[i] for i in fit])
    x_held = vectorizer.transform([texts[i] for i in held])
    scores = {}
    for C in Cs:
        model = _pipeline(float(C), min_df).steps[1][1].fit(x_fit, labels[fit])
        scores[float(C)] = float(np.mean(model.predict(x_held) == labels[held]))
    best = max(scores, key=lambda c: (scores[c], -c))   # ties: the stronger regularisation
    start = time.perf_counter()
    pipeline = _pipeline(best, min_df).fit(texts, labels)
    seconds = time.perf_counter() - start
    return pipeline, {"validation_accuracy": scores, "C": best, "seconds": seconds,
                      "features": len(pipeline.steps[0][1].vocabulary_)}
