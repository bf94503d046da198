"""Notebook 06's learning-rate choice, made on validation data: constant vs cosine decay.

Trains notebook 06's translator (the same split, vocabularies, sizes, batches, seed and number
of epochs) with one learning-rate schedule per run and prints the greedy validation BLEU after
every epoch, computed exactly as the notebook does (each validation pair's one reference). The
test split is never used here. Schedules:

* ``constant``: Adam at ``--learning-rate`` (default ``1e-3``, what notebook 06 uses) throughout;
* ``cosine``: cosine decay from ``--learning-rate`` to a tenth of it over all the training steps.

Usage (from the repository root, the course's .venv; about 10 minutes per schedule on 2 cores)::

    python benchmarks/translator_schedule.py --schedules constant cosine
    python benchmarks/translator_schedule.py --schedules cosine --json cosine.json
    python benchmarks/translator_schedule.py --schedules constant --learning-rate 2e-3

A script, not a test: it asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import helpers  # noqa: E402
import keras  # noqa: E402

from helpers.data import leak_free_split, length_bucketed_dataset, load_spa_eng  # noqa: E402
from helpers.metrics import bleu  # noqa: E402
from helpers.models import Translator, teacher_forcing  # noqa: E402
from helpers.text import make_vocabulary  # noqa: E402
from helpers.training import compile_model, masked_accuracy, sequence_loss  # noqa: E402

# Notebook 06's configuration.
SEED, SOURCE_VOCAB, TARGET_VOCAB, EMBED_DIM, UNITS = 0, 8_000, 6_000, 256, 256
BATCH_SIZE, LEARNING_RATE, EPOCHS = 64, 1e-3, 2


def learning_rate(schedule: str, total_steps: int, peak: float = LEARNING_RATE):
    if schedule == "constant":
        return peak
    if schedule == "cosine":
        return keras.optimizers.schedules.CosineDecay(peak, total_steps, alpha=0.1)
    raise SystemExit(f"unknown schedule {schedule!r}")


def run(split, schedule: str, epochs: int, peak: float = LEARNING_RATE) -> dict:
    train, validation = split["train"], split["validation"]
    source_vocabulary = make_vocabulary(train.source, SOURCE_VOCAB)
    target_vocabulary = make_vocabulary(train.target, TARGET_VOCAB)
    probe = Translator(source_vocabulary, target_vocabulary, embed_dim=EMBED_DIM, units=UNITS)
    data = teacher_forcing(probe, train.source, train.target)
    batches = length_bucketed_dataset(data[:2], data[2], batch_size=BATCH_SIZE, seed=SEED)
    helpers.set_seed(SEED)
    model = compile_model(Translator(source_vocabulary, target_vocabulary, embed_dim=EMBED_DIM, units=UNITS),
                          loss=sequence_loss(), learning_rate=learning_rate(schedule, epochs * len(batches), peak),
                          clipnorm=5.0, metrics=[masked_accuracy])
    spanish, references = validation.spanish.tolist(), [[e] for e in validation.english]
    rows, seconds = [], 0.0
    for epoch in range(epochs):
        start = time.perf_counter()
        model.fit(batches, epochs=epoch + 1, initial_epoch=epoch, verbose=2, shuffle=False)
        seconds += time.perf_counter() - start
        score = bleu(model.translate(spanish), references).score
        rows.append({"epoch": epoch + 1, "training_seconds": round(seconds, 1), "validation_bleu": score})
        print(f"{schedule} {peak:g}: epoch {epoch + 1}, {seconds:.0f} s of training, greedy validation BLEU {score:.2f}",
              flush=True)
    return {"schedule": schedule, "learning_rate": peak, "epochs": rows}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schedules", nargs="+", default=["constant", "cosine"])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--learning-rate", type=float, default=LEARNING_RATE, help="constant rate, or the cosine's peak")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    os.environ.setdefault("COURSE_DATA_MIRROR", str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    split = leak_free_split(load_spa_eng(), n_test=2_000, n_validation=2_000, seed=SEED)
    results = [run(split, schedule, args.epochs, args.learning_rate) for schedule in args.schedules]
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
