"""Which words did the IMDB classifier attend to? (notebook 05)

* :class:`Explainer`: the probability and the per-word attention weights for raw text, with an
  HTML view (:func:`helpers.plots.highlight_html`) that never raises on bad input;
* :func:`top_attended_words`: the words the model attends to most over many reviews.

May import: ``keras``, ``tensorflow``, :mod:`helpers.runtime`, :mod:`helpers.text`,
:mod:`helpers.plots`, :mod:`helpers.models`.
"""
from __future__ import annotations

import html
from collections import Counter

import keras
import numpy as np
import tensorflow as tf

from helpers.models.classifier import attention_model
from helpers.plots import highlight_html
from helpers.runtime import check_int
from helpers.text.reviews import ReviewEncoder, check_encoder, standardize_review

__all__ = ["Explainer", "top_attended_words", "MAX_INPUT_CHARS"]

MAX_INPUT_CHARS = 20_000


class Explainer:
    """Probability and per-word attention for raw text, from an encoder and a classifier.

    ``explain(text)`` returns a dict with ``probability``, ``tokens`` (the standardised words the
    model saw, after truncation), ``weights`` and ``unknown`` (words outside the vocabulary), or
    raises ``ValueError`` with a message for input it cannot score (see :meth:`check`).
    """

    def __init__(self, encoder: ReviewEncoder, classifier: keras.Model):
        check_encoder(encoder)
        self.encoder = encoder
        self.classifier = classifier
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
