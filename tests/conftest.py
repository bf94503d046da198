"""Shared pytest set-up: quiet TensorFlow before any test module imports it."""
import helpers  # noqa: F401  (imports TensorFlow quietly)
