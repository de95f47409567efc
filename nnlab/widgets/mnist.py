"""The MNIST 3-vs-8 explorer: what each hidden unit looks for, and how strongly it fires on one test digit.

Choose the width of the first hidden layer (1 to 16), optionally a second hidden layer, the layer
to display, and a test digit. The figure shows the digit with the network's verdict, a bar per
unit with its activation on that digit, and every unit's weight image (for the second layer its
effective image, ``nnlab.mnist.unit_images``).

Each network is trained the first time its setting is needed (three epochs of Adam in batches of 128:
about a tenth of a second) and kept in the dashboard's ``models`` cache; its seed depends on the setting
only, so a setting always shows the same network, whatever was visited before. After a student's move, a
background thread trains the settings one step away (one unit more or less, in either layer), so that the
next step of a slider finds its network ready and only draws.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .. import mnist
from .._validate import check_positive_int
from ..activations import sigmoid
from ..data import CLASS_NAMES, MNIST38, N_PIXELS, SIDE, load_mnist38
from ..layers import MLP, hidden_activations
from ..losses import accuracy
from ..optim import Adam, fit
from ..plots.base import FIGURE_WIDTH, fixed_labels, note
from ..plots.mnist import (
    ACTIVE_COLOR,
    OFF_COLOR,
    WEIGHT_CMAP,
    describe_activations,
    describe_unit_mosaic,
    mosaic_frame_style,
    mosaic_frame_xy,
    mosaic_title_size,
    mosaic_title_xy,
)
from .base import BackgroundCache, Dashboard

MAX_UNITS = 16
MAX_SECOND = 6

MNIST_PRESETS = {
    # the lecture's network: four units, each a prototype; a clear 3
    "lecture: 4 units": dict(units=4, second=0, layer=1, digit=1),
    # a 3 with a closed left side: which units mistake it for an 8?
    "a loopy 3": dict(units=4, second=0, layer=1, digit=0),
    # one unit must do everything: its image is a 3-versus-8 template
    "one unit": dict(units=1, second=0, layer=1, digit=5),
    # many units: more, finer prototypes; an 8
    "16 units": dict(units=16, second=0, layer=1, digit=15),
    # the lecture's two-layer network (4, 3): the parts, then their combinations
    "two layers (4, 3): layer 1": dict(units=4, second=3, layer=1, digit=21),
    "two layers (4, 3): layer 2": dict(units=4, second=3, layer=2, digit=21),
}


def _layer_options(second: int) -> list[tuple[str, int]]:
    """The layers the "show" menu offers: the second hidden layer only when the network has one."""
    return [("first hidden layer", 1)] + ([("second hidden layer", 2)] if second else [])


def _layer_applies(second: int, **_: object) -> str | None:
    """The "show" menu is a choice only when there are two hidden layers."""
    return None if second else "one hidden layer to show: set the layer-2 units above 0 for a second"


class MnistExplorer(Dashboard):
    """The dashboard, with its data and the cache of trained networks.

    Parameters
    ----------
    data : MNIST38, optional
        From ``nnlab.load_mnist38()`` (loaded here when not given).
    preset : str, optional
        One of ``MNIST_PRESETS``; ``None`` opens on the first one's values without selecting it.
    epochs : int
        Training epochs for each network (Adam, float32).
    batch_size : int
        Minibatch size: 128 by default, so that a setting seen for the first time trains in about a tenth of
        a second and a student never waits for the picture.
    lr : float
        Adam's step: 0.02 by default, large enough for three epochs of large batches.
    seed : int
        Base seed; the network of a setting is seeded with ``(seed, units, second)``.
    prefetch : bool
        After a move, train the settings one step further and one step back in a background thread
        (the same networks as trained on demand: their seeds depend on the setting only).
    """

    def __init__(self, data: MNIST38 | None = None, *, preset: str | None = "lecture: 4 units",
                 epochs: int = 3, batch_size: int = 128, lr: float = 0.02, seed: int = 0,
                 prefetch: bool = True) -> None:
        data = load_mnist38() if data is None else data
        self.X_train, self.y_train = mnist.scale_pixels(data.X_train), np.asarray(data.y_train)
        self.X_test, self.y_test = mnist.scale_pixels(data.X_test), np.asarray(data.y_test)
        self.epochs, self.seed = check_positive_int(epochs, "epochs"), seed
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.lr = lr
        self.trained = BackgroundCache(self._train, background=prefetch)
        #: (units, second) -> (trained MLP, training error, test error)
        self.models: dict[tuple[int, int], tuple[MLP, float, float]] = self.trained.results
        start = MNIST_PRESETS["lecture: 4 units"]
        controls = {
            "units": widgets.IntSlider(value=start["units"], min=1, max=MAX_UNITS,
                                       description="layer-1 units",
                                       continuous_update=False, style={"description_width": "initial"}),
            "second": widgets.IntSlider(value=start["second"], min=0, max=MAX_SECOND,
                                        description="layer-2 units (0: none)", continuous_update=False,
                                        style={"description_width": "initial"}),
            "layer": widgets.Dropdown(options=_layer_options(start["second"]), value=start["layer"],
                                      description="show"),
            "digit": widgets.IntSlider(value=start["digit"], min=0, max=len(self.y_test) - 1,
                                       description="test digit #", style={"description_width": "initial"},
                                       layout=widgets.Layout(width="440px", margin="2px 2px 2px 24px")),  # off the menu
        }
        # before the dashboard's own observer: the menu of layers follows the layer-2 units first, so that
        # the one redraw of the move sees a layer the network has
        controls["second"].observe(self._offer_layers, names="value")
        super().__init__(lambda fig: MnistView(fig, self), controls, figsize=(FIGURE_WIDTH, 5.0), presets=MNIST_PRESETS,
                         preset=preset, columns=2, applies={"layer": _layer_applies})

    def _offer_layers(self, change: dict) -> None:
        """Offer the second hidden layer only while there is one (the redraw follows, once)."""
        layer = self.controls["layer"]
        held, self._holding = self._holding, True
        try:
            layer.options = _layer_options(change["new"])
            if layer.value not in [v for _, v in layer.options]:
                layer.value = 1
        finally:
            self._holding = held

    def model(self, units: int, second: int) -> tuple[MLP, float, float]:
        """The trained network 784-units-(second)-1, with its training and test error (cached; a
        setting that the background thread is training is waited for, not trained twice)."""
        return self.trained.get((int(units), int(second)))

    def prefetch(self, settings: list[dict]) -> None:
        """Train these settings' networks in the background (see ``Dashboard.next_steps``)."""
        self.trained.prefetch((int(v["units"]), int(v["second"])) for v in settings)

    def busy(self, values: Mapping[str, Any]) -> str | None:
        """What the dashboard says while it trains a network it has not trained before."""
        key = (int(values["units"]), int(values["second"]))
        if key in self.trained.results:
            return None
        shape = f"784-{key[0]}{f'-{key[1]}' if key[1] else ''}-1"
        return f"Training the {shape} network ({self.epochs} epochs): a first visit takes a few seconds…"

    def _train(self, key: tuple[int, int]) -> tuple[MLP, float, float]:
        rng = np.random.default_rng([self.seed, *key])
        sizes = [N_PIXELS, key[0], *([key[1]] if key[1] else []), 1]
        net = MLP(sizes, "relu", rng=rng, init="glorot_uniform", dtype=np.float32)
        fit(net, self.X_train, self.y_train, loss="bce", optimizer=Adam(self.lr), epochs=self.epochs,
            batch_size=self.batch_size, rng=rng)
        errors = [1 - accuracy(net.forward(X), y, "bce")
                  for X, y in ((self.X_train, self.y_train), (self.X_test, self.y_test))]
        return net, *errors


class MnistView:
    """The explorer's picture, built once and updated in place.

    Left, the test digit (an image) with the verdict in its title, and a bar per unit with its
    activation on that digit (a pool of bars, the unused ones hidden); right, every unit's weight
    image in one mosaic image (``nnlab.mnist.unit_mosaic``) with pools of titles and frames, shown
    or hidden as the number of units changes. ``update`` moves data, texts, limits and ticks; it
    never builds an axes.

    Parameters
    ----------
    fig : Figure
        An empty figure; the view adds three axes to it.
    explorer : MnistExplorer
        Its data and its cache of trained networks.
    """

    def __init__(self, fig: Figure, explorer: MnistExplorer) -> None:
        self.fig, self.explorer = fig, explorer
        outer = fig.add_gridspec(1, 2, width_ratios=[1, 2.4], wspace=0.08, left=0.08, right=0.99, top=0.80,
                                 bottom=0.11)
        left = outer[0].subgridspec(2, 1, height_ratios=[1.25, 1], hspace=0.45)
        # titles at a fixed height (y=1.0): placing them by the axes' decorations costs a pass per redraw
        self.ax_digit = fig.add_subplot(left[0])
        self.digit = self.ax_digit.imshow(np.zeros((SIDE, SIDE)), cmap="gray_r", vmin=0, vmax=1)
        self.ax_digit.set(xticks=[], yticks=[])
        self.ax_digit.set_title("", fontsize=10, y=1.0)

        self.ax_bars = fig.add_subplot(left[1])
        n_pool = max(MAX_UNITS, MAX_SECOND)
        self.bars = list(self.ax_bars.bar(np.arange(1, n_pool + 1), np.zeros(n_pool), color=OFF_COLOR))
        self.ax_bars.set(xlabel="unit", ylabel="activation")
        self.ax_bars.set_title("", fontsize=10, y=1.0)
        # fixed label places: by default they move with the width of the tick labels ("5" or "12.5")
        fixed_labels(self.ax_bars, below=-0.22, left=-0.14)

        self.ax_units = fig.add_subplot(outer[1])
        self.mosaic = self.ax_units.imshow(np.full((1, 1), np.nan), cmap=WEIGHT_CMAP, vmin=-1, vmax=1,
                                           interpolation="nearest")
        self.ax_units.set_axis_off()
        self.ax_units.set(xlim=(-0.5, 0.5), ylim=(0.5, -0.5))  # set by every update; no autoscaling
        self.unit_titles = [self.ax_units.text(0, 0, "", ha="center", va="bottom", visible=False)
                            for _ in range(n_pool)]
        self.frames = [self.ax_units.add_patch(Rectangle((0, 0), SIDE, SIDE, fill=False, visible=False))
                       for _ in range(n_pool)]
        self.title = fig.suptitle("", fontsize=11)

    def update(self, units: int, second: int, layer: int, digit: int) -> None:
        """Show the network of ``(units, second)`` (trained now if it is new) on test digit ``digit``."""
        if layer == 2 and second == 0:  # refused before anything moves: the figure keeps its last picture
            raise ValueError("layer: this network has one hidden layer; set the layer-2 units above 0 "
                             "to show a second layer")
        explorer = self.explorer
        net, train_err, test_err = explorer.model(units, second)
        x = explorer.X_test[digit:digit + 1]
        a = hidden_activations(net, x, layer)[0].astype(np.float64)
        p8 = float(sigmoid(net.forward(x)[0, 0]))
        truth = CLASS_NAMES[int(explorer.y_test[digit])]
        verdict = CLASS_NAMES[int(p8 > 0.5)]

        self.digit.set_data(mnist.as_images(x[0]))
        mark = "right" if verdict == truth else "WRONG"
        article = "an" if truth == "8" else "a"
        self.ax_digit.title.set_text(f"test digit #{digit}: {article} {truth}\n"
                                     f"P(8) = {p8:.3f}, says {verdict} ({mark})")
        note(self.ax_digit, f"the handwritten {truth}, dark ink on white", key="digit")
        self._show_activations(a, layer)

        # up to 6 in a row "unit 1: a = 0.00"; in two rows of up to 8, "1: a=0.00", which fits at 8 points
        prefix, eq = ("unit ", " = ") if len(a) <= 6 else ("", "=")
        titles = [f"{prefix}{k + 1}: a{eq}{value:.2f}" for k, value in enumerate(a)]
        if layer == len(net.dense_layers) - 1:  # the last hidden layer: say how each unit votes
            titles = [f"{t}\nβ{eq}{b:+.2f}" for t, b in zip(titles, mnist.output_weights(net))]
        n_cols = len(a) if len(a) <= 6 else -(-len(a) // 2)  # one row, or two
        images = mnist.unit_images(net, layer)
        self._show_units(images, titles, a > 0, n_cols)
        note(self.ax_bars, describe_activations(a), key="activations")
        note(self.ax_units, describe_unit_mosaic(images, titles, a > 0), key="units")

        arch = f"784-{units}" + (f"-{second}" if second else "") + "-1"
        kind = "weights" if layer == 1 else "effective images (W1 @ W2)"
        self.title.set_text(f"{arch} ReLU network, {explorer.epochs} epochs: training error "
                            f"{100 * train_err:.2f}%, test error {100 * test_err:.2f}%\n"
                            f"right: layer-{layer} {kind}; red = on, blue = off; "
                            "a green frame = active on this digit; β > 0 votes 8")

    def _show_activations(self, a: np.ndarray, layer: int) -> None:
        """The first ``len(a)`` bars at the activations (green when on), the others hidden."""
        n = len(a)
        for k, bar in enumerate(self.bars):
            bar.set_visible(k < n)
            bar.set_height(a[k] if k < n else 0.0)
            bar.set_facecolor(ACTIVE_COLOR if k < n and a[k] > 0 else OFF_COLOR)
        self.ax_bars.set_xticks(np.arange(1, n + 1) if n <= 8 else [1, *range(4, n + 1, 4)])  # room for each
        self.ax_bars.set_xlim(0.4, n + 0.6)
        top = float(a.max())
        self.ax_bars.set_ylim(0, 1.05 * top if top > 0 else 1.0)  # matplotlib's margin above the highest bar
        self.ax_bars.title.set_text(f"layer-{layer} activations")

    def _show_units(self, images: np.ndarray, titles: list[str], active: np.ndarray, n_cols: int) -> None:
        """The mosaic of ``images``, a title above each and a frame around it (green when active)."""
        mosaic, origins = mnist.unit_mosaic(images, n_cols, row_gap=14)
        height, width = mosaic.shape
        self.mosaic.set_data(mosaic)
        self.mosaic.set_extent((-0.5, width - 0.5, height - 0.5, -0.5))
        self.ax_units.set_xlim(-0.5, width - 0.5)
        self.ax_units.set_ylim(height - 0.5, -0.5)
        fontsize = mosaic_title_size(n_cols)
        for k, (text, frame) in enumerate(zip(self.unit_titles, self.frames)):
            shown = k < len(origins)
            text.set_visible(shown)
            frame.set_visible(shown)
            if shown:
                text.set_position(mosaic_title_xy(origins[k]))
                text.set_text(titles[k])
                text.set_fontsize(fontsize)
                frame.set_xy(mosaic_frame_xy(origins[k]))
                style = mosaic_frame_style(bool(active[k]))
                frame.set_linewidth(style["linewidth"])
                frame.set_edgecolor(style["edgecolor"])


def mnist_explorer(preset: str | None = "lecture: 4 units", *,
                   data: MNIST38 | None = None, prefetch: bool = True) -> MnistExplorer:
    """Explore the hidden units of small networks on MNIST 3 vs 8 (see ``MnistExplorer``).

    Parameters
    ----------
    preset : str, optional
        One of ``MNIST_PRESETS``: ``"lecture: 4 units"`` (default), ``"a loopy 3"``, ``"one unit"``,
        ``"16 units"``, ``"two layers (4, 3): layer 1"``, ``"two layers (4, 3): layer 2"``.
    data : MNIST38, optional
        The data, if already loaded.
    prefetch : bool
        Train the settings one step away in the background (see ``MnistExplorer``).
    """
    return MnistExplorer(data, preset=preset, prefetch=prefetch)
