"""JupyterLab and headless Chromium, driven as a student would: for the browser tests and the browser benchmark.

A ``LabServer`` is a JupyterLab server of its own on 127.0.0.1 (a free port, a token, its own settings and
workspace folders), on a folder the caller gives it; it and its kernels are stopped by ``stop()``.
Chromium is Debian's (/usr/bin/chromium, or NNLAB_CHROMIUM), driven with Playwright for Python; nothing is
downloaded. The rest are the steps both the tests and ``benchmarks/browser_latency.py`` take: open a notebook
and run it, find the controls of a dashboard, move one with the keyboard, and time the move from the key press to
the new picture painted; and the accessibility checks of the browser tests: axe-core (``run_axe``, with the
``ALLOWLIST`` of what JupyterLab's or nbconvert's own parts still fail) and what each control says to a screen
reader (``control_names``).
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
                alt: img.getAttribute('alt') || '',
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
  const out = [], count = {slider: 0, dropdown: 0, checkbox: 0};
  cell.querySelectorAll('.widget-slider, .widget-dropdown, .widget-checkbox').forEach((w) => {
    if (w.classList.contains('widget-slider')) {
      const target = w.querySelector('.noUi-target'), handle = w.querySelector('.noUi-handle');
      out.push({kind: 'slider', index: count.slider++, label: w.querySelector('.widget-label').textContent.trim(),
                disabled: target.hasAttribute('disabled'), tooltip: title(w), options: [],
                value: handle.getAttribute('aria-valuenow')});
    } else if (w.classList.contains('widget-dropdown')) {
      const select = w.querySelector('select');
      out.push({kind: 'dropdown', index: count.dropdown++, label: w.querySelector('.widget-label').textContent.trim(),
                disabled: select.disabled, tooltip: title(w), options: [...select.options].map(o => o.value),
                value: select.value});
    } else {
      const input = w.querySelector('input');
      out.push({kind: 'checkbox', index: count.checkbox++, label: w.textContent.replace(/\u200b/g, '').trim(),
                disabled: input.disabled, tooltip: title(w), options: [], value: String(input.checked)});
    }
  });
  return out;
}"""


def controls(cell: Any) -> list[Control]:
    """The sliders, dropdowns and checkboxes of a dashboard cell, in the page's order, as they are now."""
    return [Control(**c) for c in cell.evaluate(_CONTROLS)]


#: what a screen reader is told about each control of a dashboard: its role's element, accessible name, the value
#: it announces, the value on screen (a slider's readout), whether it is disabled, in the Tab order, and whether
#: JupyterLab's shortcuts are kept out of it
_NAMES = """(cell) => {
  const name = (el) => el.getAttribute('aria-label') || (el.labels && el.labels[0] ? el.labels[0].textContent : '')
      || (el.closest('label') ? el.closest('label').textContent : '');
  const out = [];
  cell.querySelectorAll('.widget-slider, .widget-dropdown, .widget-checkbox').forEach((w) => {
    // a checkbox's text is in its own label beside the box (its .widget-label, the left column, is empty)
    const label = (w.classList.contains('widget-checkbox') ? w : (w.querySelector('.widget-label') || w))
      .textContent.replace(/\u200b/g, '').trim();
    const el = w.querySelector('.noUi-handle, select, input');
    const readout = w.querySelector('.widget-readout');
    const off = el.matches('.noUi-handle') ? !!w.querySelector('.noUi-target[disabled]') : el.disabled;
    out.push({label, role: el.getAttribute('role') || el.tagName.toLowerCase(),
              name: name(el).replace(/\u200b/g, '').trim(),
              announced: el.getAttribute('aria-valuetext') || el.value || '',
              shown: readout ? readout.textContent.trim() : '',
              disabled: off, saysDisabled: el.disabled || el.getAttribute('aria-disabled') === 'true',
              tabbable: el.tabIndex >= 0 && !el.disabled,
              readoutName: readout ? (readout.getAttribute('aria-label') || '') : null,
              readoutTabbable: readout ? readout.isContentEditable : null,
              shortcutsKept: !!el.closest('[data-lm-suppress-shortcuts]')});
  });
  return out;
}"""


def control_names(cell: Any) -> list[dict]:
    """What a screen reader is told about every control of a dashboard cell (see ``_NAMES``)."""
    return cell.evaluate(_NAMES)


def picture(cell: Any) -> dict:
    """The ``src`` and ``alt`` of a dashboard cell's picture."""
    return cell.evaluate("""(cell) => { const img = cell.querySelector('img.nnlab-picture, img.widget-image');
      return img ? {src: img.getAttribute('src'), alt: img.getAttribute('alt')} : {src: null, alt: null}; }""")


def focus_target(cell: Any, control: Control) -> Any:
    """The element of a control that takes the keyboard's focus (a slider's handle, a menu, a checkbox)."""
    selector = {"slider": ".widget-slider", "dropdown": ".widget-dropdown", "checkbox": ".widget-checkbox"}
    inner = {"slider": ".noUi-handle", "dropdown": "select", "checkbox": "input"}
    return cell.locator(selector[control.kind]).nth(control.index).locator(inner[control.kind])


def tab_to(page: Any, cell: Any, control: Control, limit: int = 6) -> int:
    """Press Tab until ``control`` has the focus, as a keyboard user would walk to it from the control before it;
    the number of presses (ValueError if it takes more than ``limit`` or the focus leaves the dashboard)."""
    target = focus_target(cell, control).element_handle()
    for presses in range(limit + 1):
        if page.evaluate("(el) => document.activeElement === el", target):
            return presses
        page.keyboard.press("Tab")
        if not page.evaluate("(c) => c.contains(document.activeElement)", cell.element_handle()):
            raise ValueError(f"Tab left the dashboard before reaching {control.name}")
    raise ValueError(f"{control.name} not reached in {limit} presses of Tab")


def move(page: Any, cell: Any, control: Control, *, focus: bool = True) -> str:
    """Move ``control`` once with the keyboard, as a student would: an arrow key on a slider (left at its maximum),
    ArrowDown on a menu (ArrowUp at its last choice, or where ArrowDown would land on "(custom)", which names where
    the values are and is not a place to go), the space bar on a checkbox. ``focus``: give the control the focus
    first (False: the caller has walked to it with Tab). Returns the key pressed."""
    if control.kind not in ("slider", "dropdown", "checkbox"):
        raise ValueError(f"control.kind: expected slider, dropdown or checkbox, got {control.kind!r}")
    target = focus_target(cell, control)
    if focus:
        target.scroll_into_view_if_needed()
        target.focus()
    if control.kind == "slider":
        now, top = (float(target.get_attribute(a)) for a in ("aria-valuenow", "aria-valuemax"))
        key = "ArrowLeft" if now >= top else "ArrowRight"
    elif control.kind == "dropdown":
        here = control.options.index(control.value) if control.value in control.options else 0
        down_ok = here + 1 < len(control.options) and control.options[here + 1] != "(custom)"
        key = "ArrowDown" if down_ok else "ArrowUp"
    else:
        key = "Space"
    page.keyboard.press(key)
    return key


# --- timing a move: from the student's input to the new picture on screen ------------------------------------------
# a MutationObserver on the dashboard's picture (an <img> in an HTML widget, replaced with its alt text at every
# redraw); the time is taken when the new image is decoded and one animation frame later (the frame it is painted
# in). The start is the first keydown, change or click event inside the cell after arming (capture phase: before
# any widget handles it).
ARM = """([cell]) => {
  const find = () => cell.querySelector('img.nnlab-picture, img.widget-image');
  const first = find();
  const state = window.__nnlabMove = {start: null, painted: [], alts: [], observer: null,
                                      last: first ? first.getAttribute('src') : null};
  const mark = () => { if (state.start === null) state.start = performance.now(); };
  for (const type of ['keydown', 'change', 'click', 'input']) {
    cell.addEventListener(type, mark, {capture: true, once: true});
  }
  state.observer = new MutationObserver(() => {
    const img = find();
    if (!img || img.getAttribute('src') === state.last) return;
    state.last = img.getAttribute('src');
    state.alts.push(img.getAttribute('alt'));
    const copy = new Image();
    copy.src = state.last;
    copy.decode().catch(() => null).then(() => requestAnimationFrame(() =>
      state.painted.push(performance.now())));
  });
  state.observer.observe(cell, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
}"""

MOVE_RESULT = """() => {
  const s = window.__nnlabMove;
  if (s.observer) s.observer.disconnect();
  return {start: s.start, painted: s.painted, alts: s.alts};
}"""


@dataclass
class Move:
    """One move of a control: the key pressed, the milliseconds from it to the new picture painted (None if the
    picture did not change), how many pictures arrived, and the alt text before and after."""
    key: str
    ms: float | None
    pictures: int
    alt_before: str | None
    alt_after: str | None


def keyboard_move(page: Any, cell: Any, control: Control, *, focus: bool = True, timeout: float = PATIENCE,
                  settle: float = 0.6) -> Move:
    """Move ``control`` once with the keyboard (``move``) and watch the picture: the time to the new picture
    painted, how many pictures arrived until ``settle`` s after the first (one move must draw once: a second
    picture would be an echo redraw), and its alt text before and after."""
    before = picture(cell)["alt"]
    page.evaluate(ARM, [cell.element_handle()])
    key = move(page, cell, control, focus=focus)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate("() => window.__nnlabMove.painted.length") > 0:
            break
        page.wait_for_timeout(20)
    else:
        page.evaluate(MOVE_RESULT)
        return Move(key, None, 0, before, before)
    page.wait_for_timeout(settle * 1000)
    result = page.evaluate(MOVE_RESULT)
    return Move(key, result["painted"][0] - result["start"], len(result["painted"]), before, result["alts"][-1])


@dataclass
class Drag:
    """A slider dragged in one gesture: the positions passed, the pictures painted while the button was down and
    after it was let go (milliseconds after letting go, for the last), and the slider's value at the end."""
    positions: int
    during: int
    after: int
    last_after_release_ms: float | None
    value: str


def drag(page: Any, cell: Any, index: int, *, positions: int = 12, pause_ms: int = 80, settle: float = 2.5) -> Drag:
    """Drag the ``index``-th slider of a dashboard cell rightwards (leftwards from its right half) through
    ``positions`` positions in one gesture, ``pause_ms`` apart, as a student drags it with the mouse, and watch
    its picture until ``settle`` s after letting go."""
    slider = cell.locator(".widget-slider").nth(index)
    slider.scroll_into_view_if_needed()
    handle, track = slider.locator(".noUi-handle"), slider.locator(".noUi-target")
    hb, tb = handle.bounding_box(), track.bounding_box()
    x0, y = hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2
    right = x0 < tb["x"] + tb["width"] / 2
    span = (tb["x"] + tb["width"] - 2 - x0) if right else (tb["x"] + 2 - x0)
    span = span / 2 if abs(span) > tb["width"] / 2 else span
    page.evaluate(ARM, [cell.element_handle()])
    page.mouse.move(x0, y)
    page.mouse.down()
    for i in range(1, positions + 1):
        page.mouse.move(x0 + span * i / positions, y)
        page.wait_for_timeout(pause_ms)
    released = page.evaluate("() => performance.now()")
    page.mouse.up()
    page.wait_for_timeout(settle * 1000)
    painted = page.evaluate(MOVE_RESULT)["painted"]
    during = sum(t <= released for t in painted)
    return Drag(positions, during, len(painted) - during, (painted[-1] - released) if painted else None,
                handle.get_attribute("aria-valuenow"))


def timed_move(page: Any, cell: Any, control: Control, timeout: float = PATIENCE,
               settle: float = 0.6) -> tuple[float | None, int]:
    """``keyboard_move``'s milliseconds and number of pictures (for benchmarks/browser_latency.py)."""
    done = keyboard_move(page, cell, control, timeout=timeout, settle=settle)
    return done.ms, done.pictures


# --- axe-core: WCAG 2.0 and 2.1, levels A and AA --------------------------------------------------------------------
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

#: the violations axe finds in JupyterLab's and nbconvert's own parts (never in a notebook's content: its markdown,
#: its outputs, its dashboards), each with the element it is found on and the upstream issue; kept as short as the
#: templates and the dashboards' script allow (ACCESSIBILITY.md lists them for a reader)
ALLOWLIST = [
    {"rule": "aria-allowed-attr", "selector": "jp-button[aria-pressed]",
     "why": "JupyterLab's toolbar buttons say aria-pressed on a role that has no pressed state",
     "upstream": "https://github.com/jupyterlab/jupyterlab/issues/16891"},
    {"rule": "aria-input-field-name", "selector": ".cm-content",
     "why": "JupyterLab's code editors (CodeMirror 6) have no accessible name",
     "upstream": "https://github.com/jupyterlab/jupyterlab/issues/10347"},
    {"rule": "aria-required-children", "selector": ".jp-WindowedPanel-viewport[role=feed]",
     "why": "the notebook is a role=feed whose cells are not articles",
     "upstream": "https://github.com/jupyterlab/jupyterlab/issues/14765"},
    {"rule": "button-name", "selector": ".jp-collapseHeadingButton",
     "why": "the button that collapses a heading's section has no accessible name",
     "upstream": "https://github.com/jupyterlab/jupyterlab/issues/16890"},
]

#: where a notebook's own content is: its rendered markdown and its outputs (dashboards included)
CONTENT = ".jp-RenderedMarkdown, .jp-OutputArea-output, .jp-MarkdownOutput, .jp-Cell-outputWrapper"

_AXE_RUN = """async ([context, tags, content]) => {
  const root = context ? document.querySelector(context) : document;
  const result = await axe.run(root, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
                                      elementRef: true});
  const out = [];
  for (const v of result.violations) {
    for (const node of v.nodes) {
      const el = node.element;
      out.push({rule: v.id, impact: v.impact, help: v.help, target: node.target.join(' '),
                html: node.html.slice(0, 300), summary: node.failureSummary,
                content: !!(el && el.closest && el.closest(content)),
                matches: el && el.matches ? el : null});
    }
  }
  return out.map(({matches, ...rest}) => rest);
}"""


def run_axe(page: Any, axe_source: str, context: str | None = None) -> list[dict]:
    """axe-core's violations of WCAG 2.0 and 2.1 A and AA on the page (or inside the element ``context``), one row
    per element: the rule, the element's selector and HTML, what fails, whether it is in a notebook's content."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=axe_source)
    return page.evaluate(_AXE_RUN, [context, WCAG_TAGS, CONTENT])


def allowed(page: Any, violation: dict) -> dict | None:
    """The ``ALLOWLIST`` entry that covers a violation outside the content (its rule, on an element matching the
    entry's selector), or None."""
    for entry in ALLOWLIST:
        if entry["rule"] == violation["rule"] and page.evaluate(
                "([t, s]) => { const e = document.querySelector(t); return !!(e && e.closest(s)); }",
                [violation["target"], entry["selector"]]):
            return entry
    return None
