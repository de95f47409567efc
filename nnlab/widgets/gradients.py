"""Vanishing and exploding gradients: a dashboard over the probe, and the notebook's figures.

``vanishing_gradients()`` has sliders for the width and the depth of a deep network and selectors
for its activation and initialisation, with batch-norm and residual switches; each change runs
``nnlab.probe`` (one forward and backward pass on a seeded batch) and redraws three panels:
the weight-gradient norm of every layer (log scale), the spread of the activations with the
variance the initialisation predicts, and the saturated and dead fractions.
"""

from __future__ import annotations

from collections.abc import Mapping

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from .._validate import check_positive, check_positive_int
from ..probe import SATURATION, DeepNet, GradientProbe, ProbeResult, TrainRecord, probe_flops
from .base import Dashboard

#: the most arithmetic (floating-point operations in matrix products) one redraw of the dashboard may
#: spend. On one core of the 2-core test machine the probe took 60 to 100 ms at this size
#: (benchmarks/probe_speed.py). Every preset (width 256 or less, depth 30) fits with the whole batch
#: of 256; the largest network, 100 layers of 512, needs 33.4e9 with 256 samples, more than that
#: machine's two cores can do in 0.25 s, and fits with 32.
FLOP_BUDGET = 3.5e9
#: the fewest samples the dashboard halves the batch down to
MIN_BATCH = 32

#: named settings, each a moment of the lecture
PRESETS: dict[str, dict] = {
    # saturated sigmoids, W ~ N(0, 1): the gradient fades by orders of magnitude towards the input
    "sigmoid-deep": dict(width=32, depth=30, activation="sigmoid", init="normal", scale=1.0,
                         batch_norm=False, residual=False),
    # no saturation at all, and still phi' <= 1/4 shrinks the gradient at every layer
    "sigmoid-glorot": dict(width=256, depth=30, activation="sigmoid", init="glorot", scale=1.0,
                           batch_norm=False, residual=False),
    # the fix: ReLU with He initialisation keeps the variance, and the gradient, level
    "relu-he": dict(width=256, depth=30, activation="relu", init="he", scale=1.0,
                    batch_norm=False, residual=False),
    # the first preset with batch norm switched on
    "sigmoid-batchnorm": dict(width=32, depth=30, activation="sigmoid", init="normal", scale=1.0,
                              batch_norm=True, residual=False),
    # too large weights: tanh units saturate, yet W^T multiplies the gradient by about 3 per layer
    "exploding": dict(width=256, depth=30, activation="tanh", init="normal", scale=1.0,
                      batch_norm=False, residual=False),
    # narrow and deep: ReLU units that are off for the whole batch, a network that has died
    "relu-narrow": dict(width=4, depth=30, activation="relu", init="he", scale=1.0,
                        batch_norm=False, residual=False),
}

_ACTIVATION_LABELS = [("sigmoid", "sigmoid"), ("tanh", "tanh"), ("ReLU", "relu"),
                      ("leaky ReLU", "leaky_relu"), ("ELU", "elu")]
_INIT_LABELS = [("normal (scale)", "normal"), ("Glorot", "glorot"), ("He", "he")]
_GRAD_COLOR, _Q_COLOR, _H_COLOR = "#d62728", "#1f77b4", "#2ca02c"


# --- figures from probe results ---------------------------------------------------------------------
def _positive(values: np.ndarray) -> np.ndarray:
    """Values for a log axis: zeros and non-finite values become NaN (not drawn)."""
    out = np.array(values, dtype=float)
    out[~(np.isfinite(out) & (out > 0))] = np.nan
    return out


def _log_ticks(ax: Axes) -> None:
    """Plain tick labels (1, 2, 5, 10, ...) on a log axis spanning less than two decades."""
    lo, hi = ax.get_ylim()
    if lo > 0 and hi / lo < 100:
        subs = (1.0, 2.0, 5.0) if hi / lo > 5 else (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0)
        ax.yaxis.set_major_locator(LogLocator(subs=subs))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())


def plot_grad_norms(ax: Axes, results: Mapping[str, ProbeResult]) -> None:
    """``||dL/dW_d||`` against the layer number d, one line per labelled result, on a log scale."""
    for label, result in results.items():
        ax.plot(result.layers, _positive(result.grad_norm), marker="o", ms=3, label=label)
    ax.set_yscale("log")
    ax.set(xlabel="hidden layer d  (1 = next to the input)", ylabel=r"$\|\partial L / \partial W_d\|$")
    ax.grid(True, which="major", alpha=0.3)
    if len(results) > 1:
        ax.legend(fontsize=9)


class ProbeView:
    """The three panels of a probe result on a figure, built once and updated in place.

    ``update(result)`` moves the existing lines, titles and limits to a new result instead of
    clearing the figure and building new axes: building axes (their ticks, labels and legends) is
    most of what a redraw costs, so the dashboard keeps one view for its figure.

    Parameters
    ----------
    fig : Figure
        An empty figure; the view adds three axes to it.
    """

    def __init__(self, fig: Figure) -> None:
        self.fig = fig
        self.ax_g, self.ax_s, self.ax_f = fig.subplots(1, 3)
        nothing = (np.zeros(0), np.zeros(0))
        plot_grad_norms(self.ax_g, {})  # the axis, its labels and grid; the line is ours to move
        self.grad_line, = self.ax_g.plot(*nothing, marker="o", ms=3, color=_GRAD_COLOR)
        self.q_line, = self.ax_s.plot(*nothing, "o", ms=3, color=_Q_COLOR, label="std of $q_d$ (measured)")
        self.q_theory, = self.ax_s.plot(*nothing, "--", color=_Q_COLOR, label="theory")
        self.h_line, = self.ax_s.plot(*nothing, "s", ms=3, color=_H_COLOR, label="std of $h_d$ (measured)")
        self.h_theory, = self.ax_s.plot(*nothing, "--", color=_H_COLOR, label="theory")
        self.ax_s.set(xlabel="hidden layer d", title="spread of pre-activations $q_d$ and outputs $h_d$")
        self.ax_s.legend(fontsize=8)
        self.sat_line, = self.ax_f.plot(*nothing, color="#ff7f0e",
                                        label=f"saturated: $\\varphi'(q) < {SATURATION:.2f}$ max")
        self.dead_line, = self.ax_f.plot(*nothing, color="black", label="dead units (ReLU off for the whole batch)")
        self.ax_f.set(xlabel="hidden layer d", ylim=(-0.03, 1.03), title="fraction saturated / dead")
        self.ax_f.grid(True, alpha=0.3)
        self.ax_f.legend(fontsize=8, loc="upper left")
        self.ax_s.set_yscale("log")
        self.ax_s.grid(True, which="major", alpha=0.3)
        self.overflow_text = self.ax_g.text(0.5, 0.5, "", transform=self.ax_g.transAxes, ha="center",
                                            va="center", color="#b00", fontsize=11)
        # the overflow marks are empty, not hidden, when there is no overflow: the legend's automatic
        # placement avoids every line and text of the axes, visible or not
        self.overflow_line, = self.ax_s.plot([], [], color="#b00", ls=":", transform=self.ax_s.get_xaxis_transform())
        self.overflow_label = self.ax_s.text(1, 0.02, "", transform=self.ax_s.get_xaxis_transform(),
                                             color="#b00", fontsize=9, ha="right")
        self.title = fig.suptitle("", fontsize=11)
        for ax in (self.ax_g, self.ax_s, self.ax_f):
            # fixed places for the titles and axis labels: placing them by the extents of the tick
            # labels, as matplotlib does by default, costs about a third of a redraw
            ax.xaxis.set_label_coords(0.5, -0.1)
            ax.yaxis.set_label_coords(-0.14, 0.5)
            ax.set_title(ax.get_title(), fontsize=10, y=1.0)
        # fixed margins: a layout engine would cost one more rendering pass per redraw
        fig.subplots_adjust(left=0.06, right=0.99, bottom=0.12, top=0.80, wspace=0.22)

    def update(self, result: ProbeResult, note: str = "") -> None:
        """Show ``result``: new data, titles and axis limits on the same artists (``note`` ends the
        figure's title)."""
        layers, th = result.layers, result.theory
        self.grad_line.set_data(layers, _positive(result.grad_norm))
        ratio = result.grad_ratio
        status = (f"first / last = {ratio:.1e}" if np.isfinite(ratio) else
                  "not computed" if result.overflow_layer is not None else "the gradient is exactly 0")
        self.ax_g.title.set_text(f"weight-gradient norm per layer\n{status}")
        self.q_line.set_data(layers, _positive(result.preact_std))
        self.q_theory.set_data(layers, _positive(np.sqrt(th.preact_var)))
        self.h_line.set_data(layers, _positive(result.act_std))
        self.h_theory.set_data(layers, _positive(np.sqrt(th.act_var)))
        self.sat_line.set_data(layers, result.saturated)
        self.dead_line.set_data(layers, result.dead)
        for ax in (self.ax_g, self.ax_s, self.ax_f):
            ax.set_xlim(0.5, result.net.depth + 0.5)
        overflow = result.overflow_layer
        self.overflow_text.set_text("" if overflow is None else
                                    f"no gradient: the activations\noverflow the float range\nat layer {overflow}")
        if overflow is None:
            self.overflow_line.set_data([], [])
            self.overflow_label.set_text("")
        else:
            self.overflow_line.set_data([overflow, overflow], [0, 1])
            self.overflow_label.set_x(overflow)
            self.overflow_label.set_text(" overflow")
        for ax, lines in ((self.ax_g, [self.grad_line]),
                          (self.ax_s, [self.q_line, self.q_theory, self.h_line, self.h_theory])):
            _log_limits(ax, lines)
        self.title.set_text(f"{result.net}  ·  batch of {result.batch}{note}")


def _log_limits(ax: Axes, lines: list) -> None:
    """Fit a log axis to the finite values of ``lines`` (as autoscaling a new axes would), with
    plain tick labels when it spans less than two decades."""
    values = np.concatenate([np.asarray(line.get_ydata(), dtype=float) for line in lines])
    values = values[np.isfinite(values)]
    ax.set_yscale("log")  # back to the default ticks, which _log_ticks may have replaced
    if values.size:
        lo, hi = values.min(), values.max()
        pad = (hi / lo) ** 0.05 if hi > lo else 2.0  # 5% of the range on each side, like autoscaling
        ax.set_ylim(lo / pad, hi * pad)
    else:
        ax.set_ylim(0.1, 10)
    _log_ticks(ax)


def plot_probe(fig: Figure, result: ProbeResult, note: str = "") -> ProbeView:
    """Three panels: gradient norms (log), activation spread against theory (log), saturated/dead."""
    view = ProbeView(fig)
    view.update(result, note)
    return view


def dashboard_batch(net: DeepNet, batch: int, flop_budget: float | None = FLOP_BUDGET) -> int:
    """How many samples the dashboard probes ``net`` on: ``batch``, halved while the probe would
    cost more than ``flop_budget`` floating-point operations, but not below ``MIN_BATCH``
    (``None``: always ``batch``). Counted, not timed, so the same setting always gets the same
    batch and the same picture."""
    n = batch
    if flop_budget is not None:
        while n > MIN_BATCH and probe_flops(net, n) > flop_budget:
            n = max(MIN_BATCH, n // 2)
    return n


def _new_figure(figsize: tuple[float, float]) -> Figure:
    fig = plt.figure(figsize=figsize, dpi=100)
    plt.close(fig)  # shown once, as the cell's result
    return fig


def probe_figure(result: ProbeResult) -> Figure:
    """The dashboard's three panels for one probe result, as an ordinary figure."""
    fig = _new_figure((13, 4.2))
    plot_probe(fig, result)
    return fig


def grad_norm_figure(results: Mapping[str, ProbeResult], title: str | None = None) -> Figure:
    """Gradient norm per layer for several networks on one log axis."""
    fig = _new_figure((7.5, 4.2))
    ax = fig.subplots()
    plot_grad_norms(ax, results)
    _log_ticks(ax)
    if title:
        ax.set_title(title, fontsize=11)
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.13, top=0.91)
    return fig


def dphi_figure(result: ProbeResult) -> Figure:
    """Histograms of the local gradients ``phi'(q)`` of the layers kept by the probe (log x axis)."""
    if not result.dphi:
        raise ValueError("result: no phi'(q) values kept; probe with keep_dphi=(1, 10, ...)")
    fig = _new_figure((7.5, 4.2))
    ax = fig.subplots()
    top = 0.25 if result.net.activation == "sigmoid" else 1.0
    bins = np.logspace(-8, np.log10(top) + 0.02, 45)
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(result.dphi)))
    for color, (layer, values) in zip(colors, sorted(result.dphi.items())):
        clipped = np.clip(values, bins[0], None)  # exact zeros go to the first bin
        ax.hist(clipped, bins=bins, weights=np.full(len(values), 1 / len(values)), histtype="step",
                lw=1.8, color=color, label=f"layer {layer}: mean {values.mean():.3f}")
    ax.axvline(top, color="gray", ls=":")
    ax.axvline(SATURATION * top, color="#ff7f0e", ls="--", label=f"saturated below ({SATURATION * top:.3f})")
    ax.set_xscale("log")
    ax.set(xlabel=r"local gradient $\varphi'(q)$ of one unit on one sample", ylabel="fraction of values",
           title=f"where the local gradients lie: {result.net}")
    ax.title.set_fontsize(10)
    ax.legend(fontsize=8, loc="upper left")
    fig.subplots_adjust(left=0.1, right=0.97, bottom=0.13, top=0.92)
    return fig


def loss_figure(records: Mapping[str, TrainRecord], *, columns: int = 3,
                ylim: tuple[float, float] = (0.0, 1.2), ylabel: str = "training loss (BCE)") -> Figure:
    """Training-loss curves side by side, one panel per run, on the same axis limits.

    A run that diverged is marked in its panel; losses above ``ylim`` run off the top.
    """
    rows = -(-len(records) // columns)
    fig = _new_figure((3.6 * min(columns, len(records)), 2.9 * rows))
    axes = np.atleast_1d(fig.subplots(rows, min(columns, len(records)), squeeze=False)).ravel()
    for ax, (label, rec) in zip(axes, records.items()):
        epochs = np.arange(1, len(rec.loss) + 1)
        ax.plot(epochs, rec.loss, color="#1f77b4", marker="." if len(rec.loss) < 5 else None)
        if rec.diverged_epoch is not None:
            status = f"diverged in epoch {rec.diverged_epoch}"
            first = f"\n(epoch 1: {rec.loss[0]:.1e})" if rec.loss and rec.loss[0] > ylim[1] else ""
            ax.text(0.5, 0.5, "loss became\ninfinite or NaN" + first, transform=ax.transAxes, ha="center",
                    va="center", color="#b00")
        else:
            status = f"accuracy {rec.accuracy[-1]:.0%}" if rec.accuracy else f"loss {rec.loss[-1]:.3f}"
        ax.set_title(f"{label}\n{status}", fontsize=10)
        ax.set(xlabel="epoch", ylim=ylim, xlim=(0, max(len(r.loss) for r in records.values()) + 1))
        ax.grid(True, alpha=0.3)
    for ax in axes[len(records):]:
        ax.set_visible(False)
    for ax in axes[::columns]:
        ax.set_ylabel(ylabel)
    height = 2.9 * rows  # margins in inches, so one row or two look the same
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.5 / height, top=1 - 0.5 / height,
                        wspace=0.25, hspace=0.6)
    return fig


def firing_figure(rates: Mapping[str, np.ndarray]) -> Figure:
    """For each network, the fraction of the data on which each hidden unit fires (bar per unit).

    Units that fire on no sample at all are marked with a red x: silent units.
    """
    fig = _new_figure((3.6 * len(rates), 2.9))
    axes = np.atleast_1d(fig.subplots(1, len(rates), sharey=True))
    for ax, (label, rate) in zip(axes, rates.items()):
        units = np.arange(1, len(rate) + 1)
        ax.bar(units, rate, color="#2ca02c")
        silent = rate == 0
        ax.plot(units[silent], np.zeros(silent.sum()), "x", color="#b00", ms=7, mew=2)
        ax.set_title(f"{label}\n{int(silent.sum())} of {len(rate)} units silent", fontsize=10)
        ax.set(xlabel="unit of hidden layer 1", ylim=(-0.05, 1.05), xticks=units[::3])
        ax.grid(True, axis="y", alpha=0.3)
    axes[0].set_ylabel("fraction of the data it fires on")
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.17, top=0.82, wspace=0.12)
    return fig


def clipping_figure(records: Mapping[str, TrainRecord], clip_norm: float, *, top: float = 1e8) -> Figure:
    """Left: the loss per epoch; right: the gradient norm at every step, with the clip level (log scales).

    Values above ``top`` are drawn at ``top`` (a diverging run's last gradients reach 1e100 and more).
    """
    fig = _new_figure((11, 3.8))
    ax_l, ax_g = fig.subplots(1, 2)
    finite = [v for rec in records.values() for v in [*rec.loss, *rec.grad_norm] if np.isfinite(v) and v > 0]
    bottom = min(finite) / 2 if finite else 1e-3
    for label, rec in records.items():
        end = f" (diverged, epoch {rec.diverged_epoch})" if rec.diverged_epoch is not None else ""
        loss = np.minimum(_positive(rec.loss), top)
        line, = ax_l.plot(np.arange(1, len(loss) + 1), loss, marker=".", label=label + end)
        grads = np.array(rec.grad_norm, dtype=float)
        grads[~np.isfinite(grads)] = np.inf  # NaN from an overflow: off the scale too
        ax_g.plot(np.arange(1, len(grads) + 1), np.clip(grads, bottom, top), color=line.get_color(),
                  label=label)
        if (grads > top).any():
            ax_g.annotate(f"off the scale: {np.nanmax(grads[np.isfinite(grads)]):.0e}, then overflow"
                          if np.isfinite(grads).any() and np.nanmax(grads[np.isfinite(grads)]) > top
                          else "off the scale", xy=(np.argmax(grads > top) + 1, top), xytext=(15, -25),
                          textcoords="offset points", fontsize=8, color=line.get_color(),
                          arrowprops=dict(arrowstyle="->", color=line.get_color()))
    ax_g.axhline(clip_norm, color="black", ls="--", lw=1, label=f"clip_norm = {clip_norm:g}")
    ax_l.set(xlabel="epoch", ylabel="training loss (mean over the epoch)", yscale="log", title="loss",
             ylim=(bottom, top * 2))
    ax_g.set(xlabel="step (minibatch)", ylabel="gradient norm before clipping", yscale="log",
             title="gradient norm", ylim=(bottom, top * 2))
    for ax in (ax_l, ax_g):
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.14, top=0.92, wspace=0.22)
    return fig


# --- the dashboard ----------------------------------------------------------------------------------
class GradientsDashboard(Dashboard):
    """The dashboard of ``vanishing_gradients``; ``result`` is the last ``ProbeResult`` drawn."""

    clears_figure = False  # one ProbeView, updated in place

    def __init__(self, probe: GradientProbe, controls: Mapping[str, widgets.ValueWidget], *,
                 preset: str | None, flop_budget: float | None = FLOP_BUDGET) -> None:
        self.probe = probe
        self.flop_budget = flop_budget
        self.result: ProbeResult | None = None
        self._view: ProbeView | None = None
        super().__init__(self._draw, controls, figsize=(13, 4.2), presets=PRESETS, preset=preset, columns=4)

    def _draw(self, fig: Figure, **values) -> None:
        net = DeepNet(**values)
        batch = dashboard_batch(net, self.probe.batch, self.flop_budget)
        self.result = self.probe(net, batch=batch)
        note = (f" (the first {batch} of {self.probe.batch} samples: a smaller batch keeps a large network quick)"
                if batch < self.probe.batch else "")
        if fig is not self.figure:  # a static copy
            plot_probe(fig, self.result, note)
        elif self._view is None:
            self._view = plot_probe(fig, self.result, note)
        else:
            self._view.update(self.result, note)


def vanishing_gradients(preset: str | None = "sigmoid-deep", *, seed: int = 0, batch: int = 256,
                        flop_budget: float | None = FLOP_BUDGET, threads: int | None = 1) -> GradientsDashboard:
    """Sliders for width and depth, activation and initialisation, batch norm and residual switches.

    Parameters
    ----------
    preset : str, optional
        One of ``PRESETS``: "sigmoid-deep" (default), "sigmoid-glorot", "relu-he",
        "sigmoid-batchnorm", "exploding", "relu-narrow"; ``None`` for the controls' defaults.
    seed : int
        Seeds the batch and the weights (the same seed always draws the same network).
    batch : int
        Samples per forward and backward pass.
    flop_budget : float or None
        The most floating-point operations one redraw may spend (default ``FLOP_BUDGET``, under
        0.1 s on one core): a larger network is probed on the first half, quarter, ... of the batch,
        down to ``MIN_BATCH`` samples, and the figure's title says so. ``None``: always the whole
        batch (100 layers of 512 then take over half a second per redraw).
    threads : int or None
        BLAS threads for the probe (see ``nnlab.probe.GradientProbe``): 1 is the safe choice on a
        shared machine; ``None`` lets an idle machine with many cores use them all.
    """
    if preset is not None and preset not in PRESETS:
        raise ValueError(f"preset: expected one of {sorted(PRESETS)}, got {preset!r}")
    if flop_budget is not None:
        check_positive(flop_budget, "flop_budget")
    probe = GradientProbe(rng=np.random.default_rng(seed), batch=check_positive_int(batch, "batch"),
                          dtype=np.float32, threads=threads)
    style = {"description_width": "initial"}
    controls = {
        "width": widgets.IntSlider(value=256, min=2, max=512, step=1, description="width",
                                   continuous_update=False, style=style),
        "depth": widgets.IntSlider(value=30, min=1, max=100, step=1, description="depth",
                                   continuous_update=False, style=style),
        "activation": widgets.Dropdown(options=_ACTIVATION_LABELS, value="relu", description="activation"),
        "init": widgets.Dropdown(options=_INIT_LABELS, value="he", description="init"),
        "scale": widgets.FloatLogSlider(value=1.0, base=10, min=-2, max=1, step=0.05,
                                        description="scale (normal)", readout_format=".3g",
                                        continuous_update=False, style=style),
        "batch_norm": widgets.Checkbox(value=False, description="batch norm"),
        "residual": widgets.Checkbox(value=False, description="residual"),
    }
    return GradientsDashboard(probe, controls, preset=preset, flop_budget=flop_budget)
