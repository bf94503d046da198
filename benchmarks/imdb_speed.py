"""IMDB BiLSTM + Bahdanau attention: the tutorials' configuration vs the course's, side by side.

Both configurations (``helpers.models.ORIGINAL`` and ``COURSE``) are trained in one run on the
same raw reviews, with the same vocabulary size and architecture. After every epoch each model
is evaluated on the test reviews. Printed per configuration: training samples/s, seconds per
epoch, test accuracy per epoch, and the training seconds until the test accuracy first reached
0.87 and 0.88 (measured at epoch ends); then the ratios course / original.

Usage (from the repository root; on a shared machine wrap it in a lock, see the README)::

    python benchmarks/imdb_speed.py             # all 25,000 + 25,000 reviews (about 6-10 min)
    python benchmarks/imdb_speed.py --quick     # 5,000 + 5,000 reviews, 2 / 3 epochs (< 5 min)
    python benchmarks/imdb_speed.py --original-epochs 2 --course-epochs 2 --json out.json

Only the seconds inside ``fit``'s epochs count as training time (not vectorising, not evaluating).
This is a script, not a test: it asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import helpers  # noqa: E402  (quiet TensorFlow first)
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from helpers.data import load_imdb  # noqa: E402
from helpers.models import COURSE, ORIGINAL, build_classifier, evaluate_ids, make_encoder, training_data  # noqa: E402
from helpers.text import encode_cached  # noqa: E402
from helpers.training import EpochTimer, compile_model  # noqa: E402

THRESHOLDS = (0.87, 0.88)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
            f"TensorFlow {tf.__version__}")


def run(config, train, test, epochs, seed, cache):
    helpers.set_seed(seed)
    encoder = make_encoder(config, train.text)
    x_train, _, _ = encode_cached(encoder, train.text, cache, f"bench_{config.name}_train")
    x_test, _, _ = encode_cached(encoder, test.text, cache, f"bench_{config.name}_test")
    y_train, y_test = train.label.to_numpy("float32"), test.label.to_numpy()
    data = training_data(config, x_train, y_train, seed)
    model = build_classifier(config, name=config.name)
    steps = len(data) * epochs
    compile_model(model, loss="binary_crossentropy", learning_rate=config.learning_rate_for(steps),
                  metrics=["accuracy"])
    timer = EpochTimer()
    rows = []
    for epoch in range(epochs):
        model.fit(data, epochs=epoch + 1, initial_epoch=epoch, verbose=2, callbacks=[timer], shuffle=False)
        accuracy, _ = evaluate_ids(model, x_test, y_test)
        rows.append({"epoch": epoch + 1, "seconds": timer.epoch_seconds[-1],
                     "cumulative_seconds": sum(timer.epoch_seconds), "test_accuracy": accuracy})
        print(f"  [{config.name}] epoch {epoch + 1}: {timer.epoch_seconds[-1]:.1f} s, "
              f"test accuracy {accuracy:.4f}", flush=True)
    seconds = sum(timer.epoch_seconds)
    result = {"config": config.to_dict(), "epochs": rows, "train_reviews": len(x_train),
              "test_reviews": len(x_test), "samples_per_s": epochs * len(x_train) / seconds,
              "seconds_per_epoch": seconds / epochs,
              "final_test_accuracy": rows[-1]["test_accuracy"]}
    for threshold in THRESHOLDS:
        reached = [r["cumulative_seconds"] for r in rows if r["test_accuracy"] >= threshold]
        result[f"seconds_to_{threshold}"] = reached[0] if reached else None
    return result


def fmt_time(seconds, epochs):
    return f"{seconds:.0f} s" if seconds is not None else f"not in {epochs} ep."


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="5,000 training and 5,000 test reviews (finishes in < 5 min)")
    parser.add_argument("--original-epochs", type=int, default=None,
                        help="epochs of the original configuration (default 1 as the tutorials; "
                             "2 with --quick)")
    parser.add_argument("--course-epochs", type=int, default=None,
                        help=f"epochs of the course configuration (default {COURSE.epochs}; "
                             "3 with --quick)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    os.environ.setdefault("COURSE_DATA_MIRROR", str(Path(__file__).resolve().parents[2]
                                                    / "shared" / "data"))
    n = 5_000 if args.quick else None
    # --quick: 5x fewer reviews per epoch, so more epochs (still far from the full run's figures)
    original_epochs = args.original_epochs or (2 if args.quick else 1)
    course_epochs = args.course_epochs or (3 if args.quick else COURSE.epochs)

    start = time.perf_counter()
    train, test = load_imdb("train"), load_imdb("test")
    if n:
        train = train.sample(n, random_state=args.seed).reset_index(drop=True)
        test = test.sample(n, random_state=args.seed).reset_index(drop=True)
    cache = helpers.artifacts_dir() / "cache"
    print(f"machine: {machine()}")
    print(f"data: {len(train):,} training / {len(test):,} test reviews"
          f"{' (--quick)' if n else ''}", flush=True)
    results = {}
    for config, epochs in ((ORIGINAL, original_epochs), (COURSE, course_epochs)):
        print(f"{config.name}: {config}", flush=True)
        results[config.name] = run(config, train, test, epochs, args.seed, cache)

    print()
    print(f"| configuration | samples/s | s/epoch | test accuracy (epochs) | time to 0.87 "
          f"| time to 0.88 |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        accs = ", ".join(f"{row['test_accuracy']:.4f}" for row in r["epochs"])
        e = len(r["epochs"])
        print(f"| {name} | {r['samples_per_s']:.0f} | {r['seconds_per_epoch']:.0f} | {accs} "
              f"| {fmt_time(r['seconds_to_0.87'], e)} | {fmt_time(r['seconds_to_0.88'], e)} |")
    o, c = results["original"], results["course"]
    print(f"\ncourse / original: {c['samples_per_s'] / o['samples_per_s']:.1f}x samples/s, "
          f"{o['seconds_per_epoch'] / c['seconds_per_epoch']:.1f}x less time per epoch")
    for threshold in THRESHOLDS:
        to, tc = o[f"seconds_to_{threshold}"], c[f"seconds_to_{threshold}"]
        if to is not None and tc is not None:
            print(f"time to {threshold}: {to / tc:.1f}x faster")
        elif to is None and tc is not None:
            spent = o["epochs"][-1]["cumulative_seconds"]
            print(f"time to {threshold}: course {tc:.0f} s; original not reached after "
                  f"{spent:.0f} s of training: more than {spent / tc:.1f}x faster")
        else:
            print(f"time to {threshold}: original {fmt_time(to, len(o['epochs']))}, "
                  f"course {fmt_time(tc, len(c['epochs']))}")
    print(f"total wall time {time.perf_counter() - start:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "results": results}, indent=2))


if __name__ == "__main__":
    main()
