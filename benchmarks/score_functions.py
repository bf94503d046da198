"""Notebook 04's score-function table: Luong's dot, general and concat scores and Bahdanau's
additive score, each trained on the same dates once per seed.

Every score trains a fresh bidirectional date translator of notebook 04's sizes with the same
small budget (the first ``COMPARE_TRAIN`` training dates of notebook 04's seed-0 split, ``EPOCHS``
epochs, Adam 3e-3 with gradients clipped to norm 1) and is scored by greedy exact match on
``COMPARE_VALIDATION`` dates of that training pool on calendar days it never trains on
(``helpers.data.held_out_dates``; the test dates stay untouched). Written to ``--json`` (default ``benchmarks/results/score_functions.json``, which
notebook 04's section 6 shows when its parameters match): the table per score, and one row per (score, seed) with parameters, seconds per epoch and
exact match. Printed: the mean, standard deviation and worst seed per score.

The table used to be computed inside notebook 04 (about 3 of its minutes on 2 cores); it moved
here to keep the course's test suite within its time budget (issue 11). Seconds per epoch compare
within one run only (one machine; other jobs on it shift all of them together).

Usage (from the repository root, the course's .venv; about 3 minutes on 2 cores)::

    python benchmarks/score_functions.py
    python benchmarks/score_functions.py --seeds 0 1 2 3 4 --json /tmp/scores.json
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import helpers  # noqa: E402

from helpers.data import date_splits, held_out_dates  # noqa: E402
from helpers.models import compare_scores, score_summary  # noqa: E402

# Notebook 04's parameters cell (full profile).
SPLIT_SEED, DATE_TRAIN, DATE_TEST = 0, 30_000, 5_000
UNITS, EMBED_DIM, BATCH_SIZE = 256, 32, 128
COMPARE_TRAIN, COMPARE_VALIDATION, EPOCHS = 10_000, 2_000, 2
DEFAULT_JSON = ROOT / "benchmarks" / "results" / "score_functions.json"


def card(seeds) -> dict:
    """What the table depends on; notebook 04 builds the same dictionary from its parameters."""
    return {"split_seed": SPLIT_SEED, "date_train": DATE_TRAIN, "date_test": DATE_TEST, "units": UNITS,
            "embed_dim": EMBED_DIM, "batch_size": BATCH_SIZE, "compare_train": COMPARE_TRAIN,
            "compare_validation": COMPARE_VALIDATION, "validation": "held_out_dates", "epochs": EPOCHS,
            "seeds": list(seeds)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args(argv)

    date_train, _ = date_splits(DATE_TRAIN, DATE_TEST, seed=SPLIT_SEED)
    start = time.perf_counter()
    compare_train, compare_validation = held_out_dates(date_train, COMPARE_TRAIN, COMPARE_VALIDATION)
    runs = compare_scores(compare_train, compare_validation, args.seeds, units=UNITS,
                          embed_dim=EMBED_DIM, batch_size=BATCH_SIZE, epochs=EPOCHS)
    table = score_summary(runs)
    args.json.write_text(json.dumps({"runs": [{
        "card": card(args.seeds), "seconds": round(time.perf_counter() - start, 1),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "table": table.reset_index().to_dict(orient="records"), "by_seed": runs.to_dict(orient="records")}]}, indent=1))
    print(runs.round(4).to_string())
    print(table.round(4).to_string())


if __name__ == "__main__":
    main()
