"""The dashboard of notebook 06 (vanishing and exploding gradients), over the probe of ``nnlab.gradients``.

``gradients_explorer()`` has sliders for the width and the depth of a deep network and selectors
for its activation and initialisation, with batch-norm and residual switches; each change runs
``nnlab.probe`` (one forward and backward pass on a seeded batch) and redraws three panels:
the weight-gradient norm of every layer (log scale), the spread of the activations with the
variance the initialisation predicts, and the saturated and dead fractions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from .._validate import check_positive, check_positive_int
from ..gradients import SATURATION, DeepNet, GradientProbe, ProbeResult, probe_flops
from ..plots.base import (
    BLACK,
    BLUE,
    FIGURE_WIDTH,
    GREEN,
    ORANGE,
    VERMILLION,
    WARNING,
    fixed_labels,
    legend_below,
    note,
)
from ..plots.gradients import describe_per_layer, log_limits, plot_grad_norms, positive
from .base import Dashboard
from .blit import still

#: the most arithmetic (floating-point operations in matrix products) one redraw of the dashboard may
#: spend: 1e9, 10 to 25 ms on one core of the 2-core test machine, so that the probe is a small part of
#: the 200 ms a student may wait from a key press to the new picture (benchmarks/browser_latency.py;
#: drawing the figure takes about 70 ms). The presets of width 32 or less fit with the whole batch of
#: 256, those of width 256 (3.0e9 with 256 samples) get 64; the largest network, 100 layers of 512,
#: needs 33.4e9 with 256 samples and gets MIN_BATCH.
FLOP_BUDGET = 1e9
#: the widest and the deepest network the sliders reach
MAX_WIDTH, MAX_DEPTH = 512, 100
#: the fewest samples the dashboard halves the batch down to
MIN_BATCH = 16

#: named settings, each a moment of the lecture
GRADIENTS_PRESETS: dict[str, dict] = {
    # saturated sigmoids, W ~ N(0, 1): the gradient fades by orders of magnitude towards the input
    "sigmoid-deep": dict(width=32, depth=30, activation="sigmoid", init="normal", std=1.0,
                         batch_norm=False, residual=False),
    # no saturation at all, and still phi' <= 1/4 shrinks the gradient at every layer
    "sigmoid-glorot": dict(width=256, depth=30, activation="sigmoid", init="glorot_normal", std=1.0,
                           batch_norm=False, residual=False),
    # the fix: ReLU with He initialisation keeps the variance, and the gradient, level
    "relu-he": dict(width=256, depth=30, activation="relu", init="he_normal", std=1.0,
                    batch_norm=False, residual=False),
    # the first preset with batch norm switched on
    "sigmoid-batchnorm": dict(width=32, depth=30, activation="sigmoid", init="normal", std=1.0,
                              batch_norm=True, residual=False),
    # too large weights: tanh units saturate, yet W^T multiplies the gradient by about 3 per layer
    "exploding": dict(width=256, depth=30, activation="tanh", init="normal", std=1.0,
                      batch_norm=False, residual=False),
    # narrow and deep: ReLU units that are off for the whole batch, a network that has died
    "relu-narrow": dict(width=4, depth=30, activation="relu", init="he_normal", std=1.0,
                        batch_norm=False, residual=False),
}

_ACTIVATION_LABELS = [("sigmoid", "sigmoid"), ("tanh", "tanh"), ("ReLU", "relu"),
                      ("leaky ReLU", "leaky_relu"), ("ELU", "elu")]
_INIT_LABELS = [("normal (scale)", "normal"), ("Glorot", "glorot_normal"), ("He", "he_normal")]
_GRAD_COLOR, _Q_COLOR, _H_COLOR = VERMILLION, BLUE, GREEN


# --- the view --------------------------------------------------------------------------------------
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


class GradientsView:
    """The dashboard's three panels, built once and updated in place.

    ``update(**values)`` probes the network the controls describe and moves the existing lines,
    titles and limits to the new result instead of clearing the figure and building new axes:
    building axes (their ticks, labels and legends) is most of what a redraw costs. ``show(result)``
    does the same for a probe result made elsewhere.

    Parameters
    ----------
    fig : Figure
        An empty figure; the view adds three axes to it.
    probe : GradientProbe
        Its seeded batch and weights (kept by the dashboard, so every view draws the same network).
    flop_budget : float or None
        See ``dashboard_batch``.
    """

    def __init__(self, fig: Figure, probe: GradientProbe, flop_budget: float | None = FLOP_BUDGET) -> None:
        self.fig = fig
        self.probe, self.flop_budget = probe, flop_budget
        self.result: ProbeResult | None = None
        self.ax_g, self.ax_s, self.ax_f = fig.subplots(1, 3)
        nothing = (np.zeros(0), np.zeros(0))
        plot_grad_norms(self.ax_g, {})  # the axis, its labels and grid; the line is ours to move
        self.grad_line, = self.ax_g.plot(*nothing, marker="o", ms=3, color=_GRAD_COLOR)
        self.q_line, = self.ax_s.plot(*nothing, "o", ms=3, color=_Q_COLOR, label="std of $q_d$ (measured)")
        self.q_theory, = self.ax_s.plot(*nothing, "--", color=_Q_COLOR, label="theory")
        self.h_line, = self.ax_s.plot(*nothing, "s", ms=3, color=_H_COLOR, label="std of $h_d$ (measured)")
        self.h_theory, = self.ax_s.plot(*nothing, ":", color=_H_COLOR, label="theory")
        self.ax_s.set(xlabel="hidden layer d", title="spread of $q_d$ and of $h_d$")
        # the legends below the axes, where no data can be: at any setting a curve may run anywhere inside
        legend_below(self.ax_s.legend(ncol=2), self.ax_s)
        self.sat_line, = self.ax_f.plot(*nothing, color=ORANGE,
                                        label=f"saturated: $\\varphi'(q) < {SATURATION:.2f}$ max")
        self.dead_line, = self.ax_f.plot(*nothing, "--", color=BLACK, label="dead: off for the whole batch")
        self.ax_f.set(xlabel="hidden layer d", ylim=(-0.03, 1.03), title="fraction saturated / dead")
        self.ax_f.grid(True, alpha=0.3)
        legend_below(self.ax_f.legend(), self.ax_f)
        self.ax_s.set_yscale("log")
        self.ax_s.grid(True, which="major", alpha=0.3)
        self.overflow_text = self.ax_g.text(0.5, 0.5, "", transform=self.ax_g.transAxes, ha="center",
                                            va="center", color=WARNING, fontsize=11)
        # the overflow marks are empty, not hidden, when there is no overflow: the legend's automatic
        # placement avoids every line and text of the axes, visible or not
        self.overflow_line, = self.ax_s.plot([], [], color=WARNING, ls=":", transform=self.ax_s.get_xaxis_transform())
        self.overflow_label = self.ax_s.text(1, 0.02, "", transform=self.ax_s.get_xaxis_transform(),
                                             color=WARNING, fontsize=9, ha="right")
        self.title = fig.suptitle("", fontsize=11)
        for ax in (self.ax_g, self.ax_s, self.ax_f):
            # fixed places for the titles and axis labels: placing them by the extents of the tick
            # labels, as matplotlib does by default, costs about a third of a redraw
            fixed_labels(ax, below=-0.11, left=-0.24)
            title = ax.set_title(ax.get_title(), fontsize=9, y=1.0)
            if ax is not self.ax_g:  # its title says what the probe found
                still(title)
            ax.tick_params(labelsize=9)
            ax.xaxis.label.set_fontsize(9)
            ax.yaxis.label.set_fontsize(9)
        # fixed margins, in inches: a layout engine would cost one more rendering pass per redraw
        w, h = fig.get_size_inches()
        fig.subplots_adjust(left=0.8 / w, right=1 - 0.2 / w, bottom=1.2 / h, top=1 - 0.85 / h, wspace=0.4)

    def update(self, **values) -> None:
        """Probe the network of these control values (a ``DeepNet``'s fields) and show it."""
        net = DeepNet(**values)
        batch = dashboard_batch(net, self.probe.batch, self.flop_budget)
        self.result = self.probe(net, batch=batch)
        # on a line of its own: after the longest network's name it would run past the picture's edges
        note = (f"\n(the first {batch} of {self.probe.batch} samples: a smaller batch keeps a large network quick)"
                if batch < self.probe.batch else "")
        self.show(self.result, note)

    def show(self, result: ProbeResult, note: str = "") -> None:
        """Show ``result``: new data, titles and axis limits on the same artists (``note`` ends the
        figure's title)."""
        layers, th = result.layers, result.theory
        self.grad_line.set_data(layers, positive(result.grad_norm))
        ratio = result.grad_ratio
        status = (f"first / last = {ratio:.1e}" if np.isfinite(ratio) else
                  "not computed" if result.overflow_layer is not None else "the gradient is exactly 0")
        self.ax_g.title.set_text(f"weight-gradient norm per layer\n{status}")
        self.q_line.set_data(layers, positive(result.preact_std))
        self.q_theory.set_data(layers, positive(np.sqrt(th.preact_var)))
        self.h_line.set_data(layers, positive(result.act_std))
        self.h_theory.set_data(layers, positive(np.sqrt(th.act_var)))
        self.sat_line.set_data(layers, result.saturated)
        self.dead_line.set_data(layers, result.dead)
        depth = result.net.depth  # beyond 10 layers, out to a multiple of 10: a step of depth keeps the axes
        for ax in (self.ax_g, self.ax_s, self.ax_f):
            ax.set_xlim(0.5, (depth if depth <= 10 else 10 * math.ceil(depth / 10)) + 0.5)
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
            log_limits(ax, lines)
        self.title.set_text(f"{result.net}  ·  batch of {result.batch}{note}")
        self._note(result)

    def _note(self, result: ProbeResult) -> None:
        """What each panel shows, in words and numbers (the picture's text alternative)."""
        layers = result.layers
        if result.overflow_layer is not None:
            grads = f"no gradient: the activations overflow the float range at layer {result.overflow_layer}"
        elif not np.any(result.grad_norm):
            grads = "the weight gradient is exactly 0 at every layer"
        else:
            grads = describe_per_layer("the norm of the weight gradient, log scale", layers,
                                       positive(result.grad_norm), magnitude=result.magnifies_round_off)
        note(self.ax_g, grads, key="norms")
        th = result.theory
        note(self.ax_s, "; ".join([describe_per_layer("std of q (measured, circles)", layers, result.preact_std),
                                   describe_per_layer("theory", layers, np.sqrt(th.preact_var)),
                                   describe_per_layer("std of h (measured, squares)", layers, result.act_std),
                                   describe_per_layer("theory", layers, np.sqrt(th.act_var))]), key="spread")
        note(self.ax_f, "; ".join([describe_per_layer("fraction saturated", layers, result.saturated),
                                   describe_per_layer("fraction dead (dashed)", layers, result.dead)]), key="fractions")


# --- the dashboard ----------------------------------------------------------------------------------
def _std_applies(init: str, **_: object) -> str | None:
    """The std slider sets the weights' spread of the normal initialisation only."""
    return None if init == "normal" else ("only for the normal initialisation: Glorot and He set the standard "
                                          "deviation from the layer widths")


class GradientsExplorer(Dashboard):
    """The dashboard of ``gradients_explorer``, with its probe; ``result`` is the last ``ProbeResult`` drawn."""

    def __init__(self, probe: GradientProbe, controls: Mapping[str, widgets.ValueWidget], *,
                 preset: str | None, flop_budget: float | None = FLOP_BUDGET) -> None:
        self.probe = probe
        self.flop_budget = flop_budget
        super().__init__(lambda fig: GradientsView(fig, probe, flop_budget), controls, figsize=(FIGURE_WIDTH, 4.4),
                         presets=GRADIENTS_PRESETS, preset=preset, columns=4, applies={"std": _std_applies})

    @property
    def result(self) -> ProbeResult | None:
        """The probe result on screen."""
        return None if self.view is None else self.view.result


def gradients_explorer(preset: str | None = "sigmoid-deep", *, seed: int = 0, batch: int = 256,
                       flop_budget: float | None = FLOP_BUDGET, threads: int | None = 1) -> GradientsExplorer:
    """Sliders for width and depth, activation and initialisation, batch norm and residual switches.

    Parameters
    ----------
    preset : str, optional
        One of ``GRADIENTS_PRESETS``: "sigmoid-deep" (default), "sigmoid-glorot", "relu-he",
        "sigmoid-batchnorm", "exploding", "relu-narrow"; ``None`` for the controls' defaults.
    seed : int
        Seeds the batch and the weights (the same seed always draws the same network).
    batch : int
        Samples per forward and backward pass.
    flop_budget : float or None
        The most floating-point operations one redraw may spend (default ``FLOP_BUDGET``, a few
        hundredths of a second on one core): a larger network is probed on the first half, quarter, ... of the batch,
        down to ``MIN_BATCH`` samples, and the figure's title says so. ``None``: always the whole
        batch (100 layers of 512 then take over half a second per redraw).
    threads : int or None
        BLAS threads for the probe (see ``nnlab.gradients.GradientProbe``): 1 is the safe choice on a
        shared machine; ``None`` lets an idle machine with many cores use them all.
    """
    if preset is not None and preset not in GRADIENTS_PRESETS:
        raise ValueError(f"preset: expected one of {sorted(GRADIENTS_PRESETS)}, got {preset!r}")
    if flop_budget is not None:
        check_positive(flop_budget, "flop_budget")
    probe = GradientProbe(rng=np.random.default_rng(seed), batch=check_positive_int(batch, "batch"),
                          dtype=np.float32, threads=threads)
    # every weight the sliders can reach, drawn now (about half a second) rather than on the first move to
    # a large network, where the student would wait for it
    probe.standard_weights(DeepNet(MAX_DEPTH, MAX_WIDTH))
    style = {"description_width": "initial"}
    controls = {
        "width": widgets.IntSlider(value=256, min=2, max=MAX_WIDTH, step=1, description="width",
                                   style=style),
        "depth": widgets.IntSlider(value=30, min=1, max=MAX_DEPTH, step=1, description="depth",
                                   style=style),
        "activation": widgets.Dropdown(options=_ACTIVATION_LABELS, value="relu", description="activation"),
        "init": widgets.Dropdown(options=_INIT_LABELS, value="he_normal", description="init"),
        "std": widgets.FloatLogSlider(value=1.0, base=10, min=-2, max=1, step=0.05,
                                      description="std (normal)", readout_format=".3g",
                                        style=style),
        "batch_norm": widgets.Checkbox(value=False, description="batch norm"),
        "residual": widgets.Checkbox(value=False, description="residual"),
    }
    return GradientsExplorer(probe, controls, preset=preset, flop_budget=flop_budget)
