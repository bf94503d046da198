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
(they are what the repository commits). Results accumulate in ``artifacts/margins/``.
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
RESULTS = ROOT / "artifacts" / "margins"
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

    artifacts = RESULTS / f"seed{seed}"
    artifacts.mkdir(parents=True, exist_ok=True)
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
    if write and seed == 0 and error is None:
        nbformat.write(nb, path)
    record = {"notebook": path.stem, "seed": seed, "seconds": round(seconds, 1), "error": error}
    (artifacts / f"{path.stem}.run.json").write_text(json.dumps(record))
    print(f"{path.stem} seed {seed}: {seconds:.0f} s" + (f"  ERROR {error}" if error else ""), flush=True)
    return record


def collect():
    """{(notebook, check name): {"op", "threshold", "values": {seed: value}}} and run times."""
    checks, times = {}, {}
    for folder in sorted(RESULTS.glob("seed*")):
        seed = int(folder.name[4:])
        for file in sorted((folder / "outcomes").glob("*.json")):
            record = json.loads(file.read_text())
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


def write_readme(text: str) -> None:
    readme = ROOT / "README.md"
    content = readme.read_text()
    if BEGIN not in content or END not in content:
        raise SystemExit(f"README.md has no {BEGIN} ... {END} markers")
    head, rest = content.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")


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
    text = "\n".join(margins_table(checks) + [""] + times_table(times))
    print(text)
    if args.readme:
        write_readme(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
