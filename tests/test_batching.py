"""Tests for helpers.data.batching: length-bucketed tf.data pipelines (bucket_by_sequence_length)."""
import hashlib
import os
import subprocess
import sys
import warnings
from pathlib import Path

import keras
import numpy as np
import pytest

import helpers
from helpers.data import length_bucketed_dataset
from helpers.data.batching import bucket_boundaries

ROOT = Path(__file__).resolve().parents[1]


def _toy_arrays(n=203, max_len=12, seed=0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, max_len + 1, n)
    x = np.zeros((n, max_len), np.int32)
    for i, length in enumerate(lengths):
        x[i, :length] = i + 1  # the row's id, so batches can be traced back
    return x, np.arange(n, dtype=np.int32), lengths


def _epoch(ds):
    return [(xb.numpy(), yb.numpy()) for xb, yb in ds]


def _digest(ds, epochs=2):
    h = hashlib.sha256()
    for _ in range(epochs):
        for batch in ds:
            for part in keras.tree.flatten(batch):
                h.update(part.numpy().tobytes() + str(part.shape).encode())
    return h.hexdigest()


# --- per-batch padding, every example once ---------------------------------------------------

def test_bucketed_batches_cover_every_example_once_and_are_trimmed():
    x, y, lengths = _toy_arrays()
    ds = length_bucketed_dataset(x, y, batch_size=16, seed=1)
    batches = _epoch(ds)
    assert len(ds) == int(ds.cardinality()) == len(batches)
    seen = []
    for xb, yb in batches:
        assert 1 <= len(yb) <= 16
        assert xb.shape[1] == lengths[yb].max()  # padded only to the batch's own longest
        assert (xb[:, 0] == yb + 1).all()  # features and targets stay paired
        assert (xb == x[yb, : xb.shape[1]]).all() and not x[yb, xb.shape[1]:].any()
        seen.extend(yb.tolist())
    assert sorted(seen) == list(range(len(y)))


def test_bucketed_batches_are_length_homogeneous_and_reshuffled_each_epoch():
    x, y, lengths = _toy_arrays(n=640)
    ds = length_bucketed_dataset(x, y, batch_size=32, seed=0)
    epoch1 = [yb for _, yb in _epoch(ds)]
    epoch2 = [yb for _, yb in _epoch(ds)]
    padded = sum(lengths[b].max() * len(b) - lengths[b].sum() for b in epoch1)
    assert padded < 0.05 * lengths.sum()
    assert sorted(np.concatenate(epoch2).tolist()) == list(range(len(y)))
    assert len(epoch1) == len(epoch2) == len(ds)
    assert any((a.shape != b.shape) or (a != b).any() for a, b in zip(epoch1, epoch2))
    # not just the batches in a new order: new batches (examples of a bucket mixed anew)
    assert {frozenset(b.tolist()) for b in epoch1} != {frozenset(b.tolist()) for b in epoch2}
    # and the batch order is shuffled: the buckets' last, partial batches are not all at the end
    partial = [i for i, b in enumerate(epoch1) if len(b) < 32]
    assert partial and partial != list(range(len(epoch1) - len(partial), len(epoch1)))
    again = length_bucketed_dataset(x, y, batch_size=32, seed=0)
    for expected in (epoch1, epoch2):  # same seed, same order, epoch after epoch
        got = [yb for _, yb in _epoch(again)]
        assert len(got) == len(expected) and all((a == b).all() for a, b in zip(got, expected))


def test_different_seeds_give_different_batches():
    x, y, _ = _toy_arrays(n=640)
    first = [yb for _, yb in _epoch(length_bucketed_dataset(x, y, batch_size=32, seed=0))]
    other = [yb for _, yb in _epoch(length_bucketed_dataset(x, y, batch_size=32, seed=1))]
    assert len(first) == len(other)  # the buckets come from the lengths, not from the seed
    assert any((a.shape != b.shape) or (a != b).any() for a, b in zip(first, other))


def test_bucketed_batches_are_reproducible_in_a_new_process():
    script = ("import sys; sys.path.insert(0, sys.argv[1]); import helpers; "
              "from tests.test_batching import _digest, _toy_arrays; "
              "from helpers.data import length_bucketed_dataset; helpers.set_seed(0); "
              "x, y, _ = _toy_arrays(n=300); "
              "print(_digest(length_bucketed_dataset((x, x), y, batch_size=16, seed=3)))")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    out = subprocess.run([sys.executable, "-c", script, str(ROOT)], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    helpers.set_seed(0)
    x, y, _ = _toy_arrays(n=300)
    assert out.stdout.split()[-1] == _digest(length_bucketed_dataset((x, x), y, batch_size=16, seed=3))


# --- cardinality ------------------------------------------------------------------------------

@pytest.mark.parametrize("n, batch_size, bucket_batches",
                         [(1, 4, 2), (203, 16, 1), (500, 7, 3), (640, 32, 2)])
def test_cardinality_is_the_number_of_batches_produced(n, batch_size, bucket_batches):
    x, y, _ = _toy_arrays(n=n, max_len=30)
    ds = length_bucketed_dataset(x, y, batch_size=batch_size, bucket_batches=bucket_batches)
    assert len(ds) == len(_epoch(ds)) == len(_epoch(ds))
    plain = length_bucketed_dataset(x, y, batch_size=batch_size, shuffle=False)
    assert len(plain) == len(_epoch(plain)) == -(-n // batch_size)


def test_keras_runs_exactly_len_steps_per_epoch_without_warnings():
    x, y, _ = _toy_arrays(n=150)
    ds = length_bucketed_dataset(x, (y % 2).astype("float32"), batch_size=16, seed=0)
    helpers.set_seed(0)
    model = keras.Sequential([keras.layers.Embedding(160, 4, mask_zero=True),
                              keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True))
    steps = []
    counter = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: steps.append(batch))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(ds, epochs=2, verbose=0, callbacks=[counter])
    assert len(steps) == 2 * len(ds)
    assert not [w for w in caught if "ran out of data" in str(w.message)], [str(w.message) for w in caught]


# --- order, structure, shapes -----------------------------------------------------------------

def test_bucketed_batches_without_shuffle_keep_order_and_handle_sequence_targets():
    x, _, lengths = _toy_arrays(n=50)
    ds = length_bucketed_dataset((x, x), x, batch_size=20, shuffle=False)
    (xa, xb), yt = next(iter(ds))
    assert xa.shape == xb.shape == yt.shape
    assert (xa.numpy()[:, 0] == np.arange(1, 21)).all()
    batches = [(xa.numpy(), yt.numpy()) for (xa, _), yt in ds]
    assert [len(b) for b, _ in batches] == [20, 20, 10]
    for i, (xa, yt) in enumerate(batches):
        rows = slice(20 * i, 20 * i + 20)
        assert xa.shape[1] == lengths[rows].max() and (xa == x[rows, : xa.shape[1]]).all()
        assert (yt == xa).all()


def test_tuples_of_features_are_each_trimmed_to_their_own_longest():
    x, y, lengths = _toy_arrays(n=120)
    short = np.where(np.arange(x.shape[1]) < 3, x, 0)  # a second feature of at most 3 ids
    for (xa, xs), yb in length_bucketed_dataset([x, short], y, batch_size=16, seed=2):
        xa, xs, yb = xa.numpy(), xs.numpy(), yb.numpy()
        assert xa.shape[1] == lengths[yb].max() and xs.shape[1] == min(3, lengths[yb].max())
        assert (xa[:, 0] == yb + 1).all() and (xs == short[yb, : xs.shape[1]]).all()


@pytest.mark.parametrize("shape", ["(N,)", "(N, 1)", "(N, T_out)"])
def test_target_shapes(shape):
    x, y, lengths = _toy_arrays(n=90)
    targets = {"(N,)": (y % 2).astype(bool), "(N, 1)": y[:, None].astype("float32"),
               "(N, T_out)": np.pad(x[:, :6] * 2, ((0, 0), (0, 3)))}[shape]
    ds = length_bucketed_dataset(x, targets, batch_size=16, seed=0)
    seen = []
    for xb, tb in ds:
        xb, tb = xb.numpy(), tb.numpy()
        rows = xb[:, 0] - 1
        assert tb.dtype == targets.dtype
        if shape == "(N, T_out)":  # trimmed to the batch's longest target, not padded to 9
            assert tb.shape[1] == min(6, lengths[rows].max())
            assert (tb == targets[rows, : tb.shape[1]]).all() and not targets[rows, tb.shape[1]:].any()
        else:
            assert tb.shape[1:] == targets.shape[1:] and (tb == targets[rows]).all()
        seen.extend(rows.tolist())
    assert sorted(seen) == list(range(90))


def test_trimming_uses_the_last_non_padding_id_and_keeps_one_column():
    x = np.array([[5, 0, 7, 0, 0], [3, 0, 0, 0, 0]], np.int32)
    (xb, _), = [(a.numpy(), b) for a, b in length_bucketed_dataset(x, np.ones(2), shuffle=False)]
    assert (xb == x[:, :3]).all()  # an inner 0 is kept; the length for bucketing would be 2
    empty = np.zeros((3, 4), np.int32)
    assert [a.shape for a, _ in length_bucketed_dataset(empty, np.ones(3))] == [(3, 1)]
    assert len(length_bucketed_dataset(np.zeros((0, 4), np.int32), np.zeros(0))) == 0


# --- bucket boundaries --------------------------------------------------------------------------

def test_boundaries_cut_sorted_lengths_into_buckets_of_about_bucket_batches_batches():
    rng = np.random.default_rng(0)
    lengths = np.minimum(rng.geometric(0.02, 5_000), 120)  # skewed, with a tie at the cap
    for batch_size, bucket_batches in [(32, 2), (64, 1), (16, 4)]:
        target = batch_size * bucket_batches
        bounds = bucket_boundaries(lengths, batch_size, bucket_batches)
        assert bounds == sorted(set(bounds)) and all(int(b) in lengths for b in bounds)
        bucket = np.searchsorted(bounds, lengths, side="right")
        counts = np.bincount(bucket)
        assert len(counts) == len(bounds) + 1 and counts.sum() == len(lengths)
        for i, count in enumerate(counts):
            # about target examples, unless a run of one length made that impossible: inside
            # this bucket, or filling the whole next one
            inside = np.bincount(lengths[bucket == i]).max()
            after = np.unique(lengths[bucket == i + 1])
            assert (target / 2 <= count <= 1.5 * target or inside > target
                    or (len(after) == 1 and counts[i + 1] > target)), (batch_size, bucket_batches, i)
        # whole batches: the buckets add only a few partial batches to ceil(N / batch_size)
        assert (-(-counts // batch_size)).sum() <= -(-len(lengths) // batch_size) + len(counts) // 2 + 1
    assert bucket_boundaries(lengths[:40], 32, 2) == []  # small data: one bucket
    assert bucket_boundaries([7] * 1_000, 8, 1) == []  # one length: one bucket


def test_bucketed_padding_is_small_on_skewed_lengths():
    rng = np.random.default_rng(1)
    lengths = np.minimum(rng.geometric(0.03, 4_000), 100)
    x = (np.arange(100)[None, :] < lengths[:, None]).astype(np.int32)
    slots = sum(xb.shape[0] * xb.shape[1] for xb, _ in length_bucketed_dataset(x, lengths, batch_size=64))
    assert 1 - lengths.sum() / slots < 0.05  # padded to the dataset's longest it would be 0.67


# --- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("call, error, message", [
    (lambda x, y: length_bucketed_dataset(x, y[:5]), ValueError, "disagree"),
    (lambda x, y: length_bucketed_dataset(x, y, batch_size=0), ValueError,
     "batch_size must be an integer >= 1"),
    (lambda x, y: length_bucketed_dataset(None, y), TypeError, "features must be numeric arrays"),
    (lambda x, y: length_bucketed_dataset(np.array([["a"]]), np.ones(1)), TypeError,
     "features must be numeric arrays"),
    (lambda x, y: length_bucketed_dataset(x, None), TypeError, "targets must be numeric arrays"),
    (lambda x, y: length_bucketed_dataset(x, 1), ValueError, "targets must have an example axis"),
    (lambda x, y: length_bucketed_dataset(x, y, seed=None), ValueError, "seed must be an integer >= 0"),
    (lambda x, y: length_bucketed_dataset(x, y, seed=-1), ValueError, "seed must be an integer >= 0"),
    (lambda x, y: length_bucketed_dataset(x, y, pool_batches=0), ValueError,
     "pool_batches must be an integer >= 1"),
    (lambda x, y: length_bucketed_dataset(x, y, bucket_batches=0), ValueError,
     "bucket_batches must be an integer >= 1"),
    (lambda x, y: length_bucketed_dataset(x, y, batch_size=2.5), ValueError, "batch_size must be an integer"),
])
def test_bucketed_batches_bad_input(call, error, message):
    x, y, _ = _toy_arrays(n=10)
    with pytest.raises(error, match=message):
        call(x, y)


def test_pool_batches_is_still_accepted():
    x, y, _ = _toy_arrays(n=40)
    a = length_bucketed_dataset(x, y, batch_size=8, seed=0, pool_batches=50)
    b = length_bucketed_dataset(x, y, batch_size=8, seed=0)
    assert _digest(a, epochs=1) == _digest(b, epochs=1)
