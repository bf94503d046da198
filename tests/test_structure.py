"""The structure of ``helpers/`` (issue 12): module and class sizes, the import direction of the
layering, and a "May import:" line in every module docstring.

The layering (also in the docstrings of ``helpers`` and ``helpers.layers``): a module may import
only from the lines above its own or from its own line. A subpackage counts as its top name
(``helpers.models.seq2seq`` is ``models``), so imports inside one subpackage are allowed. Imports
inside functions count. ``helpers/__init__.py`` imports everything on purpose and is exempt from
the import rule only.

Each rule is one test that lists every module breaking it.
"""
from __future__ import annotations

import ast
from pathlib import Path

HELPERS = Path(__file__).resolve().parents[1] / "helpers"
MAX_MODULE_LINES = 300
MAX_CLASS_LINES = 100
LAYERING = (
    ("runtime",),
    ("data", "text", "metrics", "reference", "plots"),
    ("layers",),
    ("training",),
    ("decoding",),
    ("models",),
    ("explain",),
    ("outcomes", "exercises", "widgets"),
)
RANK = {name: rank for rank, line in enumerate(LAYERING) for name in line}
ROOT = "helpers"  # the package itself: helpers/__init__.py


def module_name(path: Path) -> str:
    """``helpers/models/seq2seq.py`` -> ``helpers.models.seq2seq``; an ``__init__.py`` -> its
    package."""
    parts = path.relative_to(HELPERS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_package(name: str) -> bool:
    return (HELPERS.parent.joinpath(*name.split(".")) / "__init__.py").is_file()


def is_module(name: str) -> bool:
    path = HELPERS.parent.joinpath(*name.split("."))
    return is_package(name) or path.with_suffix(".py").is_file()


def top_name(name: str) -> str:
    """``helpers.models.seq2seq`` -> ``models``; the package itself -> ``helpers``."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ROOT


def helpers_imports(source: str, module: str) -> list[str]:
    """Every ``helpers`` module that ``source`` (the text of ``module``) imports, anywhere in the
    file. ``from helpers import x`` is ``helpers.x`` when ``x`` is a module of the package, else
    (a name defined in ``helpers/__init__.py``) the package itself, ``helpers``."""
    package = module if is_package(module) else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == ROOT]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != ROOT:
                continue
            if target == ROOT:
                found += [f"{ROOT}.{a.name}" if is_module(f"{ROOT}.{a.name}") else ROOT
                          for a in node.names]
            else:
                found.append(target)
    return found


def layering_violations(module: str, imported: list[str]) -> list[str]:
    """What is wrong with ``module`` importing ``imported``, in words (empty: nothing)."""
    own = top_name(module)
    if own not in RANK:
        return [f"{module} is not in the layering ({own!r} is on no line)"]
    wrong = []
    for name in imported:
        top = top_name(name)
        if top == ROOT:
            wrong.append(f"{module} imports the package {ROOT} itself (which imports everything); "
                         "import from the module that holds the name")
        elif top not in RANK:
            wrong.append(f"{module} imports {name}, which is on no line of the layering")
        elif top != own and RANK[top] > RANK[own]:
            wrong.append(f"{module} ({own}, line {RANK[own] + 1}) imports {name} ({top}, "
                         f"line {RANK[top] + 1}, below)")
    return wrong


def modules() -> list[Path]:
    return sorted(p for p in HELPERS.rglob("*.py") if "__pycache__" not in p.parts)


def relative(path: Path) -> str:
    return str(path.relative_to(HELPERS.parent))


def report(problems: list[str]) -> str:
    return f"{len(problems)} problem(s):\n  " + "\n  ".join(problems)


def test_the_walk_finds_the_package():
    found = {module_name(p) for p in modules()}
    assert {"helpers", "helpers.runtime", "helpers.layers.base", "helpers.reference"} <= found


# ------------------------------------------------------------------------------ (a) sizes
def test_no_module_over_300_lines():
    problems = []
    for path in modules():
        lines = len(path.read_text().splitlines())
        if lines > MAX_MODULE_LINES:
            problems.append(f"{relative(path)}: {lines} lines (at most {MAX_MODULE_LINES})")
    assert not problems, report(problems)


# ------------------------------------------------------------------------------ (b) classes
def test_no_class_over_100_lines():
    problems = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ClassDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_CLASS_LINES:
                    problems.append(f"{relative(path)}: class {node.name} has {lines} lines "
                                    f"(at most {MAX_CLASS_LINES})")
    assert not problems, report(problems)


# ------------------------------------------------------------------------------ (c) imports
def test_the_import_checker_itself():
    source = (
        "import numpy\n"
        "import helpers.training\n"
        "from helpers.models.seq2seq import build\n"
        "from . import dot_product\n"
        "from .base import AttentionBase\n"
        "from ..text import chars\n"
        "def later():\n"
        "    from helpers import plots, set_seed\n"
    )
    imported = helpers_imports(source, "helpers.layers.additive")
    assert sorted(imported) == sorted(["helpers.training", "helpers.models.seq2seq",
                                       "helpers.layers", "helpers.layers.base", "helpers.text",
                                       "helpers.plots", "helpers"])
    wrong = layering_violations("helpers.layers.additive", imported)
    assert len(wrong) == 3, wrong
    assert any("helpers.training (training, line 4, below)" in w for w in wrong)
    assert any("helpers.models.seq2seq (models" in w for w in wrong)
    assert any("the package helpers itself" in w for w in wrong)
    # same line, lines above, same subpackage: fine
    assert layering_violations("helpers.data.imdb", ["helpers.text.words", "helpers.runtime",
                                                     "helpers.data._fetch"]) == []
    assert layering_violations("helpers.widgets.dates",
                               ["helpers.outcomes", "helpers.explain"]) == []
    assert layering_violations("helpers.nowhere", []) != []


def test_imports_follow_the_layering():
    problems = []
    for path in modules():
        module = module_name(path)
        if module == ROOT:
            continue  # helpers/__init__.py imports everything on purpose
        problems += layering_violations(module, helpers_imports(path.read_text(), module))
    assert not problems, report(problems)


# ------------------------------------------------------------------------------ (d) docstrings
def test_every_module_docstring_says_what_it_may_import():
    needle = "May import:"
    problems = []
    for path in modules():
        doc = ast.get_docstring(ast.parse(path.read_text(), str(path)))
        if doc is None:
            problems.append(f"{relative(path)}: no module docstring")
        elif needle not in doc:
            problems.append(f"{relative(path)}: the docstring has no {needle!r} line")
    assert not problems, report(problems)
