"""English-Spanish sentence pairs (Tatoeba, packaged by manythings.org/anki) as a DataFrame.

This is the ``spa-eng.zip`` that TensorFlow's "NMT with attention" tutorial and the Keras
English-to-Spanish Transformer example use: the 2018-05-13 release, 118,964 lines of
``English<TAB>Spanish``. Licence: CC-BY 2.0 FR; attribution "www.manythings.org/anki and
tatoeba.org" (Tatoeba Project contributors). :func:`leak_free_split` splits the pairs for
training, validation and test so that no test sentence is ever trained on.

Where the data comes from (see :mod:`helpers.data._fetch`):

* ``COURSE_DATA_MIRROR`` set: ``<mirror>/spa-eng/spa-eng.zip`` if present, else
  ``<mirror>/spa-eng/spa.txt``, sha256-checked; the network is never used.
* otherwise: ``spa-eng.zip`` is downloaded once with ``keras.utils.get_file`` into
  ``<COURSE_CACHE_DIR>/spa-eng/`` (default ``~/.cache/attention-course/spa-eng/``) and checked
  against its sha256; ``spa-eng/spa.txt`` is read straight from the zip (nothing is extracted).

May import: :mod:`helpers.data._fetch`, :mod:`helpers.runtime`, :mod:`helpers.text.words`.
"""
from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.data._fetch import DataError, download, mirror_dir, mirror_file
from helpers.runtime import check_int
from helpers.text.words import preprocess

COLUMNS = ("english", "spanish")

# Where learners download from. Tests may monkeypatch these.
_ZIP_URL = "http://storage.googleapis.com/download.tensorflow.org/data/spa-eng.zip"
_ZIP_NAME = "spa-eng.zip"
_ZIP_SHA256 = "0c4fd7825d3d872488d38c157f784e035edab4f2ff0df25a2a208790ecb5b58f"
_ZIP_MEMBER = "spa-eng/spa.txt"


def load_spa_eng() -> pd.DataFrame:
    """Load the English-Spanish sentence pairs.

    Returns:
        A DataFrame with 118,964 rows in the file's order and columns ``english`` and
        ``spanish`` (str). The text is kept exactly as in the file (UTF-8: accents, ``¿``,
        ``¡``, ``«»`` and the original punctuation and capitalisation); nothing is stripped,
        lower-cased or normalised. The first row is ``("Go.", "Ve.")``. One English sentence
        often has several translations, each on its own row.

    Raises:
        DataError: a missing or damaged mirror file; a failed download with nothing cached;
            a damaged zip or a line that is not ``English<TAB>Spanish``.
    """
    mirror = mirror_dir()
    if mirror is None:
        archive = download(_ZIP_NAME, _ZIP_URL, _ZIP_SHA256, "spa-eng", "spa-eng")
        return _parse(_read_zip(archive, cached=True), archive)
    if (mirror / "spa-eng" / "spa-eng.zip").exists():
        archive = mirror_file(mirror, "spa-eng/spa-eng.zip", "spa-eng")
        return _parse(_read_zip(archive, cached=False), archive)
    if not (mirror / "spa-eng" / "spa.txt").exists():
        raise DataError(
            f"spa-eng mirror files {mirror / 'spa-eng' / 'spa-eng.zip'} and spa.txt are both "
            f"missing; set COURSE_DATA_MIRROR to a folder laid out like shared/data "
            f"(spa-eng/spa-eng.zip or spa-eng/spa.txt) or unset it to download."
        )
    text_path = mirror_file(mirror, "spa-eng/spa.txt", "spa-eng")
    return _parse(text_path.read_bytes(), text_path)


def _read_zip(path: Path, cached: bool) -> bytes:
    """The bytes of ``spa-eng/spa.txt`` inside the zip at ``path`` (CRC-checked by zipfile)."""
    fix = (
        "delete it and run again to download it afresh"
        if cached
        else "replace it with a fresh copy of shared/data/spa-eng/spa-eng.zip"
    )
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.read(_ZIP_MEMBER)
    except KeyError as e:
        raise DataError(f"spa-eng zip {path} has no member {_ZIP_MEMBER}; {fix}.") from e
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError) as e:
        raise DataError(f"spa-eng zip {path} is damaged ({type(e).__name__}: {e}); {fix}.") from e


def _parse(data: bytes, source: Path) -> pd.DataFrame:
    """Split ``English<TAB>Spanish`` lines (LF-separated UTF-8) into the DataFrame."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataError(
            f"spa-eng text in {source} is not valid UTF-8 ({e}); replace the file."
        ) from e
    lines = text.split("\n")  # not splitlines(): it would also split on U+2028, \x1c, ...
    if lines and lines[-1] == "":
        lines.pop()
    pairs = [line.split("\t") for line in lines]
    for number, pair in enumerate(pairs, start=1):
        if len(pair) != 2:
            raise DataError(
                f"spa-eng text in {source}, line {number}, is not 'English<TAB>Spanish' "
                f"({len(pair) - 1} tabs); replace the file with a fresh copy."
            )
    return pd.DataFrame(pairs, columns=list(COLUMNS))


def leak_free_split(pairs: pd.DataFrame, *, n_test: int = 2_000, n_validation: int = 2_000,
                    seed: int = 0) -> dict[str, pd.DataFrame]:
    """Split pairs so that no Spanish sentence of validation or test occurs in training.

    Sentences are compared after :func:`preprocess` (so "¿Qué?" and "¿qué?" are one sentence).
    ``n_test`` and ``n_validation`` count distinct Spanish sentences, drawn at random.

    Returns:
        ``{"train", "validation", "test"}`` DataFrames with columns ``spanish``, ``english`` (the
        original text) and ``source``, ``target`` (preprocessed). ``train`` and ``validation``
        have one row per pair; ``test`` has one row per distinct Spanish sentence, with
        ``references``: the list of ALL its English translations in the file (original text),
        which BLEU scores against.

    Raises ``TypeError`` unless ``pairs`` is a DataFrame and ``ValueError`` for sizes that are
    not integers >= 1, a ``seed`` that is not an integer >= 0, missing columns, or sizes that
    leave no training data.
    """
    if not isinstance(pairs, pd.DataFrame):
        raise TypeError("pairs must be a pandas DataFrame with columns 'spanish' and 'english' "
                        f"(e.g. helpers.data.load_spa_eng()), got {type(pairs).__name__}.")
    n_test, n_validation = check_int("n_test", n_test), check_int("n_validation", n_validation)
    seed = check_int("seed", seed, 0)
    missing = {"spanish", "english"} - set(pairs.columns)
    if missing:
        raise ValueError(f"pairs needs columns 'spanish' and 'english'; missing {sorted(missing)}.")
    df = pairs[["spanish", "english"]].copy()
    df["source"] = [preprocess(s) for s in df["spanish"]]
    df["target"] = [preprocess(s) for s in df["english"]]
    df = df[(df["source"] != "") & (df["target"] != "")]
    sentences = df["source"].unique()
    if n_test + n_validation >= len(sentences):
        raise ValueError(f"n_test + n_validation = {n_test + n_validation} leaves no training data "
                         f"({len(sentences)} distinct Spanish sentences).")
    rng = np.random.default_rng(seed)
    chosen = rng.permutation(len(sentences))
    test_set = set(sentences[chosen[:n_test]])
    validation_set = set(sentences[chosen[n_test:n_test + n_validation]])
    in_test = df["source"].isin(test_set)
    in_validation = df["source"].isin(validation_set)
    test = (df[in_test].groupby("source", sort=False)
            .agg(spanish=("spanish", "first"), english=("english", "first"),
                 target=("target", "first"), references=("english", list))
            .reset_index()[["spanish", "english", "source", "target", "references"]])
    return {
        "train": df[~in_test & ~in_validation].reset_index(drop=True),
        "validation": df[in_validation].reset_index(drop=True),
        "test": test,
    }
