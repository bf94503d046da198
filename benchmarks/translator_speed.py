"""Spanish→English translator (notebook 06): vectorised vs step-by-step decoder, and time to BLEU.

Part 1 trains the same attention model on the same length-bucketed batches with two training
steps, each compiled with ``tf.function``:

* **vectorised**: one call computes the decoder GRU over all target steps and the attention of
  every step at once (``sequence_loss()(targets, model((source, decoder_inputs)))``), as notebook 06 trains;
* **step by step**: the original tutorials' loop, one decoder step (GRU step + attention) per
  target token (:func:`helpers.models.stepwise_loss`, a ``tf.while_loop``).

Both compute the same loss (checked here on the first batch) and are timed alternately on the same
batches; it prints training pairs/s for each and their ratio.

Part 2 trains notebook 06's configuration (all pairs, the same sizes, batch size, learning rate
and seed) and translates the 2,000 validation sentences greedily every ``--eval-every`` batches,
until the validation BLEU reaches ``--target`` (default 30); the test split is never used here (a
benchmark that steers by test BLEU would look at the test data again and again). It prints the
training seconds (evaluation excluded) at which that happened.

Usage (from the repository root; on a shared machine wrap it in a lock, see the README)::

    python benchmarks/translator_speed.py              # part 1 (about 2 min) and part 2 (about 10 min)
    python benchmarks/translator_speed.py --quick      # part 1 only, fewer batches
    python benchmarks/translator_speed.py --json out.json

This is a script, not a test: it asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import helpers  # noqa: E402  (quiet TensorFlow first)
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from benchmarks.imdb_speed import machine  # noqa: E402
from helpers.data import leak_free_split, length_bucketed_dataset, load_spa_eng  # noqa: E402
from helpers.metrics import bleu  # noqa: E402
from helpers.models import Translator, stepwise_loss, teacher_forcing  # noqa: E402
from helpers.text import make_vocabulary  # noqa: E402
from helpers.training import compile_model, masked_accuracy, sequence_loss  # noqa: E402

# Notebook 06's configuration.
SEED, SOURCE_VOCAB, TARGET_VOCAB, EMBED_DIM, UNITS = 0, 8_000, 6_000, 256, 256
BATCH_SIZE, LEARNING_RATE, EPOCHS = 64, 1e-3, 2


def build(split):
    helpers.set_seed(SEED)
    train = split["train"]
    model = Translator(make_vocabulary(train.source, SOURCE_VOCAB),
                       make_vocabulary(train.target, TARGET_VOCAB), embed_dim=EMBED_DIM, units=UNITS)
    return compile_model(model, loss=sequence_loss(), learning_rate=LEARNING_RATE, clipnorm=5.0,
                         metrics=[masked_accuracy])


def train_step(model, loss_fn):
    spec = tf.TensorSpec((None, None), tf.int32)

    @tf.function(input_signature=(spec, spec, spec))
    def step(source, decoder_inputs, targets):
        with tf.GradientTape() as tape:
            loss = loss_fn(source, decoder_inputs, targets)
        variables = model.trainable_variables
        model.optimizer.apply(tape.gradient(loss, variables), variables)
        return loss

    return step


def decoder_speed(split, n_batches):
    """Part 1: pairs/s of the vectorised and the step-by-step training step, same batches."""
    train = split["train"]
    data = teacher_forcing(build(split), train.source, train.target)
    batches = list(length_bucketed_dataset(data[:2], data[2], batch_size=BATCH_SIZE, seed=SEED)
                   .take(n_batches + 2))
    model = build(split)
    steps = {
        "vectorised": train_step(model, lambda s, d, t: sequence_loss()(t, model((s, d)))),
        "step by step": train_step(model, lambda s, d, t: stepwise_loss(model, s, d, t)),
    }
    (s, d), t = batches[0]
    same = (float(sequence_loss()(t, model((s, d)))), float(stepwise_loss(model, s, d, t)))
    print(f"loss on the first batch: vectorised {same[0]:.6f}, step by step {same[1]:.6f}")
    for step in steps.values():  # compile both (and warm up) outside the timing
        for (s, d), t in batches[:2]:
            step(s, d, t)
    seconds = {name: 0.0 for name in steps}
    pairs = 0
    for (s, d), t in batches[2:]:  # alternate, so a slow spell of the host hits both
        pairs += int(s.shape[0])
        for name, step in steps.items():
            start = time.perf_counter()
            step(s, d, t).numpy()
            seconds[name] += time.perf_counter() - start
    result = {name: {"pairs_per_s": pairs / sec, "seconds": sec} for name, sec in seconds.items()}
    result["ratio_vectorised_over_step_by_step"] = (result["vectorised"]["pairs_per_s"]
                                                    / result["step by step"]["pairs_per_s"])
    result.update(batches=n_batches, pairs=pairs, first_batch_losses=same)
    return result


class BleuWatch(keras.callbacks.Callback):
    """Every ``every`` batches: greedy validation BLEU; stops at ``target``. Training time
    excludes it."""

    def __init__(self, validation, every, target):
        super().__init__()
        # one entry per distinct (preprocessed) Spanish sentence, with all its translations
        grouped = validation.groupby("source", sort=False).agg(spanish=("spanish", "first"),
                                                                references=("english", list))
        self.spanish, self.references = grouped.spanish.tolist(), grouped.references.tolist()
        self.every, self.target, self.rows = every, target, []
        self.batches, self.eval_seconds, self.start = 0, 0.0, None

    def on_train_begin(self, logs=None):
        self.start = self.start or time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1
        if self.batches % self.every:
            return
        start = time.perf_counter()
        seconds = start - self.start - self.eval_seconds  # training only, so far
        score = bleu(self.model.translate(self.spanish), self.references).score
        self.eval_seconds += time.perf_counter() - start
        self.rows.append({"batches": self.batches, "training_seconds": seconds, "greedy_bleu": score})
        print(f"  {self.batches} batches, {seconds:.0f} s of training: greedy validation BLEU {score:.1f}", flush=True)
        if score >= self.target:
            self.model.stop_training = True


def time_to_bleu(split, target, every):
    """Part 2: training seconds until the greedy validation BLEU first reaches ``target``."""
    train = split["train"]
    model = build(split)
    data = teacher_forcing(model, train.source, train.target)
    batches = length_bucketed_dataset(data[:2], data[2], batch_size=BATCH_SIZE, seed=SEED)
    watch = BleuWatch(split["validation"], every, target)
    model.fit(batches, epochs=EPOCHS, callbacks=[watch], verbose=0, shuffle=False)
    reached = [r for r in watch.rows if r["greedy_bleu"] >= target]
    return {"target": target, "eval_every_batches": every, "trace": watch.rows,
            "seconds_to_target": reached[0]["training_seconds"] if reached else None}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="part 1 only, on 10 batches")
    parser.add_argument("--batches", type=int, default=30, help="timed batches in part 1")
    parser.add_argument("--target", type=float, default=30.0, help="validation BLEU to reach in part 2")
    parser.add_argument("--eval-every", type=int, default=150, help="batches between BLEU evaluations")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    os.environ.setdefault("COURSE_DATA_MIRROR", str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    print(f"machine: {machine()}", flush=True)
    split = leak_free_split(load_spa_eng(), n_test=2_000, n_validation=2_000, seed=SEED)
    print(f"data: {len(split['train']):,} training pairs, {split['validation'].source.nunique():,} "
          "validation sentences", flush=True)

    results = {"machine": machine(), "decoder_speed": decoder_speed(split, 10 if args.quick else args.batches)}
    speed = results["decoder_speed"]
    print(f"\nPart 1, training pairs/s on the same {speed['pairs']:,} pairs (batch {BATCH_SIZE}):")
    for name in ("vectorised", "step by step"):
        print(f"  {name:>13}: {speed[name]['pairs_per_s']:7.0f} pairs/s ({speed[name]['seconds']:.1f} s)")
    print(f"  ratio vectorised / step by step: {speed['ratio_vectorised_over_step_by_step']:.2f}x", flush=True)

    if not args.quick:
        print(f"\nPart 2, notebook 06's training until greedy validation BLEU >= {args.target}:", flush=True)
        results["time_to_bleu"] = part2 = time_to_bleu(split, args.target, args.eval_every)
        seconds = part2["seconds_to_target"]
        print(f"  reached after {seconds / 60:.1f} minutes of training" if seconds is not None
              else f"  not reached in {EPOCHS} epochs")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
