"""What the browser tests share beyond conftest's fixtures: opening a fixture notebook in JupyterLab."""
from pathlib import PurePosixPath


def run_fixture_notebook(browser, jupyter_lab, filename: str, viewport: dict, timeout_ms: int):
    """Open ``filename`` (already written to the lab's root) in JupyterLab in a new page of
    ``viewport`` size, wait for its kernel and press Run All. Returns the page.

    Each fixture notebook gets a workspace of its own, reset on opening: JupyterLab restores the
    last workspace of the server, so without this a second fixture's page reopens the first
    fixture's notebook beside it, and Run All may run the wrong one (CI: the widget fixture,
    opened after the faithfulness fixture, never showed its widgets). Run All is sent to the
    panel whose path is ``filename``, never to whatever panel happens to be current.
    """
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    workspace = PurePosixPath(filename).stem
    page.goto(f"{jupyter_lab['url']}/lab/workspaces/{workspace}/tree/{filename}"
              f"?reset&token={jupyter_lab['token']}")
    page.wait_for_function(
        """(path) => {
            const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
            return w && w.context && w.context.path === path && w.sessionContext
                && w.sessionContext.session && w.sessionContext.session.kernel;
        }""", arg=filename, timeout=timeout_ms)
    opened = page.evaluate("() => Array.from(window.jupyterapp.shell.widgets('main'))"
                           ".map(w => w.context ? w.context.path : w.title.label)")
    assert opened == [filename], f"JupyterLab opened {opened}, expected only {filename!r}"
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    return page


def wait_for_selectors(page, selectors, timeout_ms: int) -> None:
    """Wait until every CSS selector in ``selectors`` is visible; on time-out fail with what the
    notebook printed as errors (tracebacks, stderr), so that a CI log says why."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for selector in selectors:
        try:
            page.locator(selector).first.wait_for(timeout=timeout_ms)
        except PlaywrightTimeout:
            errors = page.evaluate(
                "() => Array.from(document.querySelectorAll(\"[data-mime-type='application/vnd.jupyter.stderr'],"
                " [data-mime-type='application/vnd.jupyter.error']\")).map(e => e.innerText.slice(-1500))")
            raise AssertionError(f"{selector} not shown within {timeout_ms / 1000:.0f} s; the notebook's "
                                 f"error output: {errors or 'none'}") from None
