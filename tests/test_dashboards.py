"""Every dashboard draws a move by blitting (``nnlab.widgets.blit.Blitter``): its picture is, pixel for pixel, the
full draw of the same figure, move after move; and a burst of moves in a kernel is drawn once, at the last position
(``LatestOnly``)."""

from __future__ import annotations

import io
import threading

import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.axis import Axis
from PIL import Image

import nnlab as nl
from nnlab.widgets.base import LatestOnly, _step
from nnlab.widgets.blit import Blitter, png_bytes, still

TRAINING = ("mnist_explorer", "generalisation_explorer", "expressivity_explorer")


def _explorer(name: str):
    return getattr(nl.widgets, name)(**({"prefetch": False} if name in TRAINING else {}))


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)))


def _same_as_a_full_draw(dash, where: str) -> None:
    """The blitted picture against the same values drawn in full on a fresh figure by a fresh view (never drawing
    the blitting figure in full, which would refresh what the blit relies on)."""
    static = dash.static_figure()
    blitted, full = _pixels(dash.png), _pixels(png_bytes(static.figure))
    differ = int((blitted != full).any(axis=-1).sum()) if blitted.shape == full.shape else -1
    assert differ == 0, f"{where}: {differ} pixels differ from a full draw"


def _texts_inside(fig, where: str) -> None:
    """Every title, axis label, legend entry and note in the picture lies inside it (a text past an edge is cut off
    in the dashboard, where nothing crops the figure to its ink)."""
    renderer = fig.canvas.get_renderer()
    texts = [*fig.texts]
    for ax in fig.axes:
        texts += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
        if ax.get_legend() is not None:
            texts += ax.get_legend().get_texts()
    for legend in fig.legends:
        texts += legend.get_texts()
    for text in texts:
        if text.get_visible() and text.get_text() and (text.axes is None or text.axes.get_visible()):
            box = text.get_window_extent(renderer)
            assert box.x0 >= -0.5 and box.x1 <= fig.bbox.x1 + 0.5 and box.y0 >= -0.5 and box.y1 <= fig.bbox.y1 + 0.5, (
                f"{where}: {text.get_text()!r} at {box.bounds} runs past the picture's edge")


#: the controls each training dashboard is moved by here: those that draw without training a network
CHEAP = {"mnist_explorer": ("digit", "layer"), "generalisation_explorer": (),
         "expressivity_explorer": ("units", "depth", "target")}


def _moves(dash, name: str, every: bool = True):
    """Move, as a student would, two steps up (down at the top) and one back of every enabled control (``every``;
    else only the first), so that the picture goes to new limits and back to known ones; of a training dashboard
    only the controls that do not train. Yields ``(control, value)`` after each move."""
    for control_name, control in dash.controls.items():
        if control.disabled or (name in CHEAP and control_name not in CHEAP[name]):
            continue
        for direction in (1, 1, -1):
            value = _step(control, direction) if _step(control, direction) is not None else _step(control, -direction)
            if value is not None:
                control.value = value
                yield control_name, value
        if not every:
            return


# It compares two drawings of the same values in one process, the blit and a fresh view's full draw: a CPU's arithmetic
# changes both alike, so tools/portability.py's run of the unit tests as other CPUs compute leaves it out (254 s in
# one process of make test, its longest unit tests); make test and make test-min (matplotlib 3.8) run it.
@pytest.mark.cpu_independent
@pytest.mark.parametrize("name", sorted(nl.topics.EXPLORERS))
def test_every_dashboard_blits_the_pixels_of_a_full_draw_move_after_move(name):
    dash = _explorer(name)
    assert isinstance(dash.blitter, Blitter) and not dash.blitter.full
    presets = list(dash.presets)[:2] if name == "generalisation_explorer" else list(dash.presets)
    for k, preset in enumerate(presets):
        dash.set_preset(preset)
        _same_as_a_full_draw(dash, f"preset {preset}")
        _texts_inside(dash.figure, f"preset {preset}")
        hits = dash.blitter.hits
        for control_name, value in _moves(dash, name, every=k == 0):  # every control at the first preset
            _same_as_a_full_draw(dash, f"preset {preset}, {control_name} to {value!r}")
            _texts_inside(dash.figure, f"preset {preset}, {control_name} to {value!r}")
        if k == 0 and name != "generalisation_explorer":
            assert dash.blitter.hits > hits, f"preset {preset}: no move was blitted on a background kept"


def test_the_blitter_draws_in_full_what_it_cannot_blit_in_a_full_draws_order():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 3), dpi=50)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    line, = ax.plot([0, 1], [0, 1])
    blitter = Blitter(fig)
    blitter.draw()
    line.set_ydata([1, 0])
    blitter.draw()
    assert (blitter.hits, blitter.misses) == (1, 1)
    ax.axvspan(0.2, 0.4, zorder=0.5)  # under the ticks: which axis objects are background changes
    blitter.draw()
    assert blitter.misses == 2
    ax.twinx()  # two axes over each other: a full draw every time
    blitter.draw()
    assert (blitter.hits, blitter.misses) == (1, 2)


def _full_draw(fig) -> np.ndarray:
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()


def test_the_blitter_keeps_axis_objects_and_still_artists_in_the_background_where_nothing_moves_over_them():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    fig = Figure(figsize=(6.4, 4.8), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    line, = ax.plot([0, 1], [0, 1])
    span = ax.add_patch(Rectangle((0.2, 0), 0.2, 1, zorder=0.5))  # a patch clipped to the axes, under the axes
    title = still(ax.set_title("a title that stays"))
    blitter = Blitter(fig)
    per_axes, _, _, candidates = blitter._moving()
    assert set(candidates) == {ax.xaxis, ax.yaxis} and title not in [a for _, arts in per_axes for a in arts]
    blitter.draw()
    # ticks out, no grid: the x axis puts no ink where the span can paint and stays in the background; the y axis'
    # tick marks end on the axes' first column of pixels, which the left spine, drawn over both, paints opaque: it
    # stays in the background too
    assert next(iter(blitter.backgrounds.values()))[1] == frozenset()
    span.set_x(0.5)
    line.set_ydata([1, 0])
    picture = blitter.draw().copy()
    assert (blitter.hits, blitter.misses) == (1, 1)
    title.set_text("a new title")  # a still artist's text is in the key: a new background
    picture_2 = blitter.draw().copy()
    assert blitter.misses == 2
    ax.grid(True)  # grid lines are ink inside the axes: drawn over the span, as a full draw does
    blitter.draw()
    assert next(reversed(blitter.backgrounds.values()))[1] == frozenset({ax.xaxis, ax.yaxis})
    line.set_ydata([0.5, 0.5])
    picture_3 = blitter.draw().copy()
    assert blitter.hits == 2
    np.testing.assert_array_equal(picture_3, _full_draw(fig))
    title.set_text("a title that stays")
    ax.grid(False)
    line.set_ydata([1, 0])
    np.testing.assert_array_equal(picture, _full_draw(fig))
    title.set_text("a new title")
    np.testing.assert_array_equal(picture_2, _full_draw(fig))
    ax.spines["left"].set_edgecolor((0, 0, 0, 0.5))  # a spine that lets the pixels under it show: the y axis
    picture_4 = blitter.draw().copy()  # is drawn over the span, as a full draw does
    assert blitter.misses == 4 and next(reversed(blitter.backgrounds.values()))[1] == frozenset({ax.yaxis})
    np.testing.assert_array_equal(picture_4, _full_draw(fig))
    line.set_ydata([0.2, 0.8])
    np.testing.assert_array_equal(blitter.draw(), _full_draw(fig))
    assert blitter.hits == 3


def _blit_after_a_change(make, dpi: int = 80) -> tuple[np.ndarray, np.ndarray]:
    """A figure made by ``make(fig) -> change``, blitted after ``change()``, and a full draw of a copy of it (the
    blitting figure never drawn in full)."""
    import pickle

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 3), dpi=dpi)  # at 80 dpi a tick's end inks the axes' first row of pixels
    FigureCanvasAgg(fig)
    change = make(fig)
    blitter = Blitter(fig)
    blitter.draw()
    change()
    blitted = blitter.draw().copy()
    copy = pickle.loads(pickle.dumps(fig))
    FigureCanvasAgg(copy)
    return blitted, _full_draw(copy)


def _image(fig, **tick):
    rng = np.random.default_rng(0)
    ax = fig.add_subplot()
    image = ax.imshow(rng.random((20, 20)), extent=(0, 1, 0, 1), aspect="auto")
    ax.plot([0, 1], [0, 1])
    if tick:
        ax.tick_params(**tick)
    return lambda: image.set_data(rng.random((20, 20)))


def _scatter(fig):
    rng = np.random.default_rng(0)
    ax = fig.add_subplot()
    points = ax.scatter(rng.random(400), rng.random(400), s=400)
    ax.set(xlim=(0, 1), ylim=(0, 1))
    return lambda: points.set_offsets(rng.random((400, 2)))


def _line_markers(fig):
    """Markers on a line, to the axes' edges (Agg clips markers to the clip box rounded to whole pixels)."""
    rng = np.random.default_rng(0)
    ax = fig.add_subplot()
    x = np.linspace(0, 1, 30)
    line, = ax.plot(x, rng.random(30), "o-", ms=14, zorder=1)  # under the axis objects (1.5)
    ax.set(xlim=(0, 1), ylim=(0, 1))
    return lambda: line.set_ydata(np.r_[0.0, rng.random(28), 1.0])


def _filled(fig):
    """A filled band (a PolyCollection) over the whole axes."""
    ax = fig.add_subplot()
    x = np.linspace(-0.2, 1.2, 50)
    band = ax.fill_between(x, -1, 1 + 0 * x)
    ax.set(xlim=(0, 1), ylim=(0, 1))
    return lambda: band.set_verts([np.c_[np.r_[x, x[::-1]], np.r_[0.5 + 0 * x, -1 + 0 * x]]])


def _see_through_spines(fig):
    """Spines that let what lies under them show: they cover nothing."""
    change = _scatter(fig)
    for spine in fig.axes[0].spines.values():
        spine.set_edgecolor((0, 0, 0, 0.6))
    return change


def _thin_spines(fig):
    """Spines thinner than a pixel: no pixel of theirs is opaque."""
    change = _line_markers(fig)
    for spine in fig.axes[0].spines.values():
        spine.set_linewidth(0.3)
    return change


def _clip_path_markers(fig):
    """Markers clipped to a circle that reaches past the axes (Agg clips markers to a clip path, not the box)."""
    from matplotlib.patches import Circle

    rng = np.random.default_rng(1)
    ax = fig.add_subplot()
    points = ax.scatter(rng.random(300), rng.random(300), s=300, zorder=1)
    points.set_clip_path(Circle((0.5, 0.5), 0.6, transform=ax.transAxes))  # keeps the axes' clip box too
    ax.set(xlim=(0, 1), ylim=(0, 1))
    return lambda: points.set_offsets(rng.random((300, 2)))


def _centred(fig):
    change = _image(fig)
    fig.axes[0].spines["left"].set_position("zero")
    fig.axes[0].spines["bottom"].set_position(("data", 0.5))
    return change


def _polar(fig):
    ax = fig.add_subplot(projection="polar")
    ax.grid(False)
    bar = ax.bar([0.5, 2.0], [1.0, 0.5], width=0.6)
    return lambda: bar[0].set_height(0.3)


def _ticks_in(fig):
    import matplotlib as mpl

    with mpl.rc_context({"xtick.direction": "in", "ytick.direction": "in"}):
        return _image(fig)  # the ticks point in, though the rcParams say out when the blitter draws


@pytest.mark.parametrize("dpi", [72, 80, 100])
@pytest.mark.parametrize("make", [_image, _scatter, _line_markers, _filled, _see_through_spines, _thin_spines,
                                  _clip_path_markers, _centred, _polar, _ticks_in, lambda fig: _image(fig, pad=-20)],
                         ids=["image", "scatter", "line markers", "filled", "see-through spines", "thin spines",
                              "clip path", "centred spines", "polar", "ticks in", "labels inside"])
def test_an_axis_object_over_clipped_data_is_kept_only_where_the_order_changes_no_pixel(make, dpi):
    blitted, full = _blit_after_a_change(make, dpi)
    np.testing.assert_array_equal(blitted, full)


def test_a_figure_of_a_fractional_pixel_size_with_no_frame_is_blitted():
    """6.4 x 4.8 inches at 72 dpi is 460.8 x 345.6 pixels, and with the frame off no spine covers anything."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.8), dpi=72)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    line, = ax.plot([0, 1], [0, 1], zorder=1)
    ax.set_frame_on(False)
    blitter = Blitter(fig)
    blitter.draw()
    line.set_ydata([1, 0])
    np.testing.assert_array_equal(blitter.draw(), _full_draw(fig))
    assert (blitter.hits, blitter.misses) == (1, 1)


@pytest.mark.parametrize("make", [_scatter, _line_markers, _filled])
def test_an_axis_object_whose_ink_meets_the_data_only_under_an_opaque_spine_stays_in_the_background(make):
    """Ticks out, no grid: the tick marks' ends on the axes' first row and column lie under the spines, which
    paint them opaque after both; the axis objects are kept, and the picture is still a full draw's."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 3), dpi=100)
    FigureCanvasAgg(fig)
    make(fig)
    blitter = Blitter(fig)
    candidates = blitter._moving()[3]
    blitter.draw()
    assert set(candidates) == {fig.axes[0].xaxis, fig.axes[0].yaxis}
    assert next(iter(blitter.backgrounds.values()))[1] == frozenset()
    np.testing.assert_array_equal(blitter.draw(), _full_draw(fig))


def test_a_new_background_decides_again_only_for_the_axes_whose_limits_moved(monkeypatch):
    """Whether an axis object stays in the background is kept per axes: when one of two axes' limits move, only its
    axis objects are drawn alone again, and the picture is a full draw's; a band drawn anew after every move
    (a new artist, a new clip box of the same place) finds its background."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3), dpi=100)
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)
    rng = np.random.default_rng(0)
    points = left.scatter(rng.random(50), rng.random(50), s=200, zorder=1)
    band = right.fill_between([0, 1], [0, 0], [1, 1], zorder=1)
    right.grid(True)  # grid lines inside the axes: the right's axis objects are drawn over the band
    blitter = Blitter(fig)
    drawn_alone = []
    ink = Blitter._ink
    monkeypatch.setattr(Blitter, "_ink", lambda self, draw, **kw: (drawn_alone.append(getattr(draw, "__self__", None)),
                                                                  ink(self, draw, **kw))[1])
    blitter.draw()
    axes_drawn = {a for a in drawn_alone if a in (left.xaxis, left.yaxis, right.xaxis, right.yaxis)}
    assert axes_drawn == {left.xaxis, left.yaxis, right.xaxis, right.yaxis}
    assert next(iter(blitter.backgrounds.values()))[1] == frozenset({right.xaxis, right.yaxis})
    drawn_alone.clear()
    right.set_ylim(0, 2)  # a new background; the left axes' verdicts are kept
    band.remove()
    band = right.fill_between([0, 1], [0, 0], [1.5, 1.5], zorder=1)
    points.set_offsets(rng.random((50, 2)))
    np.testing.assert_array_equal(blitter.draw(), _full_draw(fig))
    assert blitter.misses == 2
    assert {a for a in drawn_alone if isinstance(a, Axis)} == {right.xaxis, right.yaxis}
    band.remove()
    band = right.fill_between([0, 1], [0, 0], [0.5, 0.5], zorder=1)  # drawn anew, at the same limits: a hit
    np.testing.assert_array_equal(blitter.draw(), _full_draw(fig))
    assert (blitter.hits, blitter.misses) == (1, 2)


def test_a_new_background_is_drawn_after_the_picture_when_the_dashboard_asks():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 3), dpi=50)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    line, = ax.plot([0, 1], [0, 1])
    blitter = Blitter(fig)
    first = blitter.draw(later=True).copy()  # a new key: one full draw, the background owed
    assert blitter.owed and blitter.misses == 1 and not blitter.backgrounds
    np.testing.assert_array_equal(first, _full_draw(fig))
    blitter.catch_up()
    assert not blitter.owed and len(blitter.backgrounds) == 1
    line.set_ydata([1, 0])
    second = blitter.draw(later=True).copy()
    assert (blitter.hits, blitter.misses) == (1, 1) and not blitter.owed
    np.testing.assert_array_equal(second, _full_draw(fig))


@pytest.mark.cpu_independent
def test_latest_only_runs_a_burst_of_requests_once_with_the_newest_state():
    state, seen = {"v": 0}, []
    started, go_on = threading.Event(), threading.Event()

    def job():
        seen.append(state["v"])
        started.set()
        go_on.wait(10)

    worker = LatestOnly(job)
    worker.request()
    assert started.wait(10)
    for v in range(1, 21):  # arrive while the first job runs
        state["v"] = v
        worker.request()
    go_on.set()
    worker.wait()
    assert seen == [0, 20] and worker.runs == 2 and worker.requests == 21


def _held(dash):
    """Make ``dash`` draw in a worker, as in a kernel, with each picture held until the test lets it go."""
    dash._worker = LatestOnly(dash._draw_move)
    update, started, go_on = dash._view.update, threading.Event(), threading.Event()

    def held(**values):
        started.set()
        go_on.wait(10)
        update(**values)

    dash._view.update = held
    return started, go_on


def test_a_burst_of_moves_in_a_kernel_draws_the_last_position_and_never_queues_pictures():
    dash = nl.widgets.xor_explorer()
    started, go_on = _held(dash)
    draws, slider = dash._n_draws, dash.controls["v1"]
    positions = np.round(np.linspace(slider.min, slider.max, 25), 2)
    slider.value = float(positions[0])
    assert started.wait(10)  # the first picture is being drawn: every later position arrives meanwhile
    for v in positions[1:]:
        slider.value = float(v)  # returns at once: the kernel takes the next message
    go_on.set()
    assert dash.n_draws - draws == 2, f"{dash.n_draws - draws} pictures for 25 positions"
    assert dash.values["v1"] == positions[-1] and dash.drawn == dash.values
    fresh = nl.widgets.xor_explorer()
    fresh.set_values(**dash.values)
    assert dash.png == fresh.png and dash.alt == fresh.alt, "the last picture is not the last position's"


def test_a_move_back_while_the_picture_of_the_move_is_drawn_is_drawn_too():
    """A at the start, B drawn, back to A while B is being drawn: the picture ends at A, not at B."""
    dash = nl.widgets.xor_explorer()
    a = dash.values["v1"]
    started, go_on = _held(dash)
    slider = dash.controls["v1"]
    slider.value = a + 0.5
    assert started.wait(10)
    slider.value = a  # what is drawn (A) until B is done: still a move to draw
    go_on.set()
    dash.wait()
    assert dash.values["v1"] == a and dash.drawn["v1"] == a
    assert dash.png == nl.widgets.xor_explorer().png


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
    dash.set_values(network="trained", target="sin")
    assert not any(dash.controls[k].continuous_update for k in ("units", "seed", "depth"))
    dash.set_values(network="hand-built")
    assert all(dash.controls[k].continuous_update for k in ("units", "seed", "depth"))


def test_a_first_visit_of_a_training_dashboard_says_it_is_training():
    dash = _explorer("expressivity_explorer")
    said = []
    dash.message.observe(lambda change: said.append(change["new"]), names="value")
    dash.set_values(network="trained", target="sin", units=5, seed=1)
    assert any("Training 5 units on the sin (seed 1)" in m for m in said), said
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
