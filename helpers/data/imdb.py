"""IMDB Large Movie Review Dataset v1.0 (Maas et al., ACL 2011) as a pandas DataFrame.

Source: Stanford's ``aclImdb_v1.tar.gz`` (https://ai.stanford.edu/~amaas/data/sentiment/).
Cite: Andrew L. Maas, Raymond E. Daly, Peter T. Pham, Dan Huang, Andrew Y. Ng and Christopher
Potts. 2011. *Learning Word Vectors for Sentiment Analysis*. ACL-HLT 2011, pp. 142-150.

Where the data comes from (see :mod:`helpers.data._fetch`):

* ``COURSE_DATA_MIRROR`` set: ``<mirror>/imdb/{train,test}.jsonl.gz`` is read directly, after a
  sha256 check; the network is never used.
* otherwise: the official tarball (84 MB) is downloaded once with ``keras.utils.get_file`` into
  ``<COURSE_CACHE_DIR>/imdb/`` (default ``~/.cache/attention-course/imdb/``), checked against its
  sha256, and converted once, by streaming the tar (nothing is extracted), into the mirror's
  compact format ``<cache>/imdb/{train,test}.jsonl.gz``. Later loads read those files only.

The compact format: gzip of UTF-8 JSON Lines, one ``{"id", "label", "rating", "text"}`` object
per review, sorted by (label, id); ``text`` is the review file's bytes decoded as UTF-8, untouched
(the ``<br />`` tags are still there). The conversion writes exactly the bytes of the mirror's
files (``json.dumps(..., ensure_ascii=False)`` per line).

May import: :mod:`helpers.data._fetch`.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import re
import tarfile
import warnings
import zlib
from pathlib import Path

import pandas as pd

from helpers.data._fetch import (
    DataArgumentError,
    DataError,
    atomic_writer,
    cache_dir,
    download,
    mirror_dir,
    mirror_file,
)

SPLITS = ("train", "test")
COLUMNS = ("id", "label", "rating", "text")

# Where learners download from. Tests monkeypatch these to serve a small tarball locally.
_ARCHIVE_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
_ARCHIVE_NAME = "aclImdb_v1.tar.gz"
_ARCHIVE_SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
# sha256 of the *uncompressed* JSON Lines the conversion should produce (shared/data/SOURCES.md).
# A difference only warns: the tarball itself is already verified against Stanford's checksum.
_CONVERTED_SHA256 = {
    "train": "22c931623e67f3bdcd9935d0f5b568164a104a1bae7e7451e870d4257788cc66",
    "test": "bde59eb478b67f8646a76a95df08894faacb9eafa38ab43300f53ff33baae0a5",
}

_MEMBER = re.compile(r"^(?:\./)?aclImdb/(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")


def load_imdb(split: str = "train") -> pd.DataFrame:
    """Load one split of the labelled IMDB reviews.

    Args:
        split: ``"train"`` or ``"test"``.

    Returns:
        A DataFrame with 25,000 rows (12,500 per label) in the file's order (label, then id),
        columns ``id`` (int64, 0..12499 within each label), ``label`` (int64, 0 = negative,
        1 = positive), ``rating`` (int64, the reviewer's 1-4 or 7-10 stars) and ``text`` (str,
        the review exactly as distributed, including ``<br />`` tags).

    Raises:
        DataError: a missing or damaged mirror file; a failed download with
            nothing cached; a damaged archive or cache file. A bad ``split`` raises
            :class:`DataArgumentError` (a DataError and a ValueError).
    """
    if not isinstance(split, str) or split not in SPLITS:
        raise DataArgumentError(
            f"load_imdb(split={split!r}) is not a split; use 'train' or 'test'."
        )
    mirror = mirror_dir()
    if mirror is not None:
        path = mirror_file(mirror, f"imdb/{split}.jsonl.gz", "IMDB")
    else:
        path = cache_dir() / "imdb" / f"{split}.jsonl.gz"
        if not path.is_file():
            _download_and_convert()
    return _read_jsonl_gz(path, cached=mirror is None)


def _read_jsonl_gz(path: Path, cached: bool) -> pd.DataFrame:
    """Read a compact IMDB file (mirror or cache) into the DataFrame described in load_imdb."""
    fix = (
        f"delete it and run again to rebuild it from the download"
        if cached
        else "replace it with a fresh copy of shared/data"
    )
    try:
        with gzip.open(path, "rb") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        frame = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
        frame = frame.astype({"id": "int64", "label": "int64", "rating": "int64"})
    except (OSError, EOFError, zlib.error, ValueError, TypeError, KeyError) as e:
        raise DataError(f"IMDB file {path} is damaged ({type(e).__name__}: {e}); {fix}.") from e
    if frame[list(COLUMNS)].isna().any().any() or not set(frame["label"]) <= {0, 1}:
        raise DataError(f"IMDB file {path} has missing fields or labels other than 0/1; {fix}.")
    return frame


def _download_and_convert() -> None:
    """Download the tarball (if not cached) and write ``<cache>/imdb/{train,test}.jsonl.gz``."""
    archive = download(_ARCHIVE_NAME, _ARCHIVE_URL, _ARCHIVE_SHA256, "imdb", "IMDB")
    records = {split: [] for split in SPLITS}
    try:
        # "r|gz" streams the archive front to back: no seeking, nothing extracted to disk.
        with tarfile.open(archive, mode="r|gz") as tar:
            for member in tar:
                match = _MEMBER.match(member.name)
                if match is None or not member.isfile():
                    continue
                split, polarity, review_id, rating = match.groups()
                data = tar.extractfile(member).read()
                records[split].append(
                    {
                        "id": int(review_id),
                        "label": 1 if polarity == "pos" else 0,
                        "rating": int(rating),
                        "text": data.decode("utf-8"),
                    }
                )
    except (tarfile.TarError, OSError, EOFError, zlib.error, UnicodeDecodeError) as e:
        raise DataError(
            f"IMDB archive {archive} is damaged ({type(e).__name__}: {e}); delete it and run "
            f"again to download it afresh."
        ) from e
    for split in SPLITS:
        if not records[split]:
            raise DataError(
                f"IMDB archive {archive} holds no aclImdb/{split}/{{pos,neg}}/<id>_<rating>.txt "
                f"reviews; delete it and run again to download it afresh."
            )
    target = cache_dir() / "imdb"
    for split in SPLITS:
        rows = sorted(records[split], key=lambda r: (r["label"], r["id"]))
        payload = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
        expected = _CONVERTED_SHA256.get(split)
        if expected is not None and hashlib.sha256(payload).hexdigest() != expected:
            warnings.warn(
                f"IMDB {split} converted from {archive} differs from the course's reference copy "
                f"(sha256 of the JSON Lines is not {expected}); results may differ slightly from "
                f"the notebooks' committed outputs.",
                stacklevel=3,
            )
        with atomic_writer(target / f"{split}.jsonl.gz") as raw:
            # Same settings as the mirror's files: no file name, mtime 0, level 9.
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
                gz.write(payload)
