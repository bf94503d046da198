"""Word-level text for the translators (notebooks 06, 08): sentence cleaning, detokenising, vocabularies.

* :func:`preprocess`: Unicode-normalised, lower-cased, punctuation split into tokens; accents,
  ``ñ``, ``ü``, ``¿`` and ``¡`` are kept (the tutorials' ``[^a-zA-Z?.!,¿]`` regex turns "aquí"
  into "aqu"; see :data:`TUTORIAL_PATTERN` and :func:`tutorial_preprocess`);
* :func:`detokenize` undoes the spacing of punctuation and quotes (sacremoses' Moses detokeniser;
  :mod:`helpers.text.casing` restores case);
* :func:`make_vocabulary` and :func:`word_vectorizer`: a frequency-ranked token list and the
  ``TextVectorization`` layer that maps tokens to ids with it.

Token strings and ids are kept apart by name: :data:`START_TOKEN` and :data:`END_TOKEN` are
strings (ids 2 and 3 of every vocabulary made here); :data:`PAD_ID` (0, the ``''`` token) and
:data:`OOV_ID` (1, ``'[UNK]'``) are ids.

May import: :mod:`helpers.runtime`, :mod:`helpers.text.chars` (and sacremoses, lazily).
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

import keras
import pandas as pd

from helpers.runtime import check_int, check_strings
from helpers.text.chars import PAD_ID

__all__ = ["START_TOKEN", "END_TOKEN", "OOV_TOKEN", "PAD_ID", "OOV_ID", "TUTORIAL_PATTERN",
           "preprocess", "tutorial_preprocess", "detokenize", "make_vocabulary", "word_vectorizer"]

START_TOKEN, END_TOKEN, OOV_TOKEN = "[START]", "[END]", "[UNK]"
OOV_ID = 1  # TextVectorization's id of '[UNK]' (its id 0, '', is padding: PAD_ID)

#: The character class of the original notebook and of TensorFlow's first NMT tutorial: every
#: run of characters outside it becomes a space, so "aquí" loses its "í" (unless accents were
#: stripped first, which turns "él" (he) and "el" (the) into the same word).
TUTORIAL_PATTERN = r"[^a-zA-Z?.!,¿]+"


_PUNCTUATION = "¿¡?!.,;:\""


_SPLIT_PUNCT = re.compile(f"([{re.escape(_PUNCTUATION)}])")


_DROP = re.compile(r"[^\w\s'" + re.escape(_PUNCTUATION) + "-]")


_QUOTES = str.maketrans({"’": "'", "‘": "'", "«": '"', "»": '"', "“": '"', "”": '"', "—": " ", "\u200b": ""})


def tutorial_preprocess(text: str) -> str:
    """The original notebook's cleaning (lower-case, then :data:`TUTORIAL_PATTERN`), for contrast."""
    text = re.sub(r"([?.!,¿])", r" \1 ", text.lower())
    return " ".join(re.sub(TUTORIAL_PATTERN, " ", text).split())


def preprocess(text: str, *, lowercase: bool = True) -> str:
    """Normalise one sentence into space-separated tokens, keeping every letter.

    NFKC Unicode normalisation (a decomposed "i" + combining acute accent becomes one "í";
    compatibility forms such as non-breaking spaces become plain ones), typographic quotes and
    dashes mapped to ASCII, lower case (unless ``lowercase=False``: what
    :class:`helpers.text.casing.Recaser` learns from), punctuation ``¿ ¡ ? ! . , ; : "`` split into tokens,
    any other symbol dropped; letters of every alphabet, digits, apostrophes and hyphens stay.

    >>> preprocess("¿Está aquí?")
    '¿ está aquí ?'
    """
    if not isinstance(text, str):
        raise TypeError(f"preprocess expects a str, got {type(text).__name__}.")
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = text.lower() if lowercase else text
    text = _DROP.sub(" ", text)
    text = _SPLIT_PUNCT.sub(r" \1 ", text)
    return " ".join(text.split())


def detokenize(tokens: Sequence[str] | str) -> str:
    """Join tokens back into normally spaced text with sacremoses' Moses detokeniser: no space
    before ``. , ? ! ; :``, none after ``¿ ¡``, quotes attached to what they enclose.

    >>> detokenize(['"', "hello", ",", '"', "he", "said", "."])
    '"hello," he said.'

    ``tokens``: a list of strings or one space-separated string (``TypeError`` otherwise).
    """
    words = tokens.split() if isinstance(tokens, str) else check_strings("tokens", tokens)
    return _moses_detokenizer().detokenize(list(words)) if words else ""


@functools.cache
def _moses_detokenizer():
    from sacremoses import MosesDetokenizer  # imported on first use: `import helpers` stays light

    return MosesDetokenizer(lang="en")


def make_vocabulary(texts: Sequence[str], max_tokens: int, *, min_count: int = 1) -> list[str]:
    """Most frequent whitespace tokens of preprocessed ``texts`` (ties alphabetical), at most
    ``max_tokens`` including ``''`` (padding, id 0) and ``[UNK]`` (id 1); :data:`START_TOKEN` and
    :data:`END_TOKEN` are always in. Tokens seen fewer than ``min_count`` times are left out.
    ``TypeError`` unless ``texts`` is a list of strings; ``ValueError`` unless ``max_tokens`` is
    an integer >= 5 and ``min_count`` one >= 1."""
    texts = check_strings("texts", texts)
    max_tokens = check_int("max_tokens", max_tokens, 5)
    min_count = check_int("min_count", min_count, 1)
    counts = pd.Series([t for text in texts for t in text.split()]).value_counts()
    counts = counts[counts >= min_count]
    words = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    words = [w for w, _ in words if w not in (START_TOKEN, END_TOKEN, OOV_TOKEN)]
    return ["", OOV_TOKEN, START_TOKEN, END_TOKEN] + words[: max_tokens - 4]


def word_vectorizer(vocabulary: list[str]) -> keras.layers.TextVectorization:
    """A ``TextVectorization`` layer (whitespace split, no standardisation) mapping tokens to
    their index in ``vocabulary`` (from :func:`make_vocabulary`); ``ValueError`` unless it starts
    with ``''`` and ``'[UNK]'`` and holds distinct tokens."""
    layer = keras.layers.TextVectorization(standardize=None, split="whitespace",
                                           output_mode="int", vocabulary=vocabulary[2:])
    if layer.get_vocabulary() != list(vocabulary):
        raise ValueError("vocabulary must start with '' and '[UNK]' and hold distinct tokens.")
    return layer
