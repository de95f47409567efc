"""Every dashboard draws a move by blitting (``nnlab.widgets.base.Blitter``): its picture is, pixel for pixel, the
full draw of the same figure, move after move; and a burst of moves in a kernel is drawn once, at the last position
(``LatestOnly``)."""

from __future__ import annotations

import io
import threading
import time

import ipywidgets as widgets
import numpy as np
import pytest
from PIL import Image

import nnlab as nl
from nnlab.widgets.base import Blitter, LatestOnly, _step, png_bytes

TRAINING = ("mnist_explorer", "generalisation_explorer", "expressivity_explorer")


def _explorer(name: str):
    return getattr(nl.widgets, name)(**({"prefetch": False} if name in TRAINING else {}))


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)))


def _same_as_a_full_draw(dash, where: str) -> None:
    blitted = _pixels(dash.png)
    full = _pixels(png_bytes(dash.figure))
    differ = int((blitted != full).any(axis=-1).sum())
    assert differ == 0, f"{where}: {differ} pixels differ from a full draw"


def _moves(dash, name: str) -> list[tuple[str, object]]:
    """One step of every enabled control, up (or down at the top), as a student would move it; a training
    dashboard only its cheapest control (a step of another trains a network)."""
    moves = []
    for control_name, control in dash.controls.items():
        if control.disabled:
            continue
        value = _step(control, 1)
        if value is None:
            value = _step(control, -1)
        if value is not None:
            moves.append((control_name, value))
    return moves[:1] if name in TRAINING else moves


@pytest.mark.parametrize("name", sorted(nl.topics.EXPLORERS))
def test_every_dashboard_blits_the_pixels_of_a_full_draw_move_after_move(name):
    dash = _explorer(name)
    assert isinstance(dash.blitter, Blitter)
    for preset in dash.presets:
        dash.set_preset(preset)
        _same_as_a_full_draw(dash, f"preset {preset}")
        for control_name, value in _moves(dash, name):
            dash.controls[control_name].value = value
            _same_as_a_full_draw(dash, f"preset {preset}, {control_name} to {value!r}")
        if name in TRAINING:
            break  # the presets of a training dashboard train: one is enough here
    assert dash.blitter.hits > 0, "no move was blitted: every move drew the background again"


@pytest.mark.cpu_independent
def test_latest_only_runs_a_burst_of_requests_once_with_the_newest_state():
    state, seen = {"v": 0}, []
    started = threading.Event()

    def job():
        seen.append(state["v"])
        started.set()
        time.sleep(0.05)

    worker = LatestOnly(job)
    worker.request()
    started.wait(5)
    for v in range(1, 21):  # arrive while the first job runs
        state["v"] = v
        worker.request()
    worker.wait()
    assert seen == [0, 20] and worker.runs == 2 and worker.requests == 21


def test_a_burst_of_moves_in_a_kernel_draws_the_last_position_and_never_queues_pictures():
    dash = nl.widgets.xor_explorer()
    dash._worker = LatestOnly(dash._redraw_now)  # as in a kernel
    view_update = dash._view.update

    def slow(**values):  # a busy machine: every picture takes a while
        time.sleep(0.02)
        view_update(**values)

    dash._view.update = slow
    draws, slider = dash.n_draws, dash.controls["v1"]
    positions = np.round(np.linspace(slider.min, slider.max, 25), 2)
    start = time.perf_counter()
    for v in positions:  # a drag: the browser sends every position, the kernel returns at once
        slider.value = float(v)
    sent = time.perf_counter() - start
    assert dash.values["v1"] == positions[-1]
    assert dash.n_draws - draws < 10, f"{dash.n_draws - draws} pictures for 25 positions"
    assert dash.drawn == dash.values
    fresh = nl.widgets.xor_explorer()
    fresh.set_values(**dash.values)
    assert dash.png == fresh.png and dash.alt == fresh.alt, "the last picture is not the last position's"
    assert sent < 25 * 0.02, f"the moves waited for the pictures ({sent:.2f} s)"


def test_the_cheap_dashboards_follow_a_drag_and_the_training_ones_wait_for_the_mouse_to_let_go():
    for name in sorted(nl.topics.EXPLORERS):
        dash = _explorer(name)
        kinds = (widgets.IntSlider, widgets.FloatSlider, widgets.FloatLogSlider, widgets.SelectionSlider)
        sliders = {k: c for k, c in dash.controls.items() if isinstance(c, kinds)}
        follows = {k for k, c in sliders.items() if c.continuous_update}
        if name in ("mnist_explorer", "generalisation_explorer"):
            assert follows <= {"digit"}, f"{name}: {follows} would train a network at every position of a drag"
        else:
            assert follows == set(sliders), f"{name}: {set(sliders) - follows} wait for the mouse to let go"
    dash = _explorer("expressivity_explorer")
    dash.set_values(network="trained", target="sine")
    assert not any(dash.controls[k].continuous_update for k in ("units", "seed", "depth"))
    dash.set_values(network="hand-built")
    assert all(dash.controls[k].continuous_update for k in ("units", "seed", "depth"))


def test_a_first_visit_of_a_training_dashboard_says_it_is_training():
    dash = _explorer("expressivity_explorer")
    said = []
    dash.message.observe(lambda change: said.append(change["new"]), names="value")
    dash.set_values(network="trained", target="sine", units=5, seed=1)
    assert any("Training 5 units on the sine (seed 1)" in m for m in said), said
    assert dash.message.value == ""  # the picture is there: the message is gone
    said.clear()
    dash.set_values(units=6)
    dash.set_values(units=5)  # trained before: no message
    assert not any("Training 5 units" in m for m in said), said
    assert dash.busy(dict(dash.values, network="hand-built")) is None
    mnist = _explorer("mnist_explorer")
    assert mnist.busy(mnist.values) is None  # the preset's network, trained when it opened
    assert "784-7-3-1" in mnist.busy(dict(mnist.values, units=7, second=3))
    gen = _explorer("generalisation_explorer")
    assert gen.busy(gen.values) is None and "width 64" in gen.busy(dict(gen.values, width=64))
