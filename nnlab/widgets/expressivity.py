"""The expressivity explorer: a target, a network of D units built by hand or trained, and the sawtooth.

Controls: the **target** (a bump, sin, a step, |x|, or the sawtooth), the number of hidden **units** D, the
**network** (the hand-built interpolant or a trained one), the training **seed**, and the sawtooth's
**depth** K. Three panels: the fit, drawn piece by piece from the network's exact linear pieces; the error
along x; and, for a target, the construction's error against D on log-log axes with the current network
marked, or, for the sawtooth, the pieces that depth and width buy. The seed applies only to a trained
network, the depth only to the sawtooth, the network menu not to the sawtooth (its shallow rival is the
hand-built one); those controls are disabled otherwise. A trained network is trained once per setting (about
0.1 to 0.4 s); after a move, the next steps of the slider that moved are trained in a background thread
(``Dashboard.next_steps``), so that stepping through D or the seeds only draws.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from .. import expressivity as ex
from ..layers import MLP
from ..plots.base import BLACK, BLUE, FIGURE_WIDTH, VERMILLION, fixed_labels, fmt, legend_below, note
from ..plots.expressivity import ErrorPanel, FitPanel, units_axis
from ..regions import count_linear_regions
from .base import BackgroundCache, Dashboard

TARGET_NAMES = ("bump", "sin", "step", "|x|", "sawtooth")
NETWORKS = ("hand-built", "trained")
MAX_UNITS, MAX_DEPTH, MAX_SEED = 64, 6, 4
#: the numbers of units of the construction's error curve
CURVE_UNITS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
SAWTOOTH_INTERVAL = (0.0, 1.0)

EXPRESSIVITY_PRESETS = {
    # the construction: 8 hinges draw the bump with 8 pieces
    "bump, 8 units": dict(target="bump", units=8, network="hand-built", seed=0, depth=4),
    # the same 8 units trained by Adam (the notebook's seed 0)
    "bump, 8 units, trained": dict(target="bump", units=8, network="trained", seed=0, depth=4),
    # |x| is exact with 2 units when a knot sits on the kink
    "|x| with 2 units": dict(target="|x|", units=2, network="hand-built", seed=0, depth=4),
    # a step: the max error stays 1/2 however many units
    "step, 32 units": dict(target="step", units=32, network="hand-built", seed=0, depth=4),
    # the sawtooth of depth 4 (16 pieces) against 15 shallow units: max error >= 1/2
    "sawtooth K=4, 15 units": dict(target="sawtooth", units=15, network="hand-built", seed=0, depth=4),
    # ... and against 16: exact
    "sawtooth K=4, 16 units": dict(target="sawtooth", units=16, network="hand-built", seed=0, depth=4),
}


@lru_cache(maxsize=8)
def construction_curve(target: str) -> np.ndarray:
    """The hand-built network's max and mean error at each of ``CURVE_UNITS``, shape (len, 2)."""
    return ex.error_curve(target, CURVE_UNITS)


def expressivity_data(target: str, units: int, network: str, seed: int, depth: int, *,
                      train: Callable[[str, int, int], MLP] = ex.train_shallow) -> dict:
    """Everything the explorer (``ExpressivityView``) draws, for testing and for the notebook (``train``:
    ``train_shallow``, or the explorer's cache of it).

    Returns
    -------
    dict
        ``x`` and ``f``: the grid and the target on it; ``model``: the network drawn; ``edges``, ``values``:
        its graph's corners (``network_polyline``); ``pieces``: its linear pieces on the interval;
        ``gap``: |f - network| on the grid; ``error``: ``approximation_error`` (max, mean);
        ``deep_pieces``: the sawtooth's pieces (for the sawtooth, else None).
    """
    if target not in TARGET_NAMES:
        raise ValueError(f"target: expected one of {TARGET_NAMES}, got {target!r}")
    if network not in NETWORKS:
        raise ValueError(f"network: expected one of {NETWORKS}, got {network!r}")
    if target == "sawtooth":
        interval = SAWTOOTH_INTERVAL

        def f(x):
            return ex.sawtooth(x, depth)

        model = ex.hand_built(f, units, interval)
        deep = count_linear_regions(ex.sawtooth_network(depth), interval)
    else:
        interval, f = ex.INTERVAL, ex.get_target(target)
        model = ex.hand_built(target, units) if network == "hand-built" else train(target, units, seed)
        deep = None
    x = np.linspace(*interval, 2001)
    edges, values = ex.network_polyline(model, interval)
    fx = f(x)
    return dict(x=x, f=fx, model=model, edges=edges, values=values, pieces=len(edges) - 1,
                gap=np.abs(fx - model.forward(x[:, None])[:, 0]), error=ex.approximation_error(model, f, interval),
                deep_pieces=deep)


class ExpressivityView:
    """The explorer's three panels, built once and updated in place: the fit (``FitPanel``), the error along
    x (``ErrorPanel``), and either the construction's error against D or the pieces against the units (two
    axes in one place; one is shown)."""

    def __init__(self, fig: Figure, train: Callable[[str, int, int], MLP] = ex.train_shallow) -> None:
        self.fig, self.train = fig, train
        for target in TARGET_NAMES[:-1]:  # the construction's error curves, once (cached): no target waits for one
            construction_curve(target)
        ax_fit, ax_gap, self.ax_curve = fig.subplots(1, 3)
        self.fit, self.error = FitPanel(ax_fit), ErrorPanel(ax_gap)
        self.ax_pieces = fig.add_axes(self.ax_curve.get_position(), label="pieces")
        self.fit_legend = ax_fit.legend(handles=[self.fit.target, self.fit.pieces, self.fit.joints])

        ax = self.ax_curve
        D = np.array(CURVE_UNITS, dtype=float)
        self.curve_max, = ax.plot(D, np.ones_like(D), "o-", ms=3.5, color=BLUE, label="hand-built: max error")
        self.curve_mean, = ax.plot(D, np.ones_like(D), "s--", ms=3.5, color=BLUE, label="hand-built: mean error")
        self.slope, = ax.plot(D, 1.0 / D**2, ":", color=BLACK, lw=1, label="slope −2 (D⁻²)")
        self.here = ax.scatter([1], [1], s=70, color=VERMILLION, marker="D", zorder=4, label="this network: max error")
        ax.set(yscale="log", xlim=(0.8, 80), ylim=(1e-4, 3), xlabel="hidden units D", ylabel="error")
        units_axis(ax)
        self.curve_title = ax.set_title("", fontsize=9)
        self.curve_legend = ax.legend(handles=[self.curve_max, self.curve_mean, self.slope, self.here])

        ax = self.ax_pieces
        K = np.arange(1, MAX_DEPTH + 1)
        Ms = np.arange(1, MAX_UNITS + 1)
        shallow, = ax.plot(Ms, Ms + 1, "-", color=BLUE, lw=2, label="1 hidden layer: ≤ D + 1 pieces")
        deep, = ax.plot(2 * K, 2.0**K, "o--", color=VERMILLION, lw=1.5, ms=4, label="sawtooth: 2K units, 2^K pieces")
        self.here_deep = ax.scatter([2], [2], s=110, color=VERMILLION, marker="*", zorder=4, label="this sawtooth")
        self.here_shallow = ax.scatter([1], [1], s=60, color=BLUE, marker="s", zorder=4, label="this shallow network")
        ax.set(yscale="log", xlim=(0.8, 80), ylim=(0.8, 100), xlabel="hidden units (all layers)",
               ylabel="linear pieces on [0, 1]")
        units_axis(ax)
        self.pieces_title = ax.set_title("", fontsize=9)
        self.pieces_legend = ax.legend(handles=[shallow, deep, self.here_deep, self.here_shallow])

        for ax, legend in ((ax_fit, self.fit_legend), (self.ax_curve, self.curve_legend),
                           (self.ax_pieces, self.pieces_legend)):
            legend_below(legend, ax)
        for ax in (ax_fit, ax_gap, self.ax_curve, self.ax_pieces):
            ax.tick_params(labelsize=9)
            ax.xaxis.label.set_fontsize(9)
            ax.yaxis.label.set_fontsize(9)
            fixed_labels(ax, below=-0.11, left=-0.2)
        w, h = fig.get_size_inches()
        fig.subplots_adjust(left=0.7 / w, right=1 - 0.1 / w, bottom=1.55 / h, top=1 - 0.5 / h, wspace=0.42)
        self.ax_pieces.set_position(self.ax_curve.get_position())

    def update(self, target: str, units: int, network: str, seed: int, depth: int) -> None:
        """Show the network of ``units`` units for ``target`` (or the sawtooth of ``depth``)."""
        d = expressivity_data(target, units, network, seed, depth, train=self.train)
        saw = target == "sawtooth"
        if saw:
            what = f"sawtooth K={depth} ({2 * depth} units, {d['deep_pieces']} pieces)\nvs 1 hidden layer of {units}"
        else:
            what = f"{target}: {network}{f' (seed {seed})' if network == 'trained' else ''},\n{units} units"
        self.fit.show(d["x"], d["f"], d["edges"], d["values"], f"{what}: {d['pieces']} pieces")
        self.fit_legend.texts[0].set_text(f"target{' (the deep network)' if saw else ''}")
        e = d["error"]
        self.error.show(d["x"], d["gap"], f"max error {e.max:.3g}\nmean error {e.mean:.3g}")
        self.ax_curve.set_visible(not saw)
        self.ax_pieces.set_visible(saw)
        if saw:
            self.here_deep.set_offsets([[2 * depth, d["deep_pieces"]]])
            self.here_shallow.set_offsets([[units, d["pieces"]]])
            self.pieces_title.set_text(f"{2**depth} pieces: {2 * depth} units deep,\n"
                                       f"{2**depth} in one layer to draw it")
            note(self.ax_pieces, f"linear pieces against hidden units, log scale: one hidden layer of D units has at "
                                 f"most D + 1 pieces, the sawtooth of K layers of 2 units 2^K; marked: this sawtooth, "
                                 f"{d['deep_pieces']} pieces from {2 * depth} units (star), and this shallow network, "
                                 f"{d['pieces']} pieces from {units} units (square)", key="pieces")
        else:
            curve = construction_curve(target)
            floor = 1.5e-4  # an exact fit (error 0) sits on the bottom edge of the log axis
            self.curve_max.set_ydata(np.maximum(curve[:, 0], floor))
            self.curve_mean.set_ydata(np.maximum(curve[:, 1], floor))
            self.here.set_offsets([[units, max(e.max, floor)]])
            exact = " (exact)" if e.max < 1e-12 else ""
            self.curve_title.set_text(f"max error against D\nthis network: {e.max:.3g}{exact}")
            note(self.ax_curve, f"the hand-built network's max error against D, log scales: {fmt(curve[0, 0])} at "
                                f"D = 1, {fmt(curve[-1, 0])} at D = {CURVE_UNITS[-1]} (mean error dashed, below it; a "
                                f"dotted line of slope −2); this network (diamond): {fmt(e.max, 3)} at D = {units}",
                 key="curve")


class ExpressivityExplorer(Dashboard):
    """The dashboard (see ``expressivity_explorer``), with the trained networks it has shown or prepared
    (``trained``, a ``BackgroundCache`` of ``train_shallow`` by (target, units, seed))."""

    def __init__(self, controls: dict, applies: dict, preset: str | None, prefetch: bool) -> None:
        self.trained = BackgroundCache(lambda key: ex.train_shallow(*key[:2], seed=key[2]), background=prefetch)
        super().__init__(lambda fig: ExpressivityView(fig, lambda *key: self.trained.get(key)), controls,
                         figsize=(FIGURE_WIDTH, 4.4), presets=EXPRESSIVITY_PRESETS, preset=preset, columns=3,
                         applies=applies)

    def prefetch(self, settings: list[dict]) -> None:
        """Train the networks of these settings that are trained ones, in the background."""
        self.trained.prefetch((v["target"], int(v["units"]), int(v["seed"])) for v in settings
                              if v["network"] == "trained" and v["target"] != "sawtooth")

    def busy(self, values: Mapping[str, Any]) -> str | None:
        """What the dashboard says while it trains a network it has not trained before."""
        key = (values["target"], int(values["units"]), int(values["seed"]))
        if values["network"] != "trained" or values["target"] == "sawtooth" or key in self.trained.results:
            return None
        return f"Training {key[1]} units on the {key[0]} (seed {key[2]}): a first visit takes a second or two…"

    def _update_applicability(self, values: Mapping[str, Any]) -> None:
        """As a dashboard's, and the sliders follow a drag while the network is built by hand (cheap), not while
        it is trained (each position would train one)."""
        super()._update_applicability(values)
        for name in ("units", "seed", "depth"):
            self.controls[name].continuous_update = values["network"] != "trained"


def expressivity_explorer(preset: str | None = "bump, 8 units", *, prefetch: bool = True) -> ExpressivityExplorer:
    """A target, D hidden units built by hand or trained, and the sawtooth's depth.

    Parameters
    ----------
    preset : str, optional
        One of ``EXPRESSIVITY_PRESETS`` (default ``"bump, 8 units"``).
    prefetch : bool
        Train the next steps of the slider that moved in a background thread (see ``ExpressivityExplorer``).
    """
    controls = {
        "target": widgets.Dropdown(options=list(TARGET_NAMES), value="bump", description="target"),
        "units": widgets.IntSlider(value=8, min=1, max=MAX_UNITS, description="units D"),
        "network": widgets.Dropdown(options=list(NETWORKS), value="hand-built", description="network"),
        "seed": widgets.IntSlider(value=0, min=0, max=MAX_SEED, description="seed"),
        "depth": widgets.IntSlider(value=4, min=1, max=MAX_DEPTH, description="depth K"),
    }
    applies = {
        "network": lambda target, **_: ("the sawtooth is compared with the hand-built shallow network"
                                        if target == "sawtooth" else None),
        "seed": lambda target, network, **_: (None if target != "sawtooth" and network == "trained"
                                              else "the seed only starts a trained network"),
        "depth": lambda target, **_: None if target == "sawtooth" else "the depth is the sawtooth's",
    }
    return ExpressivityExplorer(controls, applies, preset, prefetch)
