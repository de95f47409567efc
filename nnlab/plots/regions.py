"""The pictures of notebook 03 (composing ReLU networks): pieces, folds, compositions, 2-D regions,
and regions per parameter. Each ``plot_*`` function draws on the ``ax`` it is given, from numbers
that a function of ``nnlab.regions`` computes (and the tests check)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import hsv_to_rgb
from matplotlib.ticker import MaxNLocator, NullFormatter

from .._format import count
from ..layers import Sequential
from ..regions import (
    Interval,
    Pieces,
    check_interval,
    compose_networks,
    composition_labels,
    count_params,
    linear_pieces,
    max_regions_curve,
    max_regions_deep,
    max_regions_upper_bound,
    monotone_segments,
    region_grid,
)
from .base import GREY, PALETTE, fmt, note

#: colours for the pieces of the second network (and for inputs mapped into them): grey for the piece below its
#: first joint, then the palette
PIECE_COLORS = (GREY, *PALETTE[:7])
SHADES = ("#f2f2f2", "#ffffff")
#: the arrow of one fold in ``plot_folded_axis``
FOLD_ARROW = dict(arrowstyle="->", color="black", lw=1.2)


def piece_color(i: int) -> str:
    """The colour of piece number ``i`` (cycling through ``PIECE_COLORS``)."""
    return PIECE_COLORS[int(i) % len(PIECE_COLORS)]


def polyline(model: Sequential, xlim: tuple[float, float], pieces: Pieces) -> tuple[np.ndarray, np.ndarray]:
    """The exact polyline of a one-input network over ``xlim``: its corners and ends, ``x`` and ``y``
    (the first output), from its ``linear_pieces`` (over ``xlim`` or more)."""
    inner = pieces.joints[(pieces.joints > xlim[0]) & (pieces.joints < xlim[1])]
    x = np.concatenate([[xlim[0]], inner, [xlim[1]]])
    return x, model.forward(x[:, None])[:, 0]


def plot_pieces(ax: Axes, model: Sequential, xlim: Interval = (-1.0, 1.0), *,
                interval: Interval | None = None, color: str = "black", label: str | None = None,
                shade: bool = True, marks: bool = True) -> None:
    """A one-input network's function, its linear regions shaded in alternating bands.

    Parameters
    ----------
    ax : Axes
    model : Sequential
        One input; the first output is drawn.
    xlim : (lo, hi)
        The part of the input axis drawn.
    interval : (lo, hi), optional
        Where regions are counted (default ``xlim``); the bands show the regions inside ``xlim``.
    shade, marks : bool
        Shade the regions; mark the joints with dots.
    """
    xlim = check_interval(xlim, "xlim")
    pieces = linear_pieces(model, interval if interval is not None else xlim)
    x, y = polyline(model, xlim, pieces)
    if shade:
        edges = np.clip(pieces.edges, *xlim)
        for i, (a, b) in enumerate(zip(edges[:-1], edges[1:])):
            if b > a:
                ax.axvspan(a, b, color=SHADES[i % 2], zorder=0, lw=0)
    ax.plot(x, y, color=color, lw=2, label=label, zorder=2)
    if marks and len(x) > 2:
        ax.plot(x[1:-1], y[1:-1], "o", color=color, ms=4, zorder=3)
    ax.set_xlim(*xlim)
    ax.locator_params(axis="x", nbins=4)  # at most 5 ticks: legible in a third of FIGURE_WIDTH
    note(ax, describe_polyline(x, y, pieces.n_pieces if interval is None else None))


def describe_polyline(x: np.ndarray, y: np.ndarray, n_pieces: int | None = None) -> str:
    """A piecewise linear function drawn through its corners ``(x, y)`` in words: its pieces, and its value at the
    ends and at every corner (up to 12; else its range)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    pieces = count(len(x) - 1 if n_pieces is None else n_pieces, "linear piece")
    head = f"{pieces} from x = {fmt(x[0])} to {fmt(x[-1])}"
    sx, sy = float(np.max(np.abs(x))) or 1.0, float(np.max(np.abs(y))) or 1.0
    if len(x) <= 14:
        return head + ", through (x, y) = " + ", ".join(f"({fmt(a, scale=sx)}, {fmt(b, scale=sy)})"
                                                        for a, b in zip(x, y))
    return head + f", y from {fmt(y.min())} to {fmt(y.max())}"


def label_segments(model: Sequential, edges: np.ndarray, labels: np.ndarray,
                   xlim: tuple[float, float]) -> tuple[np.ndarray, list[str]]:
    """A one-input model's pieces as line segments, piece ``i`` in the colour of ``labels[i]``.

    Parameters
    ----------
    model : Sequential
        One input; the first output is drawn.
    edges : array, shape (P + 1,)
        Where the pieces start and end (such as ``composition_labels``' edges).
    labels : array of int, shape (P,)
        The colour number of each piece (``piece_color``).
    xlim : (lo, hi)
        The pieces are clipped to it; those outside are left out.

    Returns
    -------
    segments : array, shape (S, 2, 2)
        ``[(x_start, y_start), (x_end, y_end)]`` of each piece drawn (a ``LineCollection``'s segments).
    colors : list of str, length S
    """
    a, b = np.maximum(edges[:-1], xlim[0]), np.minimum(edges[1:], xlim[1])
    show = b > a
    a, b, labels = a[show], b[show], np.asarray(labels)[show]
    ya = model.forward(a[:, None])[:, 0]
    yb = model.forward(b[:, None])[:, 0]
    segments = np.stack([np.column_stack([a, ya]), np.column_stack([b, yb])], axis=1)
    return segments, [piece_color(i) for i in labels]


def _segments_by_label(ax: Axes, model: Sequential, edges: np.ndarray, labels: np.ndarray,
                       xlim: tuple[float, float], lw: float = 2.5) -> None:
    """Draw a one-input model piece by piece, piece ``i`` in the colour of ``labels[i]``."""
    segments, colors = label_segments(model, edges, labels, xlim)
    ax.add_collection(LineCollection(segments, colors=colors, linewidths=lw, capstyle="round"))
    ax.update_datalim(segments.reshape(-1, 2))
    ax.autoscale_view()


def shaded_bands(edges: np.ndarray, xlim: tuple[float, float]) -> np.ndarray:
    """The grey bands behind ``plot_pieces`` and ``plot_composition`` as polygons: regions 0, 2, 4, ...
    (the others are white, the colour of the axes), clipped to ``xlim``.

    Returns
    -------
    array, shape (B, 4, 2)
        The corners of each band, ``x`` in data and ``y`` in axes coordinates (0 at the bottom, 1 at
        the top): the vertices of a ``PolyCollection`` drawn with ``ax.get_xaxis_transform()``.
    """
    edges = np.clip(np.asarray(edges, dtype=float), *xlim)
    a, b = edges[:-1][::2], edges[1:][::2]
    a, b = a[b > a], b[b > a]
    zero, one = np.zeros(len(a)), np.ones(len(a))
    return np.stack([np.column_stack(c) for c in ((a, zero), (b, zero), (b, one), (a, one))], axis=1)


def padded_limits(values: np.ndarray, margin: float = 0.05) -> tuple[float, float]:
    """Axis limits around ``values`` as matplotlib's autoscaling picks them: ``margin`` of the range
    on each side, and a constant widened by 5% of its size (or to +-0.05 around 0) first."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return -1.0, 1.0
    lo, hi = float(values.min()), float(values.max())
    if hi - lo <= 1e-12 * max(abs(lo), abs(hi), 1e-300):
        lo, hi = (lo - 0.05 * abs(lo), hi + 0.05 * abs(hi)) if lo != 0 else (-0.05, 0.05)
    pad = margin * (hi - lo)
    return lo - pad, hi + pad


def plot_fold(ax: Axes, net1: Sequential, net2: Sequential, interval: Interval = (-1.0, 1.0)) -> None:
    """Network 1's function ``y = f1(x)``, coloured by the piece of network 2 that ``y`` falls in.

    The dotted lines are network 2's joints. Every time ``f1`` sweeps across all of them, the
    input axis picks up a full copy of network 2's pieces.
    """
    lo, hi = check_interval(interval)
    edges, labels = composition_labels(net1, net2, (lo, hi))
    _segments_by_label(ax, net1, edges, labels, (lo, hi))
    joints = linear_pieces(net2).joints
    for j in joints:
        ax.axhline(j, color=GREY, ls=":", lw=1, zorder=0)
    ax.set(xlim=(lo, hi), xlabel="$x$", ylabel="$y = f_1(x)$")
    ax.locator_params(axis="x", nbins=4)
    note(ax, describe_folds(monotone_segments(net1, (lo, hi)), joints))


def describe_folds(folds: np.ndarray, joints: np.ndarray) -> str:
    """Network 1's folds in words: each monotone stretch of x and the stretch of y it sweeps, against network 2's
    joints."""
    sweeps = "; ".join(f"x from {fmt(x0)} to {fmt(x1)} sweeps y from {fmt(y0)} to {fmt(y1)}"
                       for x0, x1, y0, y1 in np.asarray(folds))
    marks = ", ".join(fmt(j) for j in joints)
    return f"{count(len(folds), 'fold')}: {sweeps}; network 2's joints (dotted) at y = {marks}"


class FoldedAxis(NamedTuple):
    """Where ``plot_folded_axis`` puts everything, in data coordinates (``folded_axis_layout``)."""

    #: network 2's pieces over the stretch of ``y`` drawn, shape (P, 2, 2), and their colours
    curve: np.ndarray
    curve_colors: list[str]
    #: network 1's folds (``monotone_segments``), one row ``(x_start, x_end, y_start, y_end)`` each
    folds: np.ndarray
    #: the height of each fold's arrow, shape (S,)
    levels: np.ndarray
    #: the folds cut at network 2's joints, shape (B, 2, 2), coloured by the piece each part falls in
    bars: np.ndarray
    bar_colors: list[str]
    #: network 2's joints inside the stretch drawn (the dotted lines)
    joints: np.ndarray
    #: where the labels ``x in [x_start, x_end]`` of the folds start (their height is ``levels``)
    label_x: float
    #: where the heading "the folds of the x axis:" starts
    heading: tuple[float, float]
    yticks: np.ndarray
    xlim: tuple[float, float]
    ylim: tuple[float, float]


def fold_label(x_start: float, x_end: float) -> str:
    """The label of one fold of the input axis in ``plot_folded_axis``."""
    return f"x ∈ [{x_start:.2f}, {x_end:.2f}]"


def folded_axis_layout(net1: Sequential, net2: Sequential, interval: Interval = (-1.0, 1.0)) -> FoldedAxis:
    """The layout of ``plot_folded_axis``: network 2 over the outputs of network 1, and below it
    one arrow per fold of the input axis, one under the other."""
    lo, hi = check_interval(interval)
    folds = monotone_segments(net1, (lo, hi))
    p2 = linear_pieces(net2)
    ys = np.concatenate([folds[:, 2:].ravel(), p2.joints])
    pad = 0.08 * max(float(ys.max() - ys.min()), 1.0)
    span = (float(ys.min()) - pad, float(ys.max()) + pad)
    curve, curve_colors = label_segments(net2, np.clip(p2.edges, *span), np.arange(p2.n_pieces), span)
    f2_span = net2.forward(np.clip(np.concatenate([[span[0]], p2.joints, [span[1]]]), *span)[:, None])[:, 0]
    bottom, top = float(f2_span.min()), float(f2_span.max())
    gap = 0.2 * max(top - bottom, 1.0)
    levels = bottom - gap * (np.arange(len(folds)) + 1.2)
    bars, colors = [], []
    for (_, _, y0, y1), level in zip(folds, levels):
        a, b = min(y0, y1), max(y0, y1)
        cuts = np.concatenate([[a], p2.joints[(p2.joints > a) & (p2.joints < b)], [b]])
        for c0, c1 in zip(cuts[:-1], cuts[1:]):
            bars.append([(c0, level), (c1, level)])
            colors.append(piece_color(int(p2.index(0.5 * (c0 + c1)))))
    ticks = MaxNLocator(5).tick_values(bottom, top)
    return FoldedAxis(
        curve=curve, curve_colors=curve_colors, folds=folds, levels=levels,
        bars=np.array(bars, dtype=float).reshape(-1, 2, 2), bar_colors=colors,
        joints=p2.joints[(p2.joints > span[0]) & (p2.joints < span[1])],
        # the heading starts a little inside the frame, not on it
        label_x=span[1], heading=(span[0] + 0.03 * (span[1] - span[0]), bottom - 0.45 * gap),
        yticks=ticks[(ticks >= bottom - 1e-9) & (ticks <= top + 1e-9)],
        # the labels get the right 51% of the axes: at 9 points they fit in a panel 2.1 inches wide
        xlim=(span[0], span[1] + 1.05 * (span[1] - span[0])),
        ylim=(bottom - gap * (len(folds) + 1.0), top + 0.1 * gap))


def plot_folded_axis(ax: Axes, net1: Sequential, net2: Sequential, interval: Interval = (-1.0, 1.0)) -> None:
    """The input axis folded where network 1 turns, under network 2's function ``y' = f2(y)``.

    Each arrow is one fold (a monotone piece of ``f1``), laid along the ``y`` axis where ``f1``
    sends it and coloured by network 2's pieces. Folds that cover the same stretch of ``y`` all
    see the same pieces of network 2: its function is replicated once per fold.
    """
    layout = folded_axis_layout(net1, net2, interval)
    ax.add_collection(LineCollection(layout.curve, colors=layout.curve_colors, linewidths=2.5, capstyle="round"))
    ax.update_datalim(layout.curve.reshape(-1, 2))
    ax.autoscale_view()
    for (x0, x1, y0, y1), level in zip(layout.folds, layout.levels):
        ax.annotate("", xy=(y1, level), xytext=(y0, level), arrowprops=dict(FOLD_ARROW))
        ax.text(layout.label_x, level, fold_label(x0, x1), va="center", fontsize=9)
    ax.add_collection(LineCollection(layout.bars, colors=layout.bar_colors, linewidths=6, capstyle="butt"))
    ax.text(*layout.heading, "the folds of the x axis:", fontsize=9, va="center")
    for j in layout.joints:
        ax.axvline(j, color=GREY, ls=":", lw=1, zorder=0)
    ax.set_yticks(layout.yticks)
    ax.set(xlim=layout.xlim, ylim=layout.ylim, xlabel="$y$", ylabel="$y' = f_2(y)$")
    note(ax, describe_folded_axis(layout))


def describe_folded_axis(layout: FoldedAxis) -> str:
    """The folded axis in words: network 2 over the outputs of network 1, and how many of its pieces each fold
    crosses."""
    crossings = []
    for x0, x1, y0, y1 in layout.folds:
        a, b = min(y0, y1), max(y0, y1)
        n = 1 + int(np.sum((layout.joints > a) & (layout.joints < b)))
        crossings.append(f"x from {fmt(x0)} to {fmt(x1)}: {count(n, 'piece')}")
    return (f"network 2's function over y, and below it the {count(len(layout.folds), 'fold')} of the x axis, each "
            f"coloured by the pieces of network 2 it runs through: {'; '.join(crossings)}")


def plot_composition(ax: Axes, net1: Sequential, net2: Sequential, interval: Interval = (-1.0, 1.0)) -> None:
    """``y' = f2(f1(x))`` coloured by the piece of network 2 each input uses; joints marked."""
    lo, hi = check_interval(interval)
    edges, labels = composition_labels(net1, net2, (lo, hi))
    deep = compose_networks(net1, net2)
    pieces = linear_pieces(deep, (lo, hi))
    for i, (a, b) in enumerate(zip(pieces.edges[:-1], pieces.edges[1:])):
        ax.axvspan(a, b, color=SHADES[i % 2], zorder=0, lw=0)
    _segments_by_label(ax, deep, edges, labels, (lo, hi))
    ax.set(xlim=(lo, hi), xlabel="$x$", ylabel="$y' = f_2(f_1(x))$")
    ax.locator_params(axis="x", nbins=4)
    x, y = polyline(deep, (lo, hi), pieces)
    note(ax, "the composition: " + describe_polyline(x, y, pieces.n_pieces))


def region_colors(labels: np.ndarray) -> np.ndarray:
    """An RGB colour per region label, shape ``labels.shape + (3,)``.

    Hues step by the golden ratio, so regions numbered one after the other look different.
    """
    labels = np.asarray(labels)
    hue = (labels * 0.6180339887498949) % 1.0
    hsv = np.stack([hue, np.full(hue.shape, 0.45), np.full(hue.shape, 0.95)], axis=-1)
    return hsv_to_rgb(hsv)


def plot_regions_2d(ax: Axes, model: Sequential, xlim: Interval = (-1.0, 1.0), ylim: Interval = (-1.0, 1.0),
                    n: int = 300) -> None:
    """The input plane of a two-input network on an ``n x n`` grid, each activation region in its own
    colour (``nnlab.regions.region_grid`` gives the labels, and so the count of regions seen)."""
    _, _, labels = region_grid(model, xlim, ylim, n)
    ax.imshow(region_colors(labels), origin="lower", extent=(*xlim, *ylim), interpolation="nearest",
              aspect="auto")
    ax.set(xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    ax.locator_params(nbins=4)
    note(ax, describe_regions_2d(labels, xlim, ylim))


def describe_regions_2d(labels: np.ndarray, xlim: Interval, ylim: Interval) -> str:
    """The regions picture in words: how many regions the grid sees, and how much of the square the largest
    takes."""
    sizes = np.bincount(np.asarray(labels).ravel())
    return (f"the square x₁ from {fmt(xlim[0])} to {fmt(xlim[1])}, x₂ from {fmt(ylim[0])} to {fmt(ylim[1])}, each "
            f"linear region in its own colour: {count(len(sizes), 'region')} seen on a {labels.shape[1]} × "
            f"{labels.shape[0]} grid, the largest {sizes.max() / sizes.sum():.0%} of the square")


def plot_function_2d(ax: Axes, model: Sequential, xlim: Interval = (-1.0, 1.0), ylim: Interval = (-1.0, 1.0),
                     n: int = 300, cmap: str = "viridis") -> None:
    """The output of a two-input network as a heat map, with the borders of its regions in white."""
    xx, yy, labels = region_grid(model, xlim, ylim, n)
    out = model.forward(np.column_stack([xx.ravel(), yy.ravel()]))[:, 0].reshape(n, n)
    ax.imshow(out, origin="lower", extent=(*xlim, *ylim), cmap=cmap, interpolation="nearest", aspect="auto")
    border = np.zeros(labels.shape, dtype=bool)
    across, down = labels[:, 1:] != labels[:, :-1], labels[1:, :] != labels[:-1, :]
    # both grid cells beside a border: a line two cells wide stays unbroken when the image is drawn
    # with fewer pixels than the grid has cells (a third of FIGURE_WIDTH holds about 230)
    border[:, 1:] |= across
    border[:, :-1] |= across
    border[1:, :] |= down
    border[:-1, :] |= down
    overlay = np.zeros((*labels.shape, 4))
    overlay[border] = (1.0, 1.0, 1.0, 0.9)
    ax.imshow(overlay, origin="lower", extent=(*xlim, *ylim), interpolation="nearest", aspect="auto")
    ax.set(xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    ax.locator_params(nbins=4)
    n_regions = int(labels.max()) + 1
    note(ax, f"the output over the square as a heat map (dark blue low, yellow high), from {fmt(out.min())} to "
             f"{fmt(out.max())}, the borders of its {count(n_regions, 'linear region')} in white")


def plot_regions_per_parameter(ax: Axes, n_in: int, widths: Sequence[int],
                               depths: Sequence[int] = (1, 2, 3, 4, 5),
                               *, highlight: tuple[int, int] | None = None) -> None:
    """Regions against parameters, one curve per depth ``K`` (UDL figure 4.7), log scales.

    Each point is ``max_regions_deep``: the regions of the construction, a count some network of that
    shape reaches. With one input it is the exact maximum; with more it is a lower bound on the maximum,
    and the highlighted network also gets the upper bound above it (``max_regions_upper_bound``), joined
    by a dotted line: the maximum lies somewhere on that line.

    Parameters
    ----------
    n_in : int
        Input dimension ``D_i``.
    widths : sequence of int
        Hidden units per layer along each curve (multiples of ``n_in``, at least ``3 * n_in``).
    depths : sequence of int
        The depths ``K`` to draw; ``K = 1`` is the shallow network.
    highlight : (depth, width), optional
        A network to mark and label with its parameter and region counts.
    """
    curves = []
    for K, marker in zip(depths, "osD^v<>p"):
        params, regions = max_regions_curve(n_in, K, widths)
        ax.plot(params, [float(r) for r in regions], marker=marker, ms=4, lw=1.5, markevery=max(1, len(params) // 6),
                label="shallow (K = 1)" if K == 1 else f"K = {K} layers")
        curves.append(f"K = {K}: from {fmt(float(regions[0]))} regions at {fmt(params[0])} parameters to "
                      f"{fmt(float(regions[-1]))} at {fmt(params[-1])}")
    note(ax, "regions against parameters, log scales, one curve per depth: " + "; ".join(curves))
    if highlight is not None:
        K, D = highlight
        p, r = count_params(n_in, [D] * K, 1), max_regions_deep(D, K, n_in)
        upper = max_regions_upper_bound([D] * K, n_in)
        ax.plot([p], [float(r)], "o", ms=11, mfc="none", mec="black", mew=1.5)
        text = f"{r:,}" if r < 10**7 else f"{float(r):.1e}"
        if upper == r:
            label = f"K={K}, D={D}\n{p:,} parameters\n{text} regions\n(the maximum)"
        else:
            label = f"K={K}, D={D}\n{p:,} parameters\n{text} regions reached"
            ax.plot([p, p], [float(r), float(upper)], ":", color="black", lw=1.2)
            ax.plot([p], [float(upper)], "v", ms=7, color="black")
            ax.annotate(f"upper bound {float(upper):.1e}", (p, float(upper)), xytext=(-10, 0),
                        textcoords="offset points", fontsize=9, ha="right", va="center")
        ax.annotate(label, (p, float(r)), xytext=(-12, 6),
                    textcoords="offset points", fontsize=9, ha="right", va="bottom")
        note(ax, "marked: " + label.replace("\n", ", ") + ("" if upper == r else f", upper bound {float(upper):.1e}"))
    ax.set(xscale="log", yscale="log")
    ax.xaxis.set_minor_formatter(NullFormatter())  # label the decades only
    ax.yaxis.set_minor_formatter(NullFormatter())
    ylabel = "maximum number of linear regions" if n_in == 1 else "linear regions reached (construction)"
    ax.set(xlabel="number of parameters", ylabel=ylabel,
           title=f"$D_i$ = {n_in} input" + ("s" if n_in > 1 else ""))
