"""Tests for helpers.text.chars, helpers.data.batching, helpers.models (seq2seq, dates), helpers.metrics and
helpers.runtime."""
import numpy as np
import pytest

import helpers
from helpers.metrics import accuracy_by_length, char_accuracy, exact_match
from helpers.data import length_bucketed_dataset
from helpers.models import ATTENTION_SCORES, GreedyDecoder, build_attention_seq2seq, build_seq2seq, date_vocabularies, teacher_forcing_arrays, translate_dates
from helpers.text import END_ID, PAD_ID, START_ID, UNK_ID, CharVocabulary

import keras


# --- helpers.text -------------------------------------------------------------------------

def test_vocabulary_round_trip_and_reserved_ids():
    vocab = CharVocabulary.from_texts(["9/27/94", "1994-09-27"])
    assert vocab.tokens[:4] == ["<pad>", "<start>", "<end>", "<unk>"]
    assert (PAD_ID, START_ID, END_ID, UNK_ID) == (0, 1, 2, 3)
    ids = vocab.encode(["9/27/94", "12"], add_end=True)
    assert ids.shape == (2, 8) and ids.dtype == np.int32
    assert ids[1, 2] == END_ID and (ids[1, 3:] == PAD_ID).all()  # right padding
    assert vocab.decode(ids) == ["9/27/94", "12"]


def test_vocabulary_unknown_characters_and_bad_input():
    vocab = CharVocabulary("abc")
    assert vocab.encode(["abz"])[0].tolist() == [4, 5, UNK_ID]
    assert vocab.unknown_characters("abzy") == ["y", "z"]
    assert vocab.decode(vocab.encode(["abz"])) == ["ab?"]
    with pytest.raises(TypeError, match="list of strings"):
        vocab.encode("abc")
    with pytest.raises(ValueError, match="longer than length"):
        vocab.encode(["abcabc"], length=3)
    with pytest.raises(ValueError, match="single characters"):
        CharVocabulary(["ab"])


def test_vocabulary_json_round_trip():
    vocab = CharVocabulary("0123456789-")
    assert CharVocabulary.from_json(vocab.to_json()) == vocab


def test_teacher_forcing_arrays_are_shifted_by_one():
    src_vocab, tgt_vocab = CharVocabulary("abc"), CharVocabulary("xyz")
    enc, dec_in, dec_out = teacher_forcing_arrays(["ab", "abc"], ["x", "xyz"], src_vocab, tgt_vocab)
    assert enc.shape == (2, 3) and dec_in.shape == dec_out.shape == (2, 4)
    assert dec_in[1].tolist() == [START_ID] + tgt_vocab.encode(["xyz"])[0].tolist()
    assert dec_out[1].tolist() == tgt_vocab.encode(["xyz"])[0].tolist() + [END_ID]
    assert dec_in[0].tolist() == [START_ID, 4, 0, 0]  # no <end> among the inputs
    assert ((dec_in != 0) == (dec_out != 0)).all()  # one mask for inputs and loss


# --- helpers.pipeline ---------------------------------------------------------------------

def _toy_arrays(n=203, max_len=12, seed=0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, max_len + 1, n)
    x = np.zeros((n, max_len), np.int32)
    for i, length in enumerate(lengths):
        x[i, :length] = i + 1  # the row's id, so batches can be traced back
    return x, np.arange(n, dtype=np.int32), lengths


def test_bucketed_batches_cover_every_example_once_and_are_trimmed():
    x, y, lengths = _toy_arrays()
    ds = length_bucketed_dataset(x, y, batch_size=16, seed=1, pool_batches=4)
    assert int(ds.cardinality()) == -(-len(y) // 16)
    seen = []
    for xb, yb in ds:
        xb, yb = xb.numpy(), yb.numpy()
        assert xb.shape[1] == lengths[yb].max()  # padded only to the batch's own longest
        assert (xb[:, 0] == yb + 1).all()
        seen.extend(yb.tolist())
    assert sorted(seen) == list(range(len(y)))


def test_bucketed_batches_are_sorted_within_pools_and_reshuffled_each_epoch():
    x, y, lengths = _toy_arrays(n=640)
    ds = length_bucketed_dataset(x, y, batch_size=32, seed=0, pool_batches=20)
    epoch1 = [yb.numpy() for _, yb in ds]
    epoch2 = [yb.numpy() for _, yb in ds]
    # with one pool, every batch is a contiguous run of lengths: little padding
    padded = sum(lengths[b].max() * len(b) - lengths[b].sum() for b in epoch1)
    assert padded < 0.05 * lengths.sum()
    assert any((a != b).any() for a, b in zip(epoch1, epoch2))
    again = [yb.numpy() for _, yb in length_bucketed_dataset(x, y, batch_size=32, seed=0, pool_batches=20)]
    assert all((a == b).all() for a, b in zip(epoch1, again))  # same seed, same order


def test_bucketed_batches_without_shuffle_keep_order_and_handle_sequence_targets():
    x, _, _ = _toy_arrays(n=50)
    ds = length_bucketed_dataset((x, x), x, batch_size=20, shuffle=False)
    (xa, xb), yt = next(iter(ds))
    assert xa.shape == xb.shape == yt.shape
    assert (xa.numpy()[:, 0] == np.arange(1, 21)).all()


def test_bucketed_batches_bad_input():
    x, y, _ = _toy_arrays(n=10)
    with pytest.raises(ValueError, match="disagree"):
        length_bucketed_dataset(x, y[:5])
    with pytest.raises(ValueError, match="batch_size"):
        length_bucketed_dataset(x, y, batch_size=0)


# --- helpers.seq2seq ----------------------------------------------------------------------

@pytest.fixture(scope="module", params=["plain", "bidirectional"] + list(ATTENTION_SCORES))
def tiny_model(request):
    helpers.set_seed(0)
    if request.param == "plain":
        return build_seq2seq(9, 7, embed_dim=4, units=8)
    if request.param == "bidirectional":
        return build_attention_seq2seq(9, 7, embed_dim=4, units=8, bidirectional=True)
    return build_attention_seq2seq(9, 7, embed_dim=4, units=8, score=request.param)


def test_seq2seq_shapes(tiny_model):
    probs = tiny_model([np.ones((3, 5), np.int32), np.ones((3, 4), np.int32)])
    assert tuple(probs.shape) == (3, 4, 7)
    np.testing.assert_allclose(probs.numpy().sum(-1), 1.0, atol=1e-5)


def test_seq2seq_encoder_ignores_right_padding(tiny_model):
    decode = GreedyDecoder(tiny_model)
    src = np.array([[5, 6, 7]], np.int32)
    h1, c1 = decode.encode(src)
    h2, c2 = decode.encode(np.pad(src, ((0, 0), (0, 6))))
    np.testing.assert_allclose(h1.numpy(), h2.numpy(), atol=1e-6)
    np.testing.assert_allclose(c1.numpy(), c2.numpy(), atol=1e-6)


def test_greedy_decoding_matches_the_teacher_forced_graph(tiny_model):
    """Feeding the greedy output back as teacher-forced input must reproduce it (same weights,
    same computation, whether one step at a time or all at once)."""
    rng = np.random.default_rng(0)
    src = rng.integers(4, 9, (6, 5)).astype(np.int32)
    tokens = GreedyDecoder(tiny_model)(src, max_length=7)
    assert tokens.shape == (6, 7)
    decoder_inputs = np.concatenate([np.full((6, 1), START_ID), tokens[:, :-1]], axis=1)
    probs = tiny_model([src, decoder_inputs]).numpy()
    first_end = [(list(t) + [END_ID]).index(END_ID) for t in tokens]
    for row, stop in enumerate(first_end):  # compare up to (and including) the first <end>
        n = min(stop + 1, tokens.shape[1])
        assert (probs[row, :n].argmax(-1) == tokens[row, :n]).all()


def test_seq2seq_save_and_load_round_trip(tiny_model, tmp_path):
    path = tmp_path / "seq2seq.keras"
    tiny_model.save(path)
    loaded = keras.models.load_model(path)
    src = np.array([[4, 5, 6, 0]], np.int32)
    np.testing.assert_array_equal(GreedyDecoder(tiny_model)(src, 6), GreedyDecoder(loaded)(src, 6))


def test_attention_weights_ignore_padding_and_sum_to_one():
    helpers.set_seed(0)
    model = build_attention_seq2seq(9, 7, embed_dim=4, units=8, score="general")
    src = np.array([[4, 5, 6, 0, 0], [4, 5, 6, 7, 8]], np.int32)
    tokens, weights = GreedyDecoder(model)(src, max_length=4, return_attention=True)
    assert weights.shape == (2, 4, 5)
    live = tokens != 0
    np.testing.assert_allclose(weights[live].sum(-1), 1.0, atol=1e-5)
    assert (weights[0, :, 3:] == 0).all()  # padded source positions: exactly zero weight
    # and the padding does not change the answer
    alone, alone_weights = GreedyDecoder(model)(src[:1, :3], max_length=4, return_attention=True)
    np.testing.assert_array_equal(alone, tokens[:1])
    np.testing.assert_allclose(alone_weights[0], weights[0, :, :3], atol=1e-6)


def test_greedy_decoders_never_retrace(caplog):
    """One compiled search per decoder serves every batch size, source length and max_length, so
    TensorFlow's "triggered tf.function retracing" warning (notebook 04 printed it, for several
    decoders and shapes) never comes; the greedy loop is helpers.decoding.greedy_search."""
    import logging

    helpers.set_seed(0)
    rng = np.random.default_rng(0)
    models = [build_seq2seq(9, 7, embed_dim=4, units=8) for _ in range(3)]
    models += [build_attention_seq2seq(9, 7, embed_dim=4, units=8, score=s) for s in ("dot", "additive")]
    shapes = [(3, 5), (7, 9), (2, 4), (6, 3), (1, 7), (5, 2)]
    with caplog.at_level(logging.WARNING, logger="tensorflow"):
        for model, (batch, length) in zip(models * 2, shapes * 2):  # a new decoder per call
            src = rng.integers(4, 9, (batch, length)).astype(np.int32)
            assert GreedyDecoder(model)(src, max_length=length + 1, batch_size=4).shape == (batch, length + 1)
            assert GreedyDecoder(model).encode(src)[0].shape == (batch, 8)
        decoder = GreedyDecoder(models[0])
        for batch, length in shapes:  # one decoder, every shape
            decoder(rng.integers(4, 9, (batch, length)).astype(np.int32), max_length=length)
    assert not [r for r in caplog.records if "retracing" in r.getMessage()]


def test_unknown_attention_score():
    with pytest.raises(ValueError, match="score must be one of"):
        build_attention_seq2seq(9, 7, score="cosine")


def test_date_vocabularies_cover_every_format():
    import datetime

    from helpers.data import DATE_FORMATS, generate_dates

    source, target = date_vocabularies()
    for human, iso in generate_dates(2000, seed=3):
        assert not source.unknown_characters(human), human
        assert not target.unknown_characters(iso)
    assert DATE_FORMATS["weekday_month_d_yyyy_upper"](datetime.date(1984, 9, 25)) == "TUESDAY, SEPTEMBER 25, 1984"


def test_translate_dates_interface(tmp_path):
    source, target = date_vocabularies()
    helpers.set_seed(0)
    model = build_attention_seq2seq(source.size, target.size, embed_dim=4, units=8)
    isos, matrices = translate_dates(model, ["Sep 27, 1994", "1/2/03"], return_attention=True)
    assert len(isos) == 2 and all(isinstance(i, str) for i in isos)
    assert matrices[0].shape == (min(len(isos[0]) + 1, 12), len("Sep 27, 1994"))
    path = tmp_path / "dates.keras"
    model.save(path)
    assert translate_dates(str(path), ["Sep 27, 1994", "1/2/03"]) == isos  # file and model agree
    assert translate_dates(model, []) == []
    from helpers.models import greedy_decoder_for
    assert greedy_decoder_for(model) is greedy_decoder_for(model)  # compiled once, reused
    with pytest.raises(TypeError, match="list of strings"):
        translate_dates(model, "Sep 27, 1994")
    with pytest.raises(FileNotFoundError, match="no model file"):
        translate_dates(tmp_path / "missing.keras", ["Sep 27, 1994"])


# --- helpers.metrics ----------------------------------------------------------------------

def test_exact_match_and_accuracy_by_length():
    assert exact_match(["a", "b", "c", "d"], ["a", "x", "c", "y"]) == 0.5
    table = accuracy_by_length(["a", "bb", "cc", "ddd"], ["a", "bb", "cx", "dxd"], [1, 2, 2, 3], bins=[1, 2, 4, 9])
    assert table["examples"].tolist() == [1, 3]
    assert table["accuracy"].tolist() == [1.0, 1 / 3]
    assert table[["length_from", "length_to"]].values.tolist() == [[1, 1], [2, 3]]
    assert table["char_accuracy"].tolist() == pytest.approx([1.0, (1 + 1 / 2 + 2 / 3) / 3])
    assert char_accuracy("abc", "abd") == pytest.approx(2 / 3)
    assert char_accuracy("ab", "abcd") == 0.5 and char_accuracy("", "") == 1.0
    with pytest.raises(ValueError):
        exact_match(["a"], ["a", "b"])
    with pytest.raises(ValueError):
        exact_match([], [])
    with pytest.raises(ValueError):
        accuracy_by_length(["a"], ["a"], [1, 2], bins=[0, 5])


# --- helpers.runtime ----------------------------------------------------------------------

def test_profiles(monkeypatch):
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    assert helpers.profile() == "full" and helpers.pick(full=1, quick=2) == 1
    monkeypatch.setenv("COURSE_PROFILE", "quick")
    assert helpers.pick(full=1, quick=2) == 2
    monkeypatch.setenv("COURSE_PROFILE", "fast")
    with pytest.raises(ValueError, match="full, quick"):
        helpers.profile()


def test_artifacts_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_ARTIFACTS_DIR", str(tmp_path / "a"))
    assert helpers.artifacts_dir() == tmp_path / "a" and (tmp_path / "a").is_dir()
    monkeypatch.delenv("COURSE_ARTIFACTS_DIR")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    assert helpers.artifacts_dir() == tmp_path / "artifacts"


def test_compare_scores_one_row_per_score_and_seed_reproducible_and_refuses_overlap():
    from helpers.data import date_splits
    from helpers.models import compare_scores, score_summary

    train, validation = date_splits(300, 60, seed=0)
    sizes = dict(units=8, embed_dim=4, batch_size=64, epochs=1)
    runs = compare_scores(train, validation, [0, 1], scores=["dot", "general"], **sizes)
    assert list(zip(runs.score, runs.seed)) == [("dot", 0), ("general", 0), ("dot", 1), ("general", 1)]
    assert runs["exact match"].between(0, 1).all() and (runs["seconds / epoch"] > 0).all()
    again = compare_scores(train, validation, [1], scores=["general"], **sizes)
    assert again["exact match"].item() == runs["exact match"].iloc[3]      # seeded: the same run again
    table = score_summary(runs)
    assert list(table.index) == ["dot", "general"]
    assert table.loc["dot", "exact_min"] == runs[runs.score == "dot"]["exact match"].min()
    with pytest.raises(ValueError, match="share 10 calendar dates"):
        compare_scores(train, train[:10], [0], scores=["dot"], **sizes)
    same_day = [("another format", train[0][1])]
    with pytest.raises(ValueError, match="share 1 calendar dates"):   # a date in another format is no held-out date
        compare_scores(train, same_day, [0], scores=["dot"], **sizes)
