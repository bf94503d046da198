"""Helpers for the attention-in-Keras course: data, layers, models, decoding, metrics, plots.

``import helpers`` changes nothing in your process: it sets no environment variable, installs no
warnings filter and leaves file descriptor 2 (stderr) alone. It imports TensorFlow and the
modules whose Keras classes and functions the course saves (:mod:`helpers.layers`,
:mod:`helpers.text`, :mod:`helpers.training`, :mod:`helpers.models`), so that
``keras.models.load_model`` reads every model a notebook saves right after ``import helpers``.

The package is organised by concern, like Keras' own; each module may import only from the
lines above its own (``tests/test_structure.py`` checks it)::

    runtime
    data, text, metrics, reference, plots
    layers
    training
    decoding
    models
    explain
    outcomes, exercises, widgets

A quiet start-up is an explicit choice, made in the notebooks' set-up cell *before*
``import helpers``::

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")   # TensorFlow's C++ log: errors only
    os.environ.setdefault("COURSE_HIDE_TF_BANNER", "1")  # and not its two start-up notes

(see :func:`helpers.runtime.import_tensorflow` for what exactly the second line hides).

May import: every module of the package (it imports them so that Keras' registry knows every saved class).
"""
from helpers.runtime import artifacts_dir, import_tensorflow, pick, profile, set_seed

import_tensorflow()  # hides the start-up banner only when COURSE_HIDE_TF_BANNER asks for it

# Imported for their side effect on Keras' registry (register_keras_serializable), which
# load_model needs.
from helpers import layers, models, text, training  # noqa: E402,F401

__version__ = "0.1.0"
__all__ = ["artifacts_dir", "import_tensorflow", "pick", "profile", "set_seed", "__version__"]
