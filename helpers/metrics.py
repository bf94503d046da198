"""Evaluation metrics: exact match, character accuracy, accuracy by length, BLEU (sacreBLEU) and
its signature, the repetition rate of generated text.

May import: :mod:`helpers.runtime`.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.runtime import check_int, check_strings


def exact_match(predictions: Sequence[str], references: Sequence[str]) -> float:
    """Fraction of predictions identical to their reference (a whole sequence right, or wrong).
    Both are lists of strings of one length >= 1 (``TypeError``/``ValueError`` otherwise)."""
    predictions = check_strings("predictions", predictions)
    references = check_strings("references", references)
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} references.")
    if not references:
        raise ValueError("exact_match needs at least one example.")
    return float(np.mean([p == r for p, r in zip(predictions, references)]))


def char_accuracy(prediction: str, reference: str) -> float:
    """Fraction of positions where ``prediction`` has the reference's character, counted over the
    longer of the two (so missing or extra characters count as errors)."""
    for name, text in (("prediction", prediction), ("reference", reference)):
        if not isinstance(text, str):
            raise TypeError(f"{name} must be a str, got {type(text).__name__}.")
    longest = max(len(prediction), len(reference))
    if longest == 0:
        return 1.0
    return sum(p == r for p, r in zip(prediction, reference)) / longest


def length_bins(lengths: Sequence[int], bins: Sequence[int]):
    """Yield ``(low, high, indices)`` for every non-empty bin ``[low, high)`` of ``bins`` edges
    (at least two, increasing): the positions of the examples whose length falls in it."""
    edges = np.asarray(bins)
    if edges.ndim != 1 or len(edges) < 2 or not np.issubdtype(edges.dtype, np.number) \
            or np.any(np.diff(edges) <= 0):
        raise ValueError(f"bins must be at least two increasing edges, e.g. [1, 5, 10], got {bins!r}.")
    lengths = np.asarray(lengths)
    for low, high in zip(bins[:-1], bins[1:]):
        indices = np.flatnonzero((lengths >= low) & (lengths < high))
        if len(indices):
            yield low, high, indices


def accuracy_by_length(predictions: Sequence[str], references: Sequence[str],
                       lengths: Sequence[int], bins: Sequence[int]) -> pd.DataFrame:
    """Exact-match accuracy grouped by input length.

    Args:
        lengths: the input length of each example (e.g. number of source symbols).
        bins: bin edges; example ``i`` falls in ``[bins[k], bins[k+1])``.

    Returns a DataFrame with one row per non-empty bin: ``length_from``, ``length_to``
    (inclusive), ``mid`` (bin centre, for plotting), ``examples``, ``accuracy`` (exact match)
    and ``char_accuracy`` (mean :func:`char_accuracy`: how much of each answer is right).
    """
    predictions = check_strings("predictions", predictions)
    references = check_strings("references", references)
    if not len(predictions) == len(references) == len(lengths):
        raise ValueError("predictions, references and lengths must have the same length.")
    correct = np.array([p == r for p, r in zip(predictions, references)], dtype=float)
    per_char = np.array([char_accuracy(p, r) for p, r in zip(predictions, references)])
    rows = [{"length_from": int(lo), "length_to": int(hi) - 1, "mid": (lo + hi - 1) / 2,
             "examples": len(idx), "accuracy": float(correct[idx].mean()),
             "char_accuracy": float(per_char[idx].mean())}
            for lo, hi, idx in length_bins(lengths, bins)]
    return pd.DataFrame(rows)


def bleu(hypotheses: Sequence[str], references: Sequence[Sequence[str]], *, lowercase: bool = True,
         signature: bool = False):
    """sacreBLEU corpus BLEU (default 13a tokenisation), case-insensitive unless
    ``lowercase=False``, several references per sentence allowed. ``references[i]`` is the list of
    English translations of sentence i. Returns the ``sacrebleu`` score object (``.score``, and
    ``str()`` gives the full line); with ``signature=True`` the pair ``(score, signature)``, where
    the signature (``nrefs:..|case:lc|eff:no|tok:13a|smooth:exp|version:..``) names the settings,
    to print beside a score so that others can compare with it."""
    from sacrebleu.metrics import BLEU

    hypotheses = check_strings("hypotheses", hypotheses)
    if references is None or isinstance(references, str):
        raise TypeError("references must be a list with one list of English translations per "
                        f"hypothesis, got {type(references).__name__}.")
    references = list(references)
    for i, r in enumerate(references):
        check_strings(f"references[{i}]", [r] if isinstance(r, str) else r)
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses but {len(references)} reference lists.")
    refs = [list(r) if not isinstance(r, str) else [r] for r in references]
    width = max((len(r) for r in refs), default=1)
    streams = [[r[i] if i < len(r) else None for r in refs] for i in range(width)]
    metric = BLEU(lowercase=lowercase)
    score = metric.corpus_score(list(hypotheses), streams)
    return (score, str(metric.get_signature())) if signature else score


def repetition_rate(texts: Sequence[str], n: int = 3) -> float:
    """Share of ``texts`` in which some word n-gram occurs twice or more ("i think i think" has
    its bigram twice): the symptom of a decoder that loops. Texts are split on spaces;
    ``TypeError`` unless a list of strings, ``ValueError`` for an empty list or ``n`` < 1."""
    texts = check_strings("texts", texts)
    n = check_int("n", n, 1)
    if not texts:
        raise ValueError("repetition_rate needs at least one text.")

    def repeats(words):
        grams = [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]
        return len(set(grams)) < len(grams)

    return float(np.mean([repeats(t.split()) for t in texts]))


def bleu_by_length(sources: Sequence[str], hypotheses: Sequence[str],
                   references: Sequence[Sequence[str]], bins=(1, 5, 8, 11, 15, 100), *,
                   lowercase: bool = True, n: int = 3) -> pd.DataFrame:
    """BLEU and repetition per bucket of source length (preprocessed tokens): columns ``tokens``,
    ``sentences``, ``bleu`` (:func:`bleu`, case-insensitive unless ``lowercase=False``) and
    ``repeated`` (:func:`repetition_rate` with ``n``). ``bins`` are bucket edges (left-closed)."""
    sources = check_strings("sources", sources)
    if not len(sources) == len(hypotheses) == len(references):
        raise ValueError(f"{len(sources)} sources, {len(hypotheses)} hypotheses and "
                         f"{len(references)} reference lists; pass one of each per sentence.")
    lengths = [len(s.split()) for s in sources]
    rows = []
    for low, high, idx in length_bins(lengths, bins):
        hyps = [hypotheses[i] for i in idx]
        rows.append({"tokens": f"{low}-{high - 1}" if high < 100 else f"{low}+", "sentences": len(idx),
                     "bleu": bleu(hyps, [references[i] for i in idx], lowercase=lowercase).score,
                     "repeated": repetition_rate(hyps, n)})
    return pd.DataFrame(rows)
