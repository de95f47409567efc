"""How long each notebook takes from a fresh kernel, top to bottom: the goal is about 20 s each.

Each notebook runs as nbval runs it: a new kernel, every cell in order (nbclient, outputs kept in memory; the
committed notebook is not touched). ``--repeat`` runs take the fastest. Beside them, in the same run, the floor
every notebook pays: a notebook whose one cell is ``import nnlab as nl`` (a kernel started, nnlab imported).

Printed: the machine (CPU model, cores, the load average when the run started), then a row per notebook with its
seconds, the seconds above the floor, and whether it meets the goal. The tests do not time the notebooks (a busy
machine is slow, not broken; tests/test_notebooks.py only guards against a hang); this is where the goal is
measured, and the README's table comes from it.

    python benchmarks/notebook_times.py [--repeat 1] [NOTEBOOK ...]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
GOAL = 20.0  # seconds per notebook


def machine() -> str:
    """The CPU's model name and core count, as /proc/cpuinfo and os.cpu_count() say."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    flags = ""
    try:
        text = Path("/proc/cpuinfo").read_text()
        have = set(next(ln for ln in text.splitlines() if ln.startswith("flags")).partition(":")[2].split())
        flags = ", AVX-512" if "avx512f" in have else ", AVX2 (no AVX-512)" if "avx2" in have else ""
    except (OSError, StopIteration):
        pass
    return f"{model}{flags}, {os.cpu_count()} cores"


def run_once(nb: nbformat.NotebookNode, cwd: Path) -> float:
    """Seconds to start a kernel and run every cell of ``nb`` (a copy: the caller's stays as it is)."""
    client = NotebookClient(nbformat.from_dict(nb), timeout=600, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(cwd)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per notebook; the fastest is kept")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook")
    args = parser.parse_args()
    paths = [p.resolve() for p in args.notebooks] or NOTEBOOKS
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {machine()}; load average at the start {load:.2f}; best of {args.repeat}")
    floor_nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import nnlab as nl")])
    floor = min(run_once(floor_nb, ROOT / "notebooks") for _ in range(args.repeat))
    print(f"{'notebook':34} {'seconds':>8} {'above the floor':>16}  goal ({GOAL:.0f} s)")
    print(f"{'(a kernel and import nnlab)':34} {floor:8.1f} {'':>16}")
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        seconds = min(run_once(nb, path.parent) for _ in range(args.repeat))
        print(f"{path.name:34} {seconds:8.1f} {seconds - floor:16.1f}  {'met' if seconds < GOAL else 'MISSED'}")


if __name__ == "__main__":
    main()
