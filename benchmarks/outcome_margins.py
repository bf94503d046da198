"""Re-run the notebooks' outcome checks with several seeds and report their margins.

Every notebook ends with an ``Outcomes`` cell (``helpers.outcomes``) that checks each learning
outcome against a threshold and writes the measured values to
``<COURSE_ARTIFACTS_DIR>/outcomes/<notebook>.json``. This script executes the notebooks
themselves, top to bottom in a fresh kernel, once per seed: the seed is set by a cell inserted
right after the notebook's ``parameters`` cell (``SEED = <seed>``), so the run takes exactly the
notebook's own code path. Each seed gets its own artifacts folder, so notebook 04 reads the
results of notebook 01 trained with the same seed.

It then prints, per check: threshold, mean, min (or max, for "at most" checks), standard
deviation over seeds, and whether the threshold sits at or beyond (min - 2 std), the rule the
course uses for thresholds. ``--readme`` writes that table (and the seconds per notebook) into
README.md between the ``outcome-margins`` markers.

Usage (from the repository root; the course's .venv)::

    python benchmarks/outcome_margins.py --seeds 0 1 2                 # all notebooks
    python benchmarks/outcome_margins.py --seeds 1 2 --notebooks 03 05  # some of them
    python benchmarks/outcome_margins.py --report-only --readme         # tables from earlier runs
    python benchmarks/outcome_margins.py --seeds 0 --write-notebooks    # seed 0 = the committed run

With ``--write-notebooks`` the executed seed-0 notebooks replace the ones in ``notebooks/``
(they are what the repository commits). Each run's artifacts (saved models, caches, the executed notebook with its
cell times) go to the git-ignored ``artifacts/margins/seed<N>/``; its measurements (the outcome record and the run's
seconds) are copied to ``benchmarks/margins/seed<N>/``, which the repository keeps, so that a
later run of some notebooks or seeds adds to the earlier ones instead of starting over.
``--readme`` rewrites the README rows of every notebook with stored measurements and keeps the
rows of the others as they are.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "artifacts" / "margins"   # models and caches of each run (git-ignored)
RESULTS = ROOT / "benchmarks" / "margins"    # the measurements (committed)
BEGIN, END = "<!-- outcome-margins:begin -->", "<!-- outcome-margins:end -->"


def notebook_paths(selected):
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if selected:
        paths = [p for p in paths if p.name[:2] in selected]
    if not paths:
        raise SystemExit(f"no notebook matches {selected}")
    return paths


def with_seed(nb, seed: int):
    """A copy of ``nb`` with ``SEED = seed`` set right after its parameters cell."""
    import nbformat

    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for index, cell in enumerate(nb.cells):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            nb.cells.insert(index + 1, nbformat.v4.new_code_cell(f"SEED = {seed}  # injected by outcome_margins.py"))
            return nb
    raise ValueError("notebook has no cell tagged 'parameters'")


def run(path: Path, seed: int, write: bool, timeout: int) -> dict:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    artifacts = ARTIFACTS / f"seed{seed}"
    artifacts.mkdir(parents=True, exist_ok=True)
    stored = RESULTS / f"seed{seed}"
    stored.mkdir(parents=True, exist_ok=True)
    outcome_file = artifacts / "outcomes" / f"{path.stem}.json"
    outcome_file.unlink(missing_ok=True)   # never report an earlier run's record as this one's
    original = nbformat.read(path, as_version=4)
    nb = original if seed == 0 else with_seed(original, seed)
    os.environ["COURSE_ARTIFACTS_DIR"] = str(artifacts)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    start = time.perf_counter()
    error = None
    try:
        client.execute()
    except CellExecutionError as exc:
        error = str(exc).strip().splitlines()[-1][:300]
    seconds = time.perf_counter() - start
    nbformat.write(nb, artifacts / f"{path.stem}.executed.ipynb")  # for reading its outputs and cell times
    if write and seed == 0 and error is None:
        nbformat.write(nb, path)
    record = {"notebook": path.stem, "seed": seed, "seconds": round(seconds, 1), "error": error,
              "date": time.strftime("%Y-%m-%d", time.gmtime())}
    (stored / f"{path.stem}.run.json").write_text(json.dumps(record))
    if outcome_file.exists():   # written by the notebook's Outcomes.finish(), failed checks included
        (stored / f"{path.stem}.json").write_text(outcome_file.read_text())
    print(f"{path.stem} seed {seed}: {seconds:.0f} s" + (f"  ERROR {error}" if error else ""), flush=True)
    return record


def collect():
    """{(notebook, check name): {"op", "threshold", "values": {seed: value}}} and run times.

    Seed 0's record is the committed run's: a check it no longer has (one an earlier version of
    the notebook made, kept in other seeds' records) is left out."""
    checks, times, current = {}, {}, {}
    for folder in sorted(RESULTS.glob("seed*")):
        seed = int(folder.name[4:])
        for file in sorted(folder.glob("*.json")):
            if file.name.endswith(".run.json"):
                continue
            record = json.loads(file.read_text())
            if seed == 0:
                current[record["notebook"]] = {check["name"] for check in record["checks"]}
            for check in record["checks"]:
                if check["op"] == "holds":
                    continue
                entry = checks.setdefault((record["notebook"], check["name"]),
                                          {"op": check["op"], "threshold": check["threshold"],
                                           "values": {}})
                entry["values"][seed] = check["value"]
        for file in sorted(folder.glob("*.run.json")):
            record = json.loads(file.read_text())
            times.setdefault(record["notebook"], {})[seed] = record["seconds"]
    checks = {key: entry for key, entry in checks.items()
              if key[0] not in current or key[1] in current[key[0]]}
    return checks, times


def margins_table(checks) -> list[str]:
    lines = ["| notebook | check | threshold | seeds | mean | worst | std | worst ∓ 2 std | threshold within it |",
             "|---|---|---|---|---|---|---|---|---|"]
    for (notebook, name), entry in checks.items():
        values = list(entry["values"].values())
        mean = statistics.fmean(values)
        std = statistics.stdev(values) if len(values) > 1 else float("nan")
        if entry["op"] == ">=":
            worst, bound = min(values), min(values) - 2 * std
            ok = entry["threshold"] <= bound
        else:
            worst, bound = max(values), max(values) + 2 * std
            ok = entry["threshold"] >= bound
        verdict = "too few seeds" if len(values) < 3 else ("yes" if ok else "NO")
        lines.append(f"| {notebook[:2]} | {name} | {entry['op']} {entry['threshold']:.4g} | {len(values)} | "
                     f"{mean:.4g} | {worst:.4g} | {std:.2g} | {bound:.4g} | {verdict} |")
    return lines


def times_table(times) -> list[str]:
    lines = ["| notebook | seconds per seed (in sequence, seed: s) | mean s |", "|---|---|---|"]
    for notebook, per_seed in sorted(times.items()):
        shown = ", ".join(f"{s}: {v:.0f}" for s, v in sorted(per_seed.items()))
        lines.append(f"| {notebook} | {shown} | {statistics.fmean(per_seed.values()):.0f} |")
    return lines


def _table_rows(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("| ") and not line.startswith("| notebook")]


def merge_rows(new: list[str], old: list[str], key) -> list[str]:
    """``new``'s header and rows, plus the rows of ``old`` whose notebook ``new`` has none of,
    in notebook order (rows are markdown table lines; ``key`` reads a row's notebook)."""
    header, rows = new[:2], _table_rows(new)
    measured = {key(row) for row in rows}
    kept = [row for row in _table_rows(old) if key(row) not in measured]
    return header + sorted(rows + kept, key=key)


def write_readme(checks, times) -> str:
    """Rewrite the README's rows of the notebooks measured here; keep the other rows."""
    readme = ROOT / "README.md"
    content = readme.read_text()
    if BEGIN not in content or END not in content:
        raise SystemExit(f"README.md has no {BEGIN} ... {END} markers")
    head, rest = content.split(BEGIN, 1)
    old, tail = rest.split(END, 1)
    old_margins, _, old_times = old.strip().partition("\n\n")
    notebook = lambda row: row.split("|")[1].strip()[:2]   # noqa: E731
    text = "\n".join(merge_rows(margins_table(checks), old_margins.splitlines(), notebook) + [""]
                     + merge_rows(times_table(times), old_times.splitlines(), notebook))
    readme.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--notebooks", nargs="*", default=[], help="two-digit prefixes, e.g. 01 04")
    parser.add_argument("--write-notebooks", action="store_true",
                        help="save the executed seed-0 notebooks into notebooks/")
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--readme", action="store_true", help="write the tables into README.md")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    args = parser.parse_args(argv)
    if not args.report_only:
        for seed in args.seeds:
            for path in notebook_paths(args.notebooks):
                run(path, seed, args.write_notebooks, args.timeout)
    checks, times = collect()
    print("\n".join(margins_table(checks) + [""] + times_table(times)))
    if args.readme:
        write_readme(checks, times)
    return 0


if __name__ == "__main__":
    sys.exit(main())
