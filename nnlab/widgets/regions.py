"""Dashboards for notebook 03: fold the input with network 1, and count the regions of random networks."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from .. import regions
from ..layers import MLP
from ..plots.regions import plot_composition, plot_fold, plot_folded_axis, plot_pieces, plot_regions_2d
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
    # network 1 is the identity on [-1, 1]: no fold, the composition is network 2 itself
    "no fold": dict(t10=1.0, t11=1.0, t20=0.0, t21=0.0, t30=0.0, t31=0.0, p0=-1.0, p1=1.0, p2=0.0, p3=0.0),
    # the zigzag with half the height: the folds miss some joints of network 2
    "shallow folds": dict(BOOK, p0=-0.5, p1=2.0, p2=-3.0, p3=3.0),
}

_COMPOSITION_LABELS = {
    "t10": "θ₁₀", "t11": "θ₁₁", "t20": "θ₂₀", "t21": "θ₂₁", "t30": "θ₃₀", "t31": "θ₃₁",
    "p0": "φ₀", "p1": "φ₁", "p2": "φ₂", "p3": "φ₃",
}

INTERVAL = (-1.0, 1.0)


def network_1(t10: float, t11: float, t20: float, t21: float, t30: float, t31: float,
              p0: float, p1: float, p2: float, p3: float) -> MLP:
    """Network 1 from the lecture's parameters.

    ``h_d = a[theta_d0 + theta_d1 x]`` for d = 1, 2, 3 and ``y = phi_0 + sum_d phi_d h_d``.
    """
    return regions.shallow_network([[t10, t11], [t20, t21], [t30, t31]], [p0, p1, p2, p3])


def draw_composition(fig: Figure, **params: float) -> None:
    """Network 1 folding the input, network 2 on the folded axis, and the composition with its count."""
    net1 = network_1(**params)
    net2 = regions.shallow_network(**NETWORK_2)
    n1 = regions.count_linear_regions(net1, INTERVAL)
    n_folds = len(regions.monotone_segments(net1, INTERVAL))
    n = regions.count_linear_regions(regions.compose_networks(net1, net2), INTERVAL)
    ax1, ax2, ax3 = fig.subplots(1, 3)
    plot_fold(ax1, net1, net2, INTERVAL)
    pieces, folds = f"{n1} linear piece{'s' * (n1 != 1)}", f"{n_folds} fold{'s' * (n_folds != 1)}"
    ax1.set_title(f"network 1: {pieces}, {folds}")
    plot_folded_axis(ax2, net1, net2, INTERVAL)
    ax2.set_title("network 2 on the folded axis")
    plot_composition(ax3, net1, net2, INTERVAL)
    ax3.set_title(f"composition: {n} linear regions on [-1, 1]")
    fig.tight_layout()


class CompositionView:
    """The composition explorer's picture (rebuilt at every update for now)."""

    def __init__(self, fig: Figure) -> None:
        self.fig = fig

    def update(self, **params: float) -> None:
        self.fig.clear()
        draw_composition(self.fig, **params)


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
    return Dashboard(CompositionView, controls, figsize=(13, 4.2), presets=COMPOSITION_PRESETS,
                     preset=preset, columns=5)


# --- random networks: depth against width -------------------------------------------------------

RANDOM_NETWORK_PRESETS = {
    "shallow, 6 units": dict(depth=1, width=6, seed=0),
    "the book's K=5, D=10": dict(depth=5, width=10, seed=0),
    "deep and narrow": dict(depth=6, width=2, seed=0),
    "wide and shallow": dict(depth=1, width=12, seed=0),
}

VIEW = (-3.0, 3.0)
GRID = 200


def draw_random_network(fig: Figure, depth: int, width: int, seed: int) -> None:
    """A random one-input network (exact count) and a random two-input network (grid count)."""
    rng = np.random.default_rng(seed)
    net = regions.random_network([1] + [width] * depth + [1], rng=rng)
    net2d = regions.random_network([2] + [width] * depth + [1], rng=rng)
    n_line = regions.count_linear_regions(net)
    n_view = regions.count_linear_regions(net, VIEW)
    ax1, ax2 = fig.subplots(1, 2)
    plot_pieces(ax1, net, VIEW)
    ax1.set(xlabel="$x$", ylabel="$y$")
    ax1.set_title(f"1 input: {n_line} linear regions on the real line ({n_view} here)\n"
                  f"most possible: (D+1)^K = {regions.max_regions_deep(width, depth):,}", fontsize=10)
    seen = plot_regions_2d(ax2, net2d, VIEW, VIEW, n=GRID)
    # the deep formula needs D to be a multiple of the 2 inputs
    bound = f"most possible: {regions.max_regions_deep(width, depth, 2):,}" if width % 2 == 0 else ""
    ax2.set_title(f"2 inputs: {seen} regions seen on a {GRID}x{GRID} grid\n{bound}", fontsize=10)
    fig.tight_layout()


class RandomNetworkView:
    """The random-network explorer's picture (rebuilt at every update for now)."""

    def __init__(self, fig: Figure) -> None:
        self.fig = fig

    def update(self, **values: int) -> None:
        self.fig.clear()
        draw_random_network(self.fig, **values)


def random_network_explorer(preset: str | None = "shallow, 6 units") -> Dashboard:
    """Depth ``K``, width ``D`` and seed of a random ReLU network; its regions, counted.

    Left: a network with one input, its function and linear regions, counted exactly over
    the whole real line, against the maximum ``(D + 1) ** K``. Right: a network of the same
    shape with two inputs, its activation regions coloured on a grid.

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
    return Dashboard(RandomNetworkView, controls, figsize=(11, 4.8), presets=RANDOM_NETWORK_PRESETS, preset=preset)
