"""Run-time conveniences shared by every notebook: a quiet TensorFlow, seeds, and size profiles.

The course has two size profiles, chosen with the environment variable ``COURSE_PROFILE``:

* ``full`` (default): the sizes the notebooks are committed with and checked against in CI;
* ``quick``: small sizes for fast local iteration (``COURSE_PROFILE=quick``). Every learning
  outcome is still checked, against what the small run can honestly reach.

Example, in a notebook's parameters cell::

    EPOCHS = pick(full=8, quick=2)
"""
from __future__ import annotations

import numbers
import os
import sys

PROFILE_VARIABLE = "COURSE_PROFILE"
PROFILES = ("full", "quick")


def import_tensorflow_quietly():
    """Import TensorFlow without its start-up log lines and return the module.

    ``TF_CPP_MIN_LOG_LEVEL=3`` hides TensorFlow's C++ info/warning logs, but the oneDNN banner
    is written to file descriptor 2 before that setting is read, so stderr is pointed at
    ``os.devnull`` for the duration of the import only. Real errors raised by the import still
    propagate as Python exceptions.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    # File descriptor 2 itself, not sys.stderr.fileno(): in Jupyter, sys.stderr is a Python
    # object and fd 2 is a pipe the kernel forwards into the notebook.
    fd = 2
    try:
        saved = os.dup(fd)
    except OSError:  # no fd 2 at all (some embedded interpreters)
        import tensorflow

        return tensorflow
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        import tensorflow
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)
    return tensorflow


def profile() -> str:
    """The active size profile, ``"full"`` or ``"quick"`` (from ``COURSE_PROFILE``)."""
    value = os.environ.get(PROFILE_VARIABLE, "full").strip().lower() or "full"
    if value not in PROFILES:
        raise ValueError(
            f"{PROFILE_VARIABLE}={value!r} is not a profile; use one of {', '.join(PROFILES)}."
        )
    return value


def check_int(name: str, value, minimum: int = 1) -> int:
    """``value`` as an ``int`` if it is an integer (Python or NumPy, not ``bool``) ``>= minimum``;
    otherwise ``ValueError`` naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def pick(*, full, quick):
    """Return ``full`` or ``quick`` depending on the active profile (see :func:`profile`)."""
    return full if profile() == "full" else quick


def set_seed(seed: int = 0) -> None:
    """Seed Python, NumPy and TensorFlow (via ``keras.utils.set_random_seed``).

    On one machine with the same thread count, training is then bit-for-bit repeatable.
    """
    import_tensorflow_quietly()
    import keras

    keras.utils.set_random_seed(seed)


def artifacts_dir():
    """Folder for trained models and results the notebooks write (git-ignored ``artifacts/``).

    ``COURSE_ARTIFACTS_DIR`` if set; else ``../artifacts`` when running inside ``notebooks/``;
    else ``./artifacts``. Created if missing.
    """
    from pathlib import Path

    if os.environ.get("COURSE_ARTIFACTS_DIR"):
        path = Path(os.environ["COURSE_ARTIFACTS_DIR"])
    elif Path.cwd().name == "notebooks":
        path = Path.cwd().parent / "artifacts"
    else:
        path = Path.cwd() / "artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path
