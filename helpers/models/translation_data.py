"""Notebook 06's training data in one call, for every model trained on it (06's GRU translator,
its no-attention baseline, 08's Transformer): :func:`prepare_translation_data`.

Notebook 06 builds these step by step, to teach each one; 08 and the benchmarks call this, so
that all of them train and test on exactly the same split, vocabularies and batches.

May import: :mod:`helpers.data`, :mod:`helpers.text`, :mod:`helpers.models.translator`.
"""
from __future__ import annotations

from helpers.data import leak_free_split, length_bucketed_dataset
from helpers.models.translator import Translator, teacher_forcing
from helpers.text import Recaser, make_vocabulary, preprocess

__all__ = ["prepare_translation_data"]


def prepare_translation_data(pairs, seed: int, *, n_test: int = 2_000, n_validation: int = 2_000,
                             source_vocab: int = 8_000, target_vocab: int = 6_000,
                             batch_size: int = 64, n_train: int | None = None) -> dict:
    """Notebook 06's data for ``seed`` (its defaults are 06's parameters).

    ``pairs``: :func:`helpers.data.load_spa_eng`'s table; ``n_train``: keep that many training
    pairs, drawn with ``seed`` (``None``: all of them, as 06 trains; a number for quick trials).
    Returns a dict:

    * ``"split"``: :func:`helpers.data.leak_free_split`'s ``train`` / ``validation`` / ``test``
      (no Spanish sentence in two of them; test sentences with all their references);
    * ``"source_vocabulary"``, ``"target_vocabulary"``: :func:`helpers.text.make_vocabulary` of
      the training sides (``source_vocab`` / ``target_vocab`` tokens);
    * ``"recaser"``: the :class:`helpers.text.Recaser` of the cased training targets;
    * ``"batches"``: the length-bucketed, shuffled (``seed``) ``tf.data`` training batches of
      ``((source ids (B, Ts), decoder inputs (B, Tt)), decoder targets (B, Tt))``.
    """
    split = leak_free_split(pairs, n_test=n_test, n_validation=n_validation, seed=seed)
    if n_train is not None:
        split["train"] = split["train"].sample(n_train, random_state=seed).reset_index(drop=True)
    train = split["train"]
    source_vocabulary = make_vocabulary(train.source, source_vocab)
    target_vocabulary = make_vocabulary(train.target, target_vocab)
    recaser = Recaser([preprocess(english, lowercase=False) for english in train.english])
    probe = Translator(source_vocabulary, target_vocabulary)  # its vectorizers only (no weights built)
    source_ids, decoder_inputs, decoder_targets = teacher_forcing(probe, train.source, train.target)
    batches = length_bucketed_dataset((source_ids, decoder_inputs), decoder_targets, batch_size=batch_size,
                                      seed=seed)
    return {"split": split, "source_vocabulary": source_vocabulary, "target_vocabulary": target_vocabulary,
            "recaser": recaser, "batches": batches}
