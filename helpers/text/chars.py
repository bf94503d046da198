"""Character vocabularies (:class:`CharVocabulary`) for the character-level seq2seq tasks (dates, digits).

Ids 0-3 are reserved: ``0`` padding, ``1`` start-of-sequence, ``2`` end-of-sequence and ``3`` an
unknown character. Sequences are padded on the right (what cuDNN's LSTM/GRU kernels require
on a GPU) with id 0, so ``Embedding(mask_zero=True)`` masks exactly the padding.

May import: :mod:`helpers.runtime`.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import numpy as np

from helpers.runtime import check_int, check_strings

PAD_ID, START_ID, END_ID, UNK_ID = 0, 1, 2, 3  # ids; the strings are SPECIAL_TOKENS
SPECIAL_TOKENS = ("<pad>", "<start>", "<end>", "<unk>")


class CharVocabulary:
    """A fixed mapping between characters and integer ids (ids 0-3 are special, see module).

    >>> vocab = CharVocabulary.from_texts(["9/27/94", "1994-09-27"])
    >>> vocab.decode(vocab.encode(["9/27/94"], add_end=True))
    ['9/27/94']
    """

    def __init__(self, characters: Iterable[str]):
        if characters is None or not isinstance(characters, Iterable):
            raise TypeError("CharVocabulary takes the characters as a string or a list of "
                            f"single characters, e.g. CharVocabulary('0123456789'); got {characters!r:.40}.")
        chars = list(dict.fromkeys(characters))  # unique, order kept
        bad = [c for c in chars if not isinstance(c, str) or len(c) != 1]
        if bad:
            raise ValueError(f"CharVocabulary takes single characters; got {bad[:3]!r}.")
        self.characters = "".join(chars)
        self.tokens = list(SPECIAL_TOKENS) + chars
        self._index = {c: i + len(SPECIAL_TOKENS) for i, c in enumerate(chars)}

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> "CharVocabulary":
        """Build a vocabulary of every character in ``texts`` (sorted, so it is reproducible)."""
        return cls(sorted(set("".join(check_strings("texts", texts)))))

    @property
    def size(self) -> int:
        """Number of ids, the special ones included (the ``input_dim`` of an Embedding)."""
        return len(self.tokens)

    def __len__(self) -> int:
        return self.size

    def unknown_characters(self, text: str) -> list[str]:
        """Characters of ``text`` that the vocabulary does not know (they would map to ``<unk>``)."""
        return sorted({c for c in text if c not in self._index})

    def encode(self, texts: Sequence[str], *, add_start: bool = False, add_end: bool = False,
               length: int | None = None) -> np.ndarray:
        """Encode strings into an ``int32`` array of shape ``(len(texts), length)``, right-padded.

        ``length`` defaults to the longest encoded text. Unknown characters become ``UNK_ID``.
        ``TypeError`` unless ``texts`` is a list of strings; ``ValueError`` for a ``length`` that
        is not an integer >= 0 or is shorter than a text.
        """
        texts = check_strings("encode's texts", texts)
        if length is not None:
            length = check_int("length", length, 0)
        rows = [[START_ID] * add_start + [self._index.get(c, UNK_ID) for c in t] + [END_ID] * add_end
                for t in texts]
        longest = max((len(r) for r in rows), default=0)
        if length is None:
            length = longest
        elif longest > length:
            raise ValueError(f"a text encodes to {longest} ids, longer than length={length}.")
        out = np.zeros((len(rows), length), dtype=np.int32)
        for i, r in enumerate(rows):
            out[i, : len(r)] = r
        return out

    def decode(self, ids, *, stop_at_end: bool = True) -> list[str]:
        """Turn a 2-D array of ids back into strings, skipping padding/start and stopping at END_ID."""
        ids = np.asarray(ids)
        if ids.ndim != 2:
            raise ValueError(f"decode takes a 2-D array of ids (texts, positions), got shape {ids.shape}.")
        texts = []
        for row in ids:
            chars = []
            for i in row:
                i = int(i)
                if i == END_ID and stop_at_end:
                    break
                if i >= len(SPECIAL_TOKENS):
                    chars.append(self.tokens[i])
                elif i == UNK_ID:
                    chars.append("?")
            texts.append("".join(chars))
        return texts

    def to_json(self) -> str:
        """Serialise (to store next to a saved model)."""
        return json.dumps({"characters": self.characters})

    @classmethod
    def from_json(cls, text: str) -> "CharVocabulary":
        return cls(json.loads(text)["characters"])

    def __eq__(self, other) -> bool:
        return isinstance(other, CharVocabulary) and other.characters == self.characters

    def __repr__(self) -> str:
        return f"CharVocabulary(size={self.size}, characters={self.characters!r})"
