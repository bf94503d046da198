"""Where the course's datasets come from: a read-only mirror, or a download cache.

Two environment variables decide it:

``COURSE_DATA_MIRROR``
    A folder laid out like the course's ``shared/data`` (``imdb/train.jsonl.gz``,
    ``imdb/test.jsonl.gz``, ``spa-eng/spa-eng.zip`` or ``spa-eng/spa.txt``, ...). When it is set,
    loaders read *only* from it, check every file's sha256 against the checksums below, and never
    touch the network. CI and the tests point it at ``../shared/data``.
``COURSE_CACHE_DIR``
    Where downloads and their converted forms are kept when no mirror is set. Default
    ``~/.cache/attention-course``. The layout is the mirror's (``imdb/train.jsonl.gz``, ...), plus
    the original archives (``imdb/aclImdb_v1.tar.gz``, ``spa-eng/spa-eng.zip``).

Every failure a learner can hit (missing mirror file, checksum mismatch, no network and nothing
cached, a damaged archive, a bad argument to a loader) raises :class:`DataError` with one line
that says what went wrong and what to do.

May import: the standard library and ``keras.utils.get_file`` (no other helpers module).
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

MIRROR_ENV = "COURSE_DATA_MIRROR"
CACHE_ENV = "COURSE_CACHE_DIR"
DEFAULT_CACHE_DIR = Path("~/.cache/attention-course")

# sha256 of every mirror file a loader reads (the same values as shared/data/SHA256SUMS).
_MIRROR_SHA256 = {
    "imdb/train.jsonl.gz": "cb89a593518dddb6766aecc57ccf951e86561914d764664f3b7574c92e986565",
    "imdb/test.jsonl.gz": "421d813246bb500f40ef6f479b7d7e6850da093fd0413ed693e16cac365ed09c",
    "spa-eng/spa-eng.zip": "0c4fd7825d3d872488d38c157f784e035edab4f2ff0df25a2a208790ecb5b58f",
    "spa-eng/spa.txt": "6ec60e212f812ee3430f7568ea6f33b6fb080e32193c5952e8da0ee8ba45574c",
}


class DataError(RuntimeError):
    """A dataset could not be provided; the message says what went wrong and what to do."""


class DataArgumentError(DataError, ValueError):
    """A loader was called with a bad argument (e.g. ``split="validation"``).

    It is both a :class:`DataError` and a :class:`ValueError`, so either ``except`` catches it.
    """


def mirror_dir() -> Path | None:
    """The folder named by ``COURSE_DATA_MIRROR``, or ``None`` when the variable is unset/empty.

    Raises :class:`DataError` when the variable is set but does not name an existing folder.
    """
    value = os.environ.get(MIRROR_ENV, "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        raise DataError(
            f"{MIRROR_ENV}={value!r} is not a folder; point it at a folder laid out like "
            f"shared/data (imdb/train.jsonl.gz, spa-eng/spa.txt, ...) or unset it to download."
        )
    return path


def cache_dir() -> Path:
    """The download cache folder (``COURSE_CACHE_DIR``, default ``~/.cache/attention-course``).

    The folder is created if needed. Raises :class:`DataError` when it cannot be created or
    written to.
    """
    value = os.environ.get(CACHE_ENV, "").strip()
    path = Path(value).expanduser() if value else DEFAULT_CACHE_DIR.expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DataError(
            f"cannot create the data cache folder {path} ({e.strerror or e}); "
            f"set {CACHE_ENV} to a writable folder."
        ) from e
    if not os.access(path, os.W_OK):
        raise DataError(
            f"the data cache folder {path} is not writable; set {CACHE_ENV} to a writable folder."
        )
    return path


def sha256_file(path: str | os.PathLike, chunk_size: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def mirror_file(mirror: Path, relpath: str, what: str) -> Path:
    """Path of ``relpath`` inside the mirror, after checking that it exists and its sha256.

    ``what`` names the dataset in error messages (e.g. ``"IMDB"``).
    """
    path = mirror / relpath
    if not path.is_file():
        raise DataError(
            f"{what} mirror file {path} is missing; set {MIRROR_ENV} to a folder laid out like "
            f"shared/data (imdb/train.jsonl.gz, ...) or unset it to download."
        )
    expected = _MIRROR_SHA256[relpath]
    actual = sha256_file(path)
    if actual != expected:
        raise DataError(
            f"{what} mirror file {path} has sha256 {actual}, expected {expected}; the file is "
            f"damaged or a different version: replace it with a fresh copy of shared/{relpath}."
        )
    return path


def download(fname: str, origin: str, sha256: str, subdir: str, what: str) -> Path:
    """Download ``origin`` into ``<cache>/<subdir>/<fname>`` unless a verified copy is there.

    Uses ``keras.utils.get_file`` with ``file_hash=sha256``. In Keras 3 (``file_utils.get_file``)
    a cached copy is re-hashed on every call and downloaded again if it does not match, and a
    download that fails part-way is deleted; a completed download whose hash does not match
    raises but is left on disk, so this function deletes it. A half-finished or wrong file thus
    never counts as cached. Returns the path of the verified file.
    """
    import keras

    root = cache_dir()  # must exist and be writable, or get_file silently falls back to /tmp
    target = root / subdir / fname
    try:
        path = keras.utils.get_file(
            fname=fname,
            origin=origin,
            file_hash=sha256,
            hash_algorithm="sha256",
            cache_subdir=subdir,
            cache_dir=str(root),
        )
    except Exception as e:  # noqa: BLE001 - every failure becomes one actionable DataError
        hash_mismatch = isinstance(e, ValueError) and "hash" in str(e)
        with contextlib.suppress(OSError):
            target.unlink()
        if hash_mismatch:
            raise DataError(
                f"{what} download from {origin} does not have the expected sha256 {sha256} "
                f"(corrupted transfer, or the server changed the file); it was deleted: run "
                f"again, or set {MIRROR_ENV} to a folder holding a verified copy."
            ) from e
        reason = " ".join(str(e).split()) or type(e).__name__
        raise DataError(
            f"could not download {what} from {origin} ({reason}) and no verified copy is cached "
            f"in {target.parent}; connect to the internet and run again, or set {MIRROR_ENV} to "
            f"a folder laid out like shared/data."
        ) from e
    return Path(path)


@contextlib.contextmanager
def atomic_writer(path: Path):
    """Context manager yielding a binary file object that becomes ``path`` only on success.

    Writes go to a temporary file in the same folder, which is ``os.replace``-d onto ``path``
    when the block ends normally and deleted otherwise, so an interrupted write never leaves a
    file that looks complete.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
