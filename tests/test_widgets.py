"""The date translator widget: bad input gives a message, never a traceback."""
import matplotlib
import pytest

matplotlib.use("Agg")

import helpers
from helpers.seq2seq import build_attention_seq2seq, date_vocabularies
from helpers.widgets import MAX_DATE_CHARS, check_date_text, date_translator_widget


def test_check_date_text():
    assert check_date_text("Sep 27, 1994") == (None, None)
    error, _ = check_date_text("   ")
    assert "Type a date" in error
    error, _ = check_date_text("1" * (MAX_DATE_CHARS + 1))
    assert "characters" in error
    error, warning = check_date_text("27 sept. 1994 🎂")
    assert error is None and "'🎂'" in warning and "guess" in warning


@pytest.fixture(scope="module")
def tiny_translator():
    source, target = date_vocabularies()
    helpers.set_seed(0)
    return build_attention_seq2seq(source.size, target.size, embed_dim=4, units=8)


@pytest.mark.parametrize("text", ["", "Sep 27, 1994", "x" * 10_000, "💥💥", "27 décembre 1994", "?!"])
def test_widget_never_raises(tiny_translator, text, capsys):
    box, out = date_translator_widget(tiny_translator)
    box.value = text  # triggers the callback
    printed = capsys.readouterr().out
    if not text.strip():
        assert "Type a date" in printed
    elif len(text) > MAX_DATE_CHARS:
        assert "characters" in printed
    else:
        assert "->" in printed
