"""Every notebook, opened and run in JupyterLab in headless Chromium, the way a student meets it.

For each notebook: run all cells, wait for the kernel to go idle, then check that no cell shows an
error, that the browser console shows no widget error, that every slider and selector renders as a
widget (not as the text ``FloatSlider(value=...)``), and that moving each slider with the keyboard
changes the picture it drives within a few seconds. Screenshots go to test-artifacts/browser/.
"""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

pytestmark = pytest.mark.browser

# the predicates return false (never throw) while JupyterLab is still starting: an exception inside
# a wait_for_function predicate ends the wait at once instead of polling again
KERNEL_READY = """() => {
  if (!window.jupyterapp || !window.jupyterapp.shell) return false;
  const panel = window.jupyterapp.shell.currentWidget;
  const name = document.querySelector('.jp-NotebookPanel-toolbar .jp-KernelName, .jp-Toolbar-kernelName');
  return panel && panel.sessionContext && panel.sessionContext.session && name && /Python/.test(name.textContent);
}"""

ALL_DONE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.sessionContext || !panel.content || !panel.content.model) return false;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel || kernel.status !== 'idle') return false;
  const cells = panel.content.model.cells;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type === 'code' && cell.executionCount === null) return false;
  }
  return ![...panel.node.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'));
}"""

ERROR_OUTPUTS = """() => {
  const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
  const errors = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    for (const out of cell.outputs.toJSON()) {
      if (out.output_type === 'error') errors.push(`cell ${i}: ${out.ename}: ${out.evalue}`);
    }
  }
  return errors;
}"""


def _widget_cells(name: str) -> list[int]:
    """Indices (among all cells) of the cells whose stored output is a widget."""
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
            and any(WIDGET_VIEW in o.get("data", {}) for o in c.outputs)]


def _shutdown_kernels(lab) -> None:
    with urllib.request.urlopen(f"{lab.url}/api/kernels?token={lab.token}") as r:
        kernels = json.load(r)
    for k in kernels:
        req = urllib.request.Request(f"{lab.url}/api/kernels/{k['id']}?token={lab.token}", method="DELETE")
        urllib.request.urlopen(req).close()


def _move_and_wait(page, handle, image, timeout: float = 5.0, tries: int = 2) -> bool:
    """Press an arrow key on a slider handle (left when it sits at its maximum); True if the image
    changed within ``timeout`` seconds. A second press is tried once, in case the first key press
    was lost while the page was still laying out the last picture."""
    before = image.get_attribute("src")
    for _ in range(tries):
        now, top = (float(handle.get_attribute(a)) for a in ("aria-valuenow", "aria-valuemax"))
        handle.scroll_into_view_if_needed()
        handle.focus()
        page.keyboard.press("ArrowLeft" if now >= top else "ArrowRight")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if image.get_attribute("src") != before:
                return True
            page.wait_for_timeout(100)
    return False


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_and_its_widgets_work(name, lab, browser, artifacts):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    try:
        page.goto(f"{lab.url}/lab/tree/notebooks/{name}?reset&token={lab.token}")
        page.wait_for_function(KERNEL_READY, timeout=90_000)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_function(ALL_DONE, timeout=180_000, polling=500)

        assert page.evaluate(ERROR_OUTPUTS) == [], "cells with error outputs"

        cells = page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell")
        for index in _widget_cells(name):
            cell = cells.nth(index)
            cell.scroll_into_view_if_needed()
            outputs = cell.locator(".jp-OutputArea-output")
            text = outputs.all_inner_texts()
            assert not any(t.lstrip().startswith(("VBox(", "HBox(", "FloatSlider(", "IntSlider(", "Dashboard("))
                           for t in text), f"cell {index}: the widget rendered as text: {text}"
            widgets = cell.locator(".jupyter-widgets")
            assert widgets.count() > 0, f"cell {index}: no widget rendered"
            image = cell.locator("img.widget-image").first
            image.wait_for(state="visible", timeout=10_000)
            handles = cell.locator(".noUi-handle")
            selectors = cell.locator(".widget-dropdown select")
            assert handles.count() + selectors.count() > 0, f"cell {index}: no slider or selector rendered"
            cell.screenshot(path=str(artifacts / f"{Path(name).stem}-cell{index}.png"))
            for k in range(handles.count()):
                handle = handles.nth(k)
                label = handle.get_attribute("aria-valuetext") or k
                assert _move_and_wait(page, handle, image), \
                    f"cell {index}: slider {k} ({label}) did not change the plot"
            cell.screenshot(path=str(artifacts / f"{Path(name).stem}-cell{index}-moved.png"))

        widget_errors = [e for e in console_errors if "widget" in e.lower() or "ipywidgets" in e.lower()]
        assert widget_errors == [], f"console errors from widgets: {widget_errors}"
        page.screenshot(path=str(artifacts / f"{Path(name).stem}.png"))
    finally:
        page.close()
        _shutdown_kernels(lab)
