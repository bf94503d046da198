"""Output post-processing and its measures: unk replacement through attention
(helpers.decoding.replace_unknowns), cased BLEU with its signature and the repetition rate
(helpers.metrics)."""
import numpy as np
import pytest
import sacrebleu

from helpers.decoding import replace_unknowns
from helpers.metrics import bleu, repetition_rate


def test_replace_unknowns_copies_the_most_attended_source_token():
    source = ["Mi", "hermano", "vive", "en", "Buenos", "Aires", "."]
    tokens = ["my", "brother", "lives", "in", "[UNK]", "[UNK]", "."]
    weights = np.full((8, 7), 0.01)                      # one row more: the [END] step
    for t, j in enumerate([0, 1, 2, 3, 4, 5, 6]):
        weights[t, j] = 0.9
    assert replace_unknowns(tokens, weights, source) == ["my", "brother", "lives", "in", "Buenos", "Aires", "."]
    weights[5] = weights[4]                              # both unknowns attend to "Buenos"
    assert replace_unknowns(tokens, weights, source)[4:6] == ["Buenos", "Buenos"]
    assert replace_unknowns(["[UNK]"], np.eye(1), ["x"], unknown="<unk>") == ["[UNK]"]   # another marker
    assert replace_unknowns([], np.zeros((1, 2)), ["a", "b"]) == []


def test_replace_unknowns_leaves_its_inputs_alone():
    tokens, weights = ["[UNK]", "b"], np.eye(2)
    assert replace_unknowns(tokens, weights, ["A", "B"]) == ["A", "b"] and tokens == ["[UNK]", "b"]


@pytest.mark.parametrize("tokens, weights, source, error", [
    (["a", "[UNK]"], np.ones((1, 2)), ["x", "y"], ValueError),      # fewer rows than tokens
    (["[UNK]"], np.ones((1, 3)), ["x", "y"], ValueError),           # columns != source tokens
    (["[UNK]"], np.ones(2), ["x", "y"], ValueError),                # not 2-D
    ("[UNK]", np.ones((1, 1)), ["x"], TypeError),                   # a string, not a list of tokens
    (["[UNK]"], np.ones((1, 1)), None, TypeError),
])
def test_replace_unknowns_bad_input(tokens, weights, source, error):
    with pytest.raises(error):
        replace_unknowns(tokens, weights, source)


def test_bleu_cased_and_lowercased_with_signature():
    hyps = ["where is tom?", "The dog is here."]
    refs = [["Where is Tom?"], ["The dog is here.", "Here is the dog."]]
    lower = bleu(hyps, refs)
    cased, signature = bleu(hyps, refs, lowercase=False, signature=True)
    assert lower.score == pytest.approx(100)
    assert cased.score < lower.score
    streams = [["Where is Tom?", "The dog is here."], [None, "Here is the dog."]]
    assert cased.score == pytest.approx(sacrebleu.corpus_bleu(hyps, streams).score)   # sacreBLEU's own
    assert "case:mixed" in signature and "tok:13a" in signature and "version:" in signature
    assert "case:lc" in bleu(hyps, refs, signature=True)[1]


def test_repetition_rate_counts_outputs_with_a_repeated_ngram():
    texts = ["i think i think so .", "the cat sat on the mat .", "no no no", "a b c"]
    assert repetition_rate(texts, n=2) == pytest.approx(2 / 4)   # "i think" twice; "no no" twice
    assert repetition_rate(texts, n=1) == pytest.approx(3 / 4)   # "the" twice too
    assert repetition_rate(texts) == 0.0                          # n=3: no trigram twice
    assert repetition_rate(["go go go go"]) == 1.0               # "go go go" twice (overlapping)
    assert repetition_rate(["", "a"], n=2) == 0.0


@pytest.mark.parametrize("texts, n, error", [([], 3, ValueError), (["a"], 0, ValueError),
                                             ("a b a b", 2, TypeError), ([None], 2, TypeError)])
def test_repetition_rate_bad_input(texts, n, error):
    with pytest.raises(error):
        repetition_rate(texts, n=n)
