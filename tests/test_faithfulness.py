"""helpers.explain.parts and helpers.explain.erasure (notebook 07): rankings, erasure, ablations.

The known-answer model reads one token only (id 7): its gradient x input and its leave-one-out
score must rank that token first, and removing it must flip the decision. Padding is never
ranked and never removed.
"""
from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from helpers import explain as EX
from helpers.explain.parts import _permuted, _uniform
from helpers.exercises import embedding_gradients
from helpers.models import COURSE, attention_model, build_classifier

READ = 7   # the one token the toy model reads


class OneTokenModel:
    """P(positive) = sigmoid(4 * (number of token 7) - 2): 0.88 with one 7, 0.12 without."""

    def __init__(self, vocab=20, dim=3):
        table = np.zeros((vocab, dim), "float32")
        table[READ, 0] = 1.0
        self.table = tf.constant(table)

    def embed(self, ids):
        return tf.gather(self.table, ids)

    def head(self, embedded, mask, reweight=None):
        count = tf.reduce_sum(embedded[..., 0] * tf.cast(mask, tf.float32), axis=1)
        return tf.sigmoid(4.0 * count - 2.0), None


# right-padded reviews; token 7 at different places (and never in the padding)
IDS = np.array([[3, 7, 4, 5, 0, 0],
                [7, 2, 9, 0, 0, 0],
                [2, 3, 4, 5, 6, 7],
                [5, 6, 7, 0, 0, 0]], "int32")


@pytest.fixture(scope="module")
def tiny():
    """A small untrained classifier of notebook 05's architecture, and the same without attention."""
    tf.keras.utils.set_random_seed(0)
    config = COURSE.replace(vocab_size=30, embed_dim=8, lstm_units=4, attention_units=4, dense_units=4)
    return build_classifier(config), build_classifier(config.replace(pooling="mean"), name="mean")


def test_one_token_model_gradient_and_leave_one_out_rank_it_first():
    model = OneTokenModel()
    probability, gradient = EX.gradient_x_input(model, IDS)
    np.testing.assert_allclose(probability, 1 / (1 + np.exp(-2.0)), rtol=1e-6)
    loo = EX.leave_one_out(model, IDS)
    for scores in (gradient, loo):
        assert (np.argmax(scores, axis=1) == np.argmax(IDS == READ, axis=1)).all()
        assert np.isneginf(scores[IDS == 0]).all()          # padding is never ranked
        assert np.isfinite(scores[IDS != 0]).all()
    np.testing.assert_allclose(loo[IDS == READ], 2 / (1 + np.exp(-2.0)) - 1, rtol=1e-5)


def test_removing_the_one_token_flips_every_decision_and_random_rarely_does():
    model = OneTokenModel()
    scores = EX.rank_tokens(model, IDS, ("gradient", "leave_one_out", "random"), seed=3)
    table = EX.erasure_curves(model, IDS, scores, ks=(1, 2), fractions=(0.5,)).set_index(["ranking", "budget"])
    for ranking in ("gradient", "leave_one_out"):
        assert table.loc[(ranking, "top 1"), "flip_rate"] == 1.0
        # keeping only that token keeps the decision: sufficiency = p(positive | [7]) = 0.88
        assert table.loc[(ranking, "top 1"), "sufficiency"] == pytest.approx(1 / (1 + np.exp(-2.0)), rel=1e-5)
        assert table.loc[(ranking, "top 1"), "comprehensiveness"] == pytest.approx(
            2 / (1 + np.exp(-2.0)) - 1, rel=1e-5)
    assert table.loc[("random", "top 1"), "flip_rate"] < 1.0


def test_attention_ranking_needs_attention():
    with pytest.raises(ValueError, match="attention"):
        EX.rank_tokens(OneTokenModel(), IDS, ("attention",))
    with pytest.raises(ValueError, match="unknown ranking"):
        EX.rank_tokens(OneTokenModel(), IDS, ("saliency",))


def test_delete_tokens_closes_up_and_keeps_right_padding():
    remove = np.zeros_like(IDS, bool)
    remove[0, 1] = True          # the 7
    remove[1, 4] = True          # padding: nothing to remove
    remove[2, :] = True          # everything
    out = EX.delete_tokens(IDS, remove)
    np.testing.assert_array_equal(out[0], [3, 4, 5, 0, 0, 0])
    np.testing.assert_array_equal(out[1], IDS[1])
    np.testing.assert_array_equal(out[2], np.zeros(6))
    np.testing.assert_array_equal(out[3], IDS[3])
    with pytest.raises(ValueError, match="shape"):
        EX.delete_tokens(IDS, remove[:, :3])


def test_top_k_never_picks_padding_and_caps_at_length():
    scores = np.arange(IDS.size, dtype=float).reshape(IDS.shape)    # padding scores highest
    chosen = EX.top_k_mask(scores, IDS, 10)
    np.testing.assert_array_equal(chosen, IDS != 0)
    chosen = EX.top_k_mask(scores, IDS, 2)
    assert (chosen.sum(axis=1) == 2).all() and not chosen[IDS == 0].any()
    np.testing.assert_array_equal(chosen[0], [False, False, True, True, False, False])
    np.testing.assert_array_equal(EX.k_for_fraction(IDS, 0.5), [2, 2, 3, 2])
    np.testing.assert_array_equal(EX.k_for_fraction(IDS, 0.01), [1, 1, 1, 1])
    with pytest.raises(ValueError, match="fraction"):
        EX.k_for_fraction(IDS, 0)
    with pytest.raises(ValueError, match="k must be"):
        EX.top_k_mask(scores, IDS, -1)


def test_left_padding_is_refused():
    with pytest.raises(ValueError, match="right-padded"):
        EX.predict_ids(OneTokenModel(), np.array([[0, 7, 3]]))
    with pytest.raises(ValueError, match="2-D"):
        EX.predict_ids(OneTokenModel(), np.array([7, 3]))


def test_parts_reproduce_the_classifier(tiny):
    classifier, mean_pooled = tiny
    ids = IDS.copy()
    for model in (classifier, mean_pooled):
        expected = np.concatenate([model(ids[i : i + 1, : max((ids[i] != 0).sum(), 1)]).numpy()[:, 0]
                                   for i in range(len(ids))])
        np.testing.assert_allclose(EX.predict_ids(model, ids, batch_size=3), expected, atol=1e-6)
    _, weights = EX.attention_weights(classifier, ids)
    _, reference = attention_model(classifier)(ids)
    np.testing.assert_allclose(weights, reference.numpy(), atol=1e-6)
    assert (weights[ids == 0] == 0).all()
    with pytest.raises(ValueError, match="no attention"):
        EX.attention_weights(mean_pooled, ids)
    with pytest.raises(ValueError, match="build_classifier"):
        EX.ClassifierParts(tf.keras.Sequential([tf.keras.layers.Dense(1)]))


def test_gradient_x_input_matches_the_exercise_gradients(tiny):
    classifier, _ = tiny
    probability, gradients, embedded, _ = embedding_gradients(classifier, IDS)
    sign = np.where(probability >= 0.5, 1.0, -1.0)[:, None]
    expected = np.where(IDS != 0, sign * (gradients * embedded).sum(-1), -np.inf)
    got_p, got = EX.gradient_x_input(classifier, IDS, batch_size=2)
    np.testing.assert_allclose(got_p, probability, atol=1e-6)
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_ablations_replace_the_weights(tiny):
    classifier, _ = tiny
    weights = tf.constant(np.random.default_rng(0).dirichlet(np.ones(6), 4), tf.float32)
    mask = tf.constant(IDS != 0)
    uniform = _uniform(weights, mask).numpy()
    np.testing.assert_allclose(uniform.sum(1), 1, rtol=1e-6)
    assert (uniform[IDS == 0] == 0).all()
    masked = np.where(IDS != 0, weights.numpy(), 0)
    permuted = _permuted(5)(tf.constant(masked), mask).numpy()
    for row in range(len(IDS)):
        n = (IDS[row] != 0).sum()
        np.testing.assert_allclose(np.sort(permuted[row, :n]), np.sort(masked[row, :n]), rtol=1e-6)
        assert (permuted[row, n:] == 0).all()
    for ablation in EX.ABLATIONS:
        p = EX.ablated_probabilities(classifier, IDS, ablation, seed=1)
        assert p.shape == (4,) and np.isfinite(p).all()
    # one-token reviews: every ablation leaves the single weight at 1, so nothing changes
    single = IDS[:, :1]
    for ablation in EX.ABLATIONS:
        np.testing.assert_allclose(EX.ablated_probabilities(classifier, single, ablation),
                                   EX.predict_ids(classifier, single), atol=1e-6)
    with pytest.raises(ValueError, match="ablation"):
        EX.ablated_probabilities(classifier, IDS, "zero")


def test_kendall_agreement():
    scores = np.where(IDS != 0, np.arange(6.0)[None, :].repeat(4, 0), -np.inf)
    np.testing.assert_allclose(EX.kendall_agreement(scores, scores, IDS), 1.0)
    np.testing.assert_allclose(EX.kendall_agreement(scores, -scores, IDS), -1.0)
    assert np.isnan(EX.kendall_agreement(scores[:, :1], scores[:, :1], IDS[:, :1])).all()
