"""Dashboards for notebook 03: fold the input with network 1, and count the regions of random networks."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.text import Annotation, Text

from .. import regions
from .._format import count
from ..layers import MLP
from ..plots.base import FIGURE_WIDTH, GREY, fixed_labels, note, steady_limits
from ..plots.regions import (
    FOLD_ARROW,
    SHADES,
    describe_folded_axis,
    describe_folds,
    describe_polyline,
    describe_regions_2d,
    fold_label,
    folded_axis_layout,
    label_segments,
    padded_limits,
    polyline,
    region_colors,
    shaded_bands,
)
from .base import Dashboard, slider

#: network 2 of the notebook, the second network of every composition: 3 linear pieces on [-1, 1]
#: (joints at y = -1, 0, 0.5) and a fourth, sloped piece below y = -1
NETWORK_2 = dict(theta=[[1.0, 1.0], [0.0, -1.0], [-0.5, 1.0]], phi=[-5.0, 4.0, 6.0, -8.0])

#: network 1 of the lecture's figure: a zigzag whose 3 pieces each sweep all of [-1, 1]
BOOK = dict(t10=1.0, t11=1.0, t20=0.5, t21=1.0, t30=-0.5, t31=1.0, p0=-1.0, p1=4.0, p2=-6.0, p3=6.0)

COMPOSITION_PRESETS = {
    # 3 folds x 3 pieces of network 2 = 9 regions, the lecture's "(at least) 9"
    "book (3 x 3 = 9)": BOOK,
    # 4 folds, each crossing all 3 joints of network 2: 4 x 4 = 16 = (3 + 1) ** 2, the maximum
    "four folds (4 x 4 = 16)": dict(t10=0.7, t11=1.0, t20=0.4, t21=1.0, t30=0.2, t31=-1.0,
                                    p0=-8.7, p1=16.0, p2=-12.0, p3=8.0),
    # network 1 is the identity on [-1, 1]: no fold, the composition is network 2 itself. Units 2 and 3 keep the
    # book's joints but do not reach the output (φ₂ = φ₃ = 0): moving φ₂ or φ₃ brings their folds in
    "no fold": dict(BOOK, p0=-1.0, p1=1.0, p2=0.0, p3=0.0),
    # the zigzag with half the height: the folds miss some joints of network 2
    "shallow folds": dict(BOOK, p0=-0.5, p1=2.0, p2=-3.0, p3=3.0),
}

_COMPOSITION_LABELS = {
    "t10": "θ₁₀", "t11": "θ₁₁", "t20": "θ₂₀", "t21": "θ₂₁", "t30": "θ₃₀", "t31": "θ₃₁",
    "p0": "φ₀", "p1": "φ₁", "p2": "φ₂", "p3": "φ₃",
}



def unit_reaches_output(d: int) -> Callable[..., str | None]:
    """The rule that unit ``d``'s sliders θ_d0 and θ_d1 apply (``Dashboard``'s ``applies``): not while its output
    weight φ_d is 0, when they change nothing in any picture (the "no fold" preset); φ_d itself stays free."""
    phi = _COMPOSITION_LABELS[f"p{d}"]

    def rule(**values: float) -> str | None:
        if abs(values[f"p{d}"]) < 1e-9:
            return (f"{phi} = 0: hidden unit {d} does not reach network 1's output, so its θ changes nothing; "
                    f"move {phi} first")
        return None

    return rule


INTERVAL = (-1.0, 1.0)
#: network 1 has 3 units, so at most 3 joints: at most 4 linear pieces on ``INTERVAL``, and at most 4 folds
MAX_FOLDS = 4


def network_1(t10: float, t11: float, t20: float, t21: float, t30: float, t31: float,
              p0: float, p1: float, p2: float, p3: float) -> MLP:
    """Network 1 from the lecture's parameters.

    ``h_d = a[theta_d0 + theta_d1 x]`` for d = 1, 2, 3 and ``y = phi_0 + sum_d phi_d h_d``.
    """
    return regions.shallow_network([[t10, t11], [t20, t21], [t30, t31]], [p0, p1, p2, p3])


def _fix_labels(ax: Axes, x_label_y: float, y_label_x: float, **title_kw: float) -> None:
    """Fixed places for an axes' title and axis labels (in axes coordinates): placed by the extents of
    the tick labels, as matplotlib does by default, they would move with the numbers on the ticks.
    Every text at 9 points (``MIN_FONT``), titles too, in a figure 9.6 inches wide."""
    fixed_labels(ax, below=x_label_y, left=y_label_x)
    ax.set_title("", y=1.0, **{"fontsize": 9, **title_kw})
    ax.tick_params(labelsize=9)
    ax.xaxis.label.set_fontsize(9)
    ax.yaxis.label.set_fontsize(9)


def _bands(ax: Axes) -> PolyCollection:
    """The grey bands behind a function's linear regions (``shaded_bands``), empty for now."""
    bands = PolyCollection([], facecolors=SHADES[0], linewidths=0, zorder=0, transform=ax.get_xaxis_transform())
    ax.add_collection(bands, autolim=False)
    return bands


def _pieces(ax: Axes, lw: float, capstyle: str = "round") -> LineCollection:
    """A function drawn piece by piece in the pieces' colours (``label_segments``), empty for now."""
    lines = LineCollection([], linewidths=lw, capstyle=capstyle)
    ax.add_collection(lines, autolim=False)
    return lines


class CompositionView:
    """The composition explorer's three panels, built once and updated in place.

    ``update(**params)`` takes network 1's ten parameters (``network_1``) and moves the existing
    artists: network 1 and the composition are ``LineCollection``s whose segments and colours change
    (their number of pieces varies), the shaded regions of the composition a ``PolyCollection``,
    and the folded axis a pool of arrows and ``x in [...]`` labels, one pair per fold, the unused
    ones hidden. Network 2 is fixed, so its joints (the dotted lines) are drawn once.

    Parameters
    ----------
    fig : Figure
        An empty figure; the view adds three axes to it.
    """

    def __init__(self, fig: Figure) -> None:
        self.fig = fig
        self.net2 = regions.shallow_network(**NETWORK_2)
        self.joints2 = regions.linear_pieces(self.net2).joints
        self.ax_fold, self.ax_axis, self.ax_comp = fig.subplots(1, 3)
        # network 1, coloured by the piece of network 2 its output falls in (as plot_fold)
        self.fold_lines = _pieces(self.ax_fold, 2.5)
        for j in self.joints2:
            self.ax_fold.axhline(j, color=GREY, ls=":", lw=1, zorder=0)
        self.ax_fold.set(xlim=INTERVAL, xlabel="$x$", ylabel="$y = f_1(x)$")
        # network 2 on the folded axis (as plot_folded_axis): the curve, then one arrow, one bar and one
        # label per fold. The dotted lines are network 2's joints, always inside the stretch drawn.
        self.curve = _pieces(self.ax_axis, 2.5)
        self.arrows: list[Annotation] = []
        self.fold_labels: list[Text] = []
        self._fold_pool(MAX_FOLDS)
        self.bars = _pieces(self.ax_axis, 6, capstyle="butt")
        self.heading = self.ax_axis.text(0, 0, "the folds of the x axis:", fontsize=9, va="center")
        for j in self.joints2:
            self.ax_axis.axvline(j, color=GREY, ls=":", lw=1, zorder=0)
        self.ax_axis.set(xlabel="$y$", ylabel="$y' = f_2(y)$")
        # the composition (as plot_composition)
        self.bands = _bands(self.ax_comp)
        self.comp_lines = _pieces(self.ax_comp, 2.5)
        self.ax_comp.set(xlim=INTERVAL, xlabel="$x$", ylabel="$y' = f_2(f_1(x))$")
        for ax in (self.ax_fold, self.ax_comp):
            ax.set_xticks(np.linspace(*INTERVAL, 5))
        for ax in (self.ax_fold, self.ax_axis, self.ax_comp):
            _fix_labels(ax, -0.1, -0.2)
        self.ax_axis.title.set_text("network 2 on the folded axis")
        # fixed margins, in inches: a layout engine would cost one more rendering pass per redraw. Wide
        # enough that the labels stay 0.1 inch inside the figure: the notebook's static figure is cropped
        # to its artists and padded by 0.1 inch, and stays within FIGURE_WIDTH only then
        w, h = fig.get_size_inches()
        fig.subplots_adjust(left=0.72 / w, right=1 - 0.2 / w, bottom=0.5 / h, top=1 - 0.35 / h, wspace=0.42)

    def _fold_pool(self, n: int) -> None:
        """At least ``n`` arrows and labels for the folds (more only if network 1 ever had more pieces)."""
        while len(self.arrows) < n:
            self.arrows.append(self.ax_axis.annotate("", xy=(0, 0), xytext=(0, 0), arrowprops=dict(FOLD_ARROW)))
            self.fold_labels.append(self.ax_axis.text(0, 0, "", va="center", fontsize=9))

    def update(self, **params: float) -> None:
        """Show network 1 with these parameters (``network_1``'s ten arguments)."""
        net1 = network_1(**params)
        edges, labels = regions.composition_labels(net1, self.net2, INTERVAL)
        n1 = regions.count_linear_regions(net1, INTERVAL)
        deep = regions.compose_networks(net1, self.net2)
        comp = regions.linear_pieces(deep, INTERVAL)

        segments, colors = label_segments(net1, edges, labels, INTERVAL)
        self.fold_lines.set_segments(segments)
        self.fold_lines.set_color(colors)
        self.ax_fold.set_ylim(steady_limits(*padded_limits(np.concatenate([segments[..., 1].ravel(), self.joints2]))))

        layout = folded_axis_layout(net1, self.net2, INTERVAL)
        self.curve.set_segments(layout.curve)
        self.curve.set_color(layout.curve_colors)
        self._fold_pool(len(layout.folds))
        for k, (arrow, label) in enumerate(zip(self.arrows, self.fold_labels)):
            shown = k < len(layout.folds)
            arrow.set_visible(shown)
            label.set_visible(shown)
            if shown:
                x0, x1, y0, y1 = layout.folds[k]
                arrow.xy = (y1, layout.levels[k])
                arrow.set_position((y0, layout.levels[k]))
                label.set_position((layout.label_x, layout.levels[k]))
                label.set_text(fold_label(x0, x1))
        self.bars.set_segments(layout.bars)
        self.bars.set_color(layout.bar_colors)
        self.heading.set_position(layout.heading)
        self.ax_axis.set_yticks(layout.yticks)
        self.ax_axis.set(xlim=layout.xlim, ylim=layout.ylim)

        self.bands.set_verts(shaded_bands(comp.edges, INTERVAL))
        segments, colors = label_segments(deep, edges, labels, INTERVAL)
        self.comp_lines.set_segments(segments)
        self.comp_lines.set_color(colors)
        self.ax_comp.set_ylim(steady_limits(*padded_limits(segments[..., 1])))

        n_folds = len(layout.folds)
        pieces, folds = count(n1, "linear piece"), count(n_folds, "fold")
        self.ax_fold.title.set_text(f"network 1: {pieces}, {folds}")
        self.ax_comp.title.set_text(f"composition: {count(comp.n_pieces, 'region')} on [-1, 1]")
        note(self.ax_fold, describe_folds(layout.folds, self.joints2), key="folds")
        note(self.ax_axis, describe_folded_axis(layout), key="axis")
        x, y = polyline(deep, INTERVAL, comp)
        note(self.ax_comp, "the composition: " + describe_polyline(x, y, comp.n_pieces), key="composition")


def composition_explorer(preset: str | None = "book (3 x 3 = 9)") -> Dashboard:
    """Sliders for the ten parameters of network 1; network 2 stays fixed (``NETWORK_2``).

    The three pictures follow the sliders: network 1 coloured by the piece of network 2 its
    output falls in, the folded input axis under network 2, and the composition
    ``y' = f2(f1(x))`` with its exact number of linear regions on [-1, 1].

    Parameters
    ----------
    preset : str, optional
        One of ``COMPOSITION_PRESETS``: ``"book (3 x 3 = 9)"`` (default),
        ``"four folds (4 x 4 = 16)"``, ``"no fold"``, ``"shallow folds"``.
    """
    controls = {}
    for key, label in _COMPOSITION_LABELS.items():
        lo, hi = (-16.0, 16.0) if key.startswith("p") else (-3.0, 3.0)
        controls[key] = slider(BOOK[key], lo, hi, 0.1, label)
    applies = {f"t{d}{k}": unit_reaches_output(d) for d in (1, 2, 3) for k in (0, 1)}
    return Dashboard(CompositionView, controls, figsize=(FIGURE_WIDTH, 4.2), presets=COMPOSITION_PRESETS,
                     preset=preset, columns=5, applies=applies)


# --- random networks: depth against width -------------------------------------------------------

RANDOM_NETWORK_PRESETS = {
    "shallow, 6 units": dict(depth=1, width=6, seed=0),
    "the book's K=5, D=10": dict(depth=5, width=10, seed=0),
    "deep and narrow": dict(depth=6, width=2, seed=0),
    "wide and shallow": dict(depth=1, width=12, seed=0),
}

VIEW = (-3.0, 3.0)
GRID = 200


class RandomNetworkView:
    """The random-network explorer's two panels, built once and updated in place.

    ``update(depth, width, seed)`` draws two random networks of that shape from ``seed`` and moves
    the existing artists: the one-input network's polyline and joints are two lines whose data
    change, its regions' grey bands a ``PolyCollection``; the two-input network's regions are one
    image whose pixels change (``imshow`` + ``set_data``).

    Parameters
    ----------
    fig : Figure
        An empty figure; the view adds two axes to it.
    """

    def __init__(self, fig: Figure) -> None:
        self.fig = fig
        self.ax_line, self.ax_plane = fig.subplots(1, 2)
        # one input (as plot_pieces)
        self.bands = _bands(self.ax_line)
        self.curve, = self.ax_line.plot([], [], color="black", lw=2, zorder=2)
        self.marks, = self.ax_line.plot([], [], "o", color="black", ms=4, zorder=3)
        self.ax_line.set(xlim=VIEW, xlabel="$x$", ylabel="$y$")
        # two inputs (as plot_regions_2d)
        self.image = self.ax_plane.imshow(np.ones((GRID, GRID, 3)), origin="lower", extent=(*VIEW, *VIEW),
                                          interpolation="nearest", aspect="auto")
        self.ax_plane.set(xlim=VIEW, ylim=VIEW, xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
        self.ax_line.set_xticks(np.arange(VIEW[0], VIEW[1] + 1))
        self.ax_plane.set(xticks=np.arange(VIEW[0], VIEW[1] + 1), yticks=np.arange(VIEW[0], VIEW[1] + 1))
        _fix_labels(self.ax_line, -0.08, -0.16, fontsize=10)
        _fix_labels(self.ax_plane, -0.08, -0.08, fontsize=10)
        # fixed margins: a layout engine would cost one more rendering pass per redraw
        fig.subplots_adjust(left=0.09, right=0.98, bottom=0.11, top=0.88, wspace=0.2)

    def update(self, depth: int, width: int, seed: int) -> None:
        """Show two random networks of ``depth`` hidden layers of ``width`` units, drawn from ``seed``."""
        rng = np.random.default_rng(seed)
        net = regions.random_network([1] + [width] * depth + [1], rng=rng)
        net2d = regions.random_network([2] + [width] * depth + [1], rng=rng)

        n_line = regions.count_linear_regions(net)
        pieces = regions.linear_pieces(net, VIEW)
        x, y = polyline(net, VIEW, pieces)
        self.bands.set_verts(shaded_bands(pieces.edges, VIEW))
        self.curve.set_data(x, y)
        self.marks.set_data(x[1:-1], y[1:-1])
        self.ax_line.set_ylim(steady_limits(*padded_limits(y)))
        regions_here = f"{count(n_line, 'linear region')} on the real line ({pieces.n_pieces} here)"
        self.ax_line.title.set_text(f"1 input: {regions_here}\n{most_possible(width, depth, 1)}")
        note(self.ax_line, describe_polyline(x, y, pieces.n_pieces), key="line")

        _, _, labels = regions.region_grid(net2d, VIEW, VIEW, GRID)
        self.image.set_data(region_colors(labels))
        seen = int(labels.max()) + 1
        self.ax_plane.title.set_text(f"2 inputs: {seen} regions seen on a {GRID}x{GRID} grid\n"
                                     f"{most_possible(width, depth, 2)}")
        note(self.ax_plane, describe_regions_2d(labels, VIEW, VIEW), key="plane")


def _big(n: int) -> str:
    """An exact count with thousands separators, or 1.2e+10 beyond seven digits."""
    return f"{n:,}" if n < 10**7 else f"{float(n):.1e}"


def most_possible(width: int, depth: int, n_in: int) -> str:
    """What is known about the most regions of ``depth`` layers of ``width`` units with ``n_in`` inputs.

    The exact maximum where it is known (one layer: Zaslavsky's count; one input and at least 3 units:
    the construction reaches the upper bound): "most possible: N". Where a construction exists but falls
    short of the bound (more inputs, ``width`` a multiple of them and at least 3 times as large): "most
    possible: between L and U". Otherwise only the upper bound: "at most U".
    """
    reached, upper = regions.known_max_regions(width, depth, n_in)
    if reached is None:
        return f"at most {_big(upper)} (an upper bound)"
    if reached == upper:
        return f"most possible: {_big(upper)}" if depth == 1 else f"most possible: (D+1)^K = {_big(upper)}"
    return f"most possible: between {_big(reached)} and {_big(upper)}"


def random_network_explorer(preset: str | None = "shallow, 6 units") -> Dashboard:
    """Depth ``K``, width ``D`` and seed of a random ReLU network; its regions, counted.

    Left: a network with one input, its function and linear regions, counted exactly over
    the whole real line, against the most possible (``most_possible``: the exact maximum
    ``(D + 1) ** K`` for ``D >= 3``, an upper bound below that). Right: a network of the same
    shape with two inputs, its activation regions coloured on a grid, against what is known of
    the maximum there (the exact count for one layer, else a range or an upper bound).

    Parameters
    ----------
    preset : str, optional
        One of ``RANDOM_NETWORK_PRESETS``.
    """
    style = {"description_width": "initial"}
    controls = {
        "depth": widgets.IntSlider(value=1, min=1, max=6, description="layers K", style=style),
        "width": widgets.IntSlider(value=6, min=1, max=12, description="units per layer D", style=style),
        "seed": widgets.IntSlider(value=0, min=0, max=20, description="seed", style=style),
    }
    return Dashboard(RandomNetworkView, controls, figsize=(FIGURE_WIDTH, 4.4), presets=RANDOM_NETWORK_PRESETS,
                     preset=preset)
