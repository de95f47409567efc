"""The XOR explorer: set the weights of a 2-2-1 ReLU network by hand and watch both spaces."""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path

from ..data import xor
from ..layers import MLP, hidden_activations
from ..plots.base import (
    CLASS_COLORS,
    CLASS_MARKERS,
    FIGURE_WIDTH,
    REGION_CMAP,
    decision_grid,
    decision_regions,
    describe_decision,
    fixed_labels,
    note,
    plot_points,
)
from ..plots.xor import describe_hidden_space, hidden_point_labels, hidden_space_lim, line_equation
from .base import Dashboard, slider
from .blit import still

#: the hand-set solution of the lecture: h1 = relu(x1 + x2), h2 = relu(x1 + x2 - 1), y = h1 - 2 h2
HAND_SET = dict(w11=1.0, w21=1.0, b1=0.0, w12=1.0, w22=1.0, b2=-1.0, v1=1.0, v2=-2.0, c=0.0)

XOR_PRESETS = {
    "hand-set": HAND_SET,
    # the two hidden units are the same unit: the hidden layer adds nothing
    "copies": dict(HAND_SET, b2=0.0),
    # a near miss to repair by moving one slider: h2 fires too early
    "near-miss": dict(HAND_SET, b2=-0.4),
}


def xor_network(w11: float, w21: float, b1: float, w12: float, w22: float, b2: float,
                v1: float, v2: float, c: float) -> MLP:
    """The 2-2-1 ReLU network with ``h_j = relu(w1j x1 + w2j x2 + bj)`` and ``y = v1 h1 + v2 h2 + c``."""
    return MLP.from_weights([[[w11, w12], [w21, w22]], [[v1], [v2]]], [[b1, b2], [c]], "relu")


class XorView:
    """The explorer's two panels, built once and updated in place.

    Left, the input space: the region where y_hat > 0.5 (a patch whose path moves), its boundary
    (a line collection) and the four points. Right, the hidden space: the four points mapped to
    (h1, h2) (two point collections, one per class), the output unit's line and its side, and one
    label per mapped point from a pool of four. ``update(**weights)`` computes the network of the
    nine weights and moves these artists; the axes, labels and margins never change.
    """

    #: the input space's range and how many grid points per axis its region is found on
    LIM, N = (-0.5, 1.5), 120
    THRESHOLD = 0.5

    def __init__(self, fig: Figure) -> None:
        self.fig = fig
        self.X, self.y = xor()
        self.ax_in, self.ax_hidden = fig.subplots(1, 2)
        for ax in (self.ax_in, self.ax_hidden):
            # class 0 is the background, class 1 a patch over it (contourf shaded both)
            ax.set_facecolor(REGION_CMAP(0.0))
            ax.set_aspect("equal")
        self.region_in = self.ax_in.add_patch(PathPatch(Path(np.zeros((0, 2))), facecolor=REGION_CMAP(1.0),
                                                        edgecolor="none", lw=0, zorder=1))
        self.boundary_in = self.ax_in.add_collection(LineCollection([], colors="black", linewidths=1.5, zorder=2),
                                                     autolim=False)
        plot_points(self.ax_in, self.X, self.y)
        self.ax_in.set(xlim=self.LIM, ylim=self.LIM, xlabel="$x_1$", ylabel="$x_2$")
        still(self.ax_in.set_title("input space: y > 0.5 shaded red", y=1.0))

        self.region_hidden = self.ax_hidden.add_patch(PathPatch(Path(np.zeros((0, 2))), facecolor=REGION_CMAP(1.0),
                                                                edgecolor="none", lw=0, zorder=1))
        self.boundary_hidden = self.ax_hidden.add_collection(
            LineCollection([], colors="black", linewidths=1.5, zorder=2, label="output unit's boundary"), autolim=False)
        self.points_hidden = [self.ax_hidden.scatter(np.zeros(0), np.zeros(0), s=160, c=CLASS_COLORS[cls],
                                                     marker=CLASS_MARKERS[cls], edgecolors="black", zorder=3)
                              for cls in (0, 1)]
        # one label per distinct hidden point: at most one per input
        self.labels_hidden = [self.ax_hidden.annotate("", (0, 0), textcoords="offset points", xytext=(8, 8),
                                                      fontsize=9, visible=False) for _ in self.X]
        self.ax_hidden.set(xlabel="$h_1$", ylabel="$h_2$")
        self.title_hidden = self.ax_hidden.set_title("", y=1.0)
        # fixed places for the axis labels (matplotlib would place them by the tick labels' extents)
        for ax, left in ((self.ax_in, -0.158), (self.ax_hidden, -0.134)):
            fixed_labels(ax, below=-0.079, left=left)
        # fixed margins: a layout engine would cost one more rendering pass per redraw
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.12, top=0.92, wspace=0.25)

    def update(self, **weights: float) -> None:
        """Show the network with these nine weights (``xor_network``'s arguments)."""
        model = xor_network(**weights)
        X, y, t = self.X, self.y, self.THRESHOLD
        grid = decision_grid(model, self.LIM, self.LIM, self.N)
        region, boundary = decision_regions(*grid, threshold=t)
        says_1 = model.forward(X)[:, 0] > t
        note(self.ax_in, describe_decision(X, y, says_1, float(np.mean(grid[2] > t))), key="regions")
        self.region_in.set_path(region)
        self.boundary_in.set_segments(boundary)

        H = hidden_activations(model, X)
        lim = hidden_space_lim(H)
        out = model.dense_layers[-1]
        (w1, w2), b = out.params["W"][:, 0], out.params["b"][0]
        # the output unit is linear in (h1, h2): on a grid of the square's 2 x 2 corners, marching
        # squares finds its side and its line exactly
        region, boundary = decision_regions(*decision_grid(lambda P: P @ [w1, w2] + b, lim, lim, 2), threshold=t)
        self.region_hidden.set_path(region)
        self.boundary_hidden.set_segments(boundary)
        for cls, points in zip((0, 1), self.points_hidden):
            points.set_offsets(H[y == cls])
        labels = list(hidden_point_labels(X, H).items())
        for k, annotation in enumerate(self.labels_hidden):
            annotation.set_visible(k < len(labels))
            if k < len(labels):
                annotation.xy, text = labels[k]
                annotation.set_text(text)
        self.ax_hidden.set(xlim=lim, ylim=lim)
        correct = int(np.sum(says_1 == y))
        self.title_hidden.set_text(f"hidden space: {correct} of 4 correct")
        note(self.ax_hidden, describe_hidden_space(X, y, H, says_1, line_equation(w1, w2, b, t)), key="hidden")


def xor_explorer(preset: str | None = "hand-set") -> Dashboard:
    """Sliders for all nine weights of the 2-2-1 network; the two pictures follow them.

    Parameters
    ----------
    preset : str, optional
        ``"hand-set"`` (the lecture's solution, default), ``"copies"`` or ``"near-miss"``.
    """
    names = {"w11": "w₁₁ (x₁→h₁)", "w21": "w₂₁ (x₂→h₁)", "b1": "b₁",
             "w12": "w₁₂ (x₁→h₂)", "w22": "w₂₂ (x₂→h₂)", "b2": "b₂",
             "v1": "v₁ (h₁→y)", "v2": "v₂ (h₂→y)", "c": "c"}
    controls = {key: slider(HAND_SET[key], -3, 3, 0.1, label) for key, label in names.items()}
    return Dashboard(XorView, controls, figsize=(FIGURE_WIDTH, 4.5), presets=XOR_PRESETS, preset=preset)
