"""The XOR explorer: set the weights of a 2-2-1 ReLU network by hand and watch both spaces."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..data import xor
from ..layers import MLP
from ..plots import plot_decision_boundary
from ..plots.xor import plot_hidden_space
from .base import Dashboard, slider

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


def draw_xor(fig: Figure, **weights: float) -> None:
    """Input space (left) and hidden space (right) of the network with these weights."""
    X, y = xor()
    model = xor_network(**weights)
    ax_in, ax_hidden = fig.subplots(1, 2)
    # fixed margins: tight_layout would cost a second full render on every slider move
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.12, top=0.92, wspace=0.25)
    plot_decision_boundary(ax_in, model, X, y, threshold=0.5, n=120, title="input space: y > 0.5 shaded red")
    plot_hidden_space(ax_hidden, model, X, y, threshold=0.5)
    correct = int(np.sum((model.forward(X)[:, 0] > 0.5) == y))
    ax_hidden.set_title(f"hidden space: {correct} of 4 correct")


class XorView:
    """The explorer's picture (rebuilt at every update for now)."""

    def __init__(self, fig: Figure) -> None:
        self.fig = fig

    def update(self, **weights: float) -> None:
        self.fig.clear()
        draw_xor(self.fig, **weights)


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
    return Dashboard(XorView, controls, figsize=(10, 4.6), presets=XOR_PRESETS, preset=preset)
