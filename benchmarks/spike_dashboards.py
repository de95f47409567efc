"""Issue 27's spike: how should a dashboard redraw? Routes timed side by side, press to painted picture.

The 01 XOR explorer and the 06 gradients dashboard (at its preset relu-he) are built on the routes of
``benchmarks/spike_routes.py`` (``today``: the package's own dashboard; ``agg``: the same redraw in the spike's
dashboard; ``blit``, ``blit-snap``, ``blit-html``: matplotlib blitting; ``plotly``, ``bqplot``: arrays sent to a
widget library that draws in the browser) in one throwaway notebook, opened in JupyterLab in headless Chromium as
``benchmarks/browser_latency.py`` does (tools/labdriver.py). The moves are interleaved: for each repetition, each
control, each route, one move (an arrow key, the next preset, a click), so that a change of the machine's load
falls on every route alike; compare routes as ratios within one run. A move is timed from its first input event
to the frame after the last change of the picture (``.spike-picture``: an image decoded, an HTML image decoded,
plotly's or bqplot's SVG changed) within 0.3 s of the first.

How to run it. It needs what the browser tests need (Chromium and Playwright, see tools/labdriver.py), and for
the plotly and bqplot routes three packages that the lock leaves out, so it is in neither ``make test`` nor
``make benchmark`` (a one-off that takes 10 to 20 minutes; the decision it informed is in the README, "Speed").
Install them in a separate environment beside the lock's versions and run the script with its python::

    python3 -m venv /tmp/venv27
    /tmp/venv27/bin/pip install -r requirements/lock.txt plotly anywidget bqplot
    /tmp/venv27/bin/pip install --no-deps -e .
    /tmp/venv27/bin/python benchmarks/spike_dashboards.py --repeat 7 --routes agg,blit-snap,blit-html,plotly,bqplot

With ``.venv/bin/python`` (the lock only) the plotly and bqplot routes are skipped with a note. Other options:
``--no-drag`` skips the drag test; ``--check`` runs the checks without a browser (pixels, coalescing, the
kernel's dispatch order) and stops. Absolute times follow the machine's load (2 cores here): note ``uptime``.

Printed:

1. the machine (CPU, load average before and after);
2. a table row per dashboard and control, a column per route: the median (worst) press-to-paint in ms;
3. per dashboard and route: the median and worst over all its moves, and the in-kernel split per redraw
   (median ms of ``update``: the computation and the artists moved; ``draw``: Agg; ``encode``: PNG (+ base64);
   ``publish``: the widget's value set and sent), with the share of blitted redraws that had to draw a new
   background (limits changed);
4. the drag test (unless ``--no-drag``): a slider of each dashboard dragged through several positions in one
   gesture, for today's synchronous redraw with ``continuous_update=True`` and for the coalescing worker: the
   pictures painted during the gesture, the time from letting go to the last picture, and whether the last
   picture on screen equals, pixel for pixel, a fresh drawing of the slider's last position.

``--check`` (no browser): every blitted picture of a sequence of moves equals a full draw of a fresh view; a
burst of 20 moves set from Python draws a few pictures and ends on the last; and, in a real kernel, seven comm
messages sent back to back (a client that does not throttle) are each followed by a callback scheduled on the
kernel's IOLoop before the next message is handled, while the coalescing dashboard draws only a few of them,
the last one last.
"""

from __future__ import annotations

import argparse
import ast
import base64
import importlib.util
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import nbformat
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import spike_routes as sr  # noqa: E402

DASHBOARDS = ("01", "06")
FACTORY = {"01": 'nl.widgets.xor_explorer(preset="hand-set")', "06": 'nl.widgets.gradients_explorer(preset="relu-he")'}


def _labdriver():
    spec = importlib.util.spec_from_file_location("labdriver", ROOT / "tools" / "labdriver.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["labdriver"] = module
    spec.loader.exec_module(module)
    return module


#: the routes that need packages the lock leaves out
NEEDS = {"plotly": ("plotly", "anywidget"), "bqplot": ("bqplot",)}


def unavailable(route: str) -> list[str]:
    """The packages ``route`` needs that are not installed here."""
    return [m for m in NEEDS.get(route, ()) if importlib.util.find_spec(m) is None]


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in subprocess.run(
        ["lscpu"], capture_output=True, text=True).stdout.splitlines() if line.startswith("Model name")), "?")
    return f"{model}, {os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"


# --- the notebook --------------------------------------------------------------------------------------------------
def notebook(routes: list[str], timings: Path, drag: bool) -> tuple[nbformat.NotebookNode, dict]:
    """The throwaway notebook: a setup cell, then one cell per dashboard and route; returns it and
    ``{(dashboard, route): cell index}``."""
    cells = [nbformat.v4.new_code_cell(
        "import sys\nfrom pathlib import Path\nimport nnlab as nl\n"
        f"sys.path.insert(0, {str(ROOT / 'benchmarks')!r})\nimport spike_routes as sr\n"
        f"sr.TIMINGS_PATH = Path({str(timings)!r})")]
    where = {}
    for nb in DASHBOARDS:
        for route in routes:
            where[nb, route] = len(cells)
            if route == "today":
                code = f"d_{nb}_today = {FACTORY[nb]}\nd_{nb}_today.image.add_class('spike-picture')\nd_{nb}_today"
            else:
                name = f"d_{nb}_{route.replace('-', '_')}"
                code = f"{name} = sr.build({nb!r}, {route!r})\n{name}"
            cells.append(nbformat.v4.new_code_cell(code))
        if drag:
            for name, kwargs in (("drag-sync", "route='blit-snap', continuous=True"),
                                 ("drag-worker", "route='blit-snap', coalesce=True"),
                                 ("drag-today-sync", "route='agg', continuous=True")):
                where[nb, name] = len(cells)
                cells.append(nbformat.v4.new_code_cell(f"sr.build({nb!r}, {kwargs})"))
    nb_ = nbformat.v4.new_notebook(cells=cells)
    nb_.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb_, where


# --- timing a move in the page ---------------------------------------------------------------------------------------
ARM = """(cell) => {
  const box = cell.querySelector('.spike-picture');
  const state = window.__spike = {start: null, painted: [], observer: null};
  const mark = () => { if (state.start === null) state.start = performance.now(); };
  for (const type of ['keydown', 'change', 'click', 'input', 'mousedown']) {
    cell.addEventListener(type, mark, {capture: true, once: true});
  }
  state.observer = new MutationObserver(() => {
    const images = [...box.querySelectorAll('img'), ...(box.tagName === 'IMG' ? [box] : [])];
    Promise.all(images.map(img => { const c = new Image(); c.src = img.src; return c.decode().catch(() => null); }))
      .then(() => requestAnimationFrame(() => state.painted.push(performance.now())));
  });
  state.observer.observe(box, {attributes: true, childList: true, subtree: true, characterData: true});
}"""

RESULT = """() => { const s = window.__spike; s.observer.disconnect(); return {start: s.start, painted: s.painted}; }"""


def timed_move(ld, page, cell, control, settle: float = 0.3, timeout: float = 60.0):
    """Milliseconds from the input event to the first and to the last picture painted (None if none came), and
    how many DOM updates of the picture arrived (one image: 1; plotly changes its SVG in several)."""
    page.evaluate(ARM, cell.element_handle())
    ld.move(page, cell, control)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and page.evaluate("() => window.__spike.painted.length") == 0:
        page.wait_for_timeout(10)
    page.wait_for_timeout(settle * 1000)
    r = page.evaluate(RESULT)
    if not r["painted"]:
        return None, None, 0
    return r["painted"][0] - r["start"], r["painted"][-1] - r["start"], len(r["painted"])


GIVE_UP = 3  # a route whose picture stays blank (plotly's, seen under load) is not waited for 20 s a move


def measure(ld, page, where: dict, routes: list[str], repeat: int) -> dict:
    """{(dashboard, control, route): [ms, ...]} with the last paint of each move, interleaved over routes."""
    times: dict = defaultdict(list)
    updates: dict = defaultdict(list)
    for nb in DASHBOARDS:
        cells = {r: ld.cell_locator(page, where[nb, r]) for r in routes}
        for cell in cells.values():
            cell.locator(".spike-picture").first.wait_for(state="attached", timeout=60_000)
        n = len(ld.controls(cells[routes[0]]))
        misses: dict = defaultdict(int)  # moves in a row that changed nothing, per route
        for _ in range(repeat):
            for k in range(n):
                for route in routes:
                    if misses[route] >= GIVE_UP:
                        continue
                    cell = cells[route]
                    control = ld.controls(cell)[k]
                    if control.disabled:
                        continue
                    cell.scroll_into_view_if_needed()
                    _, last, count = timed_move(ld, page, cell, control, timeout=20)
                    if last is None:
                        page.screenshot(path=f"/tmp/spike-missed-{nb}-{route}.png")
                        print(f"{nb} {route}: moving {control.name} did not change the picture within 20 s "
                              f"(screenshot in /tmp)", flush=True)
                        misses[route] += 1
                        if misses[route] == GIVE_UP:
                            print(f"{nb} {route}: {GIVE_UP} moves in a row changed nothing; the route's other moves "
                                  f"on this dashboard are skipped", flush=True)
                        continue
                    misses[route] = 0
                    times[nb, control.name, route].append(last)
                    updates[nb, control.name, route].append(count)
    return times, updates


# --- dragging ------------------------------------------------------------------------------------------------------
SCREEN_IMAGE = """async (cell) => {
  const img = cell.querySelector('.spike-picture img') || cell.querySelector('img.spike-picture');
  const blob = await (await fetch(img.src)).blob();
  return await new Promise(done => {
    const r = new FileReader(); r.onload = () => done(r.result); r.readAsDataURL(blob);
  });
}"""


def drag(ld, page, cell, slider_index: int, positions: int = 12, pause_ms: int = 40) -> dict:
    """Drag slider ``slider_index`` from its handle rightwards through ``positions`` positions in one gesture."""
    slider = cell.locator(".widget-slider").nth(slider_index)
    slider.scroll_into_view_if_needed()
    handle, track = slider.locator(".noUi-handle"), slider.locator(".noUi-target")
    hb, tb = handle.bounding_box(), track.bounding_box()
    x0, y = hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2
    span = min(tb["x"] + tb["width"] - 2 - x0, tb["width"] / 2)
    page.evaluate(ARM, cell.element_handle())
    page.mouse.move(x0, y)
    page.mouse.down()
    for i in range(1, positions + 1):
        page.mouse.move(x0 + span * i / positions, y)
        page.wait_for_timeout(pause_ms)
    released = page.evaluate("() => performance.now()")
    page.mouse.up()
    page.wait_for_timeout(2500)
    r = page.evaluate(RESULT)
    value = handle.get_attribute("aria-valuenow")
    painted = r["painted"]
    return dict(gesture_ms=released - r["start"], pictures=len(painted),
                during=sum(t <= released for t in painted),
                after_release_ms=(painted[-1] - released) if painted else None,
                final_value=float(value), screen=page.evaluate(SCREEN_IMAGE, cell.element_handle()))


def last_drawn(timings: Path, dashboard: str, start: int) -> dict:
    rows = [json.loads(line) for line in timings.read_text().splitlines()[start:]]
    rows = [r for r in rows if r["dashboard"] == dashboard]
    return ast.literal_eval(rows[-1]["values"]), len(rows)


def fresh_pixels(nb: str, route: str, values: dict) -> np.ndarray:
    """A fresh view of ``route`` at ``values``, fully drawn (what the last picture must be)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if (nb, route) not in _FRESH:
        _FRESH[nb, route] = sr.build(nb, route)
    d = _FRESH[nb, route]
    fig = Figure(figsize=d.figsize, dpi=d.dpi)
    FigureCanvasAgg(fig)
    d.make_view(fig).update(**values)
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3]


_FRESH: dict = {}


def drag_tests(ld, page, where: dict, timings: Path) -> list[str]:
    from PIL import Image

    lines = ["| nb | redraw | gesture | pictures during / in all | last picture after letting go | "
             "last picture = last position |", "|---|---|---:|---:|---:|---|"]
    for nb, slider_index in (("01", 0), ("06", 0)):
        for name in ("drag-today-sync", "drag-sync", "drag-worker"):
            cell = ld.cell_locator(page, where[nb, name])
            cell.locator(".spike-picture").first.wait_for(state="attached", timeout=60_000)
            start = len(timings.read_text().splitlines())
            r = drag(ld, page, cell, slider_index)
            values, drawn = last_drawn(timings, {"01": "01 xor", "06": "06 gradients"}[nb], start)
            name_ = next(iter(values)) if nb == "01" else "width"
            screen = np.asarray(Image.open(io.BytesIO(base64.b64decode(r["screen"].split(",", 1)[1]))).convert("RGB"))
            route = "agg" if name == "drag-today-sync" else "blit-snap"
            same = screen.shape == (want := fresh_pixels(nb, route, values)).shape and np.array_equal(screen, want)
            at_last = abs(values[name_] - r["final_value"]) < 1e-6
            label = {"drag-today-sync": "today's Agg, synchronous", "drag-sync": "blit, synchronous",
                     "drag-worker": "blit, coalescing worker"}[name]
            lines.append(f"| {nb} | {label} | {r['gesture_ms']:.0f} ms | {r['during']} / {r['pictures']} "
                         f"({drawn} drawn) | {r['after_release_ms']:.0f} ms | "
                         f"{'yes' if same and at_last else '**no**'} ({name_} = {r['final_value']:g}) |")
    return lines


# --- the report ----------------------------------------------------------------------------------------------------
def kernel_split(timings: Path, start: int) -> dict:
    rows = [json.loads(line) for line in timings.read_text().splitlines()[start:]]
    out = {}
    by = defaultdict(list)
    for r in rows:
        if not r.get("coalesce"):
            by[r["dashboard"][:2], r["route"]].append(r)
    for key, rs in by.items():
        out[key] = {k: 1e3 * statistics.median(r[k] for r in rs) for k in ("update", "draw", "encode", "publish")}
        misses = [r["miss"] for r in rs if r.get("miss") is not None]
        out[key]["new background"] = f"{sum(misses)}/{len(misses)}" if misses else ""
        out[key]["redraws"] = len(rs)
    return out


def report(times: dict, updates: dict, split: dict, routes: list[str]) -> list[str]:
    lines = ["| nb | control | " + " | ".join(routes) + " |", "|---|---|" + "---:|" * len(routes)]
    controls = list(dict.fromkeys((nb, c) for nb, c, _ in times))
    for nb, c in controls:
        cells = []
        for route in routes:
            t = times.get((nb, c, route), [])
            cells.append(f"{statistics.median(t):.0f} ({max(t):.0f})" if t else "-")
        lines.append(f"| {nb} | {c} | " + " | ".join(cells) + " |")
    lines += ["", "| nb | route | moves | median | worst | update | draw | encode | publish | new background |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for nb in DASHBOARDS:
        for route in routes:
            every = [t for (n, _, r), ts in times.items() if n == nb and r == route for t in ts]
            if not every:
                continue
            s = split.get((nb, route))
            parts = (" | ".join(f"{s[k]:.1f}" for k in ("update", "draw", "encode", "publish"))
                     + f" | {s['new background']}" if s else "(package: not split) | | | |")
            lines.append(f"| {nb} | {route} | {len(every)} | {statistics.median(every):.0f} | {max(every):.0f} "
                         f"| {parts} |")
    return lines


def run(args) -> int:
    ld = _labdriver()
    reason = ld.missing()
    if reason:
        print(f"cannot run: {reason}; {ld.HOW_TO_ENABLE}", file=sys.stderr)
        return 2
    routes = args.routes.split(",")
    for route in [r for r in routes if unavailable(r)]:
        print(f"route {route} skipped: {', '.join(unavailable(route))} not installed here (see the docstring)")
        routes.remove(route)
    from playwright.sync_api import sync_playwright

    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        root, state = Path(tmp) / "root", Path(tmp) / "state"
        (root / "notebooks").mkdir(parents=True)
        state.mkdir()
        timings = Path(tmp) / "timings.jsonl"
        timings.touch()
        nb, where = notebook(routes, timings, args.drag)
        nbformat.write(nb, root / "notebooks" / "spike.ipynb")
        lab = ld.LabServer(root, state)
        try:
            with sync_playwright() as p:
                browser = ld.launch_chromium(p)
                page = browser.new_page(viewport=ld.VIEWPORT)
                ld.open_and_run(page, lab, "spike.ipynb")
                errors = page.evaluate(ld.ERROR_OUTPUTS)
                if errors:
                    raise RuntimeError(f"the spike notebook failed: {errors}")
                start = len(timings.read_text().splitlines())
                times, updates = measure(ld, page, where, routes, args.repeat)
                split = kernel_split(timings, start)
                drag_lines = drag_tests(ld, page, where, timings) if args.drag else []
                browser.close()
        finally:
            lab.stop()
    print(f"after: {machine()}\n")
    print(f"press to painted picture, ms: median (worst) of {args.repeat} moves per control and route\n")
    print("\n".join(report(times, updates, split, routes)))
    if drag_lines:
        print("\ndragging a slider through 12 positions in one gesture (40 ms apart), continuous_update=True\n")
        print("\n".join(drag_lines))
    return 0


# --- checks without a browser --------------------------------------------------------------------------------------
MOVES = {"01": [dict(w11=1.1), dict(w11=1.2), dict(b2=-0.4), dict(v2=-2.1), dict(c=0.3), dict(w11=3.0),
                dict(w21=-1.0), dict(w11=1.2)],
         "06": [dict(width=257), dict(width=255), dict(depth=31), dict(activation="tanh"), dict(batch_norm=True),
                dict(init="normal", std=2.0), dict(residual=True), dict(width=255)]}


def check() -> int:
    failures = 0
    for nb in DASHBOARDS:
        for route in ("blit", "blit-snap"):
            d = sr.build(nb, route)
            differing = 0
            for move in MOVES[nb]:
                d.set_values(**move)
                differing += not np.array_equal(d.last_pixels, fresh_pixels(nb, route, d.values))
            failures += differing > 0
            print(f"{nb} {route}: {len(MOVES[nb])} moves, {differing} pictures differ from a fresh full draw; "
                  f"{d.blitter.misses} new backgrounds, {d.blitter.hits} restored")
    for nb, name, values in (("01", "w11", [round(-1 + 0.1 * i, 1) for i in range(20)]),
                             ("06", "width", list(range(200, 220)))):
        d = sr.build(nb, "blit-snap", coalesce=True)
        before = d.worker.runs
        for v in values:  # a burst: each value set while the last is drawn
            d.controls[name].value = v
        d.wait()
        runs = d.worker.runs - before
        ok = d.drawn[name] == values[-1] and runs < len(values)
        failures += not ok
        print(f"{nb} burst of {len(values)} moves of {name}: {runs} pictures drawn, the last at {name}="
              f"{d.drawn[name]} ({'ok' if ok else 'WRONG'})")
    failures += dispatch_order()
    print("all checks passed" if not failures else f"{failures} checks failed")
    return 1 if failures else 0


KERNEL_SETUP = r'''
import sys, time, ipywidgets as w
from tornado.ioloop import IOLoop
sys.path.insert(0, {benchmarks!r})
import spike_routes as sr
log = []
s = w.IntSlider(0, max=100)
def on(change):
    log.append(("message", change["new"]))
    IOLoop.current().add_callback(lambda v=change["new"]: log.append(("callback", v)))
    time.sleep(0.05)  # a 50 ms draw
s.observe(on, names="value")
d = sr.build("01", "blit-snap", coalesce=True)
print(s.model_id, d.controls["w11"].model_id)
'''


def dispatch_order() -> int:
    """In a real kernel: the order of comm messages and IOLoop callbacks, and a burst to the coalescing dashboard."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")
    try:
        out = []
        kc.execute_interactive(KERNEL_SETUP.format(benchmarks=str(ROOT / "benchmarks")),
                               output_hook=out.append, timeout=120)
        text = "".join(m["content"].get("text", "") for m in out if m["msg_type"] == "stream")
        slider_id, w11_id = text.split()[-2:]

        def burst(comm_id, values):
            for v in values:
                kc.shell_channel.send(kc.session.msg("comm_msg", {"comm_id": comm_id, "data": {
                    "method": "update", "state": {"value": v}, "buffer_paths": []}}))

        burst(slider_id, range(1, 8))
        burst(w11_id, [round(0.1 * i, 1) for i in range(11, 31)])
        time.sleep(3)
        out = []
        kc.execute_interactive("d.wait(); print(repr((log, d.worker.requests, d.worker.runs, d.drawn['w11'])))",
                               output_hook=out.append, timeout=60)
        text = "".join(m["content"].get("text", "") for m in out if m["msg_type"] == "stream")
        log, requests, runs, last = ast.literal_eval(text.strip())
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    interleaved = log == [(kind, v) for v in range(1, 8) for kind in ("message", "callback")]
    print(f"kernel: 7 comm messages sent back to back, each handler 50 ms: "
          f"{'each callback ran before the next message' if interleaved else 'order: ' + str(log)}")
    ok = last == 3.0 and runs < 20
    print(f"kernel: 20 comm messages to the coalescing dashboard's w11: {requests} requests, {runs} pictures "
          f"drawn (the first is the opening one), the last at w11={last} ({'ok' if ok else 'WRONG'})")
    return (not interleaved) + (not ok)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="moves per control and route (default 5)")
    parser.add_argument("--routes", default="today," + ",".join(sr.ROUTES),
                        help="comma-separated (default: today and every route of spike_routes)")
    parser.add_argument("--no-drag", dest="drag", action="store_false", help="skip the drag test")
    parser.add_argument("--check", action="store_true", help="the checks without a browser, then stop")
    args = parser.parse_args(argv)
    return check() if args.check else run(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
