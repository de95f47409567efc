"""The pictures of notebook 08 (what networks can represent): a network drawn piece by piece beside its target,
the error along x, the error against the number of units on log-log axes, and the pieces that depth and width
buy. Each ``plot_*`` function draws on the ``ax`` it is given, from numbers that ``nnlab.expressivity``
computes; ``FitPanel`` and ``ErrorPanel`` are built once and moved, for the dashboard."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.ticker import NullFormatter

from .._format import count
from .._validate import check_vector
from ..layers import MLP, Sequential, hidden_activations
from .base import BLUE, GREEN, PALETTE, TIE, VERMILLION, extreme_runs, extreme_words, fmt, note, steady_limits

#: the two colours a network's linear pieces alternate between, so that every piece is visible
PIECE_COLORS = (VERMILLION, BLUE)
#: the target: a thick grey band (3.2:1 against white) under the network
TARGET_COLOR = "#909090"
#: the line styles of the hidden units' contributions (the network itself is solid)
UNIT_STYLES = ("--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)))


def describe_pieces(edges: np.ndarray, values: np.ndarray, x: np.ndarray, f: np.ndarray) -> str:
    """A network drawn from its pieces, against its target, in words: the number of pieces, its joints (up to 10)
    and how far it is from the target at most."""
    joints = np.asarray(edges)[1:-1]
    where = (f", joints at x = {', '.join(fmt(j) for j in joints)}" if 0 < len(joints) <= 10 else "")
    gap = np.abs(np.interp(x, edges, values) - f)
    return (f"the target (thick grey) and the network (thin, one colour per piece): {count(len(edges) - 1, 'piece')}"
            f"{where}; at most {fmt(gap.max())} apart")


def units_axis(ax: Axes, ticks: Sequence[int] = (1, 2, 4, 8, 16, 32, 64)) -> None:
    """A log x-axis of numbers of units, labelled at ``ticks`` with plain numbers (no minor labels)."""
    ax.set_xscale("log")
    ax.set_xticks(list(ticks), [str(t) for t in ticks])
    ax.xaxis.set_minor_formatter(NullFormatter())


def _segments(edges: np.ndarray, values: np.ndarray) -> np.ndarray:
    points = np.column_stack([edges, values])
    return np.stack([points[:-1], points[1:]], axis=1)


class FitPanel:
    """A target (grey) and a network drawn exactly from its linear pieces (alternating colours), with its
    joints as dots. Built once; ``show`` moves the curves, the limits and the title."""

    def __init__(self, ax: Axes, *, network_label: str = "network (one colour per piece)") -> None:
        self.ax = ax
        self.target, = ax.plot([], [], color=TARGET_COLOR, lw=4, label="target", zorder=1)
        self.pieces = LineCollection([], lw=1.8, zorder=2, label=network_label)
        ax.add_collection(self.pieces)
        self.joints = ax.scatter([], [], s=14, color="black", zorder=3, label="joints (where a piece ends)")
        self.title = ax.set_title("", fontsize=9)
        ax.set(xlabel="x")

    def show(self, x: np.ndarray, f: np.ndarray, edges: np.ndarray, values: np.ndarray, title: str = "") -> None:
        """Target ``f`` at ``x``; the network's graph through the corners ``(edges, values)``."""
        x, f = check_vector(x, "x"), check_vector(f, "f")
        edges, values = check_vector(edges, "edges"), check_vector(values, "values")
        if edges.shape != values.shape or len(edges) < 2:
            raise ValueError(f"values: expected one value per edge (at least two), got {values.shape} for "
                             f"{edges.shape}")
        self.target.set_data(x, f)
        self.pieces.set_segments(_segments(edges, values))
        self.pieces.set_colors([PIECE_COLORS[i % 2] for i in range(len(edges) - 1)])
        note(self.ax, describe_pieces(edges, values, x, f), key="fit")
        self.joints.set_offsets(np.column_stack([edges[1:-1], values[1:-1]]))
        lo, hi = float(min(f.min(), values.min())), float(max(f.max(), values.max()))
        pad = 0.12 * max(hi - lo, 1e-3)
        self.ax.set_xlim(x[0], x[-1])
        self.ax.set_ylim(steady_limits(lo - pad, hi + pad))
        self.title.set_text(title)


def plot_fit(ax: Axes, x: np.ndarray, f: np.ndarray, edges: np.ndarray, values: np.ndarray, *,
             title: str = "", legend: bool = False) -> None:
    """A target and a network drawn from its pieces (``nnlab.expressivity.network_polyline``)."""
    FitPanel(ax).show(x, f, edges, values, title)
    if legend:
        ax.legend(fontsize=9, loc="best")


class ErrorPanel:
    """|target - network| along x, with the max marked. Built once; ``show`` moves it."""

    def __init__(self, ax: Axes) -> None:
        self.ax = ax
        self.curve, = ax.plot([], [], color=GREEN, lw=1.2)
        self.peak = ax.scatter([], [], s=30, color="black", zorder=3)
        self.title = ax.set_title("", fontsize=9)
        ax.set(xlabel="x", ylabel="|target − network|")
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-2, 3))
        ax.yaxis.get_offset_text().set_fontsize(9)

    def show(self, x: np.ndarray, gap: np.ndarray, title: str = "") -> None:
        x, gap = check_vector(x, "x"), check_vector(gap, "gap")
        self.curve.set_data(x, gap)
        top = float(gap.max())
        i = int(np.flatnonzero(gap >= top - TIE * abs(top))[0])  # the first of equal peaks, on every CPU the same
        self.peak.set_offsets([[x[i], gap[i]]])
        self.ax.set_xlim(x[0], x[-1])
        self.ax.set_ylim(steady_limits(-0.04 * max(gap[i], 1e-3), 1.15 * max(gap[i], 1e-3)))
        self.title.set_text(title)
        runs = extreme_runs(gap, "highest")
        if runs and (len(runs) > 1 or runs[0][0] != runs[0][1]):
            where = extreme_words(f"largest {fmt(top, 3)}", runs, lambda k: fmt(x[k])) + " (the dot on the first)"
        else:
            where = f"largest {fmt(top, 3)} at x = {fmt(x[i])} (the dot)"
        note(self.ax, f"|target − network| along x, {where}", key="error")


def plot_hidden_units(ax: Axes, model: Sequential, x: np.ndarray) -> None:
    """What each hidden unit of a one-hidden-layer, one-output network adds to its output: ``v_j a(w_j x + b_j)``,
    dashed, one colour per unit (the output is their sum plus the output bias)."""
    if not isinstance(model, MLP) or len(model.sizes) != 3 or model.sizes[0] != 1 or model.sizes[2] != 1:
        raise ValueError(f"model: expected a 1-D-1 network, got {model!r}")
    x = check_vector(x, "x")
    H = hidden_activations(model, x[:, None])
    contributions = (H * model.weights[1][:, 0]).T
    for j, contribution in enumerate(contributions):
        ax.plot(x, contribution, ls=UNIT_STYLES[j % 4], lw=1.2, color=PALETTE[(j + 2) % 7], label=f"unit {j + 1}")
    note(ax, describe_hidden_units(contributions), key="units")


def describe_hidden_units(contributions: np.ndarray) -> str:
    """What each hidden unit adds (J, M), in words: whether it rises, falls or stays nearly flat from the first x to
    the last (a change under 5% of the largest unit's). Words, not numbers: a trained network's weights differ
    between CPUs in their second digit (round-off, magnified over thousands of steps), its shape does not."""
    contributions = np.asarray(contributions, dtype=float)
    change = contributions[:, -1] - contributions[:, 0]
    largest = float(np.max(np.abs(change))) if change.size else 0.0
    words = ["nearly flat" if abs(c) <= 0.05 * largest else "rises" if c > 0 else "falls" for c in change]
    return ("what each hidden unit adds (thin lines, each in its own style; their sum and the output bias make the "
            "network): "
            + ", ".join(f"unit {j + 1} {w}" for j, w in enumerate(words)))


def plot_error_vs_units(ax: Axes, units: Sequence[int], errors: Mapping[str, np.ndarray], *,
                        trained: np.ndarray | None = None, trained_units: Sequence[int] | None = None,
                        reference: float | None = -2.0) -> None:
    """Errors against the number of hidden units on log-log axes.

    Parameters
    ----------
    units : sequence of int
        The numbers of units D of the curves in ``errors``.
    errors : dict of label to array, shape (len(units),)
        One curve each (e.g. the construction's max and mean error); zeros are left out (log axes).
    trained : array, shape (len(trained_units), seeds), optional
        The max error of trained networks, one dot per seed.
    reference : float, optional
        Draw a dotted line of this slope through the first curve's last point.
    """
    D = check_vector(units, "units")
    for k, ((label, e), style) in enumerate(zip(errors.items(), ("o-", "s--", "^-", "v--"))):
        e = check_vector(e, f"errors[{label!r}]")
        keep = e > 0
        ax.plot(D[keep], e[keep], style, ms=4, lw=1.5, label=label, color=PALETTE[k])
        note(ax, f"{label}: {fmt(e[0])} at D = {D[0]:g}, {fmt(e[-1])} at D = {D[-1]:g}", key=f"curve {label}")
    if reference is not None and errors:
        e = check_vector(next(iter(errors.values())), "errors")
        ax.plot(D, e[-1] * (D / D[-1]) ** reference, ":", color="black", lw=1, label=f"slope {reference:g}")
    if trained is not None:
        T = np.asarray(trained, dtype=float)
        Mt = check_vector(trained_units if trained_units is not None else units, "trained_units")
        if T.ndim != 2 or T.shape[0] != len(Mt):
            raise ValueError(f"trained: expected shape ({len(Mt)}, seeds), got {T.shape}")
        for j in range(T.shape[1]):
            ax.scatter(Mt * (1 + 0.06 * (j - (T.shape[1] - 1) / 2)), T[:, j], s=24, color=VERMILLION, marker="D",
                       edgecolors="white", linewidths=0.5, zorder=3,
                       label="trained (one diamond per seed)" if j == 0 else None)
        spread = "; ".join(f"D = {m:g}: from {fmt(row.min())} to {fmt(row.max())}" for m, row in zip(Mt, T))
        note(ax, f"trained networks, {T.shape[1]} seeds each (diamonds): {spread}", key="trained")
    ax.set(yscale="log", xlabel="hidden units D", ylabel="error")
    units_axis(ax, [int(m) for m in D])


def plot_pieces_vs_units(ax: Axes, depths: Sequence[int], units: Sequence[int]) -> None:
    """Pieces on [0, 1] against hidden units: the sawtooth of each depth K (2K units, 2^K pieces) and the most
    a one-hidden-layer network with D units can have (D + 1)."""
    K = check_vector(depths, "depths")
    D = check_vector(units, "units")
    ax.plot(D, D + 1, "-", color=BLUE, lw=2, label="one hidden layer: at most D + 1 pieces")
    ax.plot(2 * K, 2.0**K, "o--", color=VERMILLION, lw=2, label="sawtooth, K layers of 2: 2^K pieces")
    for k in K:
        ax.annotate(f"K={k:g}", (2 * k, 2.0**k), textcoords="offset points", xytext=(-28, 2), fontsize=9)
    note(ax, f"linear pieces against hidden units, log scale: one hidden layer of D units has at most D + 1 pieces "
             f"(a line from 2 at D = {D[0]:g} to {D[-1] + 1:g} at D = {D[-1]:g}); the sawtooth of K layers of 2 units "
             f"has 2^K: " + ", ".join(f"{2.0**k:g} pieces from {2 * k:g} units" for k in K), key="pieces")
    ax.set(yscale="log", xlabel="hidden units (all layers)", ylabel="linear pieces on [0, 1]",
           ylim=(1, 2 * max(D.max() + 1, 2.0 ** K.max())))
    units_axis(ax, [t for t in (1, 2, 4, 8, 16, 32, 64, 128) if t <= D.max()])
