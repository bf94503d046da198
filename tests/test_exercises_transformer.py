"""Notebook 08's graders accept correct answers (the course's own layer included) and name each
typical mistake."""
import numpy as np

from helpers.exercises import check_causal_mask, check_split_heads


def expect(verdict, hint, *words):
    assert verdict.hint == hint, verdict
    for word in words:
        assert word in verdict.message, verdict.message


def test_causal_mask_grader():
    from helpers.layers import causal_mask

    expect(check_causal_mask(lambda t: np.tril(np.ones((t, t), bool))), "ok")
    expect(check_causal_mask(lambda t: causal_mask(t)), "ok")                           # the course's layer
    expect(check_causal_mask(lambda t: np.tril(np.ones((t, t)))), "ok")                 # 1/0 is fine
    expect(check_causal_mask(lambda t: np.triu(np.ones((t, t), bool))), "future_visible", "transpose")
    expect(check_causal_mask(lambda t: np.tril(np.ones((t, t), bool), -1)), "diagonal_excluded", "itself")
    expect(check_causal_mask(lambda t: ~np.tril(np.ones((t, t), bool))), "inverted", "swapped")
    expect(check_causal_mask(lambda t: np.ones((t, t), bool)), "no_mask", "future")
    expect(check_causal_mask(lambda t: np.tril(np.ones((t, t + 1), bool))), "wrong_shape", "one row per query")
    expect(check_causal_mask(lambda t: np.tril(np.full((t, t), 0.5))), "not_boolean", "True/False")
    expect(check_causal_mask(lambda t: np.eye(t, dtype=bool)), "wrong_mask", "[[T, F, F]")
    expect(check_causal_mask(lambda t: None), "unreadable", "return")
    expect(check_causal_mask(lambda t: 1 / 0), "raised", "ZeroDivisionError")


def test_split_heads_grader():
    def right(x, h):
        b, t, d = x.shape
        return x.reshape(b, t, h, d // h).transpose(0, 2, 1, 3)

    expect(check_split_heads(right), "ok")
    expect(check_split_heads(lambda x, h: x.reshape(x.shape[0], x.shape[1], h, -1)), "missing_transpose", "transpose")
    expect(check_split_heads(lambda x, h: x.reshape(x.shape[0], h, x.shape[1], -1)), "reshape_only", "mixes positions")
    expect(check_split_heads(lambda x, h: x.reshape(x.shape[0], x.shape[1], -1, h).transpose(0, 3, 1, 2)),
           "interleaved", "contiguous")
    expect(check_split_heads(lambda x, h: right(x, h).transpose(0, 1, 3, 2)), "wrong_shape", "(B, H, T, D/H)")
    expect(check_split_heads(lambda x, h: right(x, h)[:, ::-1]), "wrong_values", "shape")
    expect(check_split_heads(lambda x, h: None), "unreadable", "return")
