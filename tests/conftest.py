"""Shared pytest set-up: import helpers once, before any test module (it imports TensorFlow and
registers the course's Keras classes; it changes nothing else, see tests/test_imports.py)."""
import helpers  # noqa: F401
