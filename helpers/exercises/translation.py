"""Graders for notebook 06's exercises: the beam-search length penalty and BLEU's clipped n-gram
precision.

* Length penalty (Wu et al. 2016), as in :meth:`helpers.models.Translator.translate`:
  ``score = log p / ((5 + length) / 6) ** alpha`` with ``alpha = 0.6``.
* Clipped (modified) n-gram precision (Papineni et al. 2002): each n-gram of the hypothesis
  counts at most as often as it occurs in the one reference where it is most frequent;
  the sum is divided by the number of n-grams in the hypothesis.

May import: :mod:`helpers.exercises._grading`.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from helpers.exercises._grading import Verdict, Wrong, as_array, call_learner, grader

__all__ = ["check_length_penalty", "check_clipped_precision"]

_POINTS = [(-1.0, 1), (-3.5, 5), (-7.2, 12), (-12.0, 30)]


def _penalised(log_prob, length, alpha=0.6):
    return log_prob / ((5 + length) / 6) ** alpha


def _number(value, what) -> float:
    array = as_array(value, what)
    if array.size != 1:
        raise Wrong("wrong_shape", f"{what} has shape {array.shape}; return one number.")
    return float(array.reshape(()))


@grader("length penalty")
def check_length_penalty(fn) -> Verdict:
    """Grade ``fn(log_prob, length, alpha=0.6) -> score`` with
    ``score = log_prob / ((5 + length) / 6) ** alpha``; called with one number at a time."""
    answers = {}
    for alpha in (None, 0.6, 1.0, 0.0):
        for log_prob, length in _POINTS:
            args = (log_prob, length) if alpha is None else (log_prob, length, alpha)
            how = f"as fn{args}"
            answers[alpha, log_prob, length] = _number(call_learner(fn, *args, how=how),
                                                       f"the score for fn{args}")
    got = np.array(list(answers.values()))

    def table(formula):
        return np.array([formula(lp, n, 0.6 if a is None else a) for a, lp, n in answers])

    if np.allclose(got, table(_penalised), rtol=1e-6):
        return Verdict.ok("log p / ((5 + length) / 6) ** alpha, with alpha = 0.6 by default.")
    candidates = [
        ("multiplied", lambda lp, n, a: lp * ((5 + n) / 6) ** a,
         "you multiply by the penalty; divide by it. Log-probabilities are negative, so dividing "
         "by a number > 1 makes a long output's score less negative."),
        ("plain_length", lambda lp, n, a: lp / n ** a,
         "this divides by length ** alpha; Wu et al.'s penalty is ((5 + length) / 6) ** alpha."),
        ("plain_length", lambda lp, n, a: lp / n,
         "this is plain length normalisation (log p / length); use ((5 + length) / 6) ** alpha."),
        ("missing_alpha", lambda lp, n, a: lp / ((5 + n) / 6),
         "alpha is ignored: raise ((5 + length) / 6) to the power alpha."),
        ("formula", lambda lp, n, a: lp / (5 + n) ** a,
         "missing the division by 6: the penalty is ((5 + length) / 6) ** alpha, which is 1 for a "
         "one-token output."),
    ]
    for hint, formula, message in candidates:
        if np.allclose(got, table(formula), rtol=1e-6):
            return Verdict.wrong(hint, message)
    explicit = [v for (a, _, _), v in answers.items() if a is not None]
    if np.allclose(explicit, [_penalised(lp, n, a) for a, lp, n in answers if a is not None], rtol=1e-6):
        return Verdict.wrong("default_alpha", "right when alpha is given, wrong without it: the "
                             "default should be alpha = 0.6 (def fn(log_prob, length, alpha=0.6)).")
    return Verdict.wrong("wrong_score", "the scores differ from log p / ((5 + length) / 6) ** alpha; "
                         f"e.g. fn(-3.5, 5) should be {_penalised(-3.5, 5):.4f}.")


def _ngrams(tokens, n):
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def _clipped(hypothesis, references, n):
    counts = _ngrams(hypothesis, n)
    total = sum(counts.values())
    if total == 0:
        return 0.0
    best = Counter()
    for reference in references:
        best |= _ngrams(reference, n)  # | keeps the maximum count of each n-gram
    return sum(min(c, best[g]) for g, c in counts.items()) / total


_REFS = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
_CASES = [  # (hypothesis, references, n, what a mistake typically gives)
    ("the the the the the the the".split(), _REFS, 1),
    ("a cat is on the mat".split(), _REFS, 1),
    ("the cat is on the mat mat".split(), _REFS, 2),
    ("the cat".split(), _REFS, 1),
    ("cat".split(), _REFS, 2),
]


@grader("clipped n-gram precision")
def check_clipped_precision(fn) -> Verdict:
    """Grade ``fn(hypothesis, references, n) -> precision``: ``hypothesis`` a list of tokens,
    ``references`` a list of token lists; clipped n-gram matches divided by the number of
    n-grams in the hypothesis (0.0 if it has none)."""
    got, expected = [], []
    for hypothesis, references, n in _CASES:
        how = f"as fn({' '.join(hypothesis)!r}.split(), references, n={n})"
        got.append(_number(call_learner(fn, hypothesis, references, n, how=how),
                           f"the precision {how}"))
        expected.append(_clipped(hypothesis, references, n))
    got = np.array(got)
    if np.allclose(got, expected):
        return Verdict.ok("clipped n-gram precision matches on 5 cases (repeated words, several "
                          "references, bigrams, a hypothesis shorter than n).")
    unclipped = [sum(c for g, c in _ngrams(h, n).items() if any(g in _ngrams(r, n) for r in refs))
                 / max(len(h) - n + 1, 1) for h, refs, n in _CASES]
    summed = [sum(min(c, sum(_ngrams(r, n)[g] for r in refs)) for g, c in _ngrams(h, n).items())
              / max(len(h) - n + 1, 1) for h, refs, n in _CASES]
    first_only = [_clipped(h, refs[:1], n) for h, refs, n in _CASES]
    unigrams = [_clipped(h, refs, 1) for h, refs, n in _CASES]
    recall = [_clipped(h, refs, n) * max(len(h) - n + 1, 1) / max(len(refs[0]) - n + 1, 1)
              for h, refs, n in _CASES]
    if np.isclose(got[0], 1.0):
        return Verdict.wrong("not_clipped", "not clipped: 'the the the the the the the' scores 7/7. "
                             "Count each n-gram at most as often as it occurs in a reference "
                             "(here 'the' at most 2 times: 2/7).")
    for hint, values, message in [
        ("clip_sum", summed, "clipped by the sum over the references; clip by the MAXIMUM count in "
                             "any one reference ('the' counts at most 2 times, not 2 + 1)."),
        ("first_reference_only", first_only, "only the first reference is used; an n-gram matches "
                                             "if it occurs in ANY reference."),
        ("ignores_n", unigrams, "the answer does not depend on n: count n-grams of n tokens "
                                "(tuple(tokens[i:i + n]))."),
        ("recall", recall, "divided by the reference's length; precision divides by the number "
                           "of n-grams in the HYPOTHESIS."),
        ("not_clipped", unclipped, "not clipped: count each n-gram at most as often as it occurs "
                                   "in a reference."),
    ]:
        if np.allclose(got, values):
            return Verdict.wrong(hint, message)
    bad = int(np.argmax(~np.isclose(got, expected)))
    h, _, n = _CASES[bad]
    return Verdict.wrong("wrong_precision", f"for {' '.join(h)!r} with n={n} the answer is "
                         f"{expected[bad]:.4f}, you returned {got[bad]:.4f}.")
