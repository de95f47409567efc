"""The pictures of notebook 03 (composing ReLU networks): pieces, folds, compositions, 2-D regions,
and regions per parameter. Each ``plot_*`` function draws on the ``ax`` it is given, from numbers
that a function of ``nnlab.regions`` computes (and the tests check)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import hsv_to_rgb
from matplotlib.ticker import MaxNLocator, NullFormatter

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
    monotone_segments,
    region_grid,
)

#: colours for the pieces of the second network (and for inputs mapped into them)
PIECE_COLORS = ("#9e9e9e", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")
SHADES = ("#f2f2f2", "#ffffff")


def piece_color(i: int) -> str:
    """The colour of piece number ``i`` (cycling through ``PIECE_COLORS``)."""
    return PIECE_COLORS[int(i) % len(PIECE_COLORS)]


def _curve(model: Sequential, xlim: tuple[float, float], pieces: Pieces) -> tuple[np.ndarray, np.ndarray]:
    """The exact polyline of a piecewise linear function over ``xlim``: its corners and ends."""
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
    x, y = _curve(model, xlim, pieces)
    if shade:
        edges = np.clip(pieces.edges, *xlim)
        for i, (a, b) in enumerate(zip(edges[:-1], edges[1:])):
            if b > a:
                ax.axvspan(a, b, color=SHADES[i % 2], zorder=0, lw=0)
    ax.plot(x, y, color=color, lw=2, label=label, zorder=2)
    if marks and len(x) > 2:
        ax.plot(x[1:-1], y[1:-1], "o", color=color, ms=4, zorder=3)
    ax.set_xlim(*xlim)


def _segments_by_label(ax: Axes, model: Sequential, edges: np.ndarray, labels: np.ndarray,
                       xlim: tuple[float, float], lw: float = 2.5) -> None:
    """Draw a one-input model piece by piece, piece ``i`` in the colour of ``labels[i]``."""
    a, b = np.maximum(edges[:-1], xlim[0]), np.minimum(edges[1:], xlim[1])
    show = b > a
    a, b, labels = a[show], b[show], np.asarray(labels)[show]
    ya = model.forward(a[:, None])[:, 0]
    yb = model.forward(b[:, None])[:, 0]
    segments = np.stack([np.column_stack([a, ya]), np.column_stack([b, yb])], axis=1)
    ax.add_collection(LineCollection(segments, colors=[piece_color(i) for i in labels], linewidths=lw,
                                     capstyle="round"))
    ax.update_datalim(segments.reshape(-1, 2))
    ax.autoscale_view()


def plot_fold(ax: Axes, net1: Sequential, net2: Sequential, interval: Interval = (-1.0, 1.0)) -> None:
    """Network 1's function ``y = f1(x)``, coloured by the piece of network 2 that ``y`` falls in.

    The dotted lines are network 2's joints. Every time ``f1`` sweeps across all of them, the
    input axis picks up a full copy of network 2's pieces.
    """
    lo, hi = check_interval(interval)
    edges, labels = composition_labels(net1, net2, (lo, hi))
    _segments_by_label(ax, net1, edges, labels, (lo, hi))
    for j in linear_pieces(net2).joints:
        ax.axhline(j, color="gray", ls=":", lw=1, zorder=0)
    ax.set(xlim=(lo, hi), xlabel="$x$", ylabel="$y = f_1(x)$")


def plot_folded_axis(ax: Axes, net1: Sequential, net2: Sequential, interval: Interval = (-1.0, 1.0)) -> None:
    """The input axis folded where network 1 turns, under network 2's function ``y' = f2(y)``.

    Each arrow is one fold (a monotone piece of ``f1``), laid along the ``y`` axis where ``f1``
    sends it and coloured by network 2's pieces. Folds that cover the same stretch of ``y`` all
    see the same pieces of network 2: its function is replicated once per fold.
    """
    lo, hi = check_interval(interval)
    folds = monotone_segments(net1, (lo, hi))
    p2 = linear_pieces(net2)
    ys = np.concatenate([folds[:, 2:].ravel(), p2.joints])
    pad = 0.08 * max(float(ys.max() - ys.min()), 1.0)
    span = (float(ys.min()) - pad, float(ys.max()) + pad)
    _segments_by_label(ax, net2, np.clip(p2.edges, *span), np.arange(p2.n_pieces), span)
    f2_span = net2.forward(np.clip(np.concatenate([[span[0]], p2.joints, [span[1]]]), *span)[:, None])[:, 0]
    bottom, top = float(f2_span.min()), float(f2_span.max())
    gap = 0.2 * max(top - bottom, 1.0)
    bars, colors = [], []
    for k, (x0, x1, y0, y1) in enumerate(folds):
        level = bottom - gap * (k + 1.2)
        a, b = min(y0, y1), max(y0, y1)
        cuts = np.concatenate([[a], p2.joints[(p2.joints > a) & (p2.joints < b)], [b]])
        for c0, c1 in zip(cuts[:-1], cuts[1:]):
            bars.append([(c0, level), (c1, level)])
            colors.append(piece_color(int(p2.index(0.5 * (c0 + c1)))))
        ax.annotate("", xy=(y1, level), xytext=(y0, level),
                    arrowprops=dict(arrowstyle="->", color="black", lw=1.2))
        ax.text(span[1] + pad, level, f"x ∈ [{x0:.2f}, {x1:.2f}]", va="center", fontsize=8)
    ax.add_collection(LineCollection(bars, colors=colors, linewidths=6, capstyle="butt"))
    ax.text(span[0], bottom - 0.45 * gap, "the folds of the x axis:", fontsize=8, va="center")
    for j in p2.joints[(p2.joints > span[0]) & (p2.joints < span[1])]:
        ax.axvline(j, color="gray", ls=":", lw=1, zorder=0)
    ticks = MaxNLocator(5).tick_values(bottom, top)
    ax.set_yticks(ticks[(ticks >= bottom - 1e-9) & (ticks <= top + 1e-9)])
    ax.set(xlim=(span[0], span[1] + 0.45 * (span[1] - span[0])),
           ylim=(bottom - gap * (len(folds) + 1.0), top + 0.1 * gap), xlabel="$y$", ylabel="$y' = f_2(y)$")


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


def region_colors(labels: np.ndarray) -> np.ndarray:
    """An RGB colour per region label, shape ``labels.shape + (3,)``.

    Hues step by the golden ratio, so regions numbered one after the other look different.
    """
    labels = np.asarray(labels)
    hue = (labels * 0.6180339887498949) % 1.0
    hsv = np.stack([hue, np.full(hue.shape, 0.45), np.full(hue.shape, 0.95)], axis=-1)
    return hsv_to_rgb(hsv)


def plot_regions_2d(ax: Axes, model: Sequential, xlim: Interval = (-1.0, 1.0), ylim: Interval = (-1.0, 1.0),
                    n: int = 300) -> int:
    """The input plane of a two-input network, each activation region in its own colour.

    Returns
    -------
    int
        The number of regions seen on the grid (the same as ``count_regions_grid``).
    """
    _, _, labels = region_grid(model, xlim, ylim, n)
    ax.imshow(region_colors(labels), origin="lower", extent=(*xlim, *ylim), interpolation="nearest",
              aspect="auto")
    ax.set(xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    return int(labels.max()) + 1


def plot_function_2d(ax: Axes, model: Sequential, xlim: Interval = (-1.0, 1.0), ylim: Interval = (-1.0, 1.0),
                     n: int = 300, cmap: str = "viridis") -> None:
    """The output of a two-input network as a heat map, with the borders of its regions in white."""
    xx, yy, labels = region_grid(model, xlim, ylim, n)
    out = model.forward(np.column_stack([xx.ravel(), yy.ravel()]))[:, 0].reshape(n, n)
    ax.imshow(out, origin="lower", extent=(*xlim, *ylim), cmap=cmap, interpolation="nearest", aspect="auto")
    border = np.zeros(labels.shape, dtype=bool)
    border[:, 1:] |= labels[:, 1:] != labels[:, :-1]
    border[1:, :] |= labels[1:, :] != labels[:-1, :]
    overlay = np.zeros((*labels.shape, 4))
    overlay[border] = (1.0, 1.0, 1.0, 0.9)
    ax.imshow(overlay, origin="lower", extent=(*xlim, *ylim), interpolation="nearest", aspect="auto")
    ax.set(xlabel="$x_1$", ylabel="$x_2$", aspect="equal")


def plot_regions_per_parameter(ax: Axes, n_in: int, widths: Sequence[int],
                               depths: Sequence[int] = (1, 2, 3, 4, 5),
                               *, highlight: tuple[int, int] | None = None) -> None:
    """Maximum regions against parameters, one curve per depth ``K`` (UDL figure 4.7), log scales.

    Parameters
    ----------
    n_in : int
        Input dimension ``D_i``.
    widths : sequence of int
        Hidden units per layer along each curve (multiples of ``n_in``).
    depths : sequence of int
        The depths ``K`` to draw; ``K = 1`` is the shallow network.
    highlight : (depth, width), optional
        A network to mark and label with its parameter and region counts.
    """
    for K in depths:
        params, regions = max_regions_curve(n_in, K, widths)
        ax.plot(params, [float(r) for r in regions], "o-", ms=3, lw=1.5,
                label="shallow (K = 1)" if K == 1 else f"K = {K} layers")
    if highlight is not None:
        K, D = highlight
        p, r = count_params(n_in, [D] * K, 1), max_regions_deep(D, K, n_in)
        ax.plot([p], [float(r)], "o", ms=11, mfc="none", mec="black", mew=1.5)
        text = f"{r:,}" if r < 10**7 else f"{float(r):.1e}"
        ax.annotate(f"K={K}, D={D}\n{p:,} parameters\n{text} regions", (p, float(r)), xytext=(-12, 6),
                    textcoords="offset points", fontsize=8, ha="right", va="bottom")
    ax.set(xscale="log", yscale="log")
    ax.xaxis.set_minor_formatter(NullFormatter())  # label the decades only
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set(xlabel="number of parameters", ylabel="maximum number of linear regions",
           title=f"$D_i$ = {n_in} input" + ("s" if n_in > 1 else ""))
