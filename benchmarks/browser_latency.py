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
right: more would be redraws of an echo), and whether the control meets the target (median under 200 ms,
worst under 350 ms). A control that is disabled when its turn comes is timed after a preset where it applies
(or listed as disabled if there is none).

    python benchmarks/browser_latency.py [--repeat 7] [NOTEBOOK ...]

Absolute times depend on the machine (this one: 2 cores) and on what else runs; run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
MEDIAN_TARGET, WORST_TARGET = 200.0, 350.0


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
            for _ in range(repeat):
                control = ld.controls(cell)[k]
                if control.disabled:
                    break
                ms, n = ld.timed_move(page, cell, control, settle=0.3)
                if ms is None:
                    raise RuntimeError(f"{name}, {dashboard}: moving {control.name} did not change the picture")
                times.append(ms)
                pictures.append(n)
            rows.append(dict(notebook=name[:2], dashboard=dashboard, control=label, times=times, pictures=pictures))
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


def _row(row: dict) -> str:
    times = row["times"]
    if not times:
        return f"| {row['notebook']} | {row['dashboard']} | {row['control']} | disabled | | | | |"
    med, worst = statistics.median(times), max(times)
    ok = "yes" if med < MEDIAN_TARGET and worst < WORST_TARGET else "**no**"
    return (f"| {row['notebook']} | {row['dashboard']} | {row['control']} | {min(times):.0f} | {med:.0f} | "
            f"{worst:.0f} | {max(row['pictures'])} | {ok} |")


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
                print(f"press to painted picture, ms, {args.repeat} moves per control "
                      f"(target: median < {MEDIAN_TARGET:.0f}, worst < {WORST_TARGET:.0f})\n")
                print("| nb | dashboard | control | min | median | max | pictures per move | on target |")
                print("|---|---|---|---:|---:|---:|---:|---|")
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
    missed = [f"{r['notebook']} {r['control']}" for r in timed
              if statistics.median(r["times"]) >= MEDIAN_TARGET or max(r["times"]) >= WORST_TARGET]
    echoes = [f"{r['notebook']} {r['control']}" for r in timed if max(r["pictures"]) > 1]
    every = [t for r in timed for t in r["times"]]
    print(f"\n{len(timed)} controls timed, {len(rows) - len(timed)} disabled; all moves: median "
          f"{statistics.median(every):.0f} ms, worst {max(every):.0f} ms")
    print(f"off target: {', '.join(missed) or 'none'}; more than one picture per move: {', '.join(echoes) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
