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


# --- the Spanish translator widget (notebook 06) ------------------------------------------

@pytest.fixture(scope="module")
def tiny_spanish_translator():
    from helpers import translator as T

    helpers.set_seed(0)
    sources, targets = ["¿ dónde está ?", "hola ."], ["where is it ?", "hi ."]
    return T.Translator(T.make_vocabulary(sources, 50), T.make_vocabulary(targets, 50), embed_dim=4, units=4)


def test_check_spanish_text(tiny_spanish_translator):
    from helpers.widgets import MAX_SPANISH_TOKENS, check_spanish_text

    assert check_spanish_text("¿Dónde está?", tiny_spanish_translator) == (None, None)
    assert "Type a Spanish sentence" in check_spanish_text("  ", tiny_spanish_translator)[0]
    assert "no words" in check_spanish_text("¿?!...", tiny_spanish_translator)[0]
    assert "tokens" in check_spanish_text("hola " * (MAX_SPANISH_TOKENS + 1), tiny_spanish_translator)[0]
    error, warning = check_spanish_text("Hola, Pepito", tiny_spanish_translator)
    assert error is None and "pepito" in warning and "[UNK]" in warning


@pytest.mark.parametrize("text", ["", "¿Dónde está?", "hola " * 500, "?!¿", "zzz qqq", "💥"])
def test_spanish_widget_never_raises(tiny_spanish_translator, text, capsys):
    from helpers.widgets import spanish_translator_widget

    box, beam, out = spanish_translator_widget(tiny_spanish_translator)
    box.value = text
    beam.value = 3
    printed = capsys.readouterr().out
    if text.strip() and any(c.isalpha() for c in text) and len(text.split()) < 40:
        assert "->" in printed
    else:
        assert "Type" in printed or "no words" in printed


@pytest.mark.parametrize("labels, expected", [(list("9/27/94"), 0), (["quiero", "que", "tom", "diga", "que", "estaba"], 40),
                                              ([str(i) for i in range(13)], 90)])
def test_heatmap_label_rotation(labels, expected):
    import matplotlib.pyplot as plt
    import numpy as np

    from helpers.plots import attention_heatmap

    ax = attention_heatmap(np.full((2, len(labels)), 1 / len(labels)), x_labels=labels)
    assert ax.get_xticklabels()[0].get_rotation() == expected
    plt.close(ax.figure)
