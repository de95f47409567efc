"""Matplotlib figures for the notebooks. Each function draws on an ``ax`` it is given.

The data behind a picture is computed by a separate function (``decision_grid``,
``nnlab.layers.hidden_activations``) so tests can check the numbers, not only that a figure exists.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap

from .layers import Sequential, hidden_activations

#: colours of class 0 and class 1, used for points and regions alike
CLASS_COLORS = ("#1f77b4", "#d62728")
REGION_CMAP = ListedColormap(["#c6dbef", "#fcbba1"])

ScoreFn = Callable[[np.ndarray], np.ndarray]


def score_function(model: Sequential | ScoreFn) -> ScoreFn:
    """A function from points (M, 2) to one score per point (M,).

    An nnlab model gives its first output; any other callable is used as it is (for example
    scikit-learn's ``clf.decision_function``).
    """
    if isinstance(model, Sequential):
        return lambda P: model.forward(P)[:, 0]
    if callable(model):
        return model
    raise TypeError(f"model: expected an nnlab model or a function of points, got {type(model).__name__}")


def decision_grid(model: Sequential | ScoreFn, xlim: tuple[float, float] = (-0.5, 1.5),
                  ylim: tuple[float, float] = (-0.5, 1.5), n: int = 200) -> tuple[np.ndarray, ...]:
    """Scores of a 2-input model on an ``n x n`` grid.

    Returns
    -------
    xx, yy : arrays, shape (n, n)
        The grid's coordinates (``np.meshgrid`` of ``n`` points over ``xlim`` and ``ylim``).
    scores : array, shape (n, n)
        The model's score at each grid point.
    """
    xs, ys = np.linspace(*xlim, n), np.linspace(*ylim, n)
    xx, yy = np.meshgrid(xs, ys)
    scores = np.asarray(score_function(model)(np.column_stack([xx.ravel(), yy.ravel()])), dtype=float)
    return xx, yy, scores.reshape(n, n)


def plot_points(ax: Axes, X: np.ndarray, y: np.ndarray, *, labels: bool = True, size: float = 120) -> None:
    """The points of ``X`` (N, 2) coloured by their class ``y`` (N,) in {0, 1}."""
    X, y = np.asarray(X), np.asarray(y)
    for cls in (0, 1):
        pts = X[y == cls]
        ax.scatter(pts[:, 0], pts[:, 1], s=size, c=CLASS_COLORS[cls], edgecolors="black",
                   label=f"class {cls}" if labels else None, zorder=3)


def plot_decision_boundary(ax: Axes, model: Sequential | ScoreFn, X: np.ndarray, y: np.ndarray, *,
                           threshold: float = 0.0, xlim: tuple[float, float] = (-0.5, 1.5),
                           ylim: tuple[float, float] = (-0.5, 1.5), n: int = 200, title: str | None = None) -> None:
    """Shade where the model says class 1 (score > ``threshold``), draw the boundary and the points.

    ``threshold`` is 0 for logits (sklearn's ``decision_function`` too), 0.5 for an output that
    is meant to be 0 or 1.
    """
    xx, yy, scores = decision_grid(model, xlim, ylim, n)
    ax.contourf(xx, yy, (scores > threshold).astype(float), levels=[-0.5, 0.5, 1.5], cmap=REGION_CMAP)
    if scores.min() < threshold < scores.max():
        ax.contour(xx, yy, scores, levels=[threshold], colors="black", linewidths=1.5)
    plot_points(ax, X, y)
    ax.set(xlim=xlim, ylim=ylim, xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    if title:
        ax.set_title(title)


def plot_hidden_space(ax: Axes, model: Sequential, X: np.ndarray, y: np.ndarray, *,
                      threshold: float = 0.0, lim: tuple[float, float] | None = None,
                      annotate: bool = True) -> None:
    """The points mapped through the first hidden layer of a 2-unit network, and the output
    unit's separating line ``w1 h1 + w2 h2 + b = threshold`` in that plane.

    The output unit is linear in (h1, h2): if the mapped classes fall on either side of a line,
    the hidden layer has made the problem linearly separable.
    """
    H = hidden_activations(model, X)
    if H.shape[1] != 2:
        raise ValueError(f"model: expected 2 units in the first hidden layer, got {H.shape[1]}")
    out = model.dense_layers[1]
    if out.n_out != 1 or len(model.dense_layers) != 2:
        raise ValueError("model: expected one hidden layer and one output unit")
    (w1, w2), b = out.params["W"][:, 0], out.params["b"][0]
    lo, hi = lim or (min(H.min(), 0) - 0.5, max(H.max(), 1) + 0.5)
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
        names: dict[tuple[float, float], list[str]] = {}
        for x, h in zip(np.asarray(X), H):
            names.setdefault((round(float(h[0]), 9), round(float(h[1]), 9)), []).append(f"({x[0]:g}, {x[1]:g})")
        for h, labels in names.items():
            ax.annotate(" and ".join(labels), h, textcoords="offset points", xytext=(8, 8), fontsize=9)
    ax.set(xlim=(lo, hi), ylim=(lo, hi), xlabel="$h_1$", ylabel="$h_2$", aspect="equal")


def plot_loss_curve(ax: Axes, losses: list[float] | np.ndarray, *, label: str | None = None,
                    reference: float | None = None, reference_label: str | None = None,
                    log: bool = False) -> None:
    """Loss per epoch, optionally with a horizontal reference line (such as log 2)."""
    ax.plot(np.arange(1, len(losses) + 1), losses, label=label)
    if reference is not None:
        ax.axhline(reference, color="gray", ls="--", lw=1, label=reference_label)
    ax.set(xlabel="epoch", ylabel="loss")
    if log:
        ax.set_yscale("log")
