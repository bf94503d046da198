"""Choose notebook 05's classifier on validation reviews, never on the test split.

The 25,000 training reviews are split once (seeded): 20,000 to train on, 5,000 held out for
validation. Every configuration is trained for its fixed number of epochs on the same 20,000
reviews and scored on the same 5,000; the test reviews are not read at all. Printed per
configuration: validation accuracy after each epoch, training seconds, parameters.

A configuration is ``course`` or ``original`` (``helpers.models.COURSE`` / ``ORIGINAL``),
optionally with field overrides after a colon::

    python benchmarks/imdb_validation.py --configs course course:vocab_size=20000 \
        course:vocab_size=30000,pooling=mean --seeds 0 --json out.json

Only the seconds inside ``fit``'s epochs count as training time. This is a script, not a test:
it asserts nothing. Run it alone on the machine (timings are shared-CPU sensitive).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import helpers  # noqa: E402
import numpy as np  # noqa: E402

import keras  # noqa: E402

from helpers.data import load_imdb  # noqa: E402
from helpers.models import (COURSE, ORIGINAL, build_classifier, evaluate_ids, make_encoder,  # noqa: E402
                            train_classifier)
from helpers.text import encode_cached  # noqa: E402

BASES = {"course": COURSE, "original": ORIGINAL}
N_VALIDATION = 5_000


def parse_config(text: str):
    """``"course:vocab_size=20000,pooling=mean"`` -> a ClassifierConfig (values typed like the
    field's default)."""
    base_name, _, overrides = text.partition(":")
    config = BASES[base_name]
    fields = {f.name: f for f in dataclasses.fields(config)}
    changes = {}
    for item in filter(None, overrides.split(",")):
        key, _, value = item.partition("=")
        kind = type(getattr(config, key)) if key in fields else str
        changes[key] = (value.lower() in ("1", "true", "yes")) if kind is bool else kind(value)
    return config.replace(name=text.replace(":", "_").replace(",", "_").replace("=", ""),
                          **changes)


def split(seed: int = 0):
    train = load_imdb("train").sample(frac=1.0, random_state=seed).reset_index(drop=True)
    return train.iloc[N_VALIDATION:].reset_index(drop=True), train.iloc[:N_VALIDATION].reset_index(drop=True)


def run(config, fit_df, val_df, seed, cache):
    helpers.set_seed(seed)
    encoder = make_encoder(config, fit_df.text)
    x_fit, _, _ = encode_cached(encoder, fit_df.text, cache, "val_fit")
    x_val, _, _ = encode_cached(encoder, val_df.text, cache, "val_val")
    y_fit, y_val = fit_df.label.to_numpy("float32"), val_df.label.to_numpy()
    model = build_classifier(config, name="candidate")
    accuracies = []

    class Validate(keras.callbacks.Callback):   # after the epoch timer: not counted as training
        def on_epoch_end(self, epoch, logs=None):
            accuracies.append(evaluate_ids(model, x_val, y_val)[0])
            print(f"  [{config.name} seed {seed}] epoch {epoch + 1}: validation accuracy "
                  f"{accuracies[-1]:.4f}", flush=True)

    _, epoch_seconds = train_classifier(model, config, x_fit, y_fit, seed=seed, verbose=0,
                                        callbacks=[Validate()])
    return {"config": config.to_dict(), "seed": seed, "validation_accuracy": accuracies,
            "training_seconds": sum(epoch_seconds), "parameters": model.count_params()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", nargs="+", default=["course"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    os.environ.setdefault("COURSE_DATA_MIRROR", str(Path(__file__).resolve().parents[2]
                                                    / "shared" / "data"))
    configs = [parse_config(c) for c in args.configs]
    fit_df, val_df = split()
    cache = helpers.artifacts_dir() / "cache"
    print(f"{len(fit_df):,} training / {len(val_df):,} validation reviews (the test split is not read)")
    results = []
    for config in configs:
        for seed in args.seeds:
            results.append(run(config, fit_df, val_df, seed, cache))
    print("\n| configuration | seed | validation accuracy by epoch | training s | parameters |")
    print("|---|---|---|---|---|")
    for r in results:
        accs = ", ".join(f"{a:.4f}" for a in r["validation_accuracy"])
        print(f"| {r['config']['name']} | {r['seed']} | {accs} | {r['training_seconds']:.0f} "
              f"| {r['parameters']:,} |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
