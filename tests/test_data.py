"""Tests for helpers.data: loaders (mirror, download, cache, every error path) and generators.

Offline by design. The real datasets are read from a mirror folder (``COURSE_DATA_MIRROR``, or
``shared/data`` beside the repository); the download path is exercised by serving a small
tarball built from real mirror reviews through ``file://`` URLs and a local HTTP server.
"""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import http.server
import io
import json
import os
import re
import shutil
import socket
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest

import helpers.data._fetch as fetch
import helpers.data.imdb as imdb_module
import helpers.data.spa_eng as spa_module
from helpers.data import (
    DATE_FORMATS,
    DataError,
    attention_column_data,
    date_splits,
    held_out_dates,
    digit_task,
    generate_dates,
    load_imdb,
    load_spa_eng,
)

MIRROR = Path(
    os.environ.get("COURSE_DATA_MIRROR")
    or Path(__file__).resolve().parents[1].parent / "shared" / "data"
)
NO_MIRROR = f"no dataset mirror at {MIRROR}: set COURSE_DATA_MIRROR to a copy of shared/data"
# Locally a missing mirror skips these tests; under CI (CI=true) it must not hide them: they run
# and fail with the loader's own message.
SKIP_WITHOUT_MIRROR = not (MIRROR / "imdb").is_dir() and not os.environ.get("CI")
needs_mirror = pytest.mark.skipif(SKIP_WITHOUT_MIRROR, reason=NO_MIRROR)


def _closed_port_url(name: str) -> str:
    """An http URL on 127.0.0.1 where nothing listens (connection refused, instantly)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/{name}"


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Every test gets an empty cache, no mirror, and download URLs that cannot reach out."""
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("COURSE_DATA_MIRROR", raising=False)
    monkeypatch.setattr(imdb_module, "_ARCHIVE_URL", _closed_port_url("aclImdb_v1.tar.gz"))
    monkeypatch.setattr(spa_module, "_ZIP_URL", _closed_port_url("spa-eng.zip"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def mirror(monkeypatch):
    if SKIP_WITHOUT_MIRROR:
        pytest.skip(NO_MIRROR)
    monkeypatch.setenv("COURSE_DATA_MIRROR", str(MIRROR))
    return MIRROR


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# --------------------------------------------------------------------------- IMDB via mirror


@pytest.mark.parametrize("split", ["train", "test"])
def test_imdb_split_from_mirror(mirror, split):
    df = load_imdb(split)
    assert list(df.columns) == ["id", "label", "rating", "text"]
    assert len(df) == 25_000
    assert df["label"].value_counts().to_dict() == {0: 12_500, 1: 12_500}
    assert df["rating"][df["label"] == 0].between(1, 4).all()
    assert df["rating"][df["label"] == 1].between(7, 10).all()
    for label in (0, 1):  # file order: sorted by (label, id), ids 0..12499 without gaps
        assert df["id"][df["label"] == label].tolist() == list(range(12_500))
    assert df["label"].is_monotonic_increasing
    if split == "train":
        row = df[(df["label"] == 1) & (df["id"] == 0)].iloc[0]
        assert row["text"].startswith("Bromwell High is a cartoon comedy.")
        assert row["rating"] == 9
    else:
        assert df.iloc[0]["text"].startswith("Once again Mr. Costner has dragged out a movie")


def test_imdb_bad_split_is_a_clear_error(mirror):
    with pytest.raises(DataError, match=r"'validation'.*'train' or 'test'"):
        load_imdb("validation")
    with pytest.raises(ValueError):  # DataArgumentError is also a ValueError
        load_imdb("valid")


# --------------------------------------------------------------------------- spa-eng via mirror


def _check_spa(df):
    assert list(df.columns) == ["english", "spanish"]
    assert len(df) == 118_964
    assert tuple(df.iloc[0]) == ("Go.", "Ve.")
    assert tuple(df.iloc[3]) == ("Go.", "Váyase.")  # accent kept
    assert tuple(df.iloc[4]) == ("Hi.", "Hola.")
    assert df["spanish"].str.startswith("¿").any() and df["spanish"].str.startswith("¡").any()
    assert df["spanish"].str.contains("ñ").any()
    assert "banjo" in df.iloc[-1]["english"] and "banjo" in df.iloc[-1]["spanish"]
    assert not df["english"].str.contains("\t|\n").any()


def test_spa_eng_from_mirror_zip(mirror):
    _check_spa(load_spa_eng())


def test_spa_eng_from_mirror_text_only(tmp_path, monkeypatch, mirror):
    (tmp_path / "m" / "spa-eng").mkdir(parents=True)
    shutil.copy(mirror / "spa-eng" / "spa.txt", tmp_path / "m" / "spa-eng" / "spa.txt")
    monkeypatch.setenv("COURSE_DATA_MIRROR", str(tmp_path / "m"))
    _check_spa(load_spa_eng())


# --------------------------------------------------------------------------- mirror errors


def test_missing_mirror_files(tmp_path, monkeypatch):
    (tmp_path / "m").mkdir()
    monkeypatch.setenv("COURSE_DATA_MIRROR", str(tmp_path / "m"))
    missing = r"IMDB mirror file .*train\.jsonl\.gz is missing; set COURSE_DATA_MIRROR"
    with pytest.raises(DataError, match=missing):
        load_imdb("train")
    with pytest.raises(DataError, match=r"spa-eng mirror files .* missing"):
        load_spa_eng()
    monkeypatch.setenv("COURSE_DATA_MIRROR", str(tmp_path / "nowhere"))
    with pytest.raises(DataError, match="is not a folder"):
        load_imdb()


def test_checksum_mismatch(tmp_path, monkeypatch, mirror):
    spa = (mirror / "spa-eng" / "spa.txt").read_bytes()
    (tmp_path / "m" / "spa-eng").mkdir(parents=True)
    (tmp_path / "m" / "spa-eng" / "spa.txt").write_bytes(spa.replace(b"Ve.", b"Va.", 1))
    (tmp_path / "m" / "imdb").mkdir()
    (tmp_path / "m" / "imdb" / "test.jsonl.gz").write_bytes(gzip.compress(b'{"id": 0}\n'))
    monkeypatch.setenv("COURSE_DATA_MIRROR", str(tmp_path / "m"))
    with pytest.raises(DataError, match=r"spa\.txt has sha256 [0-9a-f]{64}, expected 6ec60e"):
        load_spa_eng()
    with pytest.raises(DataError, match=r"test\.jsonl\.gz has sha256 .* replace it"):
        load_imdb("test")


def test_corrupt_gzip_and_zip(tmp_path, monkeypatch, mirror):
    """Damaged files whose checksum is (pretended to be) right still give a DataError."""
    m = tmp_path / "m"
    (m / "imdb").mkdir(parents=True)
    (m / "spa-eng").mkdir()
    half = (mirror / "imdb" / "train.jsonl.gz").read_bytes()[:200_000]  # truncated gzip
    (m / "imdb" / "train.jsonl.gz").write_bytes(half)
    (m / "imdb" / "test.jsonl.gz").write_bytes(b"not gzip at all")
    (m / "spa-eng" / "spa-eng.zip").write_bytes(b"PK\x03\x04 this is no zip")
    sums = dict(fetch._MIRROR_SHA256)
    for rel in ("imdb/train.jsonl.gz", "imdb/test.jsonl.gz", "spa-eng/spa-eng.zip"):
        sums[rel] = hashlib.sha256((m / rel).read_bytes()).hexdigest()
    monkeypatch.setattr(fetch, "_MIRROR_SHA256", sums)
    monkeypatch.setenv("COURSE_DATA_MIRROR", str(m))
    for split in ("train", "test"):
        with pytest.raises(DataError, match=rf"IMDB file .*{split}\.jsonl\.gz is damaged"):
            load_imdb(split)
    with pytest.raises(DataError, match=r"spa-eng zip .* is damaged"):
        load_spa_eng()


# --------------------------------------------------------------------------- download path


@pytest.fixture(scope="module")
def small_imdb(tmp_path_factory):
    """A tiny aclImdb_v1.tar.gz made of real mirror reviews, and the bytes it must convert to.

    Per split: the first two reviews of each label plus the first non-ASCII one, packed in a
    scrambled order next to files the loader must skip (README, unsup/, labeledBow.feat).
    """
    if SKIP_WITHOUT_MIRROR:
        pytest.skip(NO_MIRROR)
    folder = tmp_path_factory.mktemp("origin")
    expected, members = {}, []
    for split in ("train", "test"):
        chosen, have_non_ascii = {}, False
        with gzip.open(MIRROR / "imdb" / f"{split}.jsonl.gz", "rb") as f:
            for line in f:
                rec = json.loads(line)
                if rec["id"] < 2 or (not have_non_ascii and not line.isascii()):
                    chosen[(rec["label"], rec["id"])] = line
                    have_non_ascii |= not line.isascii()
                if rec["label"] == 1 and rec["id"] >= 1:
                    break
        assert any(not v.isascii() for v in chosen.values())
        expected[split] = b"".join(chosen[k] for k in sorted(chosen))
        for line in chosen.values():
            rec = json.loads(line)
            folder_name = "pos" if rec["label"] else "neg"
            name = f"aclImdb/{split}/{folder_name}/{rec['id']}_{rec['rating']}.txt"
            members.append((name, rec["text"].encode("utf-8")))
    members.reverse()  # not in (label, id) order: the loader must sort
    members += [
        ("aclImdb/README", b"readme"),
        ("aclImdb/train/unsup/0_0.txt", b"unlabelled review"),
        ("aclImdb/train/labeledBow.feat", b"0 0:1"),
    ]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    archive = folder / "aclImdb_v1.tar.gz"
    archive.write_bytes(buf.getvalue())
    return {
        "bytes": buf.getvalue(),
        "sha256": hashlib.sha256(buf.getvalue()).hexdigest(),
        "expected": expected,
    }


@pytest.fixture
def served_imdb(small_imdb, tmp_path, monkeypatch):
    """Point the IMDB loader at a fresh copy of the small tarball via a file:// URL."""
    origin = tmp_path / "origin" / "aclImdb_v1.tar.gz"
    origin.parent.mkdir()
    origin.write_bytes(small_imdb["bytes"])
    monkeypatch.setattr(imdb_module, "_ARCHIVE_URL", origin.as_uri())
    monkeypatch.setattr(imdb_module, "_ARCHIVE_SHA256", small_imdb["sha256"])
    monkeypatch.setattr(
        imdb_module,
        "_CONVERTED_SHA256",
        {s: hashlib.sha256(b).hexdigest() for s, b in small_imdb["expected"].items()},
    )
    return origin


def test_download_convert_and_cache_hit(served_imdb, small_imdb, tmp_path, recwarn):
    cache = tmp_path / "cache" / "imdb"
    df = load_imdb("train")
    rows = [json.loads(line) for line in small_imdb["expected"]["train"].splitlines()]
    assert df.to_dict("records") == rows
    assert list(df.columns) == ["id", "label", "rating", "text"]
    assert _files(cache) == ["aclImdb_v1.tar.gz", "test.jsonl.gz", "train.jsonl.gz"]
    for split in ("train", "test"):  # the converted files hold exactly the mirror's lines
        converted = gzip.decompress((cache / f"{split}.jsonl.gz").read_bytes())
        assert converted == small_imdb["expected"][split]
    assert not [w for w in recwarn if "reference copy" in str(w.message)]
    served_imdb.unlink()  # the origin is gone: the cache must serve
    test = load_imdb("test")
    assert len(test) == len(small_imdb["expected"]["test"].splitlines())
    assert set(test["label"]) == {0, 1}


def test_conversion_that_differs_from_reference_warns(served_imdb, monkeypatch):
    monkeypatch.setattr(imdb_module, "_CONVERTED_SHA256", {"train": "0" * 64, "test": None})
    with pytest.warns(UserWarning, match="differs from the course's reference copy"):
        load_imdb("train")


def test_offline_without_cache(tmp_path):
    offline = r"could not download IMDB from http://127\.0\.0\.1.*no verified copy is cached"
    with pytest.raises(DataError, match=offline):
        load_imdb("train")
    with pytest.raises(DataError, match=r"could not download spa-eng"):
        load_spa_eng()
    assert _files(tmp_path / "cache") == []


def test_download_hash_mismatch_leaves_nothing(served_imdb, tmp_path, monkeypatch):
    monkeypatch.setattr(imdb_module, "_ARCHIVE_SHA256", "0" * 64)
    with pytest.raises(DataError, match=r"does not have the expected sha256 0{64}.*deleted"):
        load_imdb("train")
    assert _files(tmp_path / "cache") == []  # Keras leaves the bad file; the loader removes it


def test_truncated_transfer_leaves_nothing(small_imdb, tmp_path, monkeypatch):
    """A server that closes the connection half-way: no partial file may stay in the cache."""
    data = small_imdb["bytes"]

    class HalfHandler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), HalfHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/aclImdb_v1.tar.gz"
        monkeypatch.setattr(imdb_module, "_ARCHIVE_URL", url)
        monkeypatch.setattr(imdb_module, "_ARCHIVE_SHA256", small_imdb["sha256"])
        with pytest.raises(DataError, match="could not download IMDB"):
            load_imdb("train")
    finally:
        server.shutdown()
        server.server_close()
    assert _files(tmp_path / "cache") == []


def test_half_finished_cached_archive_is_downloaded_again(served_imdb, small_imdb, tmp_path):
    cache = tmp_path / "cache" / "imdb"
    cache.mkdir(parents=True)
    (cache / "aclImdb_v1.tar.gz").write_bytes(small_imdb["bytes"][:100])  # e.g. a killed download
    assert len(load_imdb("train")) == len(small_imdb["expected"]["train"].splitlines())
    assert (cache / "aclImdb_v1.tar.gz").read_bytes() == small_imdb["bytes"]


def test_interrupted_conversion_leaves_no_converted_file(served_imdb, tmp_path, monkeypatch):
    class Interrupted(gzip.GzipFile):
        def write(self, data):
            super().write(data[:10])
            raise RuntimeError("simulated interruption")

    monkeypatch.setattr(imdb_module.gzip, "GzipFile", Interrupted)
    with pytest.raises(RuntimeError, match="simulated interruption"):
        load_imdb("train")
    assert _files(tmp_path / "cache") == ["aclImdb_v1.tar.gz"]  # no .jsonl.gz, no temp file


def test_damaged_archive_with_matching_hash(small_imdb, tmp_path, monkeypatch):
    bad = tmp_path / "origin.tar.gz"
    bad.write_bytes(small_imdb["bytes"][: len(small_imdb["bytes"]) // 2])
    monkeypatch.setattr(imdb_module, "_ARCHIVE_URL", bad.as_uri())
    bad_sha = hashlib.sha256(bad.read_bytes()).hexdigest()
    monkeypatch.setattr(imdb_module, "_ARCHIVE_SHA256", bad_sha)
    with pytest.raises(DataError, match=r"IMDB archive .* is damaged"):
        load_imdb("test")
    assert not list((tmp_path / "cache" / "imdb").glob("*.jsonl.gz"))


def test_damaged_cached_conversion(served_imdb, tmp_path):
    load_imdb("train")
    cached = tmp_path / "cache" / "imdb" / "test.jsonl.gz"
    cached.write_bytes(cached.read_bytes()[:-12])  # lose the gzip trailer (CRC and size)
    with pytest.raises(DataError, match=r"test\.jsonl\.gz is damaged .*delete it and run again"):
        load_imdb("test")


@needs_mirror
def test_spa_eng_download_and_cache_hit(tmp_path, monkeypatch):
    origin = tmp_path / "origin" / "spa-eng.zip"
    origin.parent.mkdir()
    shutil.copy(MIRROR / "spa-eng" / "spa-eng.zip", origin)
    monkeypatch.setattr(spa_module, "_ZIP_URL", origin.as_uri())  # the real sha256 stays
    first = load_spa_eng()
    assert _files(tmp_path / "cache" / "spa-eng") == ["spa-eng.zip"]
    origin.unlink()
    again = load_spa_eng()
    assert len(first) == len(again) == 118_964
    assert tuple(again.iloc[3]) == ("Go.", "Váyase.")


# --------------------------------------------------------------------------- dates

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]  # fmt: skip
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
# %M% full month, %m% 3-letter month, %W% full weekday, %w% 3-letter weekday (filled per case)
PATTERNS = {
    "month_d_yyyy": r"(?P<month>%M%) (?P<day>[1-9]\d?), (?P<year>\d\d\d\d)",
    "mon_d_yyyy": r"(?P<mon>%m%) (?P<day>[1-9]\d?), (?P<year>\d\d\d\d)",
    "weekday_month_d_yyyy": (
        r"(?P<weekday>%W%), (?P<month>%M%) (?P<day>[1-9]\d?), (?P<year>\d\d\d\d)"
    ),
    "wkd_mon_d_yyyy": r"(?P<wkd>%w%), (?P<mon>%m%) (?P<day>[1-9]\d?), (?P<year>\d\d\d\d)",
    "m/d/yy": r"(?P<m>[1-9]\d?)/(?P<day>[1-9]\d?)/(?P<yy>\d\d)",
    "mm/dd/yyyy": r"(?P<m>\d\d)/(?P<day>\d\d)/(?P<year>\d\d\d\d)",
    "iso": r"(?P<year>\d\d\d\d)-(?P<m>\d\d)-(?P<day>\d\d)",
    "d_month_yyyy": r"(?P<day>[1-9]\d?) (?P<month>%M%) (?P<year>\d\d\d\d)",
    "d_mon_yyyy": r"(?P<day>[1-9]\d?) (?P<mon>%m%) (?P<year>\d\d\d\d)",
    "yyyy.mm.dd": r"(?P<year>\d\d\d\d)\.(?P<m>\d\d)\.(?P<day>\d\d)",
}
CASES = {"lower": str.lower, "title": lambda s: s, "upper": str.upper}


def _pattern(name):
    """The compiled regex for a format name; names are only accepted in the format's case."""
    base, _, case = name.rpartition("_")
    if not (case in CASES and base in PATTERNS):
        base, case = name, "title"
    f = CASES[case]
    regex = PATTERNS[base]
    for token, names in (("%M%", MONTHS), ("%m%", [m[:3] for m in MONTHS]),
                         ("%W%", WEEKDAYS), ("%w%", [w[:3] for w in WEEKDAYS])):  # fmt: skip
        regex = regex.replace(token, "|".join(f(n) for n in names))
    return re.compile(regex)


def _read_back(name, text):
    """The date a formatted string denotes, read with the format's regex (no library parser)."""
    match = _pattern(name).fullmatch(text)
    assert match, f"{name}: {text!r} does not look right"
    g = {k: v for k, v in match.groupdict().items() if v is not None}
    if "yy" in g:  # M/D/YY century rule
        year = (1900 if int(g["yy"]) >= 50 else 2000) + int(g["yy"])
    else:
        year = int(g["year"])
    if "m" in g:
        month = int(g["m"])
    else:
        month_text = (g.get("month") or g["mon"]).title()
        month = [m if "month" in g else m[:3] for m in MONTHS].index(month_text) + 1
    day = dt.date(year, month, int(g["day"]))
    weekday = g.get("weekday") or g.get("wkd")
    if weekday is not None:
        names = WEEKDAYS if "weekday" in g else [w[:3] for w in WEEKDAYS]
        assert weekday.title() == names[day.weekday()], f"{text!r}: wrong weekday"
    return day


def test_date_formats_examples():
    assert len(DATE_FORMATS) == 18
    d = dt.date(1994, 9, 27)  # a Tuesday
    rendered = {name: f(d) for name, f in DATE_FORMATS.items()}
    for text in ["september 27, 1994", "Sep 27, 1994", "SEPTEMBER 27, 1994",
                 "TUESDAY, SEPTEMBER 27, 1994", "tue, sep 27, 1994", "9/27/94", "09/27/1994",
                 "1994-09-27", "27 September 1994", "27 Sep 1994", "1994.09.27"]:  # fmt: skip
        assert text in rendered.values()
    assert DATE_FORMATS["m/d/yy"](dt.date(2007, 1, 5)) == "1/5/07"
    assert DATE_FORMATS["m/d/yy"](dt.date(1950, 12, 31)) == "12/31/50"
    assert DATE_FORMATS["m/d/yy"](dt.date(2049, 3, 4)) == "3/4/49"
    assert DATE_FORMATS["month_d_yyyy_title"](dt.date(2001, 7, 4)) == "July 4, 2001"


@pytest.mark.parametrize("name", list(DATE_FORMATS))
def test_each_format_looks_right_and_reads_back(name):
    for text, iso in generate_dates(150, seed=1, formats=[name]):
        assert re.fullmatch(r"(19[5-9]\d|20[0-4]\d)-\d\d-\d\d", iso)
        assert _read_back(name, text) == dt.date.fromisoformat(iso)


def test_generate_dates_mixes_all_formats_in_range():
    pairs = generate_dates(4000, seed=0)
    seen = set()
    for text, iso in pairs:
        day = dt.date.fromisoformat(iso)
        matching = {name for name, f in DATE_FORMATS.items() if f(day) == text}
        assert matching, f"{text!r} is in no format"
        seen |= matching
    assert seen == set(DATE_FORMATS)
    years = [int(iso[:4]) for _, iso in pairs]
    assert 1950 <= min(years) <= 1952 and 2047 <= max(years) <= 2049


def test_generate_dates_deterministic_and_validated():
    assert generate_dates(50, seed=3) == generate_dates(50, seed=3)
    assert generate_dates(50, seed=3) != generate_dates(50, seed=4)
    assert generate_dates(0) == []
    iso_only = generate_dates(5, formats="iso")  # a single name works as well as a list
    assert iso_only == [(iso, iso) for _, iso in iso_only]
    with pytest.raises(ValueError, match=r"n must be an integer >= 0"):
        generate_dates(-1)
    with pytest.raises(ValueError, match=r"unknown date format\(s\) \['dd-mm'\]"):
        generate_dates(3, formats=["iso", "dd-mm"])
    with pytest.raises(ValueError, match="formats is empty"):
        generate_dates(3, formats=[])


def test_date_splits_share_no_date():
    train, test = date_splits(3000, 600, seed=0)
    assert len(train) == 3000 and len(test) == 600
    assert not {iso for _, iso in train} & {iso for _, iso in test}
    assert (train, test) == date_splits(3000, 600, seed=0)
    assert date_splits(3000, 600, seed=1) != (train, test)
    small_train, small_test = date_splits(50, 1, seed=2)
    assert len(small_train) == 50 and len(small_test) == 1
    assert small_test[0][1] not in {iso for _, iso in small_train}
    assert date_splits(0, 0) == ([], [])
    assert len(date_splits(0, 5)[1]) == 5 and len(date_splits(5, 0)[0]) == 5
    with pytest.raises(ValueError, match="n_test must be an integer >= 0"):
        date_splits(10, -2)


def test_held_out_dates_never_repeat_a_training_date():
    pool, _ = date_splits(3000, 100, seed=0)
    repeated = {iso for _, iso in pool[:1000]} & {iso for _, iso in pool[-200:]}
    assert repeated                             # drawn with replacement, the tail repeats training dates
    train, validation = held_out_dates(pool, 1000, 200)
    assert train == pool[:1000] and len(validation) == 200
    assert not {iso for _, iso in train} & {iso for _, iso in validation}
    assert set(validation) <= set(pool[1000:]) and validation[-1] == [p for p in pool if p[1] not in
                                                                     {iso for _, iso in train}][-1]
    with pytest.raises(ValueError, match="asked for 1,000 and 2,500"):
        held_out_dates(pool, 1000, 2500)
    with pytest.raises(ValueError, match="n_validation must be an integer >= 1"):
        held_out_dates(pool, 1000, 0)


# --------------------------------------------------------------------------- digit task


def test_digit_task_copy_and_reverse():
    copy = digit_task(2000, min_len=3, max_len=9, seed=0)
    lengths = {len(s) for s, _ in copy}
    assert lengths == set(range(3, 10))
    assert all(s.isdigit() and s.isascii() and t == s for s, t in copy)
    reverse = digit_task(2000, min_len=3, max_len=9, seed=0, task="reverse")
    assert [s for s, _ in reverse] == [s for s, _ in copy]  # same seed, same sources
    assert all(t == s[::-1] for s, t in reverse)
    assert {len(s) for s, _ in digit_task(20, min_len=7, max_len=7)} == {7}
    assert digit_task(30, seed=1) == digit_task(30, seed=1) != digit_task(30, seed=2)
    assert all(5 <= len(s) <= 60 for s, _ in digit_task(200))
    assert digit_task(0) == []


def test_digit_task_validation():
    with pytest.raises(ValueError, match=r"min_len \(9\) must be <= max_len \(3\)"):
        digit_task(5, min_len=9, max_len=3)
    with pytest.raises(ValueError, match="unknown task 'sort'"):
        digit_task(5, task="sort")
    with pytest.raises(ValueError, match="n must be an integer >= 0"):
        digit_task(-5)
    with pytest.raises(ValueError, match="min_len must be an integer >= 1"):
        digit_task(5, min_len=0)


# --------------------------------------------------------------------------- attention column


def test_attention_column_data():
    x, y = attention_column_data(500, time_steps=12, input_dim=3, attention_column=4, seed=0)
    assert x.shape == (500, 12, 3) and x.dtype == np.float32
    assert y.shape == (500, 1) and y.dtype == np.int32
    assert set(np.unique(y)) == {0, 1}
    np.testing.assert_array_equal(x[:, 4, :], np.repeat(y, 3, axis=1).astype(np.float32))
    noise = np.delete(x, 4, axis=1)
    assert abs(noise.mean()) < 0.05 and 0.95 < noise.std() < 1.05
    again = attention_column_data(500, time_steps=12, input_dim=3, attention_column=4, seed=0)
    np.testing.assert_array_equal(again[0], x)
    default_x, default_y = attention_column_data(8)
    assert default_x.shape == (8, 20, 2) and default_y.shape == (8, 1)
    np.testing.assert_array_equal(default_x[:, 10, 0], default_y[:, 0])
    for bad in (12, -1):
        with pytest.raises(ValueError, match=r"attention_column must be an integer in \[0, 11\]"):
            attention_column_data(5, time_steps=12, attention_column=bad)
