"""The MNIST 3-vs-8 explorer: what each hidden unit looks for, and how strongly it fires on one test digit.

Choose the width of the first hidden layer (1 to 16), optionally a second hidden layer, the layer
to display, and a test digit. The figure shows the digit with the network's verdict, a bar per
unit with its activation on that digit, and every unit's weight image (for the second layer its
effective image, ``nnlab.mnist.unit_images``).

Each network is trained the first time its setting is shown (a few epochs, well under a second)
and kept in the dashboard's ``models`` cache; its seed depends on the setting only, so a setting
always shows the same network, whatever was visited before.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from .. import mnist
from .._validate import check_positive_int
from ..activations import sigmoid
from ..data import CLASS_NAMES, MNIST38, N_PIXELS, load_mnist38
from ..layers import MLP, hidden_activations
from ..losses import accuracy
from ..optim import Adam, fit
from ..plots.mnist import plot_activations, plot_unit_mosaic
from .base import Dashboard

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


class MnistExplorer(Dashboard):
    """The dashboard, with its data and the cache of trained networks.

    Parameters
    ----------
    data : MNIST38, optional
        From ``nnlab.load_mnist38()`` (loaded here when not given).
    preset : str, optional
        One of ``MNIST_PRESETS``; ``None`` opens on the first one's values without selecting it.
    epochs : int
        Training epochs for each network (Adam, step 0.005, batches of 64, float32).
    seed : int
        Base seed; the network of a setting is seeded with ``(seed, units, second)``.
    """

    def __init__(self, data: MNIST38 | None = None, *, preset: str | None = "lecture: 4 units",
                 epochs: int = 5, seed: int = 0) -> None:
        data = load_mnist38() if data is None else data
        self.X_train, self.y_train = mnist.scale_pixels(data.X_train), np.asarray(data.y_train)
        self.X_test, self.y_test = mnist.scale_pixels(data.X_test), np.asarray(data.y_test)
        self.epochs, self.seed = check_positive_int(epochs, "epochs"), seed
        #: (units, second) -> (trained MLP, training error, test error)
        self.models: dict[tuple[int, int], tuple[MLP, float, float]] = {}
        start = MNIST_PRESETS["lecture: 4 units"]
        controls = {
            "units": widgets.IntSlider(value=start["units"], min=1, max=MAX_UNITS,
                                       description="layer-1 units",
                                       continuous_update=False, style={"description_width": "initial"}),
            "second": widgets.IntSlider(value=start["second"], min=0, max=MAX_SECOND,
                                        description="layer-2 units (0: none)", continuous_update=False,
                                        style={"description_width": "initial"}),
            "layer": widgets.Dropdown(options=[("first hidden layer", 1), ("second hidden layer", 2)],
                                      value=start["layer"], description="show"),
            "digit": widgets.IntSlider(value=start["digit"], min=0, max=len(self.y_test) - 1,
                                       description="test digit #", style={"description_width": "initial"},
                                       layout=widgets.Layout(width="420px")),
        }
        super().__init__(lambda fig: MnistView(fig, self), controls, figsize=(11, 5.2), presets=MNIST_PRESETS,
                         preset=preset, columns=2)

    def model(self, units: int, second: int) -> tuple[MLP, float, float]:
        """The trained network 784-units-(second)-1, with its training and test error (cached)."""
        key = (int(units), int(second))
        if key not in self.models:
            rng = np.random.default_rng([self.seed, *key])
            sizes = [N_PIXELS, key[0], *([key[1]] if key[1] else []), 1]
            net = MLP(sizes, "relu", rng=rng, init="glorot_uniform", dtype=np.float32)
            fit(net, self.X_train, self.y_train, loss="bce", optimizer=Adam(0.005), epochs=self.epochs,
                batch_size=64, rng=rng)
            errors = [1 - accuracy(net.forward(X), y, "bce")
                      for X, y in ((self.X_train, self.y_train), (self.X_test, self.y_test))]
            self.models[key] = (net, *errors)
        return self.models[key]

    def draw_units(self, fig: Figure, units: int, second: int, layer: int, digit: int) -> None:
        """The test digit and its activations (left), the layer's unit images (right)."""
        if layer == 2 and second == 0:
            raise ValueError("layer: this network has one hidden layer; set the layer-2 units above 0 "
                             "to show a second layer")
        net, train_err, test_err = self.model(units, second)
        x = self.X_test[digit:digit + 1]
        a = hidden_activations(net, x, layer)[0]
        p8 = float(sigmoid(net.forward(x)[0, 0]))
        truth = CLASS_NAMES[int(self.y_test[digit])]
        verdict = CLASS_NAMES[int(p8 > 0.5)]

        outer = fig.add_gridspec(1, 2, width_ratios=[1, 2.4], wspace=0.08, left=0.06, right=0.99, top=0.80,
                                 bottom=0.08)
        left = outer[0].subgridspec(2, 1, height_ratios=[1.25, 1], hspace=0.45)
        ax_digit = fig.add_subplot(left[0])
        ax_digit.imshow(mnist.as_images(x[0]), cmap="gray_r", vmin=0, vmax=1)
        ax_digit.set_xticks([])
        ax_digit.set_yticks([])
        mark = "right" if verdict == truth else "WRONG"
        article = "an" if truth == "8" else "a"
        ax_digit.set_title(f"test digit #{digit}: {article} {truth}\n"
                           f"P(8) = {p8:.3f}, says {verdict} ({mark})", fontsize=10)
        plot_activations(fig.add_subplot(left[1]), a, title=f"layer-{layer} activations")

        prefix = "unit " if len(a) <= 8 else ""
        titles = [f"{prefix}{k + 1}: a = {value:.2f}" for k, value in enumerate(a)]
        if layer == len(net.dense_layers) - 1:  # the last hidden layer: say how each unit votes
            titles = [f"{t}\nβ = {b:+.2f}" for t, b in zip(titles, mnist.output_weights(net))]
        n_cols = len(a) if len(a) <= 6 else -(-len(a) // 2)  # one row, or two
        plot_unit_mosaic(fig.add_subplot(outer[1]), mnist.unit_images(net, layer), titles,
                               n_cols=n_cols, highlight=a > 0, row_gap=14)
        arch = f"784-{units}" + (f"-{second}" if second else "") + "-1"
        kind = "weights" if layer == 1 else "effective images (W1 @ W2)"
        fig.suptitle(f"{arch} ReLU network, {self.epochs} epochs: training error {100 * train_err:.2f}%, "
                     f"test error {100 * test_err:.2f}%\nright: layer-{layer} {kind}; red = on, blue = off; "
                     "a green frame = active on this digit; β > 0 votes 8", fontsize=11)


class MnistView:
    """The explorer's picture (rebuilt at every update for now)."""

    def __init__(self, fig: Figure, explorer: MnistExplorer) -> None:
        self.fig, self.explorer = fig, explorer

    def update(self, **values) -> None:
        self.fig.clear()
        self.explorer.draw_units(self.fig, **values)


def mnist_explorer(preset: str | None = "lecture: 4 units", *,
                   data: MNIST38 | None = None) -> MnistExplorer:
    """Explore the hidden units of small networks on MNIST 3 vs 8 (see ``MnistExplorer``).

    Parameters
    ----------
    preset : str, optional
        One of ``MNIST_PRESETS``: ``"lecture: 4 units"`` (default), ``"a loopy 3"``, ``"one unit"``,
        ``"16 units"``, ``"two layers (4, 3): layer 1"``, ``"two layers (4, 3): layer 2"``.
    data : MNIST38, optional
        The data, if already loaded.
    """
    return MnistExplorer(data, preset=preset)
