"""JupyterLab and headless Chromium, driven as a student would: for the browser tests and the browser benchmark.

A ``LabServer`` is a JupyterLab server of its own on 127.0.0.1 (a free port, a token, its own settings and
workspace folders), on a folder the caller gives it; it and its kernels are stopped by ``stop()``.
Chromium is Debian's (/usr/bin/chromium, or NNLAB_CHROMIUM), driven with Playwright for Python; nothing is
downloaded. The rest are the steps both the tests and ``benchmarks/browser_latency.py`` take: open a notebook
and run it, find the controls of a dashboard, move one, and time the move from the key press to the new picture
painted.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

CHROMIUM = os.environ.get("NNLAB_CHROMIUM", "/usr/bin/chromium")
HOW_TO_ENABLE = ("browser tests need Debian's Chromium and Playwright for Python: "
                 "`sudo apt-get install chromium` and `pip install playwright` (already in the test extras); "
                 "set NNLAB_CHROMIUM to use a Chromium elsewhere")
# the flags a root process on a machine with no outside network needs (no sandbox, no background calls home)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
#: a common laptop window: JupyterLab gives an output 968 px of it
VIEWPORT = {"width": 1400, "height": 1000}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: seconds a test waits for the page before it calls it a hang: a guard, never a speed goal (a busy machine is slow,
#: not broken; the speed is measured by benchmarks/browser_latency.py)
PATIENCE = 60.0


def missing() -> str | None:
    """Why the browser cannot run here, or None."""
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """JupyterLab on 127.0.0.1 serving ``root``, with its state in ``workdir`` (both made by the caller)."""

    def __init__(self, root: Path, workdir: Path) -> None:
        self.port, self.token = _free_port(), secrets.token_hex(16)
        self.root = root
        settings, workspaces, config, runtime = (workdir / d for d in ("settings", "workspaces", "config", "runtime"))
        for folder in (settings, workspaces, config, runtime):
            folder.mkdir(parents=True)
        self._write_settings(settings)
        env = dict(os.environ, JUPYTER_CONFIG_DIR=str(config), JUPYTER_RUNTIME_DIR=str(runtime),
                   JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(workspaces))
        cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
               "--port-retries=0", f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}",
               f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={workspaces}",
               "--expose-app-in-browser", "--ServerApp.disable_check_xsrf=False",
               "--LabServerApp.announcements_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        self.log = (workdir / "jupyterlab.log").open("w")
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_until_up()

    @staticmethod
    def _write_settings(settings: Path) -> None:
        user = {
            # no news fetched from outside, no popup over the notebook
            "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
            # render every cell, also those off screen
            "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
        }
        for name, value in user.items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"jupyter lab did not answer within {timeout} s; see {self.log.name}")

    def shutdown_kernels(self) -> None:
        with urllib.request.urlopen(f"{self.url}/api/kernels?token={self.token}") as r:
            kernels = json.load(r)
        for k in kernels:
            req = urllib.request.Request(f"{self.url}/api/kernels/{k['id']}?token={self.token}", method="DELETE")
            urllib.request.urlopen(req).close()

    def stop(self) -> None:
        """Stop the server and every kernel it started (they share its process group)."""
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


def launch_chromium(playwright: Any) -> Any:
    """Debian's Chromium, headless, through Playwright's ``sync_playwright()`` object."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


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

# every image in an output area, loaded, with its own size and the size it is shown at
IMAGES = """() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output img')]
  .map(img => ({cell: [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')]
                  .indexOf(img.closest('.jp-Cell')),
                widget: img.classList.contains('widget-image'), complete: img.complete,
                natural: img.naturalWidth, shown: img.getBoundingClientRect().width,
                area: img.closest('.jp-OutputArea-output').clientWidth}))"""


def widget_cells(path: Path) -> list[int]:
    """Indices (among all cells) of the cells whose stored output is a widget."""
    nb = nbformat.read(path, as_version=4)
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
            and any(WIDGET_VIEW in o.get("data", {}) for o in c.outputs)]


def open_and_run(page: Any, lab: LabServer, name: str) -> None:
    """Open ``notebooks/name`` in JupyterLab (a fresh workspace), run every cell and wait for the kernel."""
    page.goto(f"{lab.url}/lab/tree/notebooks/{name}?reset&token={lab.token}")
    page.wait_for_function(KERNEL_READY, timeout=90_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(ALL_DONE, timeout=180_000, polling=500)


def cell_locator(page: Any, index: int) -> Any:
    return page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell").nth(index)


# --- the controls of a dashboard -----------------------------------------------------------------------------------
@dataclass
class Control:
    """One control of a dashboard as the page shows it."""
    kind: str  # "slider", "dropdown" or "checkbox"
    index: int  # among the cell's controls of this kind
    label: str
    disabled: bool
    tooltip: str  # what the control says when a student points at it (its title)
    options: list[str]  # a dropdown's choices
    value: str  # a slider's aria-valuenow, a dropdown's value, a checkbox's "true"/"false"

    @property
    def name(self) -> str:
        return f"{self.kind} {self.label or self.index}"


_CONTROLS = """(cell) => {
  const title = (w) => [w, ...w.querySelectorAll('label, span, select, input, .noUi-handle')]
      .map(e => e.getAttribute('title')).find(t => t && t !== 'null') || '';
  const out = [];
  cell.querySelectorAll('.widget-slider').forEach((w, i) => {
    const target = w.querySelector('.noUi-target'), handle = w.querySelector('.noUi-handle');
    out.push({kind: 'slider', index: i, label: w.querySelector('.widget-label').textContent.trim(),
              disabled: target.hasAttribute('disabled'), tooltip: title(w), options: [],
              value: handle.getAttribute('aria-valuenow')});
  });
  cell.querySelectorAll('.widget-dropdown').forEach((w, i) => {
    const select = w.querySelector('select');
    out.push({kind: 'dropdown', index: i, label: w.querySelector('.widget-label').textContent.trim(),
              disabled: select.disabled, tooltip: title(w), options: [...select.options].map(o => o.value),
              value: select.value});
  });
  cell.querySelectorAll('.widget-checkbox').forEach((w, i) => {
    const input = w.querySelector('input');
    out.push({kind: 'checkbox', index: i, label: w.textContent.replace(/\u200b/g, '').trim(), disabled: input.disabled,
              tooltip: title(w), options: [], value: String(input.checked)});
  });
  return out;
}"""


def controls(cell: Any) -> list[Control]:
    """The sliders, dropdowns and checkboxes of a dashboard cell, in that order, as they are now."""
    return [Control(**c) for c in cell.evaluate(_CONTROLS)]


def move(page: Any, cell: Any, control: Control) -> str:
    """Move ``control`` once, as a student would: an arrow key on a slider (left at its maximum), the next
    choice of a dropdown (the next preset: "(custom)" names where the values are, it is not a place to go), a
    click on a checkbox. Returns what was done."""
    if control.kind == "slider":
        handle = cell.locator(".widget-slider").nth(control.index).locator(".noUi-handle")
        now, top = (float(handle.get_attribute(a)) for a in ("aria-valuenow", "aria-valuemax"))
        key = "ArrowLeft" if now >= top else "ArrowRight"
        handle.scroll_into_view_if_needed()
        handle.focus()
        page.keyboard.press(key)
        return key
    if control.kind == "dropdown":
        choices = [o for o in control.options if o != "(custom)"]
        here = choices.index(control.value) if control.value in choices else -1
        choice = choices[(here + 1) % len(choices)]
        cell.locator(".widget-dropdown").nth(control.index).locator("select").select_option(choice)
        return choice
    if control.kind == "checkbox":
        cell.locator(".widget-checkbox").nth(control.index).locator("input").click()
        return "click"
    raise ValueError(f"control.kind: expected slider, dropdown or checkbox, got {control.kind!r}")


# --- timing a move: from the student's input to the new picture on screen ------------------------------------------
# a MutationObserver on the dashboard image's src; the time is taken when the new image is decoded and one
# animation frame later (the frame it is painted in). The start is the first keydown, change or click event
# inside the cell after arming (capture phase: before any widget handles it).
ARM = """([cell, image]) => {
  const state = window.__nnlabMove = {start: null, painted: [], observer: null};
  const mark = () => { if (state.start === null) state.start = performance.now(); };
  for (const type of ['keydown', 'change', 'click', 'input']) {
    cell.addEventListener(type, mark, {capture: true, once: true});
  }
  state.observer = new MutationObserver(() => {
    const src = image.src;
    const copy = new Image();
    copy.src = src;
    copy.decode().catch(() => null).then(() => requestAnimationFrame(() =>
      state.painted.push(performance.now())));
  });
  state.observer.observe(image, {attributes: true, attributeFilter: ['src']});
}"""

MOVE_RESULT = """() => {
  const s = window.__nnlabMove;
  if (s.observer) s.observer.disconnect();
  return {start: s.start, painted: s.painted};
}"""


def timed_move(page: Any, cell: Any, control: Control, timeout: float = PATIENCE,
               settle: float = 0.6) -> tuple[float | None, int]:
    """Move ``control`` once; return the milliseconds from the input event to the new picture painted (None if
    the picture did not change within ``timeout`` s), and how many pictures arrived in all, counted until
    ``settle`` s after the first (one move must draw once: a second picture would be an echo redraw)."""
    image = cell.locator("img.widget-image").first
    page.evaluate(ARM, [cell.element_handle(), image.element_handle()])
    move(page, cell, control)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate("() => window.__nnlabMove.painted.length") > 0:
            break
        page.wait_for_timeout(20)
    else:
        page.evaluate(MOVE_RESULT)
        return None, 0
    page.wait_for_timeout(settle * 1000)
    result = page.evaluate(MOVE_RESULT)
    return result["painted"][0] - result["start"], len(result["painted"])
