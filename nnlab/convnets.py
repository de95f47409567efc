"""Ten classes and convolution (notebook 09): softmax and cross-entropy on ten digits, the lecture's arithmetic of a
convolution layer, and a small convolutional network against a dense one with as many parameters.

The data is scikit-learn's 8 x 8 digits (``load_digits``: 1,797 images of the ten digits, installed with
scikit-learn, nothing downloaded); where 28 x 28 matters, the MNIST 3s and 8s of ``nnlab.data.load_mnist38``.
The layers are the core's (``nnlab.conv``: ``Conv2D``, ``MaxPool2D``, ``Flatten``, ``Unflatten``, ``Maxout``) and the
loss is ``nnlab.losses.softmax_cross_entropy`` (``fit(loss="softmax_ce")`` with integer labels). Here are the
numbers the notebook prints and the tests assert: the naive softmax that overflows, the output sizes and parameter
counts of the lecture's examples, where a filter sits at each step (``filter_starts``, for the pictures and the
dashboard), the training recipe of both networks and its spread over seeds, the confusion matrix; ``nnlab.plots.
convnets`` draws them and ``nnlab.widgets.convnets`` is the dashboard.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._format import Table
from ._validate import check_array, check_choice, check_positive_int
from .conv import Conv2D, Flatten, MaxPool2D, Unflatten, conv_params, output_size_fraction, why_not_fit
from .layers import MLP, Activation, Dense, Sequential
from .losses import predict_labels
from .optim import Adam, fit

#: the side of scikit-learn's digits, and the number of classes
SIDE, N_CLASSES = 8, 10
#: the training recipe of both networks: Adam's step, the batch size and the epochs
LR, BATCH, EPOCHS = 0.01, 32, 20


# --- the data -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Digits:
    """scikit-learn's 8 x 8 digits, split in two halves with every digit in both in the same proportions.

    Attributes
    ----------
    X_train, X_test : arrays of float64, shape (N, 64)
        One image per row, 8 rows of 8 pixels, scaled from 0..16 to [0, 1].
    y_train, y_test : arrays of int, shape (N,)
        The digit, 0 to 9.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def load_digits(*, test_size: float = 0.5, seed: int = 0) -> Digits:
    """The 1,797 digits of ``sklearn.datasets.load_digits``, scaled to [0, 1] and split (stratified) by ``seed``."""
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    data = sklearn_digits()
    X, y = data.data / 16.0, data.target.astype(np.int64)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, random_state=seed, stratify=y)
    return Digits(X_train, y_train, X_test, y_test)


def as_images(X: np.ndarray, side: int = SIDE) -> np.ndarray:
    """Rows of ``side * side`` pixels as images: (N, side^2) -> (N, side, side), or (side^2,) -> (side, side)."""
    X = np.asarray(X)
    if X.shape[-1:] != (side * side,) or X.ndim > 2:
        raise ValueError(f"X: expected shape (N, {side * side}) or ({side * side},), got {X.shape}")
    return X.reshape(*X.shape[:-1], side, side)


# --- softmax ------------------------------------------------------------------------------------------------------
def naive_softmax(z: np.ndarray) -> np.ndarray:
    """``exp(z_k) / sum_j exp(z_j)`` over the last axis as the formula reads, without subtracting the max first.

    For logits of 1000, ``exp(1000)`` overflows to inf and inf / inf is NaN: the function returns NaN there
    (numpy's overflow warnings are silenced, the NaN is the lesson). ``nnlab.softmax`` subtracts each row's max
    first, ``exp(z - max) / sum exp(z - max)``, which is the same number and never overflows.
    """
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)


def one_hot(y: np.ndarray, n_classes: int = N_CLASSES) -> np.ndarray:
    """Labels (N,) in [0, n_classes) -> rows (N, n_classes) with a 1 in the label's column."""
    y = np.asarray(y)
    n_classes = check_positive_int(n_classes, "n_classes")
    if y.ndim != 1 or y.dtype.kind not in "iu" or (y.size and (y.min() < 0 or y.max() >= n_classes)):
        raise ValueError(f"y: expected integer labels in [0, {n_classes}), shape (N,), got {y!r}")
    return np.eye(n_classes)[y]


def confusion_matrix(y: np.ndarray, y_hat: np.ndarray, n_classes: int = N_CLASSES) -> np.ndarray:
    """``C[i, j]``: how many samples of class i were predicted as j, shape (n_classes, n_classes); the diagonal is
    what is right (as ``sklearn.metrics.confusion_matrix``)."""
    Y, Y_hat = one_hot(y, n_classes), one_hot(y_hat, n_classes)
    if len(Y) != len(Y_hat):
        raise ValueError(f"y_hat: expected {len(Y)} predictions to match y, got {len(Y_hat)}")
    return (Y.T @ Y_hat).astype(np.int64)


def most_confused(C: np.ndarray, k: int = 3) -> list[tuple[int, int, int]]:
    """The ``k`` largest off-diagonal entries of a confusion matrix: ``(true class, predicted class, count)``,
    largest first (ties: the smaller true, then predicted, class first)."""
    C = np.asarray(C)
    off = [(-int(C[i, j]), i, j) for i in range(len(C)) for j in range(len(C)) if i != j and C[i, j] > 0]
    return [(i, j, -count) for count, i, j in sorted(off)[:check_positive_int(k, "k")]]


# --- the lecture's arithmetic -------------------------------------------------------------------------------------
class ConvSetting(NamedTuple):
    """A convolution layer's arithmetic, as the lecture does it (``conv_setting``).

    Attributes
    ----------
    n, f, stride, padding, depth, filters : int
        The input's side N, the filter's side F, S, P, the input's depth C and the number of filters K.
    padded : int
        N + 2P.
    size : float
        (N + 2P - F) / S + 1, which must be a whole number.
    reason : str or None
        Why the filter does not fit (``nnlab.conv.why_not_fit``), None when it does.
    per_filter, params : int
        F F C + 1 and K (F F C + 1).
    """

    n: int
    f: int
    stride: int
    padding: int
    depth: int
    filters: int
    padded: int
    size: float
    reason: str | None
    per_filter: int
    params: int

    @property
    def fits(self) -> bool:
        return self.reason is None

    @property
    def out(self) -> int | None:
        """The output's side, None when the filter does not fit."""
        return round(self.size) if self.fits else None


def conv_setting(n: int, f: int, stride: int = 1, padding: int = 0, *, depth: int = 1,
                 filters: int = 1) -> ConvSetting:
    """The output size, whether it fits, and the parameter count of a convolution layer (``ConvSetting``)."""
    reason = why_not_fit(n, f, stride, padding)
    size = output_size_fraction(n, f, stride, padding) if n + 2 * padding >= f else math.nan
    per_filter = conv_params(depth, 1, f)
    return ConvSetting(n, f, stride, padding, depth, filters, n + 2 * padding, size, reason, per_filter,
                       per_filter * check_positive_int(filters, "filters"))


def filter_starts(n: int, f: int, stride: int = 1, padding: int = 0) -> tuple[np.ndarray, int | None]:
    """Where the filter's first row (or column) sits at each step along one side of the padded input.

    Returns
    -------
    starts : array of int
        0, S, 2S, ... for every position where the whole filter lies on the padded input (0-based, in padded
        coordinates).
    overhang : int or None
        The next start, where the filter runs off the edge, when the stride does not fit; None when it fits.
    """
    reason = why_not_fit(n, f, stride, padding)
    padded = n + 2 * padding
    starts = np.arange(0, max(padded - f, -1) + 1, stride)
    if reason is None or f > padded:
        return starts, None
    return starts, int(starts[-1] + stride)


def dense_params_for_same_output(side: int, f: int, filters: int, *, padding: int | None = None) -> int:
    """The parameters of a dense layer that maps a ``side x side`` image to the same outputs as a convolution layer
    of ``filters`` filters of ``f x f`` at stride 1 (default padding "same", (f - 1) / 2): one weight from every pixel
    to every output value, plus a bias per output. Weight sharing is what the convolution saves."""
    padding = (f - 1) // 2 if padding is None else padding
    out = conv_setting(side, f, 1, padding).out
    n_out = filters * out * out
    return side * side * n_out + n_out


# --- pictures' inputs: an image of any size and a few filters -----------------------------------------------------
def ring_image(n: int) -> np.ndarray:
    """An ``n x n`` test image in [0, 1]: a ring, which has edges in every direction (for the dashboard)."""
    n = check_positive_int(n, "n")
    centre = (n - 1) / 2
    i, j = np.mgrid[0:n, 0:n]
    r = np.hypot(i - centre, j - centre)
    return np.clip(1.0 - np.abs(r - 0.32 * n) / max(0.12 * n, 0.5), 0.0, 1.0)


#: the filters of the pictures and the dashboard, by name
FILTERS = ("vertical edges", "horizontal edges", "blur")


def demo_filter(kind: str, f: int) -> np.ndarray:
    """An ``f x f`` filter: ``"vertical edges"`` (-1 on the left columns, +1 on the right ones: positive where ink
    starts going right), ``"horizontal edges"`` (its transpose: ink starting going down) or ``"blur"`` (all 1 / f^2)."""
    check_choice(kind, "kind", FILTERS)
    f = check_positive_int(f, "f")
    if kind == "blur" or f == 1:
        return np.full((f, f), 1.0 / (f * f))
    column = np.sign(np.arange(f) - (f - 1) / 2)
    vertical = np.tile(column, (f, 1)) / (f * (f // 2))
    return vertical if kind == "vertical edges" else vertical.T.copy()


def filter_response(image: np.ndarray, kernel: np.ndarray, stride: int = 1, padding: int = 0) -> np.ndarray:
    """One filter slid over one grey image: ``Conv2D`` with this one filter and no bias, (H, W) -> (H_out, W_out)."""
    image = check_array(image, "image", ndim=2, dtype=np.float64)
    kernel = check_array(kernel, "kernel", ndim=2, dtype=np.float64)
    if kernel.shape[0] != kernel.shape[1]:
        raise ValueError(f"kernel: expected a square filter, got shape {kernel.shape}")
    layer = Conv2D(1, 1, len(kernel), stride=stride, padding=padding, W=kernel[None, None])
    return layer.forward(image[None, None])[0, 0]


def edge_filters() -> np.ndarray:
    """Four hand-set 3 x 3 filters, shape (4, 1, 3, 3), for the left, right, top and bottom edges of a stroke: the
    first is -1/4, -2/4, -1/4 in its left column and the same positive in its right one (Sobel's weights), so it is
    positive where the ink begins as you move right; the others are it mirrored and turned."""
    right = np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]]) / 4
    return np.stack([right, -right, right.T, -right.T])[:, None]


# --- the two networks ---------------------------------------------------------------------------------------------
def digit_convnet(*, rng: np.random.Generator, filters: int = 8) -> Sequential:
    """The convolutional network: 8 filters of 3 x 3 ("same" padding) on the 8 x 8 image, ReLU, 2 x 2 max pooling,
    then a dense layer from the 8 maps of 4 x 4 to the ten logits: 8 x 10 + 128 x 10 + 10 = 1,370 parameters."""
    filters = check_positive_int(filters, "filters")
    return Sequential(Unflatten((1, SIDE, SIDE)), Conv2D(1, filters, 3, padding=1, rng=rng), Activation("relu"),
                      MaxPool2D(2), Flatten(), Dense(filters * (SIDE // 2) ** 2, N_CLASSES, rng=rng))


def digit_mlp(*, rng: np.random.Generator, hidden: int = 18) -> MLP:
    """The dense network with about as many parameters: 64-18-10, ReLU (64 x 18 + 18 + 18 x 10 + 10 = 1,360)."""
    return MLP([SIDE * SIDE, check_positive_int(hidden, "hidden"), N_CLASSES], "relu", rng=rng)


#: the networks ``train_digits`` builds, by name
NETWORKS = {"convolutional": digit_convnet, "dense": digit_mlp}


def train_digits(kind: str, X_train: np.ndarray, y_train: np.ndarray, *, seed: int,
                 epochs: int = EPOCHS) -> Sequential:
    """The notebook's recipe for either network: softmax cross-entropy, Adam with step 0.01, batches of 32, 20 epochs,
    float64; ``np.random.default_rng(seed)`` gives the starting weights and the order of the batches.

    Parameters
    ----------
    kind : str
        ``"convolutional"`` (``digit_convnet``) or ``"dense"`` (``digit_mlp``).
    X_train : array, shape (N, 64)
    y_train : array of int, shape (N,)
    seed : int
    epochs : int
    """
    check_choice(kind, "kind", NETWORKS)
    rng = np.random.default_rng(seed)
    model = NETWORKS[kind](rng=rng)
    fit(model, X_train, y_train, loss="softmax_ce", optimizer=Adam(LR), epochs=epochs, batch_size=BATCH, rng=rng)
    return model


@dataclass(frozen=True)
class Comparison:
    """Both networks trained from the same seeds: their test accuracies. Printing it gives the table.

    Attributes
    ----------
    seeds : tuple of int
    params : dict of str to int
        Each network's parameter count.
    accuracy : dict of str to array, shape (S,)
        Each network's accuracy on the test digits, one per seed.
    train_accuracy : dict of str to array, shape (S,)
        The same on the training digits.
    n_test : int
    models : dict of str to list of Sequential
        The trained networks, one per seed.
    """

    seeds: tuple[int, ...]
    params: dict[str, int]
    accuracy: dict[str, np.ndarray]
    train_accuracy: dict[str, np.ndarray]
    n_test: int
    models: dict[str, list[Sequential]]

    def __repr__(self) -> str:
        names = list(self.accuracy)
        lines = [f"test accuracy on {self.n_test} digits, trained from seeds {', '.join(map(str, self.seeds))}:",
                 "  seed" + "".join(f"  {f'{name} ({self.params[name]:,} parameters)':>32}" for name in names)]
        for i, seed in enumerate(self.seeds):
            cells = "".join(f"  {self._cell(name, i):>32}" for name in names)
            lines.append(f"  {seed:4d}{cells}")
        for name in names:
            acc = self.accuracy[name]
            train = self.train_accuracy[name]
            gap = 100 * (train - acc)
            lines.append(f"  {name}: mean {100 * acc.mean():.2f}%, from {100 * acc.min():.2f}% to "
                         f"{100 * acc.max():.2f}% (a spread of {100 * np.ptp(acc):.2f} points)")
            lines.append(f"  {' ' * len(name)}  on the training digits {100 * train.min():.2f}% to "
                         f"{100 * train.max():.2f}%; training minus test: mean {gap.mean():.2f} points, from "
                         f"{gap.min():.2f} to {gap.max():.2f}")
        return "\n".join(lines)

    def _cell(self, name: str, i: int) -> str:
        acc = self.accuracy[name][i]
        return f"{100 * acc:.2f}% ({round(acc * self.n_test)})"

    __str__ = __repr__

    def _repr_html_(self) -> str:
        """The same table as a real one (``nnlab._format.Table``): a seed per row, a network per column."""
        lines = repr(self).splitlines()
        names = list(self.accuracy)
        header = ["seed", *(f"{name} ({self.params[name]:,} parameters)" for name in names)]
        rows = [[seed, *(self._cell(name, i) for name in names)] for i, seed in enumerate(self.seeds)]
        notes = [line.strip() for line in lines[2 + len(self.seeds):]]
        return Table(repr(self), header, rows, lines[0], notes)._repr_html_()


def compare_over_seeds(data: Digits, seeds, *, epochs: int = EPOCHS) -> Comparison:
    """Train the convolutional and the dense network (``train_digits``) from each seed; their test accuracies."""
    seeds = tuple(int(s) for s in seeds)
    if not seeds:
        raise ValueError("seeds: expected at least one seed, got none")
    models = {kind: [train_digits(kind, data.X_train, data.y_train, seed=s, epochs=epochs) for s in seeds]
              for kind in NETWORKS}
    def accuracy(X: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
        return {kind: np.array([np.mean(predict_labels(m.forward(X), "softmax_ce") == y) for m in ms])
                for kind, ms in models.items()}

    return Comparison(seeds, {kind: ms[0].n_params for kind, ms in models.items()}, accuracy(data.X_test, data.y_test),
                      accuracy(data.X_train, data.y_train), len(data.y_test), models)


def conv_layer(model: Sequential) -> Conv2D:
    """The first ``Conv2D`` of a network."""
    for _, layer in model.named_layers():
        if isinstance(layer, Conv2D):
            return layer
    raise ValueError(f"model: expected a network with a Conv2D layer, got {model!r}")


def blur_share(W: np.ndarray) -> np.ndarray:
    """How much each filter is a blur: the cosine between its weights and an all-equal filter, shape (K,).

    1 for a blur (every weight the same: it measures the ink under it), 0 for weights that sum to zero (an edge or a
    stripe: it measures where the ink changes and ignores even ink), -1 for a negative blur.
    """
    W = np.asarray(W, dtype=np.float64)
    flat = W.reshape(len(W), -1)
    return flat.sum(axis=1) / (np.sqrt(flat.shape[1]) * np.linalg.norm(flat, axis=1))


def feature_maps(model: Sequential, x: np.ndarray) -> np.ndarray:
    """What the first convolution layer and its activation make of one image: (K, H, W), one map per filter (after
    the ReLU, before the pooling), for a network that starts Unflatten, Conv2D, Activation (``digit_convnet``)."""
    layers = list(model.layers)
    if not (len(layers) >= 3 and isinstance(layers[0], Unflatten) and isinstance(layers[1], Conv2D)
            and isinstance(layers[2], Activation)):
        raise ValueError(f"model: expected a network that starts Unflatten, Conv2D, Activation, got {model!r}")
    x = np.asarray(x, dtype=model.dtype).reshape(1, -1)
    return Sequential(*layers[:3]).forward(x)[0]
