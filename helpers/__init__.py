"""Helpers for the attention-in-Keras course: data, layers, models, decoding, metrics, plots.

Importing :mod:`helpers` sets ``TF_CPP_MIN_LOG_LEVEL=3`` (unless already set) and imports
TensorFlow without its start-up banner, so notebooks stay free of log noise.
"""
import warnings

from helpers.runtime import artifacts_dir, import_tensorflow_quietly, pick, profile, set_seed

import_tensorflow_quietly()

# Keras 3 warns on every ``fit(dataset)`` that its default ``shuffle=True`` is ignored for a
# tf.data.Dataset. The course's datasets shuffle themselves (helpers.pipeline), so that one
# message is noise in every notebook; all other warnings stay visible.
warnings.filterwarnings("ignore", message=r"`shuffle=True` was passed, but will be ignored")
# Keras warns when a softmax runs over an axis of size 1. Attention over a one-token input (a
# one-word sentence typed into a widget) does exactly that, correctly: the one key gets weight 1.
warnings.filterwarnings("ignore", message=r"You are using a softmax over axis -1 of a tensor of shape")

__version__ = "0.1.0"
__all__ = ["artifacts_dir", "import_tensorflow_quietly", "pick", "profile", "set_seed", "__version__"]
