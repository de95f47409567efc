"""Prototypes of issue 27's spike: the 01 XOR explorer and the 06 gradients dashboard redrawn by other routes.

Not part of the package (nothing in ``nnlab`` imports this file): ``benchmarks/spike_dashboards.py`` opens a
notebook whose cells build these dashboards and times them in JupyterLab. Each dashboard has today's controls,
presets and views (``nnlab.widgets.xor``, ``nnlab.widgets.gradients``); only how a move becomes a picture differs:

``agg``
    today: the whole figure drawn by Agg, PNG into a ``widgets.Image``.
``agg-html``
    the same PNG as a data URI in a ``widgets.HTML`` ``<img alt=...>`` (where the accessibility work is going).
``blit``
    matplotlib blitting: the figure without its data artists is drawn once per set of axis limits and kept
    (``Blitter``); a move restores it and draws only the artists that move, then PNG into a ``widgets.Image``.
``blit-snap``
    the same with limits that change rarely (``SnappedXorView``, ``SnappedGradientsView``): the hidden space's
    axes grow by whole units, the log axes span whole decades, the depth axis ends at a multiple of 10.
``blit-html``
    ``blit-snap`` into the ``widgets.HTML`` data URI.
``plotly``
    plotly's ``FigureWidget`` (needs ``plotly`` and ``anywidget``, not in the lock): the kernel sends the
    arrays, plotly.js draws them in the browser.
``bqplot``
    bqplot's marks (needs ``bqplot``, not in the lock): arrays to the browser, drawn by d3 in SVG (one
    ``bqplot.Figure`` per panel).

Any route can take ``coalesce=True``: the controls then update continuously while a slider is dragged, and a
``LatestOnly`` worker thread draws the newest values, one redraw at a time, skipping every value superseded
while it drew (the last position wins).

Every redraw appends its in-kernel split (``update``: the computation and the artists moved; ``draw``: Agg;
``encode``: PNG, base64; ``publish``: the widget's value set, which serialises and sends it) to ``TIMINGS``
and, when ``TIMINGS_PATH`` is set, to that JSON-lines file.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.spines import Spine
from PIL import Image

import nnlab as nl
from nnlab.plots.base import CLASS_COLORS, DPI, FIGURE_WIDTH, REGION_CMAP, decision_grid, decision_regions
from nnlab.plots.gradients import log_ticks, positive
from nnlab.plots.xor import hidden_point_labels, hidden_space_lim
from nnlab.widgets import gradients as gw
from nnlab.widgets import xor as xw
from nnlab.widgets.base import Dashboard

ROUTES = ("agg", "agg-html", "blit", "blit-snap", "blit-html", "plotly", "bqplot")
TIMINGS: list[dict] = []
TIMINGS_PATH: Path | None = None


def _record(row: dict) -> None:
    TIMINGS.append(row)
    if TIMINGS_PATH is not None:
        with open(TIMINGS_PATH, "a") as f:
            f.write(json.dumps(row) + "\n")


# --- blitting ------------------------------------------------------------------------------------------------------
class Blitter:
    """Draw a figure whose ``dynamic`` artists move and whose other artists only change with the axes' limits.

    The first draw at a set of limits (every axes' x and y limits and scales: the key) renders the figure
    without the dynamic artists and keeps the pixels (``copy_from_bbox``, up to ``keep`` keys); a draw at
    known limits restores them and draws, per axes in z-order, the dynamic artists and every static artist
    that could lie on top of one (clipped to the axes, or a spine, at or above the lowest dynamic z-order),
    then the figure-level dynamic artists (a suptitle). The order is the order a full draw paints in, so the
    pixels are a full draw's.
    """

    def __init__(self, fig: Figure, dynamic: Sequence[Artist], *, keep: int = 16) -> None:
        self.fig, self.keep = fig, keep
        dynamic = list(dynamic)
        self.backgrounds: OrderedDict[tuple, Any] = OrderedDict()
        self.misses = self.hits = 0
        self.per_axes: list[tuple[Any, list[Artist]]] = []
        for ax in fig.axes:
            own = [a for a in dynamic if a.axes is ax]
            if not own:
                continue
            low = min(a.get_zorder() for a in own)
            redraw = [a for a in ax.get_children()
                      if a is not ax.patch and (a in own or (a.get_zorder() >= low and a.get_visible() and (
                          isinstance(a, Spine) or (not isinstance(a, Axis) and _clipped(a)))))]
            self.per_axes.append((ax, sorted(redraw, key=lambda a: a.get_zorder())))
        self.on_figure = [a for a in dynamic if a.axes is None]
        self.animated = [a for a in dynamic] + [a for _, arts in self.per_axes for a in arts]

    def key(self) -> tuple:
        return tuple((ax.get_xlim(), ax.get_ylim(), ax.get_xscale(), ax.get_yscale()) for ax in self.fig.axes)

    def draw(self) -> np.ndarray:
        """Render; returns the canvas's RGBA buffer (a view, valid until the next draw)."""
        canvas, key = self.fig.canvas, self.key()
        background = self.backgrounds.get(key)
        if background is None:
            self.misses += 1
            for a in self.animated:
                a.set_animated(True)
            try:
                canvas.draw()
            finally:
                for a in self.animated:
                    a.set_animated(False)
            background = self.backgrounds[key] = canvas.copy_from_bbox(self.fig.bbox)
            while len(self.backgrounds) > self.keep:
                self.backgrounds.popitem(last=False)
        else:
            self.hits += 1
            self.backgrounds.move_to_end(key)
            canvas.restore_region(background)
        for ax, artists in self.per_axes:
            for a in artists:
                ax.draw_artist(a)
        for a in self.on_figure:
            self.fig.draw_artist(a)
        return np.asarray(canvas.buffer_rgba())


def _clipped(artist: Artist) -> bool:
    """Whether ``artist`` is clipped (to its axes): only such a static artist can lie on a moving one."""
    return artist.get_clip_on() and (artist.get_clip_box() is not None or artist.get_clip_path() is not None)


def xor_dynamic(view: xw.XorView) -> list[Artist]:
    return [view.region_in, view.boundary_in, view.region_hidden, view.boundary_hidden, *view.points_hidden,
            *view.labels_hidden, view.title_hidden]


def gradients_dynamic(view: gw.GradientsView) -> list[Artist]:
    return [view.grad_line, view.q_line, view.q_theory, view.h_line, view.h_theory, view.sat_line, view.dead_line,
            view.overflow_text, view.overflow_line, view.overflow_label, view.ax_g.title, view.title]


# --- limits that change rarely -------------------------------------------------------------------------------------
class SnappedXorView(xw.XorView):
    """The XOR view with the hidden space's limits grown to the next whole unit (+-0.5): today's limits at
    the lecture's presets, a new background only when a hidden value crosses a whole number."""

    def update(self, **weights: float) -> None:
        super().update(**weights)
        lo, hi = self.ax_hidden.get_xlim()
        lim = (math.floor(lo + 0.5) - 0.5, math.ceil(hi - 0.5) + 0.5)
        self.ax_hidden.set(xlim=lim, ylim=lim)


class SnappedGradientsView(gw.GradientsView):
    """The gradients view with log axes that span whole decades and a depth axis that ends at a multiple of 10."""

    def show(self, result, note: str = "") -> None:
        super().show(result, note)
        right = 10 * math.ceil(result.net.depth / 10) + 0.5
        for ax in (self.ax_g, self.ax_s, self.ax_f):
            ax.set_xlim(0.5, right)
        for ax in (self.ax_g, self.ax_s):
            lo, hi = ax.get_ylim()
            lim = (10.0 ** math.floor(math.log10(lo)), 10.0 ** math.ceil(math.log10(hi)))
            ax.set_yscale("log")
            ax.set_ylim(*lim)
            log_ticks(ax)


# --- coalescing: the last position wins ----------------------------------------------------------------------------
class LatestOnly:
    """Run ``job`` in one worker thread whenever ``request()`` is called, never two at once, and once for any
    number of requests that arrive while it runs: a job reads the newest state when it starts, so a burst of
    requests ends with one job that sees the last of them, and the states in between are skipped.

    ``request`` returns at once, so the kernel's thread is free for the next comm message while a picture is
    drawn (a callback scheduled on the kernel's IOLoop would run before the next queued message: no coalescing).
    """

    def __init__(self, job: Callable[[], None]) -> None:
        self.job = job
        self.requests = self.runs = 0
        self._cond = threading.Condition()
        self._pending = self._busy = False
        self._thread = threading.Thread(target=self._loop, name="nnlab-redraw", daemon=True)
        self._thread.start()

    def request(self) -> None:
        with self._cond:
            self.requests += 1
            self._pending = True
            self._cond.notify_all()

    def wait(self, timeout: float = 30.0) -> None:
        """Until every request so far has been drawn (for tests)."""
        with self._cond:
            if not self._cond.wait_for(lambda: not (self._pending or self._busy), timeout):
                raise TimeoutError("the redraw worker did not finish")

    def _loop(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending)
                self._pending, self._busy = False, True
            try:
                self.job()
            except Exception:  # the dashboard shows its own errors; the worker must survive
                pass
            finally:
                with self._cond:
                    self.runs += 1
                    self._busy = False
                    self._cond.notify_all()


# --- the dashboards ------------------------------------------------------------------------------------------------
def _png(rgba: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgba[..., :3]).save(buffer, format="png", compress_level=1)  # as nnlab's png_bytes
    return buffer.getvalue()


class SpikeDashboard(Dashboard):
    """Today's ``Dashboard`` with a route: how a move becomes a picture (see the module's docstring).

    ``picture`` is the widget the picture is in (an ``Image``, an ``HTML``, a plotly ``FigureWidget``);
    ``last_pixels`` the RGB array of the last matplotlib picture (for the pixel checks).
    """

    def __init__(self, route: str, dashboard: str, make_view: Callable, controls: dict, *, dynamic=None,
                 coalesce: bool = False, continuous: bool | None = None, **kwargs: Any) -> None:
        if route not in ROUTES:
            raise ValueError(f"route: expected one of {ROUTES}, got {route!r}")
        self.route, self.dashboard, self.dynamic = route, dashboard, dynamic
        self.blitter: Blitter | None = None
        self.last_pixels: np.ndarray | None = None
        self.alt = ""
        self.worker = LatestOnly(self._redraw_now) if coalesce else None
        self._in_worker = False
        if route.endswith("html"):
            self._picture = widgets.HTML()
        elif route in ("plotly", "bqplot"):
            self._picture = widgets.Box()  # the view's FigureWidget goes in when it is built
        else:
            self._picture = None  # the Dashboard's own Image
        super().__init__(make_view, controls, **kwargs)
        if self._picture is not None:
            self.widget.children = tuple(self.picture if c is self.image else c for c in self.widget.children)
        self.picture.add_class("spike-picture")  # where the benchmark watches for the new picture
        for control in self.controls.values():
            if hasattr(control, "continuous_update"):
                control.continuous_update = coalesce if continuous is None else continuous
        if self.worker is not None:
            self.worker.wait()

    @property
    def picture(self) -> widgets.Widget:
        return self.image if self._picture is None else self._picture

    def redraw(self) -> None:
        if self.worker is not None and not self._in_worker:
            self.worker.request()
            return
        self._redraw_now()

    def _redraw_now(self) -> None:
        values = self.values
        self._update_applicability(values)
        t0 = time.perf_counter()
        try:
            if self.view is None:
                self.view = self.make_view(self.figure)
                if self.route.startswith("blit"):
                    self.blitter = Blitter(self.figure, self.dynamic(self.view))
            self.view.update(**values)
        except Exception as exc:
            self.message.value = f"<span style='color:#b00'>Cannot draw this setting: {html.escape(str(exc))}</span>"
            return
        t1 = time.perf_counter()
        row = dict(route=self.route, dashboard=self.dashboard, update=t1 - t0, values=repr(values),
                   coalesce=self.worker is not None)
        if self.route in ("plotly", "bqplot"):
            self.view.send()  # the batch update leaves the kernel here
            if not self.picture.children:
                self.picture.children = (self.view.fw,)
            row.update(draw=0.0, encode=0.0, publish=time.perf_counter() - t1)
        else:
            misses = None if self.blitter is None else self.blitter.misses
            rgba = self.blitter.draw() if self.blitter is not None else self._full_draw()
            t2 = time.perf_counter()
            self.last_pixels = rgba[..., :3].copy()
            data = _png(rgba)
            if self.route.endswith("html"):
                self.alt = " ".join(t.get_text() for t in self.figure.texts + [ax.title for ax in self.figure.axes])
                data = base64.b64encode(data).decode("ascii")
            t3 = time.perf_counter()
            if self.route.endswith("html"):
                self.picture.value = (f'<img src="data:image/png;base64,{data}" alt="{html.escape(self.alt)}" '
                                      f'width="{self.figsize[0] * self.dpi:.0f}">')
            else:
                self.picture.value = data
            row.update(draw=t2 - t1, encode=t3 - t2, publish=time.perf_counter() - t3,
                       miss=None if self.blitter is None else self.blitter.misses != misses)
        self.message.value = ""
        self.drawn = values
        if not any(self._matches(preset) for preset in self.presets.values()):
            self.custom = values
        self.n_draws += 1
        _record(row)

    def _full_draw(self) -> np.ndarray:
        self.figure.canvas.draw()
        return np.asarray(self.figure.canvas.buffer_rgba())

    def wait(self) -> None:
        if self.worker is not None:
            self.worker.wait()


def _controls_of(today: Dashboard) -> dict:
    """The controls of a dashboard the package built, no longer observed by it (this dashboard takes them)."""
    for control in today.controls.values():
        control.unobserve(today._on_change, names="value")
    for name, label in today._labels.items():  # its labels as they were before it marked a control disabled
        today.controls[name].description = label
    return today.controls


def xor_spike(route: str, *, preset: str = "hand-set", **kwargs: Any) -> SpikeDashboard:
    """The 01 XOR explorer on ``route`` (``kwargs``: ``coalesce``, ``continuous``)."""
    view = {"blit-snap": SnappedXorView, "blit-html": SnappedXorView, "plotly": PlotlyXorView,
            "bqplot": BqplotXorView}.get(route, xw.XorView)
    return SpikeDashboard(route, "01 xor", view, _controls_of(xw.xor_explorer(preset=None)), dynamic=xor_dynamic,
                          **kwargs, figsize=(FIGURE_WIDTH, 4.5), presets=xw.XOR_PRESETS, preset=preset)


def gradients_spike(route: str, *, preset: str = "relu-he", **kwargs: Any) -> SpikeDashboard:
    """The 06 gradients dashboard on ``route`` (its probe as ``gradients_explorer`` makes it)."""
    today = gw.gradients_explorer(preset=None)
    probe, budget = today.probe, today.flop_budget
    view_class = {"blit-snap": SnappedGradientsView, "blit-html": SnappedGradientsView,
                  "plotly": PlotlyGradientsView, "bqplot": BqplotGradientsView}.get(route, gw.GradientsView)
    dashboard = SpikeDashboard(route, "06 gradients", lambda fig: view_class(fig, probe, budget), _controls_of(today),
                               dynamic=gradients_dynamic, **kwargs, figsize=(FIGURE_WIDTH, 4.4),
                               presets=gw.GRADIENTS_PRESETS, preset=preset, columns=4,
                               applies={"std": gw._std_applies})
    dashboard.probe = probe
    return dashboard


# --- plotly: the arrays go to the browser ---------------------------------------------------------------------------
def _hex(rgba) -> str:
    return "#" + "".join(f"{round(c * 255):02x}" for c in rgba[:3])


def _polygons(path) -> tuple[np.ndarray, np.ndarray]:
    """A matplotlib path's rings as x and y arrays separated by NaN (plotly's gaps)."""
    xs, ys = [], []
    for ring in path.to_polygons(closed_only=True):
        xs += [ring[:, 0], [np.nan]]
        ys += [ring[:, 1], [np.nan]]
    return (np.concatenate(xs), np.concatenate(ys)) if xs else (np.zeros(0), np.zeros(0))


def _segments(segments) -> tuple[np.ndarray, np.ndarray]:
    xs = [np.append(s[:, 0], np.nan) for s in segments]
    ys = [np.append(s[:, 1], np.nan) for s in segments]
    return (np.concatenate(xs), np.concatenate(ys)) if xs else (np.zeros(0), np.zeros(0))


def _first_widget(figure):
    """A ``FigureWidget`` of ``figure``, made after the first picture is in it: updates sent to a FigureWidget
    before the browser has loaded plotly's JavaScript (4 MB) were seen lost (a blank figure), so the first picture
    travels as the widget's state."""
    import plotly.graph_objects as go

    return go.FigureWidget(figure)


class PlotlyXorView:
    """The XOR explorer's two panels as plotly traces in a ``FigureWidget`` (``fw``), built once; ``update``
    changes the traces' arrays, the hidden space's range and its title inside one ``batch_update``, which
    ``send`` closes (one message to the browser)."""

    LIM, N, THRESHOLD = xw.XorView.LIM, xw.XorView.N, xw.XorView.THRESHOLD

    def __init__(self, _fig: Figure) -> None:
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots

        self.X, self.y = nl.data.xor()
        self.fw = None
        self.target = fw = go.Figure(make_subplots(rows=1, cols=2, horizontal_spacing=0.12, subplot_titles=(
            "input space: y > 0.5 shaded red", "hidden space")))
        red, black = _hex(REGION_CMAP(1.0)), "black"
        for col in (1, 2):
            fw.add_trace(go.Scatter(x=[], y=[], fill="toself", fillcolor=red, mode="none", hoverinfo="skip"), 1, col)
            fw.add_trace(go.Scatter(x=[], y=[], mode="lines", line=dict(color=black, width=2), hoverinfo="skip"),
                         1, col)
            for cls in (0, 1):
                pts = self.X[self.y == cls] if col == 1 else np.zeros((0, 2))
                fw.add_trace(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name=f"class {cls}", marker=dict(
                    size=13, color=CLASS_COLORS[cls], line=dict(width=1, color=black))), 1, col)
        fw.add_trace(go.Scatter(x=[], y=[], mode="text", textposition="top right"), 1, 2)
        fw.update_layout(width=FIGURE_WIDTH * DPI, height=4.5 * DPI, showlegend=False,
                         plot_bgcolor=_hex(REGION_CMAP(0.0)), margin=dict(l=60, r=20, t=40, b=50))
        fw.update_xaxes(showgrid=False, zeroline=False, constrain="domain", linecolor="black", mirror=True)
        fw.update_yaxes(showgrid=False, zeroline=False, linecolor="black", mirror=True)
        fw.layout.xaxis.update(range=self.LIM, title="x₁")
        fw.layout.yaxis.update(range=self.LIM, title="x₂", scaleanchor="x")
        fw.layout.xaxis2.update(title="h₁")
        fw.layout.yaxis2.update(title="h₂", scaleanchor="x2")
        self._batch = None

    def update(self, **weights: float) -> None:
        model = xw.xor_network(**weights)
        X, y, t = self.X, self.y, self.THRESHOLD
        region_in, boundary_in = decision_regions(*decision_grid(model, self.LIM, self.LIM, self.N), threshold=t)
        H = nl.layers.hidden_activations(model, X)
        lim = hidden_space_lim(H)
        out = model.dense_layers[-1]
        (w1, w2), b = out.params["W"][:, 0], out.params["b"][0]
        region_h, boundary_h = decision_regions(*decision_grid(lambda P: P @ [w1, w2] + b, lim, lim, 2), threshold=t)
        labels = hidden_point_labels(X, H)
        correct = int(np.sum((model.forward(X)[:, 0] > t) == y))
        self._batch = self.target.batch_update()
        self._batch.__enter__()
        d = self.target.data
        d[0].x, d[0].y = _polygons(region_in)
        d[1].x, d[1].y = _segments(boundary_in)
        d[4].x, d[4].y = _polygons(region_h)
        d[5].x, d[5].y = _segments(boundary_h)
        for cls, trace in zip((0, 1), (d[6], d[7])):
            trace.x, trace.y = H[y == cls, 0], H[y == cls, 1]
        d[8].x, d[8].y = [h[0] for h in labels], [h[1] for h in labels]
        d[8].text = list(labels.values())
        self.target.layout.xaxis2.range = lim
        self.target.layout.yaxis2.range = lim
        self.target.layout.annotations[1].text = f"hidden space: {correct} of 4 correct"

    def send(self) -> None:
        self._batch.__exit__(None, None, None)
        if self.fw is None:  # the widget is made with its first picture as its state (see _first_widget)
            self.fw = self.target = _first_widget(self.target)


class PlotlyGradientsView:
    """The gradients dashboard's three panels as plotly traces (log axes, ranged by plotly.js)."""

    def __init__(self, _fig: Figure, probe, flop_budget) -> None:
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots

        self.probe, self.flop_budget = probe, flop_budget
        self.result = None
        self.fw = None
        self.target = fw = go.Figure(make_subplots(rows=1, cols=3, horizontal_spacing=0.09, subplot_titles=(
            "weight-gradient norm per layer", "spread of q_d and of h_d", "fraction saturated / dead")))
        grad, q, h = gw._GRAD_COLOR, gw._Q_COLOR, gw._H_COLOR
        fw.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", marker=dict(size=5), line=dict(color=grad),
                                showlegend=False), 1, 1)
        for name, mode, color, extra in (("std of q_d (measured)", "markers", q, {}),
                                         ("theory", "lines", q, dict(line=dict(color=q, dash="dash"))),
                                         ("std of h_d (measured)", "markers", h, dict(marker_symbol="square")),
                                         ("theory", "lines", h, dict(line=dict(color=h, dash="dash")))):
            fw.add_trace(go.Scatter(x=[], y=[], mode=mode, name=name, marker=dict(size=5, color=color),
                                    legend="legend", **extra), 1, 2)
        fw.add_trace(go.Scatter(x=[], y=[], mode="lines", line=dict(color="#ff7f0e"), name="saturated",
                                legend="legend2"), 1, 3)
        fw.add_trace(go.Scatter(x=[], y=[], mode="lines", line=dict(color="black"),
                                name="dead: off for the whole batch", legend="legend2"), 1, 3)
        fw.update_layout(width=FIGURE_WIDTH * DPI, height=4.4 * DPI, margin=dict(l=60, r=20, t=70, b=110),
                         title=dict(text="", font=dict(size=13)), plot_bgcolor="white",
                         legend=dict(orientation="h", x=0.5, xanchor="center", y=-0.25, font=dict(size=10)),
                         legend2=dict(orientation="h", x=0.9, xanchor="center", y=-0.25, font=dict(size=10)))
        fw.update_xaxes(title="hidden layer d", showgrid=True, gridcolor="#ddd", linecolor="black", mirror=True)
        fw.update_yaxes(showgrid=True, gridcolor="#ddd", linecolor="black", mirror=True)
        fw.layout.yaxis.type = "log"
        fw.layout.yaxis2.type = "log"
        fw.layout.yaxis3.range = (-0.03, 1.03)
        self._batch = None

    def update(self, **values) -> None:
        net = nl.gradients.DeepNet(**values)
        batch = gw.dashboard_batch(net, self.probe.batch, self.flop_budget)
        result = self.result = self.probe(net, batch=batch)
        layers, th = result.layers, result.theory
        ratio = result.grad_ratio
        status = (f"first / last = {ratio:.1e}" if np.isfinite(ratio) else
                  "not computed" if result.overflow_layer is not None else "the gradient is exactly 0")
        self._batch = self.target.batch_update()
        self._batch.__enter__()
        d = self.target.data
        for trace, ys in zip(d, (result.grad_norm, result.preact_std, np.sqrt(th.preact_var), result.act_std,
                                 np.sqrt(th.act_var))):
            trace.x, trace.y = layers, positive(ys)
        d[5].x, d[5].y = layers, result.saturated
        d[6].x, d[6].y = layers, result.dead
        for axis in ("xaxis", "xaxis2", "xaxis3"):
            self.target.layout[axis].range = (0.5, result.net.depth + 0.5)
        self.target.layout.annotations[0].text = f"weight-gradient norm per layer<br>{status}"
        note = f" (the first {batch} of {self.probe.batch} samples)" if batch < self.probe.batch else ""
        self.target.layout.title.text = f"{result.net}  ·  batch of {result.batch}{note}"

    def send(self) -> None:
        self._batch.__exit__(None, None, None)
        if self.fw is None:  # the widget is made with its first picture as its state (see _first_widget)
            self.fw = self.target = _first_widget(self.target)


# --- bqplot: the arrays go to the browser, d3 draws SVG ---------------------------------------------------------------
def _padded(rings: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Polylines of different lengths as two (n, m) arrays, each padded with its own last point (bqplot's
    Lines take rectangular arrays; a repeated point draws nothing)."""
    if not rings:
        return np.zeros((1, 1)) * np.nan, np.zeros((1, 1)) * np.nan
    m = max(len(r) for r in rings)
    out = np.stack([np.vstack([r, np.repeat(r[-1:], m - len(r), axis=0)]) for r in rings])
    return out[..., 0], out[..., 1]


class _Held:
    """Every widget changed in ``update`` holds its messages until ``send`` (one message per widget)."""

    def _hold(self, *ws) -> None:
        import contextlib

        self._stack = contextlib.ExitStack()
        for w in ws:
            self._stack.enter_context(w.hold_sync())

    def send(self) -> None:
        self._stack.close()


class BqplotXorView(_Held):
    """The XOR explorer's two panels as two ``bqplot.Figure``s in an ``HBox`` (``fw``)."""

    LIM, N, THRESHOLD = xw.XorView.LIM, xw.XorView.N, xw.XorView.THRESHOLD

    def __init__(self, _fig: Figure) -> None:
        import bqplot as bq

        self.X, self.y = nl.data.xor()
        red, blue = _hex(REGION_CMAP(1.0)), _hex(REGION_CMAP(0.0))
        self.figs, self.regions, self.boundaries = [], [], []
        for title, labels in (("input space: y > 0.5 shaded red", ("x₁", "x₂")), ("hidden space", ("h₁", "h₂"))):
            xs, ys = bq.LinearScale(min=self.LIM[0], max=self.LIM[1]), bq.LinearScale(min=self.LIM[0], max=self.LIM[1])
            sc = {"x": xs, "y": ys}
            region = bq.Lines(x=[], y=[], scales=sc, fill="inside", close_path=True, colors=[red], fill_colors=[red],
                              stroke_width=0)
            boundary = bq.Lines(x=[], y=[], scales=sc, colors=["black"], stroke_width=2)
            marks = [region, boundary]
            for cls in (0, 1):
                pts = self.X[self.y == cls] if not self.figs else np.zeros((0, 2))
                marks.append(bq.Scatter(x=pts[:, 0], y=pts[:, 1], scales=sc, colors=[CLASS_COLORS[cls]],
                                        stroke="black", default_size=160))
            axes = [bq.Axis(scale=xs, label=labels[0]), bq.Axis(scale=ys, label=labels[1], orientation="vertical")]
            fig = bq.Figure(marks=marks, axes=axes, title=title, background_style={"fill": blue},
                            fig_margin=dict(top=40, bottom=50, left=60, right=20), min_aspect_ratio=1,
                            max_aspect_ratio=1, layout=widgets.Layout(width=f"{FIGURE_WIDTH * DPI / 2:.0f}px",
                                                                      height=f"{4.5 * DPI:.0f}px"))
            self.figs.append(fig)
            self.regions.append(region)
            self.boundaries.append(boundary)
            self.scales = sc
        self.points = marks[2:4]
        self.labels = bq.Label(x=[], y=[], text=[], scales=self.scales, x_offset=8, y_offset=-8, font_weight="normal",
                               default_size=12)
        self.figs[1].marks = [*self.figs[1].marks, self.labels]
        self.fw = widgets.HBox(self.figs)

    def update(self, **weights: float) -> None:
        model = xw.xor_network(**weights)
        X, y, t = self.X, self.y, self.THRESHOLD
        region_in, boundary_in = decision_regions(*decision_grid(model, self.LIM, self.LIM, self.N), threshold=t)
        H = nl.layers.hidden_activations(model, X)
        lim = hidden_space_lim(H)
        out = model.dense_layers[-1]
        (w1, w2), b = out.params["W"][:, 0], out.params["b"][0]
        region_h, boundary_h = decision_regions(*decision_grid(lambda P: P @ [w1, w2] + b, lim, lim, 2), threshold=t)
        labels = hidden_point_labels(X, H)
        correct = int(np.sum((model.forward(X)[:, 0] > t) == y))
        self._hold(*self.regions, *self.boundaries, *self.points, self.labels, self.scales["x"], self.scales["y"],
                   self.figs[1])
        for region, boundary, (r, bd) in zip(self.regions, self.boundaries,
                                             ((region_in, boundary_in), (region_h, boundary_h))):
            rings = r.to_polygons(closed_only=True)
            region.x, region.y = _padded(rings)
            region.colors = region.fill_colors = [region.colors[0]] * max(1, len(rings))
            boundary.x, boundary.y = _padded(list(bd))
        for cls, mark in zip((0, 1), self.points):
            mark.x, mark.y = H[y == cls, 0], H[y == cls, 1]
        self.labels.x, self.labels.y = [h[0] for h in labels], [h[1] for h in labels]
        self.labels.text = list(labels.values())
        self.scales["x"].min, self.scales["x"].max = lim
        self.scales["y"].min, self.scales["y"].max = lim
        self.figs[1].title = f"hidden space: {correct} of 4 correct"


class BqplotGradientsView(_Held):
    """The gradients dashboard's three panels as three ``bqplot.Figure``s (log scales), the title above them."""

    def __init__(self, _fig: Figure, probe, flop_budget) -> None:
        import bqplot as bq

        self.probe, self.flop_budget = probe, flop_budget
        self.result = None
        grad, q, h = gw._GRAD_COLOR, gw._Q_COLOR, gw._H_COLOR
        self.x = [bq.LinearScale() for _ in range(3)]
        self.y = [bq.LogScale(), bq.LogScale(), bq.LinearScale(min=-0.03, max=1.03)]
        sc = [{"x": x, "y": y} for x, y in zip(self.x, self.y)]
        self.grad = bq.Lines(x=[], y=[], scales=sc[0], colors=[grad], marker="circle", marker_size=12)
        self.spread = bq.Lines(x=[], y=[], scales=sc[1], colors=[q, q, h, h], line_style="solid",
                               labels=["std of q (measured)", "theory", "std of h (measured)", "theory"],
                               display_legend=True)
        self.frac = bq.Lines(x=[], y=[], scales=sc[2], colors=["#ff7f0e", "black"],
                             labels=["saturated", "dead: off for the whole batch"], display_legend=True)
        titles = ("weight-gradient norm per layer", "spread of q_d and of h_d", "fraction saturated / dead")
        self.figs = [bq.Figure(marks=[m], title=t, axes=[bq.Axis(scale=s["x"], label="hidden layer d"),
                                                          bq.Axis(scale=s["y"], orientation="vertical")],
                               fig_margin=dict(top=50, bottom=50, left=60, right=10), legend_location="bottom",
                               layout=widgets.Layout(width=f"{FIGURE_WIDTH * DPI / 3:.0f}px", height="380px"))
                     for m, t, s in zip((self.grad, self.spread, self.frac), titles, sc)]
        self.title = widgets.HTML()
        self.fw = widgets.VBox([self.title, widgets.HBox(self.figs)])

    def update(self, **values) -> None:
        net = nl.gradients.DeepNet(**values)
        batch = gw.dashboard_batch(net, self.probe.batch, self.flop_budget)
        result = self.result = self.probe(net, batch=batch)
        layers, th = result.layers, result.theory
        ratio = result.grad_ratio
        status = (f"first / last = {ratio:.1e}" if np.isfinite(ratio) else
                  "not computed" if result.overflow_layer is not None else "the gradient is exactly 0")
        self._hold(self.grad, self.spread, self.frac, self.figs[0], self.title, *self.x)
        self.grad.x, self.grad.y = layers, positive(result.grad_norm)
        self.spread.x = layers
        self.spread.y = np.stack([positive(v) for v in (result.preact_std, np.sqrt(th.preact_var), result.act_std,
                                                        np.sqrt(th.act_var))])
        self.frac.x, self.frac.y = layers, np.stack([result.saturated, result.dead])
        for x in self.x:
            x.min, x.max = 0.5, result.net.depth + 0.5
        self.figs[0].title = f"weight-gradient norm per layer: {status}"
        note = f" (the first {batch} of {self.probe.batch} samples)" if batch < self.probe.batch else ""
        self.title.value = f"<b>{html.escape(str(result.net))}  ·  batch of {result.batch}{note}</b>"


def build(dashboard: str, route: str, **kwargs: Any) -> SpikeDashboard:
    """``build("01", "blit")``: a spike dashboard by its notebook number and route."""
    return {"01": xor_spike, "06": gradients_spike}[dashboard](route, **kwargs)
