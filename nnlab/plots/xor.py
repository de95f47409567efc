"""The pictures of notebook 01 (XOR) beyond the shared ones: the hidden space of a 2-2-1 network."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes

from ..layers import Sequential, check_mlp, hidden_activations
from .base import REGION_CMAP, fmt, note, plot_points


def hidden_space_lim(H: np.ndarray) -> tuple[float, float]:
    """The range of both axes of the hidden-space picture: the points ``H`` (N, 2) and the unit square, out to
    whole units, and half a unit around them. A function of ``H`` alone, so the same hidden values always get
    the same axes; whole units, so that a small move of a weight keeps them (the dashboard then redraws only
    the data, not the axes)."""
    return math.floor(min(float(H.min()), 0.0)) - 0.5, math.ceil(max(float(H.max()), 1.0)) + 0.5


def hidden_point_labels(X: np.ndarray, H: np.ndarray) -> dict[tuple[float, float], str]:
    """One label per distinct hidden point of ``H`` (N, 2), naming every input of ``X`` (N, 2) that
    lands there: ``{(h1, h2): "(0, 1) and (1, 0)", ...}``, in the order of ``X``."""
    names: dict[tuple[float, float], list[str]] = {}
    for x, h in zip(np.asarray(X), np.asarray(H)):
        names.setdefault((round(float(h[0]), 9), round(float(h[1]), 9)), []).append(f"({x[0]:g}, {x[1]:g})")
    return {h: " and ".join(labels) for h, labels in names.items()}


def line_equation(w1: float, w2: float, b: float, threshold: float) -> str:
    """The output unit's line in the hidden plane, as a student writes it: ``"h₁ − 2 h₂ = 0.5"``."""
    terms = [(float(w1), "h₁"), (float(w2), "h₂"), (float(b), "")]
    text = ""
    for value, name in terms:
        if fmt(value) == "0" and (name or text):
            continue
        size = fmt(abs(value))
        body = f"{'' if size == '1' and name else size}{' ' if name and size != '1' else ''}{name}"
        text += (f"−{body}" if value < 0 else body) if not text else (f" − {body}" if value < 0 else f" + {body}")
    return f"{text or '0'} = {fmt(float(threshold))}"


def describe_hidden_space(X: np.ndarray, y: np.ndarray, H: np.ndarray, says_1: np.ndarray,
                          line: str | None = None) -> str:
    """The hidden-space picture in words: where each input lands, the output unit's ``line``
    (``line_equation``), and how many of the points it puts on their class's side."""
    y, says_1 = np.asarray(y), np.asarray(says_1, dtype=bool)
    landed = "; ".join(f"{label} → ({fmt(h[0])}, {fmt(h[1])})" for h, label in hidden_point_labels(X, H).items())
    return (f"the inputs land at (h₁, h₂): {landed}; the output unit's line{' ' + line if line else ''} puts "
            f"{int(np.sum(says_1 == (y == 1)))} of {len(y)} on their class's side")


def plot_hidden_space(ax: Axes, model: Sequential, X: np.ndarray, y: np.ndarray, *,
                      threshold: float = 0.0, lim: tuple[float, float] | None = None,
                      annotate: bool = True) -> None:
    """The points mapped through the first hidden layer of a 2-unit network, and the output
    unit's separating line ``w1 h1 + w2 h2 + b = threshold`` in that plane.

    The output unit is linear in (h1, h2): if the mapped classes fall on either side of a line,
    the hidden layer has made the problem linearly separable.
    """
    dense, acts = check_mlp(model, n_out=1, min_hidden=1)
    if len(acts) != 1 or dense[0].n_out != 2:
        raise ValueError(f"model: expected one hidden layer of 2 units, got sizes {model.sizes}")
    H = hidden_activations(model, X)
    (w1, w2), b = dense[1].params["W"][:, 0], dense[1].params["b"][0]
    lo, hi = lim or hidden_space_lim(H)
    hh = np.linspace(lo, hi, 200)
    g1, g2 = np.meshgrid(hh, hh)
    side = (w1 * g1 + w2 * g2 + b > threshold).astype(float)
    ax.contourf(g1, g2, side, levels=[-0.5, 0.5, 1.5], cmap=REGION_CMAP)
    if abs(w2) > 1e-12:
        ax.plot(hh, (threshold - b - w1 * hh) / w2, color="black", lw=1.5, label="output unit's boundary")
    elif abs(w1) > 1e-12:
        ax.axvline((threshold - b) / w1, color="black", lw=1.5, label="output unit's boundary")
    plot_points(ax, H, y, labels=False, size=160)
    if annotate:  # one label per hidden point, naming every input that lands there
        for h, label in hidden_point_labels(X, H).items():
            ax.annotate(label, h, textcoords="offset points", xytext=(8, 8), fontsize=9)
    ax.set(xlim=(lo, hi), ylim=(lo, hi), xlabel="$h_1$", ylabel="$h_2$", aspect="equal")
    note(ax, "", key="points")  # the points are the inputs' hidden values: said below, with the inputs
    note(ax, describe_hidden_space(X, y, H, H @ [w1, w2] + b > threshold, line_equation(w1, w2, b, threshold)),
         key="hidden")
