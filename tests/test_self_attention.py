"""Tests of helpers.models.self_attention (notebook 08): the reversal task (shapes, dtype, the
reversal itself, seeding, bad input), the one-block self-attention reverser for every position
option (output and weight shapes, rows of the weights summing to 1, bad arguments), saving and
loading, and the property the notebook teaches: without positions the model is permutation
equivariant (permuting the input positions permutes the logits), with sinusoidal positions it is
not.

Nothing is trained; every model is tiny: the whole module runs in seconds on a CPU.
"""
import numpy as np
import pytest

import helpers  # noqa: F401  (imports TensorFlow, registers the Keras classes)
import keras

from helpers.models import REVERSER_POSITIONS, build_self_attention_reverser, reversal_task

LENGTH, B = 6, 4


def reverser(positions, seed=0, **sizes):
    helpers.set_seed(seed)
    return build_self_attention_reverser(LENGTH, positions, **sizes)


# ------------------------------------------------------------------------------ the task

def test_reversal_task_shapes_dtype_and_reversal():
    x, y = reversal_task(50, LENGTH, seed=3)
    assert x.shape == y.shape == (50, LENGTH)
    assert x.dtype == y.dtype == np.int32
    assert x.min() >= 1 and x.max() <= 9  # digit tokens 1..9; id 0 stays free
    np.testing.assert_array_equal(y, x[:, ::-1])
    np.testing.assert_array_equal(y[:, 0], x[:, -1])
    assert y.flags["C_CONTIGUOUS"]  # a real array, not a reversed view


def test_reversal_task_is_seeded():
    a, _ = reversal_task(20, LENGTH, seed=1)
    b, _ = reversal_task(20, LENGTH, seed=1)
    c, _ = reversal_task(20, LENGTH, seed=2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("n, length", [(0, LENGTH), (-1, LENGTH), (5, 1), (5, 0), (2.5, LENGTH),
                                       (5, "6"), (True, LENGTH)])
def test_reversal_task_bad_sizes(n, length):
    with pytest.raises(ValueError, match="must be an integer"):
        reversal_task(n, length)


# ------------------------------------------------------------------------------ the model

@pytest.mark.parametrize("positions", REVERSER_POSITIONS)
def test_reverser_shapes_for_every_position_option(positions):
    model, attention = reverser(positions, num_heads=3, key_dim=4)
    x, _ = reversal_task(B, LENGTH)
    logits = np.asarray(model(x))
    weights = np.asarray(attention(x))
    assert model.name == f"reverser_{positions}"
    assert logits.shape == (B, LENGTH, 10)                  # (B, T, V)
    assert weights.shape == (B, 3, LENGTH, LENGTH)           # (B, H, T, T)
    assert np.all(weights >= 0)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-6)   # every row is a distribution
    # the attention model shares the model's layers (the same self-attention weights)
    assert attention.get_layer("self_attention") is model.get_layer("self_attention")


def test_reverser_bad_arguments():
    with pytest.raises(ValueError, match="positions must be one of"):
        build_self_attention_reverser(LENGTH, "rotary")
    with pytest.raises(ValueError, match="positions must be one of"):
        build_self_attention_reverser(LENGTH, None)
    for sizes in ({"embed_dim": 0}, {"num_heads": 0}, {"key_dim": -2}, {"num_heads": 1.5}):
        with pytest.raises(ValueError, match="must be an integer"):
            build_self_attention_reverser(LENGTH, "learned", **sizes)
    with pytest.raises(ValueError, match="length must be an integer"):
        build_self_attention_reverser(1, "none")


# Keras' own variable -> NumPy conversion while saving warns under NumPy 2; not ours to fix.
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")
@pytest.mark.parametrize("positions", ["sinusoidal", "learned"])
def test_save_load_round_trip(tmp_path, positions):
    model, _ = reverser(positions)
    for i, variable in enumerate(model.weights):  # weights unlike any initialisation
        variable.assign(0.3 * np.random.default_rng(i).normal(size=variable.shape))
    x, _ = reversal_task(B, LENGTH, seed=5)
    before = np.asarray(model(x))
    path = tmp_path / f"{model.name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)  # no custom_objects: registered by `import helpers`
    np.testing.assert_array_equal(np.asarray(loaded(x)), before)
    np.testing.assert_array_equal(np.asarray(loaded.predict(x, verbose=0)),
                                  np.asarray(model.predict(x, verbose=0)))


# ------------------------------------------------------------------------------ the property

def permuted_logits_difference(positions):
    """max |model(x[:, perm]) - model(x)[:, perm]| over a batch, for one fixed permutation."""
    model, _ = reverser(positions)
    x, _ = reversal_task(B, LENGTH, seed=7)
    perm = np.random.default_rng(8).permutation(LENGTH)
    assert not np.array_equal(perm, np.arange(LENGTH))
    return np.abs(np.asarray(model(x[:, perm])) - np.asarray(model(x))[:, perm]).max()


def test_without_positions_the_reverser_is_permutation_equivariant():
    assert permuted_logits_difference("none") <= 1e-5


@pytest.mark.parametrize("positions", ["sinusoidal", "learned"])
def test_positions_break_the_permutation_symmetry(positions):
    if positions == "learned":
        # freshly initialised learned positions are small (uniform +-0.05), so make them count
        model, _ = reverser(positions)
        table = model.get_layer("embedding").position.embeddings
        table.assign(np.random.default_rng(1).normal(size=table.shape))
        x, _ = reversal_task(B, LENGTH, seed=7)
        perm = np.random.default_rng(8).permutation(LENGTH)
        difference = np.abs(np.asarray(model(x[:, perm])) - np.asarray(model(x))[:, perm]).max()
    else:
        difference = permuted_logits_difference(positions)
    assert difference > 1e-2
