"""Case for lower-cased output (notebook 06): a recaser learned from cased training sentences.

The translator reads and writes lower case (:func:`helpers.text.words.preprocess`), so "where is
tom ?" must become "Where is Tom?" before anyone reads it or scores it against normally written
English. :class:`Recaser` does what Moses' ``train-truecaser.perl`` and ``detruecase.perl`` do,
the learning done by sacremoses, a well-kept port of the first script:

1. **learn** from cased, tokenised training targets the most frequent form of every word,
   counting only words that do not start a sentence (there "The" says nothing about "the");
2. **truecase** each output word to that form ("tom" -> "Tom", "i" -> "I"); unknown words and
   ``[UNK]`` stay as they are;
3. **capitalise** the first word of the sentence (the first token with a letter, so a leading
   quote or ``¿`` does not hide it), then join the tokens with
   :func:`helpers.text.words.detokenize` ("Where is Tom?").

>>> recaser = Recaser([preprocess(s, lowercase=False) for s in ["I saw Tom.", "Where is Tom?"]])
>>> recaser("where is tom ?")
'Where is Tom?'

May import: :mod:`helpers.runtime`, :mod:`helpers.text.words` (and sacremoses, lazily).
"""
from __future__ import annotations

from collections.abc import Sequence

from helpers.runtime import check_strings
from helpers.text.words import OOV_TOKEN, detokenize

__all__ = ["Recaser"]


class Recaser:
    """Restores the case of lower-cased, space-tokenised sentences.

    Args:
        cased_sentences: training sentences tokenised like the model's output but with their
            case kept, e.g. ``preprocess(english, lowercase=False)`` for each training target.
            ``TypeError`` unless a list of strings; ``ValueError`` if it has no word.

    ``recaser(tokens)`` takes one space-separated string (or a list of tokens) and returns the
    cased, detokenised sentence; :meth:`recase` does the same for a list of sentences.
    ``forms`` maps a lower-cased word to the form it gets (only words whose form differs).
    """

    def __init__(self, cased_sentences: Sequence[str]):
        from sacremoses import MosesTruecaser

        sentences = check_strings("cased_sentences", cased_sentences)
        documents = [s.split() for s in sentences if s.split()]
        if not documents:
            raise ValueError("cased_sentences has no words to learn the case of.")
        best = MosesTruecaser().train(documents, possibly_use_first_token=False)["best"]
        self.forms = {word: form for word, form in best.items() if form != word}

    @classmethod
    def from_forms(cls, forms: dict) -> "Recaser":
        """A recaser from a saved :attr:`forms` mapping (no learning); ``{}`` only capitalises the
        first word. ``TypeError`` unless a dict of strings to strings."""
        if not isinstance(forms, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                  for k, v in forms.items()):
            raise TypeError(f"forms must be a dict mapping words to their cased forms, got {type(forms).__name__}.")
        recaser = cls.__new__(cls)
        recaser.forms = dict(forms)
        return recaser

    def __call__(self, tokens: Sequence[str] | str) -> str:
        text = tokens if isinstance(tokens, str) else " ".join(check_strings("tokens", tokens))
        words = text.split()
        if not words:
            return ""
        cased = [self.forms.get(w, w) for w in words]
        first = next((i for i, w in enumerate(cased) if any(ch.isalpha() for ch in w)), None)
        if first is not None and cased[first] != OOV_TOKEN:
            cased[first] = cased[first][0].upper() + cased[first][1:]
        return detokenize(cased)

    def recase(self, sentences: Sequence[str]) -> list[str]:
        """``[self(s) for s in sentences]``; ``TypeError`` unless a list of strings."""
        return [self(s) for s in check_strings("sentences", sentences)]
