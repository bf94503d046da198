"""A notebook's learning outcomes, checked in code and recorded for the margins benchmark.

Every notebook ends with an "Outcome checks" cell. Each check compares one measured number with
a threshold (``at_least`` / ``at_most``) or states a fact that must hold (``holds``). The
thresholds are set from margins measured over several seeds by
``benchmarks/outcome_margins.py``, which re-executes the notebooks with other ``SEED`` values and
reads back the JSON file that :meth:`Outcomes.finish` writes.

Example::

    outcomes = Outcomes("06_spa_eng_translator", seed=SEED)
    outcomes.at_least("test BLEU, greedy", greedy_bleu.score, 30)
    outcomes.holds("no test sentence in training", not overlap)
    outcomes.finish()   # prints a table, writes the record, raises if any check failed

This module imports nothing from the rest of :mod:`helpers` except :mod:`helpers.runtime`.

May import: :mod:`helpers.runtime`.
"""
from __future__ import annotations

import json
import math
import numbers

from helpers.runtime import artifacts_dir

__all__ = ["Outcomes", "OUTCOMES_FOLDER", "stored_records", "stored_run"]

OUTCOMES_FOLDER = "outcomes"


class Outcomes:
    """Collects a notebook's outcome checks; :meth:`finish` reports, records and asserts them.

    All checks are evaluated before any failure is raised, so a failing run still records every
    value (the margins benchmark needs them all).
    """

    def __init__(self, notebook: str, seed: int):
        if not isinstance(notebook, str) or not notebook.strip():
            raise ValueError(f"notebook must be a non-empty name, got {notebook!r}.")
        self.notebook, self.seed, self.checks = notebook, int(seed), []
        self.measurements = {}

    def _add(self, name, value, op, threshold, passed):
        if any(check["name"] == name for check in self.checks):
            raise ValueError(f"Outcome {name!r} is checked twice; give each check its own name.")
        self.checks.append({"name": name, "value": value, "op": op, "threshold": threshold,
                            "passed": bool(passed)})

    @staticmethod
    def _number(name, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
            raise TypeError(f"Outcome {name!r} needs a real number, got {value!r}.")
        return float(value)

    def at_least(self, name: str, value, threshold) -> None:
        """Check ``value >= threshold``."""
        value, threshold = self._number(name, value), self._number(name, threshold)
        self._add(name, value, ">=", threshold, value >= threshold)

    def at_most(self, name: str, value, threshold) -> None:
        """Check ``value <= threshold``."""
        value, threshold = self._number(name, value), self._number(name, threshold)
        self._add(name, value, "<=", threshold, value <= threshold)

    def holds(self, name: str, condition) -> None:
        """Check a fact that has no margin (an identity, a property of the data)."""
        self._add(name, None, "holds", None, bool(condition))

    def measured(self, name: str, value) -> None:
        """Record a number that is reported, not checked (e.g. training seconds, which measure the
        machine): it goes into the record's ``measurements``, which later runs can tabulate."""
        if name in self.measurements:
            raise ValueError(f"Measurement {name!r} is recorded twice.")
        self.measurements[name] = self._number(name, value)

    def table(self) -> str:
        """The checks as aligned text lines: name, value, comparison, verdict."""
        width = max((len(c["name"]) for c in self.checks), default=0)
        lines = []
        for c in self.checks:
            verdict = "ok" if c["passed"] else "FAILED"
            if c["op"] == "holds":
                lines.append(f"{c['name']:<{width}}  {'':>9}  {'':>11}  {verdict}")
            else:
                lines.append(f"{c['name']:<{width}}  {c['value']:9.4f}  {c['op']} {c['threshold']:<8.4g}"
                             f"  {verdict}")
        return "\n".join(lines)

    def finish(self) -> dict:
        """Print the table, write ``<artifacts>/outcomes/<notebook>.json``, raise if a check failed."""
        if not self.checks:
            raise ValueError("No outcome was checked.")
        print(self.table())
        record = {"notebook": self.notebook, "seed": self.seed, "checks": self.checks,
                  "measurements": self.measurements}
        folder = artifacts_dir() / OUTCOMES_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{self.notebook}.json").write_text(json.dumps(record, indent=1))
        failed = [c["name"] for c in self.checks if not c["passed"]]
        if failed:
            raise AssertionError(f"{len(failed)} outcome check(s) failed: {failed}")
        print(f"All {len(self.checks)} outcome checks passed.")
        return record


def stored_records(notebook: str, folder) -> list[dict]:
    """The outcome records of ``notebook`` kept for every seed under ``folder``
    (``benchmarks/margins/seed<N>/<notebook>.json``, written by ``benchmarks/outcome_margins.py``),
    sorted by seed; ``[]`` when the folder does not exist (e.g. on Colab)."""
    from pathlib import Path

    records = []
    for path in sorted(Path(folder).glob(f"seed*/{notebook}.json")):
        records.append(json.loads(path.read_text()))
    return sorted(records, key=lambda r: r["seed"])


def stored_run(path, **wanted):
    """The run in a benchmark's results file (JSON ``{"runs": [...]}``) whose entries equal
    ``wanted`` (e.g. ``seed=0, config={...}``), or ``None`` when the file is absent (e.g. on
    Colab) or holds no such run. A notebook uses it to reuse a comparison that a script in
    ``benchmarks/`` measured with exactly the notebook's parameters, and runs the comparison
    itself otherwise."""
    from pathlib import Path

    path = Path(path)
    if not path.is_file():
        return None
    for run in json.loads(path.read_text())["runs"]:
        if all(run.get(key) == value for key, value in wanted.items()):
            return run
    return None
