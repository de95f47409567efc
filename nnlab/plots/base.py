"""The pictures every topic shares: class colours, points, decision boundaries, loss curves.

Each ``plot_*`` function draws on the ``ax`` it is given and returns nothing. The numbers behind a
picture come from a separate function (``decision_grid`` here; the topic modules elsewhere) so
that tests check the numbers, not only that a figure exists.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from contourpy import FillType, LineType, contour_generator
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.legend import Legend
from matplotlib.path import Path

from ..layers import Sequential

#: the width of every figure, in inches at 100 dots per inch: JupyterLab gives an output about 960 pixels at a
#: 1400-pixel laptop window, so a figure of this width shows at 100%, its text at the size it was drawn
FIGURE_WIDTH = 9.6
DPI = 100

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


def decision_regions(xx: np.ndarray, yy: np.ndarray, scores: np.ndarray,
                     threshold: float = 0.0) -> tuple[Path, list[np.ndarray]]:
    """The region where ``scores > threshold`` and its boundary, as data for artists that are
    updated in place (a ``PathPatch``'s ``set_path``, a ``LineCollection``'s ``set_segments``).

    The same marching squares that ``contourf`` and ``contour`` run (contourpy, which matplotlib
    contours with), without building a new contour set each time.

    Parameters
    ----------
    xx, yy, scores : arrays, shape (n, m)
        A grid and the scores on it, as ``decision_grid`` returns them.
    threshold : float

    Returns
    -------
    region : Path
        The polygons (with their holes) where the score is above ``threshold``; empty if none.
    boundary : list of arrays, shape (k, 2)
        The polylines where the score crosses ``threshold``; none if the score never does.
    """
    scores = np.asarray(scores, dtype=float)
    generator = contour_generator(xx, yy, scores, fill_type=FillType.OuterCode, line_type=LineType.Separate)
    points, codes = generator.filled(threshold, max(threshold, float(scores.max())) + 1.0)
    region = Path(np.concatenate(points), np.concatenate(codes)) if points else Path(np.zeros((0, 2)))
    crosses = scores.min() < threshold < scores.max()  # not a plateau at the threshold
    return region, (list(generator.lines(threshold)) if crosses else [])


def legend_below(legend: Legend, ax: Axes, drop: float = 0.2) -> Legend:
    """Move ``legend`` under ``ax`` (its top ``drop`` of the axes' height below them), without a frame, its
    texts at 8 points: a dashboard's curves can run anywhere inside the axes, never there. The one way a
    dashboard places a legend: ``legend_below(ax.legend(fontsize=8, ncol=2), ax)`` for a new one."""
    legend.set_loc("upper center")
    legend.set_bbox_to_anchor((0.5, -drop), transform=ax.transAxes)
    legend.set_frame_on(False)
    for text in legend.texts:
        text.set_fontsize(8)
    return legend


def fixed_labels(ax: Axes, *, below: float, left: float) -> None:
    """Put the axis labels at fixed places, in fractions of the axes: the x label ``below`` the axes, the y label
    ``left`` of them. By default matplotlib places them by the extents of the tick labels, which change with the
    numbers (and measuring them costs about a third of a dashboard's redraw)."""
    ax.xaxis.set_label_coords(0.5, below)
    ax.yaxis.set_label_coords(left, 0.5)


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
