"""Notebook 08's part 2, chosen on validation: the Transformer translator on notebook 06's data.

Trains :class:`helpers.models.TransformerTranslator` (pre-norm encoder-decoder, learned positions,
tied output embedding), or with ``--model gru`` notebook 06's own :class:`helpers.models.Translator`
(its sizes, for a curve of validation BLEU against training seconds measured by the same loop, on
the same machine), on exactly notebook 06's leak-free split, vocabularies, truecaser and
length-bucketed batches (``translator_baseline.prepare``, i.e. :func:`helpers.models.prepare_translation_data`), with 06's schedule shape (linear
warm-up, cosine down to 0 at the last batch) and 06's loss (cross-entropy over the real target
tokens, optionally label-smoothed, gradients clipped to norm 5), for a fixed ``--epochs``. After every epoch it translates
the 2,000 validation sentences greedily and scores them as 06's training table does (sacreBLEU,
case-insensitive, against each sentence's one validation reference), so that its figures sit
beside 06's validation BLEU (34.1 / 42.9 after epochs 1 / 2 in 06's committed run, seed 0). The test split is never
touched: this script exists to choose the configuration part 2 will train.

Writes one record per run to ``--json`` (default ``benchmarks/results/transformer_validation.json``,
runs with another configuration are kept): the configuration, parameters, seconds per epoch
and validation BLEU per epoch, and greedy translation throughput (sentences per second).

Usage (from the repository root, the course's .venv; minutes per epoch on 2 cores)::

    python benchmarks/transformer_validation.py --epochs 2
    python benchmarks/transformer_validation.py --d-model 256 --d-ff 1024 --learning-rate 1e-3
    python benchmarks/transformer_validation.py --learning-rate 2e-3 --label-smoothing 0.1
    python benchmarks/transformer_validation.py --model gru --learning-rate 2e-3   # 06's model, same loop
    python benchmarks/transformer_validation.py --n-train 5000 --epochs 1   # a smoke run

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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import helpers  # noqa: E402

from translator_baseline import EMBED_DIM, UNITS, prepare  # noqa: E402  (06's data, one function for both scripts)

from helpers.data import load_spa_eng  # noqa: E402
from helpers.metrics import bleu  # noqa: E402
from helpers.models import Translator, TransformerTranslator, compile_translator  # noqa: E402
from helpers.training import EpochTimer, warmup_cosine  # noqa: E402

DEFAULT_JSON = ROOT / "benchmarks" / "results" / "transformer_validation.json"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", choices=("transformer", "gru"), default="transformer",
                        help="gru: notebook 06's translator (its sizes; --learning-rate etc. still apply)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--layers", type=int, default=2, help="encoder blocks = decoder blocks")
    parser.add_argument("--d-model", type=int, default=128)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--d-ff", type=int, default=512)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--learning-rate", type=float, default=1e-3, help="Adam's peak")
    parser.add_argument("--warmup-steps", type=int, default=500)
    parser.add_argument("--label-smoothing", type=float, default=0.0)
    parser.add_argument("--n-train", type=int, default=None, help="N training pairs drawn with the seed (smoke runs)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args(argv)
    os.environ.setdefault("COURSE_DATA_MIRROR", str(ROOT.parent / "shared" / "data"))

    data = prepare(load_spa_eng(), args.seed, n_train=args.n_train)
    validation = data["split"]["validation"]
    batches = data["batches"]
    helpers.set_seed(args.seed)
    if args.model == "gru":
        model = Translator(data["source_vocabulary"], data["target_vocabulary"], embed_dim=EMBED_DIM, units=UNITS,
                           case_forms=data["recaser"].forms)
    else:
        model = TransformerTranslator(data["source_vocabulary"], data["target_vocabulary"], num_layers=args.layers,
                                      d_model=args.d_model, num_heads=args.heads, d_ff=args.d_ff,
                                      dropout=args.dropout, case_forms=data["recaser"].forms)
    total_steps = args.epochs * len(batches)
    warmup = min(args.warmup_steps, total_steps // 4)
    compile_translator(model, warmup_cosine(args.learning_rate, total_steps, warmup_fraction=warmup / total_steps),
                       label_smoothing=args.label_smoothing)
    spanish, references = validation.spanish.tolist(), [[e] for e in validation.english]
    timer, epochs = EpochTimer(), []
    for epoch in range(args.epochs):
        model.fit(batches, epochs=epoch + 1, initial_epoch=epoch, callbacks=[timer], verbose=2, shuffle=False)
        start = time.perf_counter()
        greedy = model.translate(spanish)
        seconds = time.perf_counter() - start
        epochs.append({"epoch": epoch + 1, "training_seconds": round(timer.total_seconds, 1),
                       "validation_bleu": round(bleu(greedy, references).score, 2),
                       "greedy_sentences_per_second": round(len(spanish) / seconds, 1)})
        print(epochs[-1], flush=True)
    config = {key: getattr(args, key) for key in ("seed", "epochs", "layers", "d_model", "heads", "d_ff",
                                                  "dropout", "learning_rate", "warmup_steps", "n_train")}
    if args.label_smoothing:  # (the key is absent from the runs without smoothing, stored before it existed)
        config["label_smoothing"] = args.label_smoothing
    if args.model == "gru":  # 06's sizes, not the Transformer's
        config = {"model": "gru", "embed_dim": EMBED_DIM, "units": UNITS,
                  **{k: v for k, v in config.items() if k not in ("layers", "d_model", "heads", "d_ff", "dropout")}}
    record = {"config": config, "parameters": model.count_params(), "train_batches": len(batches),
              "epochs": epochs, "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
              "date": time.strftime("%Y-%m-%d")}
    stored = json.loads(args.json.read_text()) if args.json.exists() else {"runs": []}
    runs = [r for r in stored["runs"] if r["config"] != config] + [record]
    args.json.write_text(json.dumps({"runs": runs}, indent=1))
    print(f"{model.count_params():,} parameters; validation BLEU by epoch "
          f"{[e['validation_bleu'] for e in epochs]}; {timer.total_seconds:.0f} s of training")


if __name__ == "__main__":
    main()
