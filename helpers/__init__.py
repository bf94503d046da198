"""Helpers for the attention-in-Keras course: data, layers, models, decoding, metrics, plots.

Importing :mod:`helpers` sets ``TF_CPP_MIN_LOG_LEVEL=3`` (unless already set) and imports
TensorFlow without its start-up banner, so notebooks stay free of log noise.
"""
from helpers.runtime import import_tensorflow_quietly, pick, profile, set_seed

import_tensorflow_quietly()

__version__ = "0.1.0"
__all__ = ["import_tensorflow_quietly", "pick", "profile", "set_seed", "__version__"]
