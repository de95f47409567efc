"""What a dashboard's kernel does for one move, against a full draw of the same figure in the same run.

For every dashboard (``nnlab.topics.EXPLORERS``) each control is stepped ``--repeat`` times, one step forward
and one back in turn (a checkbox flips, a menu takes its next choice), as a student moves it. Each move is timed
in the kernel's parts, without a browser:

- the view's update (the computation: a network's forward pass, a probe, a lookup of a trained network);
- the blit (``Blitter.draw``: the kept background restored, what moves drawn on it) and the PNG;
- the peer, measured on the same figure at the same values right after: a full draw with Agg (``canvas.draw()``),
  which is how every dashboard drew before issue 27.

Printed per dashboard: the medians in milliseconds and the ratio full draw / blit, then the same for every move of
every dashboard together, then matplotlib's text drawing (a title of 86 characters and a legend entry with math
text), the part of a blit that depends most on the matplotlib version (``requirements/constraints.txt``).

    python benchmarks/dashboard_draw.py [--repeat 4] [DASHBOARD ...]

Absolute times depend on the machine and on what else runs; the ratios, measured in one run, are what the
benchmark is for. ``benchmarks/browser_latency.py`` times the whole move, from the key press to the painted picture.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import ipywidgets as widgets
import matplotlib
import matplotlib.pyplot as plt

import nnlab as nl
from nnlab.widgets.base import DRAWING, _step, encode_png

TRAINING = {"mnist_explorer", "generalisation_explorer", "expressivity_explorer"}


def _moves(dash, repeat: int):
    """(control, value) pairs: each enabled control stepped forward and back ``repeat`` times."""
    for name, control in dash.controls.items():
        if control.disabled or not isinstance(control, widgets.ValueWidget):
            continue
        for i in range(repeat):
            value = _step(control, 1 if i % 2 == 0 else -1)
            if value is None:
                value = _step(control, -1 if i % 2 == 0 else 1)
            if value is None:
                break
            yield name, value


def measure(name: str, repeat: int) -> dict[str, list[float]]:
    """Milliseconds per move of one dashboard: update, blit, png, full draw."""
    dash = getattr(nl.widgets, name)(**({"prefetch": False} if name in TRAINING else {}))
    dash.redraw()
    times: dict[str, list[float]] = {"update": [], "blit": [], "png": [], "full": []}
    for control, value in list(_moves(dash, repeat)):
        with DRAWING:
            dash.controls[control].value = value
        dash.wait()  # the dashboard drew the move itself (and trained what it trains): now time its parts
        with DRAWING:
            values = dash.values
            t0 = time.perf_counter()
            dash.view.update(**values)
            t1 = time.perf_counter()
            rgba = dash.blitter.draw()
            t2 = time.perf_counter()
            encode_png(rgba)
            t3 = time.perf_counter()
            dash.blitter.canvas.draw()  # the peer: the same figure drawn in full
            t4 = time.perf_counter()
        for key, seconds in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            times[key].append(seconds * 1000)
    plt.close(dash.figure)
    return times


def _row(label: str, times: dict[str, list[float]]) -> str:
    med = {k: statistics.median(v) for k, v in times.items()}
    return (f"| {label} | {len(times['blit'])} | {med['update']:.1f} | {med['blit']:.1f} | {med['png']:.1f} | "
            f"{med['full']:.1f} | {med['full'] / med['blit']:.1f} |")


def text_times(repeat: int = 20) -> tuple[float, float]:
    """Milliseconds to draw an 86-character title and a legend entry with math text, with this matplotlib."""
    fig = plt.figure(figsize=(9.6, 4.4), dpi=100)
    text = fig.text(0.05, 0.5, "")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    result = []
    for s in ("784-4-1 ReLU network, 3 epochs: training error 1.50%, test error 2.00% on 1,984 digits",
              "std of $q_d$ (measured)"):
        text.set_text(s)
        text.draw(renderer)
        start = time.perf_counter()
        for _ in range(repeat):
            text.draw(renderer)
        result.append((time.perf_counter() - start) / repeat * 1000)
    plt.close(fig)
    return result[0], result[1]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=4, help="steps per control (default 4)")
    parser.add_argument("dashboards", nargs="*", help="factory names (default: every dashboard)")
    args = parser.parse_args(argv)
    names = args.dashboards or sorted(nl.topics.EXPLORERS)
    unknown = sorted(set(names) - set(nl.topics.EXPLORERS))
    if unknown:
        parser.error(f"dashboards: expected names from {sorted(nl.topics.EXPLORERS)}, got {unknown}")
    print(f"one move in the kernel, median ms (matplotlib {matplotlib.__version__})\n")
    print("| dashboard | moves | update | blit | PNG | full draw (peer) | full / blit |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    every: dict[str, list[float]] = {"update": [], "blit": [], "png": [], "full": []}
    for name in names:
        times = measure(name, args.repeat)
        print(_row(name, times), flush=True)
        for key, values in times.items():
            every[key] += values
    print(_row("every move", every))
    title, math = text_times()
    print(f"\nmatplotlib {matplotlib.__version__} draws an 86-character title in {title:.1f} ms, "
          f"a legend entry with math text in {math:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
