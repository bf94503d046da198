"""Notebook 07's second baseline over seeds: notebook 05's BiLSTM with the attention replaced by
the mean of its states (``pooling="mean"``), trained with exactly the same work.

For each seed: notebook 05's vocabulary (``make_encoder(COURSE, train texts)``), the 25,000
training reviews, ``train_classifier`` (the same epochs, schedule, batches and seed as notebook 05),
then the test accuracy on all 25,000 test reviews (``evaluate_ids``). Written to ``--json``
(default ``benchmarks/results/imdb_mean_pooled.json``): accuracy, training seconds, parameters,
and the run's card (seed, configuration, reviews, epochs). Notebook 07 uses the stored run of its
seed when its card matches the notebook's parameters, and trains the model itself otherwise (the
same code, about 4 minutes on 2 cores); this keeps the course's test suite within its time budget
(issue 11). The test split is scored once per seed, and nothing is chosen on it.

Usage (from the repository root, the course's .venv; about 4-5 minutes per seed on 2 cores)::

    python benchmarks/imdb_mean_pooled.py --seeds 0 1 2

Runs of other seeds already in the JSON file are kept.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import helpers  # noqa: E402

from helpers.data import load_imdb  # noqa: E402
from helpers.models import COURSE, build_classifier, evaluate_ids, make_encoder, train_classifier  # noqa: E402
from helpers.text import encode_cached  # noqa: E402

DEFAULT_JSON = ROOT / "benchmarks" / "results" / "imdb_mean_pooled.json"


def card(seed: int, train_reviews: int, test_reviews: int) -> dict:
    """What a stored run depends on; notebook 07 builds the same dictionary from its parameters."""
    return {"seed": seed, "config": COURSE.replace(pooling="mean").to_dict(), "train_reviews": train_reviews,
            "test_reviews": test_reviews, "epochs": COURSE.epochs}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args(argv)
    os.environ.setdefault("COURSE_DATA_MIRROR", str(ROOT.parent / "shared" / "data"))
    stored = json.loads(args.json.read_text()) if args.json.exists() else {"runs": []}
    runs = {r["card"]["seed"]: r for r in stored["runs"]}

    train_df, test_df = load_imdb("train"), load_imdb("test")
    encoder = make_encoder(COURSE, train_df.text)
    cache = helpers.artifacts_dir() / "cache"
    x_train = encode_cached(encoder, train_df.text, cache, "05_train")[0]
    x_test = encode_cached(encoder, test_df.text, cache, "05_test")[0]
    y_train, y_test = train_df.label.to_numpy("float32"), test_df.label.to_numpy()
    for seed in args.seeds:
        helpers.set_seed(seed)
        model = build_classifier(COURSE.replace(pooling="mean"), name="mean_pooled")
        _, epoch_seconds = train_classifier(model, COURSE, x_train, y_train, seed=seed)
        accuracy, _ = evaluate_ids(model, x_test, y_test)
        runs[seed] = {"card": card(seed, len(x_train), len(x_test)), "test_accuracy": accuracy,
                      "training_seconds": round(sum(epoch_seconds), 1), "parameters": model.count_params(),
                      "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"}
        print(f"seed {seed}: mean-pooled BiLSTM test accuracy {accuracy:.4f}, "
              f"{sum(epoch_seconds):.0f} s of training", flush=True)
        args.json.write_text(json.dumps({"runs": [runs[s] for s in sorted(runs)]}, indent=1))
    values = [runs[s]["test_accuracy"] for s in sorted(runs)]
    if len(values) > 1:
        std = statistics.stdev(values)
        print(f"test accuracy over seeds {sorted(runs)}: mean {statistics.fmean(values):.4f}, "
              f"worst {min(values):.4f}, std {std:.4f}, worst - 2 std {min(values) - 2 * std:.4f}")


if __name__ == "__main__":
    main()
