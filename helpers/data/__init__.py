"""Datasets and generated tasks for the course, as DataFrames, lists of pairs or arrays.

Real datasets (downloaded once, or read from a local mirror)::

    load_imdb(split="train")   # IMDB reviews: id, label, rating, text (25,000 rows per split)
    load_spa_eng()             # English-Spanish pairs: english, spanish (118,964 rows)

Generated tasks (deterministic from ``seed``, no external data)::

    generate_dates(n, seed=0, formats=None)      # ("Tue, Sep 27, 1994", "1994-09-27") pairs
    date_splits(n_train, n_test, seed=0)          # train/test pairs with disjoint dates
    held_out_dates(pairs, n_train, n_validation)  # a validation set on dates train never saw
    DATE_FORMATS                                  # name -> function(date) -> str
    digit_task(n, min_len=5, max_len=60, seed=0, task="copy")   # digit copy / reverse
    attention_column_data(n, time_steps=20, input_dim=2, attention_column=10, seed=0)

Splits and batches::

    leak_free_split(pairs, n_test=2_000, n_validation=2_000, seed=0)   # no test sentence in training
    length_bucketed_dataset(features, targets, batch_size=64, seed=0) # tf.data, padded per batch

Environment variables:

``COURSE_DATA_MIRROR``
    A folder laid out like the course's ``shared/data``; when set, loaders read only from it
    (sha256-checked) and never use the network. CI and tests set it to ``../shared/data``.
``COURSE_CACHE_DIR``
    Where downloads and converted files are cached; default ``~/.cache/attention-course``.

Every loader failure raises :class:`DataError` with one line saying what went wrong and what to
do. See ``data/README.md`` for sources, licences and citations.

May import: :mod:`helpers.runtime`, :mod:`helpers.text`.
"""
from helpers.data._fetch import CACHE_ENV, MIRROR_ENV, DataArgumentError, DataError, cache_dir
from helpers.data.dates import DATE_FORMATS, date_splits, generate_dates, held_out_dates
from helpers.data.imdb import load_imdb
from helpers.data.batching import length_bucketed_dataset, length_sorted_batches
from helpers.data.spa_eng import leak_free_split, load_spa_eng
from helpers.data.synthetic import attention_column_data, digit_task

__all__ = [
    "CACHE_ENV",
    "DATE_FORMATS",
    "DataArgumentError",
    "DataError",
    "MIRROR_ENV",
    "attention_column_data",
    "cache_dir",
    "date_splits",
    "held_out_dates",
    "digit_task",
    "generate_dates",
    "leak_free_split",
    "length_bucketed_dataset", "length_sorted_batches",
    "load_imdb",
    "load_spa_eng",
]
