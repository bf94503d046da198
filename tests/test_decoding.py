"""helpers.decoding: greedy and beam search on hand-made step functions whose answers are known.

The step functions are small Markov models over 6 token ids: 0 padding, 1 <start>, 2 <end>, and
3, 4, 5. The "second-order" one scores the next token from the LAST TWO tokens of a hypothesis,
one fed as ``tokens`` and one kept in its (nested) state, so a beam whose state was not reordered
with it would score the wrong continuation; an exhaustive search over every sequence checks it.
"""
import itertools

import numpy as np
import pytest
import tensorflow as tf

from helpers.decoding import beam_search, greedy_search, length_penalties, trace_once

PAD, START, END = 0, 1, 2
V, T_SRC = 6, 4
BANNED = (PAD, START)


def one_hot_rows(fed):
    """Attention weights of a step: one-hot at source position ``fed % T_SRC``."""
    return tf.one_hot(fed % T_SRC, T_SRC)


def markov_step(table):
    """First order: ``scores = table[fed token]``; the state is a nested structure that rides along."""
    table = tf.constant(table, tf.float32)

    def step(tokens, state):
        new_state = {"count": state["count"] + 1, "memory": (state["memory"][0],)}
        return tf.gather(table, tokens), new_state, one_hot_rows(tokens)

    return step


def second_order_step(table):
    """``scores = table[previous token (from the state), fed token]``, a (V, V, V) table of
    log-probabilities; the state also carries a constant ``memory`` (B, T_SRC, 2) and a counter."""
    table = tf.constant(table, tf.float32)

    def step(tokens, state):
        scores = tf.gather_nd(table, tf.stack([state["previous"], tokens], axis=1))
        tf.debugging.assert_equal(state["memory"][1][:, 0, 0], tf.cast(state["row"], tf.float32))
        count, memory = state["memory"]
        new_state = {"previous": tokens, "row": state["row"], "memory": (count + 1, memory)}
        return scores, new_state, one_hot_rows(tokens)

    return step


def second_order_state(batch):
    rows = tf.range(batch)
    memory = tf.tile(tf.cast(rows, tf.float32)[:, None, None], [1, T_SRC, 2])  # the row's own id
    return {"previous": tf.fill([batch], START), "row": rows, "memory": (tf.zeros([batch], tf.int32), memory)}


def random_tables(seed):
    """Random log-probability tables ``(V, V, V)`` (previous, fed) -> next, padding and <start>
    possible (the search must ban them)."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 1.5, (V, V, V))
    return logits - np.log(np.exp(logits).sum(-1, keepdims=True))


def sequence_log_prob(table, tokens):
    previous, fed, total = START, START, 0.0
    for token in tokens:
        total += np.float64(np.float32(table[previous, fed, token]))
        previous, fed = fed, token
    return total


def exhaustive_best(table, max_length, alpha):
    """The best finished sequence by brute force: all sequences over {3, 4, 5} followed by <end>,
    or cut at max_length, scored log p / ((5 + n) / 6) ** alpha."""
    best = (-np.inf, None)
    for n in range(1, max_length + 1):
        bodies = itertools.product((3, 4, 5), repeat=n - 1)
        candidates = [list(b) + [END] for b in bodies]
        if n == max_length:
            candidates += [list(b) for b in itertools.product((3, 4, 5), repeat=n)]
        for tokens in candidates:
            score = sequence_log_prob(table, tokens) / ((5 + n) / 6) ** alpha
            if score > best[0]:
                best = (score, tokens)
    return best


def test_greedy_picks_the_argmax_and_stops_at_end():
    table = np.full((V, V), -5.0)
    table[START, [3, 4]] = [-0.1, -2.0]   # start -> 3
    table[3, [4, 5]] = [-0.2, -0.3]       # 3 -> 4
    table[4, END] = -0.1                  # 4 -> <end>
    table[:, PAD] = 0.0                   # padding scores best of all: it must be banned
    state = {"count": tf.zeros([2], tf.int32), "memory": (tf.zeros([2, T_SRC, 3]),)}
    tokens, attention, lengths = greedy_search(markov_step(table), state, start_id=START, end_id=END,
                                               max_length=6, banned=BANNED)
    np.testing.assert_array_equal(tokens, [[3, 4, END, 0, 0, 0]] * 2)
    np.testing.assert_array_equal(lengths, [3, 3])
    fed = [START, 3, 4]  # attention row t: the step that read token t-1 (<start> first)
    np.testing.assert_array_equal(attention[0, :3], np.eye(T_SRC)[np.array(fed) % T_SRC])
    assert (np.asarray(attention)[:, 3:] == 0).all()  # nothing after <end>
    # without banning, padding (the highest score) is what greedy picks
    unbanned, _, _ = greedy_search(markov_step(table), state, start_id=START, end_id=END, max_length=2)
    np.testing.assert_array_equal(unbanned, [[PAD, PAD]] * 2)


def test_greedy_cuts_at_max_length_and_ends_rows_independently():
    table = random_tables(0)
    table[:, :, END] = -30.0  # no row ends by itself
    batch = 3
    state = second_order_state(batch)
    step = second_order_step(table)

    def row_step(tokens, state):  # row 0 ends at its first step, the others never end
        scores, new_state, weights = step(tokens, state)
        ends = tf.where(tf.equal(state["row"], 0)[:, None] & tf.equal(tf.range(V), END)[None, :], 50.0, 0.0)
        return scores + ends, new_state, weights

    tokens, attention, lengths = greedy_search(row_step, state, start_id=START, end_id=END, max_length=5,
                                               banned=BANNED)
    tokens, attention = np.asarray(tokens), np.asarray(attention)
    assert tokens.shape == (3, 5) and attention.shape == (3, 5, T_SRC)
    np.testing.assert_array_equal(tokens[0], [END, 0, 0, 0, 0])
    np.testing.assert_array_equal(lengths, [1, 5, 5])
    assert (tokens[1:] >= 3).all() and END not in tokens[1:]  # cut at max_length, no <end>
    assert (attention[0, 1:] == 0).all() and (attention[1:].sum(-1) == 1).all()
    # the cut rows follow the argmax of the second-order table
    for row in (1, 2):
        previous, fed = START, START
        for t in range(5):
            scores = table[previous, fed].copy()
            scores[list(BANNED)] = -np.inf
            assert tokens[row, t] == np.argmax(scores.astype(np.float32))
            previous, fed = fed, tokens[row, t]


def test_beam_search_finds_what_greedy_misses():
    """Greedy takes 3 (p = .6) and then can only end with p = .5 (total .30); beam search also
    keeps 4 (p = .4), which ends with p = .9 (total .36)."""
    p = np.full((V, V), 1e-9)
    p[START, [3, 4]] = [0.6, 0.4]
    p[3, [END, 3, 4]] = [0.5, 0.25, 0.25]
    p[4, [END, 3, 5]] = [0.9, 0.05, 0.05]
    p[[END, 5]] = 1.0 / V
    table = np.log(p)
    state = {"count": tf.zeros([1], tf.int32), "memory": (tf.zeros([1, T_SRC, 3]),)}
    greedy, _, _ = greedy_search(markov_step(table), state, start_id=START, end_id=END, max_length=4, banned=BANNED)
    tokens, attention, lengths, scores = beam_search(markov_step(table), state, start_id=START, end_id=END,
                                                     beam_width=2, penalties=length_penalties(4, 0.0), banned=BANNED)
    np.testing.assert_array_equal(greedy[0, :2], [3, END])
    np.testing.assert_array_equal(tokens, [[4, END, 0, 0]])
    np.testing.assert_array_equal(lengths, [2])
    np.testing.assert_allclose(scores, [np.log(np.float32(0.4)) + np.log(np.float32(0.9))], rtol=1e-6)
    np.testing.assert_array_equal(attention[0, :2], np.eye(T_SRC)[[START % T_SRC, 4 % T_SRC]])
    assert (np.asarray(attention)[0, 2:] == 0).all()


@pytest.mark.parametrize("alpha", [0.0, 0.6, 2.0])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_wide_beam_search_is_exhaustive_search(seed, alpha):
    """A beam wide enough to keep every hypothesis returns the best sequence of all (found by
    brute force) for each row, with the length penalty applied, and the attention rows of its
    own path: this fails if the nested state is not reordered with the beams."""
    max_length, batch = 4, 2
    tables = [random_tables(seed), random_tables(seed + 10)]
    step_a, step_b = second_order_step(tables[0]), second_order_step(tables[1])

    def step(tokens, state):  # row 0 uses table 0, row 1 table 1
        scores_a, new_state, weights = step_a(tokens, state)
        scores_b, _, _ = step_b(tokens, state)
        return tf.where(tf.equal(state["row"], 0)[:, None], scores_a, scores_b), new_state, weights

    tokens, attention, lengths, scores = beam_search(
        step, second_order_state(batch), start_id=START, end_id=END, beam_width=81,
        penalties=length_penalties(max_length, alpha), banned=BANNED)
    for row in range(batch):
        best_score, best_tokens = exhaustive_best(tables[row], max_length, alpha)
        n = int(lengths[row])
        assert list(np.asarray(tokens[row, :n])) == best_tokens, (row, best_tokens)
        assert (np.asarray(tokens[row, n:]) == 0).all()
        np.testing.assert_allclose(float(scores[row]), best_score, rtol=1e-9)
        fed = [START] + best_tokens[:-1]
        np.testing.assert_array_equal(attention[row, :n], np.eye(T_SRC)[np.array(fed) % T_SRC])
        assert (np.asarray(attention[row, n:]) == 0).all()


def test_length_penalty_decides_between_short_and_long():
    """<end> at once (log p = -1.0, 1 token) against 3, 4, <end> (log p = -1.2, 3 tokens):
    unnormalised the short one wins; with alpha = 2, -1.2 / (8/6)**2 = -0.675 > -1.0 wins."""
    table = np.full((V, V), -20.0)
    table[START, [END, 3]] = [-1.0, -0.4]
    table[3, 4] = -0.4
    table[4, END] = -0.4
    state = {"count": tf.zeros([1], tf.int32), "memory": (tf.zeros([1, T_SRC, 1]),)}
    winners = {}
    for alpha in (0.0, 2.0):
        tokens, _, lengths, scores = beam_search(markov_step(table), state, start_id=START, end_id=END,
                                                 beam_width=3, penalties=length_penalties(5, alpha), banned=BANNED)
        winners[alpha] = list(np.asarray(tokens[0, : int(lengths[0])]))
    assert winners == {0.0: [END], 2.0: [3, 4, END]}
    np.testing.assert_array_equal(length_penalties(3, 0.6), [((5 + n) / 6) ** 0.6 for n in (1, 2, 3)])
    np.testing.assert_array_equal(length_penalties(4, 0), np.ones(4))


def test_ties_go_to_the_lower_token_and_the_earlier_hypothesis():
    """Equal scores (exact in float32): greedy and beam take the lower token id; of two finished
    hypotheses with equal normalised scores, the one recorded first (shorter) wins."""
    state = {"count": tf.zeros([1], tf.int32), "memory": (tf.zeros([1, T_SRC, 1]),)}
    kwargs = dict(start_id=START, end_id=END, banned=BANNED)
    same_step = np.full((V, V), -20.0)
    same_step[START, [3, 4]] = -0.5
    same_step[[3, 4], END] = -0.5
    greedy, _, _ = greedy_search(markov_step(same_step), state, max_length=3, **kwargs)
    beam, _, lengths, _ = beam_search(markov_step(same_step), state, beam_width=2,
                                      penalties=length_penalties(3, 0.0), **kwargs)
    np.testing.assert_array_equal(greedy, [[3, END, 0]])
    np.testing.assert_array_equal(beam, [[3, END, 0]])
    across_steps = np.full((V, V), -20.0)
    across_steps[START, [END, 3]] = [-1.0, -0.5]
    across_steps[3, END] = -0.5  # [3, <end>] also scores -1.0, one step later
    beam, _, lengths, scores = beam_search(markov_step(across_steps), state, beam_width=2,
                                           penalties=length_penalties(3, 0.0), **kwargs)
    np.testing.assert_array_equal(beam, [[END, 0, 0]])
    assert float(scores[0]) == -1.0


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_beam_of_one_is_greedy(seed):
    table = random_tables(seed)
    kwargs = dict(start_id=START, end_id=END, banned=BANNED)
    greedy = greedy_search(second_order_step(table), second_order_state(3), max_length=6, **kwargs)
    beam = beam_search(second_order_step(table), second_order_state(3), beam_width=1,
                       penalties=length_penalties(6), **kwargs)
    for g, b in zip(greedy, beam[:3]):
        np.testing.assert_array_equal(g, b)


def test_a_traced_search_runs_any_batch_and_length_without_retracing():
    table = random_tables(5)

    def decode(batch, max_length):
        return greedy_search(second_order_step(table), second_order_state(batch), start_id=START,
                             end_id=END, max_length=max_length, banned=BANNED)

    search = trace_once(decode, tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32))
    eager = greedy_search(second_order_step(table), second_order_state(4), start_id=START, end_id=END,
                          max_length=7, banned=BANNED)
    for batch, max_length in ((4, 7), (1, 3), (9, 12)):
        tokens, attention, lengths = search(tf.constant(batch), tf.constant(max_length))
        assert tokens.shape == (batch, max_length) and attention.shape == (batch, max_length, T_SRC)
    traced = search(tf.constant(4), tf.constant(7))
    for a, b in zip(eager, traced):
        np.testing.assert_array_equal(a, b)
    assert isinstance(search, tf.types.experimental.ConcreteFunction)  # one graph, never retraced


def test_bad_arguments():
    table = random_tables(0)
    kwargs = dict(start_id=START, end_id=END)
    with pytest.raises(ValueError, match="max_length must be an integer >= 1"):
        greedy_search(second_order_step(table), second_order_state(1), max_length=0, **kwargs)
    with pytest.raises(ValueError, match="beam_width must be an integer >= 1"):
        beam_search(second_order_step(table), second_order_state(1), beam_width=0,
                    penalties=length_penalties(3), **kwargs)
    with pytest.raises(ValueError, match="alpha"):
        length_penalties(3, -0.5)
    with pytest.raises(ValueError, match="max_length"):
        length_penalties(0)
