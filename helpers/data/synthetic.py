"""Small synthetic tasks, generated deterministically from a seed (no external data).

* :func:`digit_task`: copy or reverse a random digit string; sweeping the input length shows
  the fixed-size bottleneck of an encoder-decoder without attention.
* :func:`attention_column_data`: the toy problem of philipperemy/keras-attention-mechanism
  (https://github.com/philipperemy/keras-attention-mechanism): the label is hidden in one time
  step of random noise, so a working attention layer should put its weight on that step.

May import: :mod:`helpers.runtime`.
"""
from __future__ import annotations

import numpy as np

from helpers.runtime import check_int

TASKS = ("copy", "reverse")


def digit_task(
    n: int, min_len: int = 5, max_len: int = 60, seed: int = 0, task: str = "copy"
) -> list[tuple[str, str]]:
    """Random digit strings and their copy or reversal.

    Args:
        n: number of pairs (>= 0).
        min_len, max_len: each string's length is uniform over ``[min_len, max_len]``
            (inclusive; ``1 <= min_len <= max_len``).
        seed: seed for ``numpy.random.default_rng`` (an integer >= 0); the same seed gives the
            same list.
        task: ``"copy"`` (target = source) or ``"reverse"`` (target = source reversed).

    Returns:
        A list of ``n`` ``(source, target)`` pairs of strings over ``"0123456789"``, e.g.
        ``("40719", "91704")`` for ``task="reverse"``.
    """
    n = check_int("n", n, 0)
    min_len = check_int("min_len", min_len, 1)
    max_len = check_int("max_len", max_len, 1)
    if min_len > max_len:
        raise ValueError(f"min_len ({min_len}) must be <= max_len ({max_len}).")
    seed = check_int("seed", seed, 0)
    if not isinstance(task, str) or task not in TASKS:
        raise ValueError(f"unknown task {task!r}; use 'copy' or 'reverse'.")
    rng = np.random.default_rng(seed)
    lengths = rng.integers(min_len, max_len + 1, size=n)
    digits = (rng.integers(0, 10, size=int(lengths.sum())) + ord("0")).astype(np.uint8)
    text = digits.tobytes().decode("ascii")
    ends = np.cumsum(lengths).tolist()
    starts = [0] + ends[:-1]
    sources = [text[a:b] for a, b in zip(starts, ends)]
    if task == "copy":
        return [(s, s) for s in sources]
    return [(s, s[::-1]) for s in sources]


def attention_column_data(
    n: int, time_steps: int = 20, input_dim: int = 2, attention_column: int = 10, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The keras-attention-mechanism demo data: a 0/1 label copied into one time step of noise.

    As in philipperemy/keras-attention-mechanism's ``get_data_recurrent``: ``x`` is standard
    normal noise, ``y`` a random 0/1 label, and every feature of time step ``attention_column``
    is set to the label (``x[:, attention_column, :] = y``). Only that step carries information.

    Args:
        n: number of samples (>= 0).
        time_steps: sequence length (>= 1).
        input_dim: features per time step (>= 1).
        attention_column: the informative time step, ``0 <= attention_column < time_steps``.
        seed: seed for ``numpy.random.default_rng`` (an integer >= 0).

    Returns:
        ``(x, y)``: ``x`` float32 of shape ``(n, time_steps, input_dim)`` and ``y`` int32 of
        shape ``(n, 1)`` with values 0 or 1.
    """
    n = check_int("n", n, 0)
    time_steps = check_int("time_steps", time_steps, 1)
    input_dim = check_int("input_dim", input_dim, 1)
    seed = check_int("seed", seed, 0)
    if (
        isinstance(attention_column, bool)
        or not isinstance(attention_column, (int, np.integer))
        or not 0 <= attention_column < time_steps
    ):
        raise ValueError(
            f"attention_column must be an integer in [0, {time_steps - 1}] "
            f"(time_steps={time_steps}), got {attention_column!r}."
        )
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(size=(n, time_steps, input_dim)).astype(np.float32)
    y = rng.integers(0, 2, size=(n, 1)).astype(np.int32)
    x[:, attention_column, :] = y  # broadcasts the label over the input_dim features
    return x, y
