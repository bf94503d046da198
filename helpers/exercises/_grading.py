"""The machinery every grader shares: a :class:`Verdict`, a safe call of the learner's function,
and array checks that turn a wrong answer into a message instead of a traceback.

A grader is a function decorated with :func:`grader`. It receives the learner's function, calls it
through :func:`call_learner` on inputs it chose, compares the results with NumPy references and
returns ``Verdict.ok(...)`` or ``Verdict.wrong(hint, message)``. The decorator prints the verdict
and returns it, and turns anything the learner's code raises (or returns that cannot be read as
an array) into a verdict that names the problem.

May import: numpy and the standard library.
"""
from __future__ import annotations

import copy
import functools
import warnings
from dataclasses import dataclass

import numpy as np

__all__ = ["Verdict", "grader", "call_learner", "as_array", "same", "first_match", "LearnerRaised",
           "Unreadable", "Wrong"]

RTOL, ATOL = 1e-5, 1e-6   # float32 answers pass; a wrong formula does not


@dataclass(frozen=True)
class Verdict:
    """A grader's answer: ``passed``, a short ``hint`` id (``"ok"``, ``"wrong_axis"``, ...) that
    the tests look for, and the ``message`` the learner reads. ``bool(verdict)`` is ``passed``."""

    exercise: str
    passed: bool
    hint: str
    message: str

    @classmethod
    def ok(cls, message: str) -> "Verdict":
        return cls("", True, "ok", message)

    @classmethod
    def wrong(cls, hint: str, message: str) -> "Verdict":
        return cls("", False, hint, message)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        mark = "✓ correct" if self.passed else "✗ not yet"
        return f"{mark} ({self.exercise}): {self.message}"


class LearnerRaised(Exception):
    """The learner's function raised ``error`` while called ``how``."""

    def __init__(self, error: BaseException, how: str):
        super().__init__(f"{type(error).__name__}: {error}")
        self.error, self.how = error, how


class Wrong(Exception):
    """Raised inside a check to end it with ``Verdict.wrong(hint, message)``."""

    def __init__(self, hint: str, message: str):
        super().__init__(message)
        self.hint, self.message = hint, message


class Unreadable(Exception):
    """The learner's function returned something the grader cannot read; the text says what."""


def call_learner(fn, *args, how: str = "", **kwargs):
    """Call ``fn`` on deep copies of the arguments, with NumPy's overflow warnings silenced
    (an overflow shows up in the result and gets its own hint). Raises :class:`LearnerRaised`."""
    args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return fn(*args, **kwargs)
    except Exception as error:  # any exception of the learner's code becomes a message
        raise LearnerRaised(error, how) from None


def as_array(value, what: str, shape: tuple | None = None) -> np.ndarray:
    """``value`` as a float64 array (NumPy arrays, lists, TensorFlow/Keras tensors), or
    :class:`Unreadable` saying what was expected."""
    expected = f" of shape {shape}" if shape is not None else ""
    if value is None:
        raise Unreadable(f"{what} is None; did you forget a `return`? Expected an array{expected}.")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise Unreadable(f"{what} is a {type(value).__name__} that is not a numeric array "
                         f"({error}); expected an array{expected}.") from None
    return array


def same(a: np.ndarray, b: np.ndarray) -> bool:
    """Same shape and equal within float32 tolerance."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL))


def grader(exercise: str, note_on_error: str = ""):
    """Decorate a check function ``check(fn) -> Verdict``: print and return its verdict, and
    answer a non-callable argument, an exception in the learner's code or an unreadable result
    with a message (``note_on_error`` is added to the message when the learner's code raised)."""

    def decorate(check):
        @functools.wraps(check)
        def run(fn, *args, **kwargs) -> Verdict:
            if not callable(fn):
                verdict = Verdict.wrong(
                    "not_callable",
                    f"pass your function itself, e.g. `{check.__name__}(my_function)`, not its "
                    f"result (got a {type(fn).__name__}).")
            else:
                try:
                    verdict = check(fn, *args, **kwargs)
                except LearnerRaised as raised:
                    how = f" when called {raised.how}" if raised.how else ""
                    verdict = Verdict.wrong(
                        "raised", f"your function raised {type(raised.error).__name__}{how}: "
                                  f"{raised.error}" + (f". {note_on_error}" if note_on_error else ""))
                except Wrong as wrong:
                    verdict = Verdict.wrong(wrong.hint, wrong.message)
                except Unreadable as problem:
                    verdict = Verdict.wrong("unreadable", str(problem))
            verdict = Verdict(exercise, verdict.passed, verdict.hint, verdict.message)
            print(verdict)
            return verdict

        return run

    return decorate


def first_match(answer: np.ndarray, candidates) -> str | None:
    """The hint of the first ``(hint, array)`` candidate equal to ``answer``, else ``None``."""
    for hint, candidate in candidates:
        if same(answer, candidate):
            return hint
    return None
