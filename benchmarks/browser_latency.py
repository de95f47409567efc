"""What a student waits for: every control of every dashboard, from the key press to the new picture on screen.

The notebooks run in JupyterLab in headless Chromium exactly as the browser tests run them (tools/labdriver.py:
a server of its own on 127.0.0.1, a 1400 x 1000 window). For each dashboard and each of its controls, the
control is moved ``--repeat`` times as a student moves it (an arrow key on a slider, turning at its end, so
most moves reach a value not seen before; the next choice of a menu; a click on a checkbox), one move after
the picture of the last one is painted. A move is timed from its first input event in the page (keydown,
change or click, caught before any widget sees it) to the frame after the new image is decoded: a
MutationObserver on the image's ``src``, then ``decode()``, then one ``requestAnimationFrame``. It includes
the kernel's work (the network trained, the figure drawn, the PNG encoded), the websocket both ways and the
browser's decoding and painting.

Printed: min / median / max in milliseconds per dashboard and control, the pictures one move drew (1 is
right: more would be redraws of an echo), the kernel's part of a move (its median computation, the view's update,
and its median whole redraw: update, blit, PNG, text alternative; ``Dashboard.timings``, read in the kernel after
each control), and whether the control meets issue 27's goal: a control whose computation is under 20 ms, median
under 60 ms and worst under 120 ms; any other, median under its computation plus 40 ms; and none over 350 ms.
A control that is disabled when its turn comes is timed after a preset where it applies (or listed as disabled if
there is none).

    python benchmarks/browser_latency.py [--repeat 7] [NOTEBOOK ...]

Absolute times depend on the machine (this one: 2 cores) and on what else runs; run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
#: issue 27's goals: a cheap control (computation under CHEAP ms) painted within MEDIAN_GOAL / WORST_GOAL ms; any other
#: within its computation plus SLACK ms (median); none over CEILING ms
CHEAP, MEDIAN_GOAL, WORST_GOAL, SLACK, CEILING = 20.0, 60.0, 120.0, 40.0, 350.0

#: run in the kernel: forget the dashboards' timings, or print them (JSON)
CLEAR = "from nnlab.widgets.base import LIVE as _l\nfor _d in _l: _d.timings.clear()"
READ = ("import json as _j\nfrom nnlab.widgets.base import LIVE as _l\n"
        "print(_j.dumps([t for _d in _l for t in _d.timings]))")
_EXECUTE = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({code, silent: false, store_history: false});
  let out = '';
  future.onIOPub = (msg) => { if (msg.header.msg_type === 'stream') out += msg.content.text; };
  await future.done;
  return out;
}"""


def _labdriver():
    spec = importlib.util.spec_from_file_location("labdriver", ROOT / "tools" / "labdriver.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["labdriver"] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


ld = _labdriver()


def dashboard_name(path: Path, index: int) -> str:
    """The factory a widget cell calls (``nl.widgets.xor_explorer(...)`` -> xor_explorer)."""
    source = nbformat.read(path, as_version=4).cells[index].source
    found = re.search(r"nl\.widgets\.(\w+)\(", source)
    return found.group(1) if found else f"cell {index}"


def measure(page, lab, name: str, repeat: int) -> list[dict]:
    """Rows of the table for one notebook."""
    ld.open_and_run(page, lab, name)
    rows = []
    for index in ld.widget_cells(ROOT / "notebooks" / name):
        cell = ld.cell_locator(page, index)
        cell.scroll_into_view_if_needed()
        cell.locator("img.widget-image").first.wait_for(state="visible", timeout=10_000)
        dashboard = dashboard_name(ROOT / "notebooks" / name, index)
        for k in range(len(ld.controls(cell))):
            times, pictures, label = [], [], ld.controls(cell)[k].name
            if ld.controls(cell)[k].disabled and not _enable(page, cell, k):
                rows.append(dict(notebook=name[:2], dashboard=dashboard, control=label, times=[], pictures=[]))
                print(_row(rows[-1]), flush=True)
                continue
            page.evaluate(_EXECUTE, CLEAR)
            for _ in range(repeat):
                control = ld.controls(cell)[k]
                if control.disabled:
                    break
                ms, n = ld.timed_move(page, cell, control, settle=0.3)
                if ms is None:
                    raise RuntimeError(f"{name}, {dashboard}: moving {control.name} did not change the picture")
                times.append(ms)
                pictures.append(n)
            kernel = json.loads(page.evaluate(_EXECUTE, READ) or "[]")
            rows.append(dict(notebook=name[:2], dashboard=dashboard, control=label, times=times, pictures=pictures,
                             compute=[t["compute"] for t in kernel], total=[t["total"] for t in kernel]))
            print(_row(rows[-1]), flush=True)
    return rows


def _enable(page, cell, k: int) -> bool:
    """Step through the presets until control ``k`` applies (a disabled control is timed where it applies)."""
    for _ in range(12):
        preset = next((c for c in ld.controls(cell) if c.name == "dropdown preset"), None)
        if preset is None:
            return False
        ld.timed_move(page, cell, preset, settle=0.3)
        if not ld.controls(cell)[k].disabled:
            return True
    return False


def goal(row: dict) -> tuple[float, float]:
    """The median and worst a control must stay under: issue 27's goals for its computation's median."""
    compute = statistics.median(row["compute"]) if row.get("compute") else 0.0
    if compute < CHEAP:
        return MEDIAN_GOAL, WORST_GOAL
    return min(compute + SLACK, CEILING), CEILING


def on_goal(row: dict) -> bool:
    median_goal, worst_goal = goal(row)
    return statistics.median(row["times"]) < median_goal and max(row["times"]) < worst_goal


def _row(row: dict) -> str:
    times = row["times"]
    if not times:
        return f"| {row['notebook']} | {row['dashboard']} | {row['control']} | disabled | | | | | | |"
    med, worst = statistics.median(times), max(times)
    kernel = (f"{statistics.median(row['compute']):.0f} | {statistics.median(row['total']):.0f}"
              if row.get("compute") else "? | ?")
    median_goal, worst_goal = goal(row)
    ok = "yes" if on_goal(row) else "**no**"
    return (f"| {row['notebook']} | {row['dashboard']} | {row['control']} | {min(times):.0f} | {med:.0f} | "
            f"{worst:.0f} | {max(row['pictures'])} | {kernel} | < {median_goal:.0f} / < {worst_goal:.0f} | {ok} |")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="moves per control (default 7)")
    parser.add_argument("notebooks", nargs="*",
                        help="notebooks, by file name or path (default: every notebook with a dashboard)")
    args = parser.parse_args(argv)
    reason = ld.missing()
    if reason:
        print(f"cannot run: {reason}; {ld.HOW_TO_ENABLE}", file=sys.stderr)
        return 2
    found = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    names = [Path(n).name for n in args.notebooks] or [p.name for p in found if ld.widget_cells(p)]
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        root, state = Path(tmp) / "root", Path(tmp) / "state"
        shutil.copytree(ROOT / "notebooks", root / "notebooks")
        state.mkdir()
        lab = ld.LabServer(root, state)
        try:
            with sync_playwright() as p:
                browser = ld.launch_chromium(p)
                print(f"press to painted picture, ms, {args.repeat} moves per control; the kernel's computation and "
                      f"whole redraw (medians); the goal (median / worst)\n")
                print("| nb | dashboard | control | min | median | max | pictures per move | computation | "
                      "kernel | goal | met |")
                print("|---|---|---|---:|---:|---:|---:|---:|---:|---|---|")
                rows = []
                for name in names:
                    page = browser.new_page(viewport=ld.VIEWPORT)
                    try:
                        rows += measure(page, lab, name, args.repeat)
                    finally:
                        page.close()
                        lab.shutdown_kernels()
                browser.close()
        finally:
            lab.stop()
    timed = [r for r in rows if r["times"]]
    missed = [f"{r['notebook']} {r['control']}" for r in timed if not on_goal(r)]
    echoes = [f"{r['notebook']} {r['control']}" for r in timed if max(r["pictures"]) > 1]
    every = [t for r in timed for t in r["times"]]
    print(f"\n{len(timed)} controls timed, {len(rows) - len(timed)} disabled; all moves: median "
          f"{statistics.median(every):.0f} ms, worst {max(every):.0f} ms")
    print(f"{len(timed) - len(missed)} of {len(timed)} controls on goal; off goal: {', '.join(missed) or 'none'}; "
          f"more than one picture per move: {', '.join(echoes) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
