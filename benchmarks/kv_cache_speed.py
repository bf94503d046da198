"""Transformer translator (notebook 08): greedy decoding with the KV cache vs recomputing the prefix.

Builds an untrained :class:`~helpers.models.transformer.TransformerTranslator` of a realistic size
(default: 2 + 2 blocks, ``d_model`` 256, 4 heads, ``d_ff`` 1024, 06's vocabulary sizes 8,000 /
6,000 on synthetic tokens; no data needed) and decodes one batch of random source sentences
greedily to exactly ``--length`` tokens (the ``[END]`` logit is pushed down, so no sentence stops
early) in two ways, both :func:`helpers.models.transformer_decoding.greedy_ids` (one compiled
``tf.while_loop`` each):

* **cache**: each decoder self-attention layer keeps its keys and values; a step computes one
  position (the cross-attention keys and values are projected once);
* **recompute**: every step runs the decoder over the whole prefix again, from nothing.

Both are compiled and run once outside the timing, then timed alternately (``--repeats`` times
each, so a slow spell of the host hits both); it prints the seconds of each, their ratio, and
whether the two wrote the same tokens. The ratio grows with ``--length`` (a step of the
recompute path costs ``O(t)`` positions, a cached one ``O(1)``; attention itself is ``O(t)``
per step either way).

Usage (from the repository root; on a shared machine wrap it in a lock, see the README)::

    python benchmarks/kv_cache_speed.py                      # the default size (a few minutes on a CPU)
    python benchmarks/kv_cache_speed.py --d-model 64 --batch 8 --length 16 --repeats 1   # a smoke run
    python benchmarks/kv_cache_speed.py --json out.json

This is a script, not a test: it asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import helpers  # noqa: E402  (quiet TensorFlow first)
import numpy as np  # noqa: E402

from benchmarks.imdb_speed import machine  # noqa: E402
from helpers.models.transformer import TransformerTranslator  # noqa: E402
from helpers.models.transformer_decoding import greedy_ids  # noqa: E402
from helpers.text.words import END_TOKEN, OOV_TOKEN, START_TOKEN  # noqa: E402


def vocabulary(size: int, prefix: str) -> list[str]:
    """A vocabulary laid out as :func:`helpers.text.make_vocabulary`'s, of synthetic tokens."""
    return ["", OOV_TOKEN, START_TOKEN, END_TOKEN] + [f"{prefix}{i}" for i in range(size - 4)]


def build(args) -> TransformerTranslator:
    helpers.set_seed(args.seed)
    model = TransformerTranslator(vocabulary(args.source_vocab, "s"), vocabulary(args.target_vocab, "t"),
                                  num_layers=args.layers, d_model=args.d_model, num_heads=args.heads,
                                  d_ff=args.d_ff, dropout=0.0)
    model.build()
    bias = model.output_layer.weights[-1]  # the logits' bias (tied or not)
    pushed = bias.numpy()
    pushed[model.end_id] = -1e4  # never [END]: every sentence runs to the full length
    bias.assign(pushed)
    return model


def sources(args) -> np.ndarray:
    """``(batch, source_length)`` random token ids, right-padded to lengths from half to all."""
    rng = np.random.default_rng(args.seed)
    ids = rng.integers(4, args.source_vocab, size=(args.batch, args.source_length)).astype("int32")
    lengths = rng.integers(max(1, args.source_length // 2), args.source_length + 1, size=args.batch)
    ids[np.arange(args.source_length)[None, :] >= lengths[:, None]] = 0
    return ids


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--layers", type=int, default=2, help="encoder and decoder blocks (each)")
    parser.add_argument("--d-model", type=int, default=256, help="model width")
    parser.add_argument("--heads", type=int, default=4, help="attention heads")
    parser.add_argument("--d-ff", type=int, default=None, help="feed-forward size (default 4 * d-model)")
    parser.add_argument("--source-vocab", type=int, default=8_000, help="source vocabulary size")
    parser.add_argument("--target-vocab", type=int, default=6_000, help="target vocabulary size")
    parser.add_argument("--batch", type=int, default=64, help="sentences decoded at once")
    parser.add_argument("--source-length", type=int, default=12, help="source tokens (the longest)")
    parser.add_argument("--length", type=int, default=40, help="tokens decoded per sentence")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each path")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    args.d_ff = args.d_ff or 4 * args.d_model

    print(f"machine: {machine()}", flush=True)
    model, ids = build(args), sources(args)
    print(f"model: {args.layers} + {args.layers} blocks, d_model {args.d_model}, {args.heads} heads, "
          f"d_ff {args.d_ff}, vocabularies {args.source_vocab:,} / {args.target_vocab:,} "
          f"({model.count_params():,} weights, untrained)", flush=True)
    print(f"decoding {args.batch} sentences of up to {args.source_length} tokens to {args.length} "
          f"tokens each, greedily", flush=True)
    paths = {"cache": True, "recompute": False}
    tokens, compile_seconds = {}, {}
    for name, use_cache in paths.items():  # compile and warm up outside the timing
        start = time.perf_counter()
        tokens[name] = greedy_ids(model, ids, args.length, use_cache=use_cache)[0]
        compile_seconds[name] = time.perf_counter() - start
    seconds = {name: [] for name in paths}
    for _ in range(args.repeats):  # alternate, so a slow spell of the host hits both
        for name, use_cache in paths.items():
            start = time.perf_counter()
            greedy_ids(model, ids, args.length, use_cache=use_cache)
            seconds[name].append(time.perf_counter() - start)
    best = {name: min(s) for name, s in seconds.items()}
    ratio = best["recompute"] / best["cache"]
    same = bool(np.array_equal(tokens["cache"], tokens["recompute"]))
    for name in paths:
        print(f"  {name:>9}: {best[name]:7.3f} s (best of {args.repeats}; all: "
              f"{', '.join(f'{s:.3f}' for s in seconds[name])}; first call with compiling "
              f"{compile_seconds[name]:.1f} s)")
    print(f"  ratio recompute / cache: {ratio:.2f}x; same tokens: {same}", flush=True)
    if args.json:
        args.json.write_text(json.dumps({
            "machine": machine(), "options": vars(args) | {"json": None}, "seconds": seconds,
            "best_seconds": best, "compile_seconds": compile_seconds,
            "ratio_recompute_over_cache": ratio, "same_tokens": same}, indent=2))


if __name__ == "__main__":
    main()
