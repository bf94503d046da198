"""Grader for notebook 01's exercise on teacher forcing: from the encoded target rows
``<start> y_1 .. y_n <end> 0 ..`` to the decoder's inputs and targets.

Notation (README, "Notation"): the decoder reads ``<start> y_1 .. y_n`` and learns to predict
``y_1 .. y_n <end>``, one step ahead; ``0`` is padding. Ids come from :mod:`helpers.text`
(``PAD_ID, START_ID, END_ID = 0, 1, 2``).

May import: :mod:`helpers.text`, :mod:`helpers.exercises._grading`.
"""
from __future__ import annotations

import numpy as np

from helpers.exercises._grading import Verdict, as_array, grader, same
from helpers.text import END_ID, CharVocabulary

__all__ = ["check_teacher_forcing", "teacher_forcing_rows"]


def teacher_forcing_rows() -> np.ndarray:
    """The grader's test input: three ISO-like strings of different lengths encoded as
    ``<start> characters <end>`` and right-padded with 0, shape ``(3, 13)``."""
    vocab = CharVocabulary("0123456789-")
    return vocab.encode(["1994-09-27", "2024-1-2", "7"], add_start=True, add_end=True)


@grader("teacher forcing")
def check_teacher_forcing(fn) -> Verdict:
    """Grade ``fn(rows) -> (decoder_inputs, decoder_targets)``.

    ``rows (N, T)`` hold ``<start> y_1 .. y_n <end>`` padded with 0. Expected: both outputs of shape
    ``(N, T - 1)``; ``decoder_targets = rows[:, 1:]``; ``decoder_inputs = rows[:, :-1]`` with
    ``<end>`` replaced by 0 (it is only ever a target); ``rows`` itself unchanged.
    """
    rows = teacher_forcing_rows()
    given = rows.copy()
    # Called on the grader's own array (not through call_learner, which copies its arguments), to
    # see whether the function changes it.
    try:
        result = fn(given)
    except Exception as error:
        return Verdict.wrong("raised", f"your function raised {type(error).__name__}: {error}")
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        got = "None" if result is None else f"a {type(result).__name__}"
        return Verdict.wrong("return_pair", f"your function returned {got}; it should return the "
                             "pair (decoder_inputs, decoder_targets).")
    n, t = rows.shape
    inputs = as_array(result[0], "decoder_inputs (first returned value)", (n, t - 1))
    targets = as_array(result[1], "decoder_targets (second returned value)", (n, t - 1))
    expected_targets = rows[:, 1:]
    expected_inputs = rows[:, :-1].copy()
    expected_inputs[expected_inputs == END_ID] = 0
    if same(inputs, expected_targets) and same(targets, expected_inputs):
        return Verdict.wrong("swapped_outputs", "the two results are swapped: return "
                             "(decoder_inputs, decoder_targets), inputs first.")
    if inputs.shape != (n, t - 1) or targets.shape != (n, t - 1):
        if inputs.shape == rows.shape and targets.shape == rows.shape:
            return Verdict.wrong("not_shifted", "both outputs have the rows' full length: they are "
                                 "not shifted. Inputs drop the last column (rows[:, :-1]), targets "
                                 "the first (rows[:, 1:]).")
        return Verdict.wrong("wrong_shape", f"shapes {inputs.shape} and {targets.shape}; both should "
                             f"be (N, T - 1) = {(n, t - 1)}: one step shorter than the rows.")
    if not np.array_equal(given, rows):
        return Verdict.wrong("changed_input", "your function changed its input array: "
                             "rows[:, :-1] is a view of rows, so setting <end> to 0 in it also "
                             "changed rows. Take a copy first: rows[:, :-1].copy().")
    if same(inputs, targets):
        return Verdict.wrong("not_shifted", "the decoder inputs equal the targets: the decoder would "
                             "be shown the very character it must predict. Inputs are one step "
                             "behind: <start> y_1 .. y_n.")
    if same(inputs, rows[:, 1:]) and same(targets, rows[:, :-1]):
        return Verdict.wrong("wrong_direction", "shifted the wrong way: the inputs start with <start> "
                             "(rows[:, :-1]) and the targets end with <end> (rows[:, 1:]).")
    if not same(targets, expected_targets):
        return Verdict.wrong("wrong_targets", "the targets should be rows[:, 1:]: y_1 .. y_n <end>, "
                             "padded with 0.")
    if same(inputs, rows[:, :-1]):
        return Verdict.wrong("end_in_inputs", "<end> is still in the decoder inputs of the shorter "
                             f"rows: replace the <end> id ({END_ID}) by 0 (padding); <end> is only ever "
                             "a target.")
    if not same(inputs, expected_inputs):
        return Verdict.wrong("wrong_inputs", "the inputs should be rows[:, :-1] with <end> set to 0: "
                             "<start> y_1 .. y_n, padded with 0.")
    return Verdict.ok("inputs <start> y_1 .. y_n and targets y_1 .. y_n <end>, shifted by one, "
                      "<end> removed from the inputs, the rows left unchanged.")

