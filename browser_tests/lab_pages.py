"""What the browser tests share beyond conftest's fixtures: opening a fixture notebook in JupyterLab."""


def run_fixture_notebook(browser, jupyter_lab, filename: str, viewport: dict, timeout_ms: int):
    """Open ``filename`` (already written to the lab's root) in JupyterLab in a new page of
    ``viewport`` size, wait for its kernel and press Run All. Returns the page."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{jupyter_lab['url']}/lab/tree/{filename}?token={jupyter_lab['token']}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.sessionContext"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel",
                           timeout=timeout_ms)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    return page
