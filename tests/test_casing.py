"""helpers.text.casing.Recaser: case learned from cased training sentences (notebook 06's output)."""
import pytest

from helpers.text import Recaser, preprocess

TRAINING = ["I saw Tom in Boston.", "Where is Tom?", "Tom and Mary live in Boston.", "The dog is here.",
            "Is this the dog?", "We saw the US from here.", "I think I'm right.", "Tom and I saw it."]


@pytest.fixture(scope="module")
def recaser():
    return Recaser([preprocess(s, lowercase=False) for s in TRAINING])


def test_preprocess_can_keep_case():
    assert preprocess("¿Dónde está Tom?", lowercase=False) == "¿ Dónde está Tom ?"
    assert preprocess("¿Dónde está Tom?") == "¿ dónde está tom ?"


@pytest.mark.parametrize("lower, want", [
    ("where is tom ?", "Where is Tom?"),
    ("i saw mary in boston .", "I saw Mary in Boston."),
    ("the dog is here .", "The dog is here."),            # sentence-initial "The" does not make "the" cased
    ("is this the dog ?", "Is this the dog?"),
    ("we think i'm right .", "We think I'm right."),   # apostrophes stay inside a token
    ("tom saw [UNK] in zürich .", "Tom saw [UNK] in zürich."),   # unknown words and [UNK] stay as they are
    ("¿ dónde ?", "¿Dónde?"),                    # the first word, not the first token
    ("[UNK] is here .", "[UNK] is here."),
])
def test_restores_learned_case_capitalises_and_detokenises(recaser, lower, want):
    assert recaser(lower) == want


def test_forms_lists_only_words_whose_case_changes(recaser):
    assert recaser.forms["tom"] == "Tom" and recaser.forms["boston"] == "Boston" and recaser.forms["i"] == "I"
    assert "the" not in recaser.forms and "dog" not in recaser.forms


def test_lists_and_empty_input(recaser):
    assert recaser(["where", "is", "tom", "?"]) == "Where is Tom?"
    assert recaser("") == "" and recaser("   ") == ""
    assert recaser.recase(["where is tom ?", ""]) == ["Where is Tom?", ""]


def test_bad_input():
    with pytest.raises(TypeError):
        Recaser("I saw Tom.")            # one string, not a list of sentences
    with pytest.raises(ValueError, match="no words"):
        Recaser(["", "  "])
    recaser = Recaser(["Tom is here ."])
    with pytest.raises(TypeError):
        recaser(None)
    with pytest.raises(TypeError):
        recaser.recase("tom is here .")
