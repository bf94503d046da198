"""Notebook 06's design choices, made on validation data: the learning-rate schedule and where
the attention sits in the decoder.

Trains notebook 06's translator (the same split, vocabularies, sizes, batches, seed and number
of epochs) with one learning-rate schedule per run and prints the greedy validation BLEU after
every epoch, computed exactly as the notebook does (each validation pair's one reference). The
test split is never used here. Schedules:

* ``constant``: Adam at ``--learning-rate`` (default ``1e-3``, what notebook 06 uses) throughout;
* ``cosine``: cosine decay from ``--learning-rate`` to a tenth of it over all the training steps;
* ``warmup``: a linear rise from 0 to ``--learning-rate`` over the first ``--warmup-steps`` steps,
  then constant;
* ``warmup-cosine``: the same rise, then a cosine down to 0 at the last step
  (:func:`helpers.training.warmup_cosine`).

Decoders (``--decoders``, the attention's placement, :mod:`helpers.models.placement`):

* ``luong-no-feeding``: notebook 06's :class:`~helpers.models.Translator`: the query is ``s_t``
  after the GRU step and nothing is fed back, so training computes all steps at once;
* ``luong``: the same query and Luong et al.'s input feeding of the attentional vector;
* ``bahdanau``: Bahdanau et al.'s query ``s_{t-1}``, with the context in the GRU's input.

For each run it also prints the parameters and the greedy translation speed on the validation
sentences, and with ``--heatmaps FILE`` draws the attention of a few validation sentences, one
row of heatmaps per decoder.

``--seed`` changes the split, the initial weights and the batch order together, as notebook 06's
``SEED`` does; ``--log-every N`` also prints the mean training loss of every N batches, which shows
when (and whether) the attention model's loss takes off.

Usage (from the repository root, the course's .venv; about 10 minutes per schedule on 2 cores)::

    python benchmarks/translator_schedule.py --schedules constant cosine
    python benchmarks/translator_schedule.py --schedules cosine --json cosine.json
    python benchmarks/translator_schedule.py --schedules constant --learning-rate 2e-3
    python benchmarks/translator_schedule.py --schedules warmup --learning-rate 2e-3 --seed 2 --log-every 200
    python benchmarks/translator_schedule.py --schedules warmup-cosine --learning-rate 2e-3 \
        --decoders luong-no-feeding bahdanau luong --json placement.json --heatmaps placement.png
    python benchmarks/translator_schedule.py --schedules warmup-cosine --learning-rate 2e-3 \
        --decoders bahdanau luong --saved artifacts/06_spa_eng_translator.keras --json placement.json

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
from helpers.models import RecurrentAttentionTranslator, Translator, compile_translator, teacher_forcing  # noqa: E402
from helpers.text import make_vocabulary  # noqa: E402
from helpers.training import warmup_cosine  # noqa: E402

# Notebook 06's configuration.
SEED, SOURCE_VOCAB, TARGET_VOCAB, EMBED_DIM, UNITS = 0, 8_000, 6_000, 256, 256
BATCH_SIZE, LEARNING_RATE, EPOCHS = 64, 1e-3, 2


def learning_rate(schedule: str, total_steps: int, peak: float = LEARNING_RATE, warmup_steps: int = 0):
    if schedule == "constant":
        return peak
    if schedule == "cosine":
        return keras.optimizers.schedules.CosineDecay(peak, total_steps, alpha=0.1)
    if schedule == "warmup":  # alpha=1: no decay after the warm-up
        return keras.optimizers.schedules.CosineDecay(0.0, total_steps, alpha=1.0, warmup_target=peak,
                                                      warmup_steps=warmup_steps)
    if schedule == "warmup-cosine":
        return warmup_cosine(peak, total_steps, warmup_fraction=warmup_steps / total_steps)
    raise SystemExit(f"unknown schedule {schedule!r}")


class LossLog(keras.callbacks.Callback):
    """Prints the mean training loss of every ``every`` batches."""

    def __init__(self, every: int):
        super().__init__()
        self.every, self.losses, self.step = every, [], 0

    def on_train_batch_end(self, batch, logs=None):
        # Keras reports the running mean over the epoch; recover each batch's own loss from it.
        mean = float(logs["loss"])
        self.losses.append(mean * (batch + 1) - sum(self.losses[-batch:]) if batch else mean)
        self.step += 1
        if self.step % self.every == 0:
            recent = self.losses[-self.every:]
            print(f"  steps {self.step - self.every + 1}-{self.step}: mean loss {sum(recent) / len(recent):.3f}",
                  flush=True)

    def on_epoch_end(self, epoch, logs=None):
        self.losses = []


DECODERS = ("luong-no-feeding", "luong", "bahdanau")


def make_translator(decoder: str, source_vocabulary, target_vocabulary):
    """Notebook 06's sizes, with the attention placed as ``decoder`` says (see the module)."""
    sizes = dict(embed_dim=EMBED_DIM, units=UNITS)
    if decoder == "luong-no-feeding":
        return Translator(source_vocabulary, target_vocabulary, **sizes)
    if decoder in ("luong", "bahdanau"):
        return RecurrentAttentionTranslator(source_vocabulary, target_vocabulary, placement=decoder, **sizes)
    raise SystemExit(f"unknown decoder {decoder!r}; choose from {DECODERS}")


def score_validation(model, validation, label: str) -> dict:
    """Greedy validation BLEU (each pair's one reference, as notebook 06 scores it) and the
    seconds the translation took; prints both after ``label``."""
    spanish, references = validation.spanish.tolist(), [[e] for e in validation.english]
    start = time.perf_counter()
    score = bleu(model.translate(spanish), references).score
    seconds = time.perf_counter() - start
    print(f"{label} greedy validation BLEU {score:.2f} ({seconds:.0f} s to translate {len(spanish):,})", flush=True)
    return {"validation_bleu": score, "translate_seconds": round(seconds, 1)}


def run(split, schedule: str, epochs: int, peak: float = LEARNING_RATE, *, seed: int = SEED,
        warmup_steps: int = 0, log_every: int = 0, decoder: str = "luong-no-feeding"):
    train, validation = split["train"], split["validation"]
    source_vocabulary = make_vocabulary(train.source, SOURCE_VOCAB)
    target_vocabulary = make_vocabulary(train.target, TARGET_VOCAB)
    probe = Translator(source_vocabulary, target_vocabulary, embed_dim=EMBED_DIM, units=UNITS)
    data = teacher_forcing(probe, train.source, train.target)
    batches = length_bucketed_dataset(data[:2], data[2], batch_size=BATCH_SIZE, seed=seed)
    helpers.set_seed(seed)
    rate = learning_rate(schedule, epochs * len(batches), peak, warmup_steps)
    model = compile_translator(make_translator(decoder, source_vocabulary, target_vocabulary), rate)
    callbacks = [LossLog(log_every)] if log_every else []
    rows, seconds = [], 0.0
    for epoch in range(epochs):
        start = time.perf_counter()
        model.fit(batches, epochs=epoch + 1, initial_epoch=epoch, verbose=2, shuffle=False, callbacks=callbacks)
        seconds += time.perf_counter() - start
        scored = score_validation(model, validation, f"{decoder} {schedule} {peak:g} seed {seed}: epoch {epoch + 1}, "
                                  f"{seconds:.0f} s of training,")
        rows.append({"epoch": epoch + 1, "training_seconds": round(seconds, 1), **scored})
    result = {"decoder": decoder, "schedule": schedule, "learning_rate": peak, "seed": seed,
              "warmup_steps": warmup_steps, "parameters": model.count_params(), "epochs": rows}
    return result, model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schedules", nargs="+", default=["constant", "cosine"])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--learning-rate", type=float, default=LEARNING_RATE, help="constant rate, or the peak")
    parser.add_argument("--seed", type=int, default=SEED, help="notebook 06's SEED (split, weights, batch order)")
    parser.add_argument("--warmup-steps", type=int, default=500, help="for the warmup schedule")
    parser.add_argument("--log-every", type=int, default=0, help="print the mean loss of every N batches")
    parser.add_argument("--decoders", nargs="+", default=["luong-no-feeding"], choices=DECODERS)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--heatmaps", type=Path, default=None, help="draw validation attention maps here (.png)")
    parser.add_argument("--saved", type=Path, default=None,
                        help="also score a saved translator (e.g. notebook 06's .keras) on the same validation split")
    args = parser.parse_args(argv)
    os.environ.setdefault("COURSE_DATA_MIRROR", str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    split = leak_free_split(load_spa_eng(), n_test=2_000, n_validation=2_000, seed=args.seed)
    results, models = [], {}
    if args.saved:  # trained elsewhere (its training time is in its notebook): validation BLEU and speed
        saved = keras.saving.load_model(args.saved)
        results.append({"decoder": f"saved: {args.saved.name}", "parameters": saved.count_params(),
                        "epochs": [score_validation(saved, split["validation"], f"{args.saved.name}:")]})
        models["luong-no-feeding (saved)"] = saved
    for decoder in args.decoders:
        for schedule in args.schedules:
            result, models[decoder if len(args.schedules) == 1 else f"{decoder}, {schedule}"] = run(split, schedule, args.epochs, args.learning_rate, seed=args.seed,
                                                    warmup_steps=args.warmup_steps, log_every=args.log_every,
                                                    decoder=decoder)
            results.append(result)
            if args.json:  # after every run, so that an interrupted run keeps what it measured
                args.json.write_text(json.dumps(results, indent=2))
    if args.heatmaps:
        draw_heatmaps(models, split["validation"], args.heatmaps)


def draw_heatmaps(models: dict, validation, path: Path, sentences: int = 3):
    """One row per model (``{name: model}``): the greedy attention of the same few 6-10-token
    validation sentences."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from helpers.plots import attention_heatmap
    from helpers.text import preprocess

    lengths = validation.source.str.split().str.len()
    chosen = validation[(lengths >= 6) & (lengths <= 10)].drop_duplicates("source").head(sentences).spanish.tolist()
    fig, axes = plt.subplots(len(models), sentences, figsize=(5 * sentences, 4.2 * len(models)), squeeze=False)
    for row, (name, model) in zip(axes, models.items()):
        texts, tokens, weights = model.translate(chosen, return_attention=True)
        for ax, sentence, text, toks, w in zip(row, chosen, texts, tokens, weights):
            attention_heatmap(w, x_labels=preprocess(sentence).split(), y_labels=(toks + ["[END]"])[: len(w)],
                              ax=ax, annotate=False, title=f"{name}: {text}", xlabel="Spanish", ylabel="English")
    fig.tight_layout()
    fig.savefig(path, dpi=80)


if __name__ == "__main__":
    main()
