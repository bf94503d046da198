"""Text: character vocabularies, review text, word-level sentences (one module each).

* :mod:`helpers.text.chars`: :class:`CharVocabulary` and its reserved ids (dates, digits: 01, 04);
* :mod:`helpers.text.reviews`: review cleaning, :class:`ReviewEncoder`, :func:`encode_cached` (05, 07);
* :mod:`helpers.text.words`: :func:`preprocess`, :func:`detokenize`, word vocabularies (06, 08);
* :mod:`helpers.text.casing`: :class:`Recaser`, case restored for lower-cased output (06).

May import: :mod:`helpers.runtime`.
"""
from helpers.text.casing import Recaser
from helpers.text.chars import END_ID, PAD_ID, SPECIAL_TOKENS, START_ID, UNK_ID, CharVocabulary
from helpers.text.reviews import ReviewEncoder, clean_text, encode_cached, standardize_review
from helpers.text.words import (END_TOKEN, OOV_ID, OOV_TOKEN, START_TOKEN, TUTORIAL_PATTERN, detokenize,
                                make_vocabulary, preprocess, tutorial_preprocess, word_vectorizer)

__all__ = ["CharVocabulary", "PAD_ID", "START_ID", "END_ID", "UNK_ID", "SPECIAL_TOKENS",
           "ReviewEncoder", "clean_text", "encode_cached", "standardize_review",
           "START_TOKEN", "END_TOKEN", "OOV_TOKEN", "OOV_ID", "TUTORIAL_PATTERN", "preprocess",
           "tutorial_preprocess", "detokenize", "make_vocabulary", "word_vectorizer", "Recaser"]
