"""The non-convexity explorer: walk the line between the lecture's two minima, and rescale them.

Two sliders: ``alpha`` moves a point along alpha theta + (1 - alpha) theta' (the loss curve, its
chord and the network the point stands for follow it); ``c`` rescales both minima to
(c w, beta / c), which changes neither the network nor the loss along the line, only how
sharp the valley around each minimum is.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure

from .. import landscape as ls
from ..data import two_point_data
from ..plots.base import BLUE, FIGURE_WIDTH, GREY, VERMILLION, fixed_labels, fmt, legend_below, note
from ..plots.landscape import LossAlongLine
from .base import Dashboard, slider
from .blit import still

#: the lecture's two minima, as (w, beta)
THETA = ((-1.0, 1.0), (-1.0, 1.0))
THETA_PRIME = ((1.0, -1.0), (1.0, -1.0))

NONCONVEXITY_PRESETS = {
    # the lecture's question: alpha = 0.5, the point halfway between the minima
    "midpoint": dict(alpha=0.5, c=1.0),
    # a quarter of the way: still far above the chord
    "quarter": dict(alpha=0.25, c=1.0),
    # at the minimum theta itself: loss 0, sharpness 2
    "minimum": dict(alpha=1.0, c=1.0),
    # the same minimum rescaled by c = 10: same network, same loss, sharpness 100.01
    "rescaled": dict(alpha=1.0, c=10.0),
}

ALPHA_RANGE = (-0.25, 1.25)
T_RANGE = 0.6  # how far to walk along the sharpest direction, either way


@lru_cache(maxsize=1)
def _setup() -> tuple[ls.Objective, np.ndarray, np.ndarray]:
    model = ls.two_point_model(*THETA)
    X, y = two_point_data()
    theta = model.get_params_vector()
    theta_prime = ls.two_point_model(*THETA_PRIME).get_params_vector()
    return ls.Objective(model, X, y, loss="mse"), theta, theta_prime


def nonconvexity_data(alpha: float, c: float) -> dict[str, np.ndarray | float]:
    """Everything the explorer (``NonconvexityView``) draws, for testing and for the notebook.

    Returns
    -------
    dict
        ``alphas`` (n,) and ``losses`` (n,): the loss along the line between the rescaled minima
        (alpha itself is one of the alphas); ``loss`` and ``chord``: the loss at alpha and the
        chord's height there; ``x`` (m,), ``f`` (m,): the network at the point alpha;
        ``t`` (k,), ``slice_c`` (k,), ``slice_1`` (k,): the loss along the sharpest direction at
        (c w, beta / c) and at (w, beta); ``sharpness``: the largest Hessian eigenvalue at
        (c w, beta / c).
    """
    if not ALPHA_RANGE[0] <= alpha <= ALPHA_RANGE[1]:
        raise ValueError(f"alpha: expected a number from {ALPHA_RANGE[0]} to {ALPHA_RANGE[1]}, got {alpha!r}")
    objective, theta, theta_prime = _setup()
    model = objective.model
    theta_c, theta_prime_c = ls.rescale(model, theta, c), ls.rescale(model, theta_prime, c)
    alphas = np.union1d(np.linspace(*ALPHA_RANGE, 121), [alpha])
    losses = ls.loss_along_line(objective, theta_c, theta_prime_c, alphas)
    point = alpha * theta_c + (1 - alpha) * theta_prime_c
    x = np.linspace(-1.5, 1.5, 121)
    t = np.linspace(-T_RANGE, T_RANGE, 121)
    values, vectors = ls.curvatures(objective, theta_c)  # the sharpest direction: the largest eigenvalue's
    lam, v = float(values[-1]), vectors[:, -1]
    v1 = ls.curvatures(objective, theta)[1][:, -1]
    ends = ls.loss_along_line(objective, theta_c, theta_prime_c, [0.0, 1.0])
    return dict(alphas=alphas, losses=losses, loss=objective(point),
                chord=float((1 - alpha) * ends[0] + alpha * ends[1]),
                x=x, f=objective.predict(point, x[:, None])[:, 0],
                t=t, slice_c=ls.loss_along_direction(objective, theta_c, v, t),
                slice_1=ls.loss_along_direction(objective, theta, v1, t), sharpness=lam)


class NonconvexityView:
    """The explorer's three panels, built once and updated in place.

    Left, the loss along the line between the rescaled minima with its chord and the point alpha
    (``LossAlongLine``); middle, the function the network at alpha computes; right, the valley
    along the sharpest direction at (c w, beta / c) beside the one at c = 1. ``update(alpha, c)``
    moves the lines, points, titles and legend texts to ``nonconvexity_data(alpha, c)``; every axis
    range is fixed.
    """

    def __init__(self, fig: Figure) -> None:
        self.fig = fig
        self.ax_line, self.ax_net, self.ax_valley = fig.subplots(1, 3)
        self.line = LossAlongLine(self.ax_line, labels=("θ′", "θ"), ylim=(-0.32, 2.0))
        self.line_title = self.ax_line.set_title("", fontsize=9, y=1.0)

        X, y = two_point_data()
        self.observations = ", ".join(f"({fmt(a)}, {fmt(b)})" for a, b in zip(X[:, 0], y))
        x = np.array([-1.5, 1.5])
        ax = self.ax_net
        ax.axhline(0, color=GREY, lw=0.5)
        identity, = ax.plot(x, x, color=GREY, ls="--", lw=1, label="θ and θ′ (both: ŷ = x)")
        self.network, = ax.plot([], [], color=VERMILLION, lw=2, label="the network at α")
        observed = ax.scatter(X[:, 0], y, s=60, color="black", zorder=3, label="the two observations")
        ax.set(xlabel="x", ylabel="ŷ", xlim=(-1.65, 1.65), ylim=(-1.6, 1.6))
        still(ax.set_title("what the point computes\n", fontsize=9, y=1.0))  # two lines, as its neighbours
        self.net_legend = ax.legend(handles=[identity, self.network, observed])

        ax = self.ax_valley
        self.valley_1, = ax.plot([], [], color=GREY, ls="--", lw=1, label="c = 1 (sharpness 2)")
        self.valley_c, = ax.plot([], [], color=BLUE, lw=2, label="c")
        ax.set(xlabel="step t along the sharpest direction", ylabel="loss",
               xlim=(-1.1 * T_RANGE, 1.1 * T_RANGE), ylim=(-0.05, 1.5))
        self.valley_title = ax.set_title("", fontsize=9, y=1.0)
        self.valley_legend = ax.legend(handles=[self.valley_1, self.valley_c])
        # the legends below the axes, where no curve can run; fixed places for the axis labels (matplotlib
        # would place them by the tick labels' extents, which change with the numbers)
        for ax, legend in ((self.ax_line, self.line.legend), (self.ax_net, self.net_legend),
                           (self.ax_valley, self.valley_legend)):
            legend_below(legend, ax, drop=0.19)
            fixed_labels(ax, below=-0.1, left=-0.22)
            ax.tick_params(labelsize=9)
            ax.xaxis.label.set_fontsize(9)
            ax.yaxis.label.set_fontsize(9)
        # fixed margins in inches, rather than tight_layout, which renders the figure once more per redraw
        w, h = fig.get_size_inches()
        fig.subplots_adjust(left=0.75 / w, right=1 - 0.1 / w, bottom=1.25 / h, top=1 - 0.5 / h, wspace=0.45)

    def update(self, alpha: float, c: float) -> None:
        """Show the point ``alpha`` of the line between the minima rescaled by ``c``."""
        d = nonconvexity_data(alpha, c)
        self.line.show(d["alphas"], d["losses"], mark=alpha)
        verdict = "above the chord: not convex" if d["loss"] > d["chord"] + 1e-12 else "not above the chord"
        self.line_title.set_text(f"L = {d['loss']:.3f}, chord {d['chord']:.3f}:\n{verdict}")
        self.network.set_data(d["x"], d["f"])
        self.net_legend.texts[1].set_text(f"the network at α = {alpha:.2f}")
        self.valley_1.set_data(d["t"], d["slice_1"])
        self.valley_c.set_data(d["t"], d["slice_c"])
        self.valley_legend.texts[1].set_text(f"c = {c:g}")
        self.valley_title.set_text(f"the valley at (c w, β / c):\nsharpness {d['sharpness']:.2f}")
        f, x = d["f"], d["x"]
        note(self.ax_net, f"the two observations (x, y) = {self.observations}, and the network at α = {alpha:.2f}: "
                          f"ŷ from {fmt(f[0])} at x = {fmt(x[0])} to {fmt(f[-1])} at x = {fmt(x[-1])}, through "
                          f"{fmt(np.interp(0.0, x, f))} at x = 0 (θ and θ′ both compute ŷ = x)", key="network")
        t, valley = d["t"], d["slice_c"]
        note(self.ax_valley, f"the loss along the sharpest direction, step t from {fmt(t[0])} to {fmt(t[-1])}: at "
                             f"c = {c:g} from {fmt(valley[0], 3)} down to {fmt(valley.min(), 3)} and up to "
                             f"{fmt(valley[-1], 3)}, sharpness {d['sharpness']:.2f}; at c = 1 (dashed) sharpness 2",
             key="valley")


def nonconvexity_explorer(preset: str | None = "midpoint") -> Dashboard:
    """Sliders for alpha (along the line between the lecture's two minima) and the rescaling c.

    Parameters
    ----------
    preset : str, optional
        ``"midpoint"`` (alpha = 0.5, default), ``"quarter"``, ``"minimum"`` or ``"rescaled"`` (c = 10).
    """
    controls = {
        "alpha": slider(0.5, *ALPHA_RANGE, 0.05, "α (θ′ → θ)"),
        "c": slider(1.0, 0.1, 10.0, 0.1, "rescaling c"),
    }
    return Dashboard(NonconvexityView, controls, figsize=(FIGURE_WIDTH, 4.4), presets=NONCONVEXITY_PRESETS,
                     preset=preset, columns=2)
