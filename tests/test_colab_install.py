"""The notebooks' set-up cell works where a learner opens it: a Colab-like environment.

``test_colab_like_install`` builds a clean virtual environment that holds only what Colab
preinstalls and the course uses (:data:`COLAB_SET`, with the packages they depend on), runs the
notebooks' own set-up cell in it as on Colab, installing this checkout instead of the tagged
release, and then imports every module that any notebook or ``helpers`` imports.

How the Colab packages get into the environment, cheaply and honestly: installing TensorFlow
afresh costs minutes and half a gigabyte, so the environment instead sees exactly the
distributions of :data:`COLAB_SET` and their dependencies *from this test's own environment*:
one symbolic link per top-level package or module (and per ``.dist-info``) of each of those
distributions, in a folder outside the new environment that a ``.pth`` file puts on its path,
as ``--system-site-packages`` would. Nothing else of this environment is visible (not
``sacrebleu``, ``pytest``, ``jupyterlab``, nor ``helpers``), so an import that works only
because a package happens to be installed here fails. pip sees those distributions as installed
but outside the environment, so it never modifies them; the test also checks, before the set-up
cell runs, that pip would install nothing that Colab already has. Packages the set-up cell
installs (``sacrebleu`` and what it needs) come from pip's index and cache as on Colab.
"""
from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import time
import venv
from importlib import metadata
from pathlib import Path

import nbformat
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import helpers

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    from pip._vendor import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SETUP_CELL = 1  # index of the set-up cell in every notebook

#: What Colab preinstalls and the course uses. TensorFlow may be installed here as
#: ``tensorflow-cpu``; pip (which the set-up cell runs) is preinstalled on Colab too.
COLAB_SET = ("tensorflow", "keras", "numpy", "pandas", "matplotlib", "seaborn", "ipywidgets",
             "scikit-learn", "ipython", "pip")
ALIASES = {"tensorflow": ("tensorflow", "tensorflow-cpu")}


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def install_spec() -> str:
    """What the set-up cell must install on Colab: the release tagged ``v<version>``."""
    project = pyproject()["project"]
    return f"git+{project['urls']['Repository']}@v{project['version']}"


def setup_cells() -> dict[str, str]:
    return {nb.name: nbformat.read(nb, as_version=4).cells[SETUP_CELL].source for nb in NOTEBOOKS}


# --------------------------------------------------------------------------- the set-up cell

def test_version_matches_pyproject():
    assert helpers.__version__ == pyproject()["project"]["version"]


def test_every_notebook_has_the_same_set_up_cell():
    cells = setup_cells()
    assert len(cells) == 8   # notebooks 01-08
    assert len(set(cells.values())) == 1, {name: cell[:200] for name, cell in cells.items()}


def test_set_up_cell_installs_the_tagged_release_of_the_repository():
    cell = next(iter(setup_cells().values()))
    spec = install_spec()
    assert f'"{spec}"' in cell, f"the set-up cell should install {spec!r}"
    repository = pyproject()["project"]["urls"]["Repository"]
    assert cell.count(repository) == 1  # written once, in the install spec
    assert "import helpers" in cell


# --------------------------------------------------------------------------- what gets imported

def _imports_of(source: str, where: str) -> set[tuple[str, str | None]]:
    """``(module, name)`` for every absolute import in ``source``; ``name`` None for ``import m``."""
    found = set()
    for node in ast.walk(ast.parse(source, where)):
        if isinstance(node, ast.Import):
            found |= {(alias.name, None) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module != "__future__":
            found |= {(node.module, alias.name) for alias in node.names}
    return found


def course_imports() -> list[tuple[str, str | None]]:
    """Every import in the notebooks' code cells (IPython syntax turned into Python first) and in
    every module of ``helpers`` (including imports inside functions)."""
    from IPython.core.inputtransformer2 import TransformerManager

    python = TransformerManager()
    found = set()
    for nb in NOTEBOOKS:
        for i, cell in enumerate(nbformat.read(nb, as_version=4).cells):
            if cell.cell_type == "code":
                found |= _imports_of(python.transform_cell(cell.source), f"{nb.name} cell {i}")
    for module in sorted((ROOT / "helpers").rglob("*.py")):
        found |= _imports_of(module.read_text(encoding="utf-8"), str(module))
    return sorted(found, key=lambda pair: (pair[0], pair[1] or ""))


def test_course_imports_are_found():
    """The scan sees imports of both kinds, in notebooks and inside helpers' functions."""
    imports = course_imports()
    modules = {module for module, _ in imports}
    assert {"sacrebleu.metrics", "sacremoses", "ipywidgets", "IPython.display", "matplotlib.pyplot",
            "helpers.widgets"} <= modules
    assert ("helpers.models", "COURSE") in imports


# --------------------------------------------------------------------------- the Colab-like env

def _distribution(name: str) -> metadata.Distribution | None:
    for candidate in ALIASES.get(name, (name,)):
        try:
            return metadata.distribution(candidate)
        except metadata.PackageNotFoundError:
            continue
    return None


def colab_distributions() -> tuple[dict[str, metadata.Distribution], list[str]]:
    """The installed distributions of :data:`COLAB_SET` and everything they require (markers
    evaluated for this interpreter, no extras), by canonical name; and the names of COLAB_SET
    not installed here (left out, which only makes the test stricter)."""
    found, missing, todo = {}, [], []
    for name in COLAB_SET:
        dist = _distribution(name)
        if dist is None:
            missing.append(name)
        else:
            todo.append(dist)
    while todo:
        dist = todo.pop()
        key = canonicalize_name(dist.metadata["Name"])
        if key in found:
            continue
        found[key] = dist
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            needed = _distribution(requirement.name)
            if needed is not None:
                todo.append(needed)
    return found, missing


def link_distributions(dists, folder: Path) -> None:
    """One symbolic link in ``folder`` per top-level entry (package, module, extension,
    ``.libs``, ``.dist-info``) of each distribution's installed files."""
    folder.mkdir()
    for dist in dists.values():
        for file in dist.files or []:
            top = file.parts[0]
            if top in ("..", "__pycache__") or top.endswith(".pth"):
                continue
            source = Path(dist.locate_file(top))
            target = folder / top
            if source.exists() and not target.exists():
                target.symlink_to(source, target_is_directory=source.is_dir())


CHECK_IMPORTS = r"""
import importlib, json, sys
failures = []
for module, name in json.load(open(sys.argv[1])):
    try:
        imported = importlib.import_module(module)
        if name is not None and name != "*" and not hasattr(imported, name):
            importlib.import_module(f"{module}.{name}")
    except Exception as error:  # noqa: BLE001
        failures.append(f"{module}{'.' + name if name else ''}: {type(error).__name__}: {error}")
print(json.dumps(failures))
"""


def test_colab_like_install(tmp_path):
    """A clean environment with only Colab's packages; the set-up cell installs this checkout;
    every module the course imports then imports. Prints what each step cost."""
    cell = next(iter(setup_cells().values()))
    assert install_spec() in cell, f"the set-up cell does not install {install_spec()!r}"
    seconds = {}
    start = time.perf_counter()
    dists, missing = colab_distributions()
    env_dir, base = tmp_path / "venv", tmp_path / "colab-packages"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    link_distributions(dists, base)
    (site / "colab-packages.pth").write_text(str(base) + "\n")
    seconds["environment"] = time.perf_counter() - start

    # The checkout's package files (not build output, not the editable install's metadata).
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, checkout / name)
    shutil.copytree(ROOT / "helpers", checkout / "helpers", ignore=shutil.ignore_patterns("__pycache__"))

    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    environment.update(PYTHONNOUSERSITE="1", PIP_DISABLE_PIP_VERSION_CHECK="1")

    def run(*args, **kwargs):
        return subprocess.run([str(python), *map(str, args)], capture_output=True, text=True,
                              env=environment, cwd=tmp_path, timeout=900, **kwargs)

    isolated = run("-c", "import importlib.util as u; print([m for m in ('helpers', 'sacrebleu', 'pytest') if u.find_spec(m)])")
    assert isolated.stdout.strip() == "[]", isolated.stdout + isolated.stderr

    # What pip would do: it must not touch anything Colab already has.
    start = time.perf_counter()
    dry = run("-m", "pip", "install", "--quiet", "--dry-run", "--report", tmp_path / "report.json", checkout)
    assert dry.returncode == 0, dry.stderr[-3000:]
    planned = {canonicalize_name(item["metadata"]["name"]): item["metadata"]["version"]
               for item in json.loads((tmp_path / "report.json").read_text())["install"]}
    assert not set(planned) & set(dists), f"pip would replace Colab's {sorted(set(planned) & set(dists))}"
    assert "sacrebleu" in planned
    seconds["pip resolve"] = time.perf_counter() - start

    # The notebooks' set-up cell, as on Colab, with this checkout in place of the tagged release.
    cell = cell.replace(install_spec(), str(checkout))
    start = time.perf_counter()
    setup = run("-c", "import sys, types\n"
                      "sys.modules['google.colab'] = types.ModuleType('google.colab')  # as on Colab\n"
                + cell)
    assert setup.returncode == 0, setup.stderr[-3000:]
    seconds["set-up cell (pip install + import helpers)"] = time.perf_counter() - start

    (tmp_path / "imports.json").write_text(json.dumps(course_imports()))
    start = time.perf_counter()
    checked = run("-c", CHECK_IMPORTS, tmp_path / "imports.json")
    assert checked.returncode == 0, checked.stderr[-3000:]
    assert json.loads(checked.stdout.splitlines()[-1]) == []
    seconds["import every module"] = time.perf_counter() - start

    installed = run("-m", "pip", "list", "--path", site, "--format", "json")
    assert installed.returncode == 0, installed.stderr[-2000:]
    mine = {canonicalize_name(item["name"]) for item in json.loads(installed.stdout)}
    assert "attention-course-helpers" in mine and not mine & set(dists)
    print(f"\n[Colab-like install] {len(dists)} Colab distributions linked"
          f"{' (not installed here: ' + ', '.join(missing) + ')' if missing else ''}; "
          f"installed by the set-up cell: {', '.join(sorted(mine))}; "
          + "; ".join(f"{step} {s:.1f} s" for step, s in seconds.items()))
