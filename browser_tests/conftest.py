"""Browser tests of every widget: JupyterLab in headless Chromium, driven like a learner.

`bash course.sh test` passes this folder to pytest *after* notebooks/, because the fixture
notebook loads the models the notebooks saved (COURSE_ARTIFACTS_DIR, default artifacts/).

Needs Debian's ``chromium`` (``apt-get install chromium``) and the ``playwright`` Python package
(its own browser download is not used). Locally the tests skip, saying why, when Chromium or the
saved models are missing; under ``CI=true`` they fail instead. On failure a screenshot is saved
in ``browser_tests/screenshots/`` (git-ignored); with ``COURSE_SCREENSHOTS=1`` after every test, to
look at what a learner sees.
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = {  # written by the notebooks: 04, 05, 06
    "date": "04_date_translator_luong_general.keras",
    "review": "05_imdb_bilstm_attention.keras",
    "spanish": "06_spa_eng_translator.keras",
}


def _unavailable(reason: str):
    """Skip locally; fail under CI, where the browser tests must run."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run under CI: {reason}", pytrace=False)
    pytest.skip(reason)


def artifacts_dir() -> Path:
    return Path(os.environ.get("COURSE_ARTIFACTS_DIR") or ROOT / "artifacts")


def chromium_path() -> str | None:
    for candidate in (os.environ.get("COURSE_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="session")
def artifacts() -> dict[str, Path]:
    folder = artifacts_dir()
    paths = {name: folder / file for name, file in ARTIFACTS.items()}
    missing = [p.name for p in paths.values() if not p.exists()]
    if missing:
        _unavailable(f"saved models missing from {folder}: {', '.join(missing)} "
                     "(run notebooks 04-06 first, or set COURSE_ARTIFACTS_DIR)")
    return paths


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory, artifacts):
    """A JupyterLab server of this venv on a free local port, with a token, serving a temp folder."""
    base = tmp_path_factory.mktemp("lab")
    root = base / "notebooks"
    root.mkdir()
    settings = base / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    # No news or update checks (no internet; a toast would cover the page).
    (settings / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}')
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(base / "config"),
               JUPYTERLAB_SETTINGS_DIR=str(base / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(base / "runtime"),
               COURSE_ARTIFACTS_DIR=str(artifacts_dir()), TF_CPP_MIN_LOG_LEVEL="3")
    log = open(base / "lab.log", "w")
    jupyter = Path(sys.executable).with_name("jupyter")
    server = subprocess.Popen(
        [str(jupyter), "lab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--LabApp.expose_app_in_browser=True"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited: {(base / 'lab.log').read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not answer within 120 s")
                time.sleep(0.5)
        yield {"url": url, "token": token, "root": root, "log": base / "lab.log"}
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        _unavailable("Chromium not found (Debian/Ubuntu: sudo apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is missing (pip install -r requirements.txt)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    keep = report.failed or (os.environ.get("COURSE_SCREENSHOTS") == "1" and report.when == "call")
    if keep and report.when in ("setup", "call"):
        page = getattr(item, "_course_page", None)
        if page is not None:
            SCREENSHOTS.mkdir(exist_ok=True)
            path = SCREENSHOTS / f"{item.name.replace('/', '_')[:120]}.png"
            try:
                page.screenshot(path=str(path), full_page=True)
                report.sections.append(("screenshot", str(path)))
            except Exception as error:  # noqa: BLE001  (the page may be gone)
                report.sections.append(("screenshot", f"none: {error}"))
    return report
