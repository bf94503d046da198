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

__version__ = "0.1.0"
__all__ = ["artifacts_dir", "import_tensorflow_quietly", "pick", "profile", "set_seed", "__version__"]
