"""Run-time conveniences shared by every notebook: TensorFlow's start-up, seeds, size profiles,
and the argument checks of the course's public functions.

Importing this module (or :mod:`helpers`) changes nothing in the process: no environment
variable, warnings filter or file descriptor is touched.

The course has two size profiles, chosen with the environment variable ``COURSE_PROFILE``:

* ``full`` (default): the sizes the notebooks are committed with and checked against in CI;
* ``quick``: small sizes for fast local iteration (``COURSE_PROFILE=quick``). Every learning
  outcome is still checked, against what the small run can honestly reach.

Example, in a notebook's parameters cell::

    EPOCHS = pick(full=8, quick=2)

May import: the standard library only (TensorFlow and Keras lazily, inside functions).
"""
from __future__ import annotations

import importlib
import math
import numbers
import os
import re
import sys
import tempfile

PROFILE_VARIABLE = "COURSE_PROFILE"
PROFILES = ("full", "quick")

#: Set to ``1`` (before ``import helpers``) to drop TensorFlow's start-up banner; see
#: :func:`import_tensorflow`.
HIDE_BANNER_VARIABLE = "COURSE_HIDE_TF_BANNER"

#: The lines TensorFlow's C++ runtime writes to file descriptor 2 while it is imported, before it
#: reads ``TF_CPP_MIN_LOG_LEVEL`` (so no log level hides them): abseil's note that logging is not
#: initialised yet, and the oneDNN note (an INFO line: results may differ by float round-off
#: from builds without oneDNN). Nothing else is ever dropped.
TF_BANNER = re.compile(
    rb"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    rb"|I\d{4} [^\]]* port\.cc:\d+\] oneDNN custom operations are on\. .*)\r?$"
)


def import_tensorflow(hide_banner: bool | None = None):
    """Import TensorFlow (if it is not imported yet) and return the module.

    ``hide_banner=True`` captures what is written to file descriptor 2 during the import and
    writes it back afterwards **except** the lines matching :data:`TF_BANNER`, so errors and
    warnings printed while TensorFlow loads (a missing CUDA library, a failed import) stay
    visible. File descriptor 2 is restored before this returns or raises. ``None`` (the default)
    reads the choice from ``COURSE_HIDE_TF_BANNER`` (``1``/``true``/``yes``); ``False`` is a
    plain ``import tensorflow``.

    Hiding TensorFlow's *other* log lines is ``TF_CPP_MIN_LOG_LEVEL``'s job (``2``: errors only),
    which the notebooks' set-up cell sets explicitly, together with ``COURSE_HIDE_TF_BANNER=1``,
    before ``import helpers`` (which calls this function).
    """
    if hide_banner is not None and not isinstance(hide_banner, bool):
        raise TypeError(f"hide_banner must be True, False or None, got {hide_banner!r}.")
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    if hide_banner is None:
        hide_banner = os.environ.get(HIDE_BANNER_VARIABLE, "").strip().lower() in ("1", "true", "yes")
    if not hide_banner:
        import tensorflow

        return tensorflow
    return _without_banner(lambda: importlib.import_module("tensorflow"))


def _without_banner(load):
    """Run ``load()`` with file descriptor 2 captured; write the capture back to fd 2 without
    the lines matching :data:`TF_BANNER` (also when ``load`` raises). Returns ``load()``."""
    # File descriptor 2 itself, not sys.stderr.fileno(): in Jupyter, sys.stderr is a Python
    # object and fd 2 is a pipe the kernel forwards into the notebook.
    try:
        saved = os.dup(2)
    except OSError:  # no fd 2 at all (some embedded interpreters): nothing to hide
        return load()
    with tempfile.TemporaryFile() as capture:
        try:
            _flush_stderr()
            os.dup2(capture.fileno(), 2)
            try:
                return load()
            finally:
                _flush_stderr()
                os.dup2(saved, 2)
        finally:
            os.close(saved)
            capture.seek(0)
            kept = [line for line in capture.read().splitlines(keepends=True)
                    if not TF_BANNER.match(line.rstrip(b"\n"))]
            data = b"".join(kept)
            while data:
                data = data[os.write(2, data):]


def _flush_stderr() -> None:
    if sys.stderr is not None:  # None under pythonw
        sys.stderr.flush()


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


def check_sizes(**sizes) -> list[int]:
    """The value of each keyword as an ``int`` >= 1, in order (:func:`check_int` for each):
    ``units, embed_dim = check_sizes(units=units, embed_dim=embed_dim)``."""
    return [check_int(name, value, 1) for name, value in sizes.items()]


def check_strings(name: str, texts) -> list[str]:
    """``texts`` (a list, tuple, array, Series, ... of ``str``) as a ``list``.

    ``TypeError`` saying what to pass for a single string (wrap it in a list), ``None``, a
    non-iterable, or an item that is not a ``str``.
    """
    if isinstance(texts, (str, bytes)):
        raise TypeError(f"{name} must be a list of strings, got a single {type(texts).__name__} "
                        f"{texts[:40]!r}; wrap it in a list: [{texts[:40]!r}].")
    try:
        items = list(texts)
    except TypeError:
        raise TypeError(f"{name} must be a list of strings, got {type(texts).__name__} "
                        f"{texts!r:.40}.") from None
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise TypeError(f"{name} must be a list of strings; item {i} is "
                            f"{type(item).__name__} {item!r:.40}.")
    return items


def check_learning_rate(value):
    """``value`` unchanged if it is a learning rate Keras' optimizers take: a finite real number
    ``> 0``, or a ``keras.optimizers.schedules.LearningRateSchedule`` (or other callable of the
    step); otherwise ``ValueError``."""
    if callable(value):
        return value
    if (isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value)
            or value <= 0):
        raise ValueError("learning_rate must be a number > 0 or a "
                         f"keras.optimizers.schedules.LearningRateSchedule, got {value!r}.")
    return value


def check_model(name: str, value):
    """``value`` if it is a ``keras.Model``, else ``TypeError`` naming the argument."""
    import keras

    if not isinstance(value, keras.Model):
        raise TypeError(f"{name} must be a keras.Model, got {type(value).__name__} {value!r:.60}.")
    return value


def pick(*, full, quick):
    """Return ``full`` or ``quick`` depending on the active profile (see :func:`profile`)."""
    return full if profile() == "full" else quick


def set_seed(seed: int = 0) -> None:
    """Seed Python, NumPy and TensorFlow (via ``keras.utils.set_random_seed``).

    On one machine with the same thread count, training is then bit-for-bit repeatable.
    ``seed`` must be an integer >= 0 (``ValueError`` otherwise).
    """
    seed = check_int("seed", seed, 0)
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
