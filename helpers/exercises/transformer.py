"""Graders for notebook 08's exercises: the causal mask and the split into heads.

* Causal mask: ``fn(t) -> (t, t)`` booleans, ``True`` where query ``i`` may attend to key ``j``,
  i.e. ``j <= i`` (a position sees itself and the past), as :func:`helpers.layers.causal_mask`.
* Split into heads: ``fn(x, num_heads)`` turns ``x (B, T, D)`` into ``(B, H, T, D / H)``: head
  ``h`` holds features ``h * D/H .. (h + 1) * D/H - 1`` of every position, as
  ``reshape(B, T, H, D/H)`` followed by ``transpose(0, 2, 1, 3)`` does.

May import: :mod:`helpers.exercises._grading`.
"""
from __future__ import annotations

import numpy as np

from helpers.exercises._grading import Verdict, Wrong, as_array, call_learner, first_match, grader, same

__all__ = ["check_causal_mask", "check_split_heads"]


def _causal(t):
    return np.tril(np.ones((t, t), dtype=bool))


def _as_mask(value, t):
    array = as_array(value, f"the mask for t={t}", (t, t))
    if array.shape != (t, t):
        raise Wrong("wrong_shape", f"the mask for t={t} has shape {array.shape}; it should be ({t}, {t}): "
                                   "one row per query, one column per key.")
    if not np.isin(array, (0.0, 1.0)).all():
        raise Wrong("not_boolean", f"the mask for t={t} holds values other than True/False (or 1/0); "
                                   "a mask says only whether a key may be attended to.")
    return array.astype(bool)


@grader("causal mask")
def check_causal_mask(fn) -> Verdict:
    """Grade ``fn(t) -> (t, t)`` booleans, ``True`` where query ``i`` may see key ``j <= i``."""
    for t in (5, 9, 2, 1):   # sizes where the typical mistakes differ first (at t=1 several look alike)
        got = _as_mask(call_learner(fn, t, how=f"as fn({t})"), t)
        if same(got, _causal(t)):
            continue
        hint = first_match(got, [
            ("future_visible", _causal(t).T),
            ("diagonal_excluded", np.tril(np.ones((t, t), dtype=bool), -1)),
            ("inverted", ~_causal(t)),
            ("no_mask", np.ones((t, t), dtype=bool)),
        ])
        messages = {
            "future_visible": "this is the transpose: query i sees keys j >= i, the future. Row i "
                              "(the query) should be True up to column i (np.tril, not np.triu).",
            "diagonal_excluded": "a position cannot see itself here; it should: key j = i is allowed "
                                 "(np.tril(..., k=0), not k=-1). Position 0 would see nothing at all.",
            "inverted": "True and False are swapped: True must mean 'may attend' (the past and the "
                        "position itself), as in Keras' attention_mask.",
            "no_mask": "every key is allowed, the future included; keep only j <= i.",
        }
        if hint:
            return Verdict.wrong(hint, messages[hint])
        return Verdict.wrong("wrong_mask", f"fn({t}) differs from the causal mask; for t=3 it is "
                                           "[[T, F, F], [T, T, F], [T, T, T]].")
    return Verdict.ok("query i sees keys 0..i, itself included.")


def _split(x, h):
    b, t, d = x.shape
    return x.reshape(b, t, h, d // h).transpose(0, 2, 1, 3)


@grader("split into heads")
def check_split_heads(fn) -> Verdict:
    """Grade ``fn(x, num_heads)``: ``x (B, T, D)`` -> ``(B, H, T, D / H)``, head ``h`` holding the
    ``h``-th block of ``D / H`` features of every position."""
    rng = np.random.default_rng(8)
    for b, t, d, h in ((2, 3, 8, 2), (1, 5, 12, 3), (3, 4, 8, 4)):
        x = rng.normal(size=(b, t, d)).astype("float32")
        shape = (b, h, t, d // h)
        got = as_array(call_learner(fn, x, h, how=f"on x of shape {x.shape} with num_heads={h}"),
                       f"the result for x {x.shape}, num_heads={h}")
        if same(got, _split(x, h)):
            continue
        if got.shape == (b, t, h, d // h) and same(got, x.reshape(b, t, h, d // h)):
            return Verdict.wrong("missing_transpose", f"the result has shape {got.shape}, (B, T, H, D/H): "
                                 "the heads are split but not moved in front of the positions; "
                                 "transpose to (B, H, T, D/H) so that each head attends over all T.")
        hint = first_match(got, [
            ("reshape_only", x.reshape(shape)),
            ("interleaved", x.reshape(b, t, d // h, h).transpose(0, 3, 1, 2)),
        ])
        if hint == "reshape_only":
            return Verdict.wrong(hint, "a plain reshape to (B, H, T, D/H) mixes positions: head 0 then holds "
                                 "the first positions' features, not every position's first block. Reshape "
                                 "to (B, T, H, D/H), then transpose.")
        if hint == "interleaved":
            return Verdict.wrong(hint, "each head gets every H-th feature (interleaved); the convention is "
                                 "contiguous blocks: head h holds features h*D/H .. (h+1)*D/H - 1.")
        if got.shape != shape:
            return Verdict.wrong("wrong_shape", f"for x {x.shape} and num_heads={h} the result has shape "
                                                f"{got.shape}; expected {shape} = (B, H, T, D/H).")
        return Verdict.wrong("wrong_values", f"the shape {shape} is right but the values are not where "
                                             "reshape(B, T, H, D/H).transpose(0, 2, 1, 3) puts them.")
    return Verdict.ok("(B, T, D) -> (B, T, H, D/H) -> (B, H, T, D/H).")
