"""MNIST 3 vs 8: what the hidden units of a network on pixels look for (notebook 04).

A hidden unit of the first layer computes ``h = relu(w . x + c)`` with one weight per pixel, so its
784 weights ``w`` can be drawn as a 28 x 28 image: red pixels push the unit on, blue pixels push it
off. A unit of a later layer has no pixel weights of its own; ``unit_images`` draws the weighted sum
of the first-layer images along its weights (``W1 @ W2[:, j]``), the input pattern that raises its
pre-activation most when every unit in between is active.

The data is ``nnlab.data.load_mnist38``; here are the numbers (``unit_images``, ``hidden_space_3d``,
the mosaics and friends return arrays that the tests check), and ``nnlab.plots.mnist`` draws them.
``train_network`` is the notebook's training recipe, and ``seed_runs`` repeats it over seeds: one run's
error is one draw, and the spread over seeds says how much of it is luck.

Labels: **1 for an 8, 0 for a 3**, so a positive logit (an output weight > 0 times an active unit)
votes for 8.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._format import Table
from ._validate import check_positive_int, check_rng
from .data import CLASS_NAMES, N_PIXELS, SIDE
from .layers import MLP, Sequential, check_mlp, dead_units, hidden_activations
from .losses import predict_labels
from .optim import Adam, fit


def scale_pixels(X: np.ndarray, dtype: type = np.float32) -> np.ndarray:
    """Pixels 0..255 -> floats in [0, 1]: ``X / 255``, same shape.

    Parameters
    ----------
    X : array of uint8 (or any real numbers in [0, 255]), shape (N, 784)
    dtype : numpy floating dtype
        ``np.float32`` (default: faster, and precise enough for pixels) or ``np.float64``.
    """
    X = np.asarray(X)
    if X.dtype.kind not in "uif":
        raise ValueError(f"X: expected pixel values 0..255, got dtype {X.dtype}")
    if X.size and (X.min() < 0 or X.max() > 255):
        raise ValueError(f"X: expected pixel values 0..255, got values from {X.min()} to {X.max()}")
    if np.dtype(dtype).kind != "f":
        raise ValueError(f"dtype: expected np.float32 or np.float64, got {np.dtype(dtype)}")
    return X.astype(dtype) / np.asarray(255, dtype=dtype)


def as_images(X: np.ndarray) -> np.ndarray:
    """Rows of 784 pixels -> 28 x 28 images: (N, 784) -> (N, 28, 28), or (784,) -> (28, 28)."""
    X = np.asarray(X)
    if X.shape[-1:] != (N_PIXELS,) or X.ndim > 2:
        raise ValueError(f"X: expected shape (N, 784) or (784,), got {X.shape}")
    return X.reshape(*X.shape[:-1], SIDE, SIDE)


def example_indices(y: np.ndarray, per_class: int, *, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``per_class`` random 3s followed by ``per_class`` random 8s, shape (2 * per_class,)."""
    check_rng(rng)
    per_class = check_positive_int(per_class, "per_class")
    y = np.asarray(y)
    picks = []
    for cls in (0, 1):
        members = np.flatnonzero(y == cls)
        if len(members) < per_class:
            raise ValueError(f"per_class: expected at most {len(members)} (the number of "
                             f"{CLASS_NAMES[cls]}s in y), got {per_class}")
        picks.append(np.sort(rng.choice(members, per_class, replace=False)))
    return np.concatenate(picks)


# --- training, and its spread over seeds ---------------------------------------------------------
def train_network(sizes: list[int], X_train: np.ndarray, y_train: np.ndarray, *, seed: int,
                  epochs: int = 10) -> MLP:
    """Notebook 04's recipe: a ReLU network on pixels, trained on binary cross-entropy.

    Glorot-uniform weights in float32, Adam with step 0.005, batches of 64, ``epochs`` epochs; the
    starting weights and the order of the batches both come from ``np.random.default_rng(seed)``, so
    ``seed`` fixes the whole run.

    Parameters
    ----------
    sizes : list of int
        Widths from the 784 inputs to the one output, e.g. ``[784, 4, 1]``; ``[784, 1]`` is logistic
        regression.
    X_train : array, shape (N, 784)
        Pixels scaled to [0, 1] (``scale_pixels``).
    y_train : array of int, shape (N,)
        1 for an 8, 0 for a 3.
    seed : int
    """
    rng = np.random.default_rng(seed)
    net = MLP(sizes, "relu", rng=rng, init="glorot_uniform", dtype=np.float32)
    fit(net, X_train, y_train, loss="bce", optimizer=Adam(0.005), epochs=epochs, batch_size=64, rng=rng)
    return net


@dataclass(frozen=True)
class SeedRuns:
    """One network shape trained by ``train_network`` from several seeds: its errors and dead units.

    Printing it gives a table, one row per seed, and the mean and range of the test error.

    Attributes
    ----------
    sizes : tuple of int
    seeds : tuple of int
    train_errors, test_errors : arrays, shape (S,)
        Fractions of misclassified digits, one per seed.
    n_train, n_test : int
        The numbers of digits they are fractions of.
    dead : array of int, shape (S, n_hidden_layers)
        Dead units (0 on every training digit) per hidden layer.
    """

    sizes: tuple[int, ...]
    seeds: tuple[int, ...]
    train_errors: np.ndarray
    test_errors: np.ndarray
    n_train: int
    n_test: int
    dead: np.ndarray

    @property
    def name(self) -> str:
        """The shape, e.g. ``"784-4-1"``."""
        return "-".join(map(str, self.sizes))

    def __repr__(self) -> str:
        return str(self.table())

    __str__ = __repr__

    def table(self) -> Table:
        """The runs, one line per seed, and the spread of the test error: the printed text, which displays as a
        real table (``nnlab._format.Table``)."""
        hidden = self.dead.shape[1] > 0
        header = ["seed", "training error", "test error"] + (["dead units per layer"] if hidden else [])
        caption = f"{self.name}, trained from seeds {', '.join(map(str, self.seeds))}:"
        lines = [caption, "  seed   training error    test error" + ("    dead units per layer" if hidden else "")]
        rows = []
        for i, seed in enumerate(self.seeds):
            train = f"{100 * self.train_errors[i]:5.2f}% ({round(self.train_errors[i] * self.n_train):3d})"
            test = f"{100 * self.test_errors[i]:5.2f}% ({round(self.test_errors[i] * self.n_test):2d})"
            dead = f"    {self.dead[i].tolist()}" if hidden else ""
            lines.append(f"  {seed:4d}   {train}     {test}{dead}")
            rows.append([seed, train, test] + ([self.dead[i].tolist()] if hidden else []))
        lo, hi = int(np.argmin(self.test_errors)), int(np.argmax(self.test_errors))
        note = (f"test error: mean {100 * self.test_errors.mean():.2f}%, from {100 * self.test_errors[lo]:.2f}% "
                f"(seed {self.seeds[lo]}) to {100 * self.test_errors[hi]:.2f}% (seed {self.seeds[hi]})")
        lines.append("  " + note)
        return Table("\n".join(lines), header, [[" ".join(str(c).split()) for c in r] for r in rows], caption,
                     [note])

    def _repr_html_(self) -> str:
        return self.table()._repr_html_()


def seed_runs(sizes: list[int], seeds, X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray,
              y_test: np.ndarray, *, epochs: int = 10) -> SeedRuns:
    """Train ``sizes`` once per seed with ``train_network`` and record its errors and dead units.

    Parameters
    ----------
    sizes : list of int
        As in ``train_network``.
    seeds : iterable of int
        E.g. ``range(6)``.
    X_train, y_train, X_test, y_test : arrays
        Scaled pixels and labels.
    epochs : int
        As in ``train_network``.
    """
    seeds = tuple(int(s) for s in seeds)
    if not seeds:
        raise ValueError("seeds: expected at least one seed, got none")
    train, test, dead = [], [], []
    for seed in seeds:
        net = train_network(sizes, X_train, y_train, seed=seed, epochs=epochs)
        train.append(np.mean(predict_labels(net.forward(X_train), "bce") != y_train))
        test.append(np.mean(predict_labels(net.forward(X_test), "bce") != y_test))
        dead.append([int(dead_units(net, X_train, k).sum()) for k in range(1, len(net.dense_layers))])
    return SeedRuns(sizes=tuple(int(n) for n in sizes), seeds=seeds, train_errors=np.array(train),
                    test_errors=np.array(test), n_train=len(y_train), n_test=len(y_test),
                    dead=np.array(dead, dtype=np.int64).reshape(len(seeds), -1))


# --- what the hidden units look for ----------------------------------------------------------
def _check_image_model(model: Sequential) -> int:
    """Check that ``model`` is an MLP on 784 pixels with one output; return its number of hidden layers."""
    _, acts = check_mlp(model, n_in=N_PIXELS, n_out=1)
    return len(acts)


def _check_layer(model: Sequential, layer: int) -> int:
    n_hidden = _check_image_model(model)
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or not 1 <= layer <= n_hidden:
        raise ValueError(f"layer: expected a hidden layer from 1 to {n_hidden}, got {layer!r}")
    return n_hidden


def unit_images(model: Sequential, layer: int = 1) -> np.ndarray:
    """The input pattern of every unit of a hidden layer, as 28 x 28 images.

    Layer 1: unit k's own weights ``W1[:, k]``. Layer 2: ``W1 @ W2[:, k]``, the first-layer images
    summed with unit k's weights; layer 3: ``W1 @ W2 @ W3[:, k]``, and so on. For a deeper layer this
    is the linear part of the path only (the ReLUs in between are ignored): the pattern that raises
    the unit most while all units in between are active.

    Parameters
    ----------
    model : MLP
        A network with 784 inputs and one output.
    layer : int
        The hidden layer, 1 = the first.

    Returns
    -------
    array, shape (n_units, 28, 28)
    """
    _check_layer(model, layer)
    effective = model.dense_layers[0].params["W"]
    for dense in model.dense_layers[1:layer]:
        effective = effective @ dense.params["W"]
    return as_images(effective.T.astype(np.float64))


def output_weights(model: Sequential) -> np.ndarray:
    """Weights from the last hidden layer's units to the output logit, shape (n_units,).

    With label 1 for an 8, a unit with a positive weight votes for 8 when it is active, one with a
    negative weight for 3.
    """
    n_hidden = _check_image_model(model)
    if n_hidden == 0:
        raise ValueError("model: expected at least one hidden layer, got a network without one")
    return np.asarray(model.dense_layers[-1].params["W"][:, 0], dtype=np.float64)


def unit_titles(model: Sequential, layer: int = 1) -> list[str]:
    """One title per unit of a hidden layer; for the last hidden layer with its output weight and vote."""
    n_hidden = _check_layer(model, layer)
    n_units = model.dense_layers[layer - 1].n_out
    if layer < n_hidden:
        return [f"layer {layer}, unit {k + 1}" for k in range(n_units)]
    beta = output_weights(model)
    return [f"unit {k + 1}: β = {beta[k]:+.2f}\nvotes {CLASS_NAMES[int(beta[k] > 0)]}" for k in range(n_units)]


@dataclass
class HiddenSpace3D:
    """Samples mapped to three units of the last hidden layer, and the output unit's plane there.

    Attributes
    ----------
    H : array, shape (N, 3)
        The three units' activations for every sample.
    units : tuple of int
        Which units (0-based) the three columns are.
    normal : array, shape (3,)
        Their output weights.
    offset : float
        The output bias plus, for every other unit, its output weight times its mean activation.
        The plane is ``H @ normal + offset = 0``; exact when the layer has three units (or the
        others are dead), a slice through the mean of the others otherwise.
    """

    H: np.ndarray
    units: tuple[int, ...]
    normal: np.ndarray
    offset: float

    def predict(self) -> np.ndarray:
        """1 (an 8) for the samples on the positive side of the plane, else 0, shape (N,)."""
        return (self.H @ self.normal + self.offset > 0).astype(np.int64)


def hidden_space_3d(model: Sequential, X: np.ndarray,
                    units: tuple[int, int, int] | None = None) -> HiddenSpace3D:
    """Map ``X`` to three units of the last hidden layer and find the output unit's plane there.

    Parameters
    ----------
    model : MLP
        A network with 784 inputs, one output and at least three units in its last hidden layer.
    X : array, shape (N, 784)
        Inputs, scaled as the model was trained.
    units : three ints, optional
        Which units (0-based) to keep; default the three whose term ``v_k h_k`` of the output logit
        varies most over ``X`` (the units the output listens to most).

    Returns
    -------
    HiddenSpace3D
    """
    n_hidden = _check_image_model(model)
    if n_hidden == 0:
        raise ValueError("model: expected at least one hidden layer, got a network without one")
    H = hidden_activations(model, X, n_hidden).astype(np.float64)
    beta = output_weights(model)
    if H.shape[1] < 3:
        raise ValueError(f"model: expected at least 3 units in the last hidden layer, got {H.shape[1]}")
    if units is None:
        spread = (H * beta).std(axis=0)
        units = tuple(int(k) for k in np.sort(np.argsort(-spread, kind="stable")[:3]))
    units = tuple(int(k) for k in units)
    if len(units) != 3 or len(set(units)) != 3 or not all(0 <= k < H.shape[1] for k in units):
        raise ValueError(f"units: expected three different units from 0 to {H.shape[1] - 1}, got {units}")
    others = [k for k in range(H.shape[1]) if k not in units]
    offset = float(model.dense_layers[-1].params["b"][0]) + float(H[:, others].mean(axis=0) @ beta[others])
    return HiddenSpace3D(H=H[:, list(units)], units=units, normal=beta[list(units)], offset=offset)


def plane_in_box(normal: np.ndarray, offset: float, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The polygon where the plane ``normal . h + offset = 0`` cuts the box ``lo <= h <= hi`` (3-D).

    Returns
    -------
    array, shape (M, 3)
        The corners, in order around the polygon (M = 0 when the plane misses the box, else 3 to 6).
    """
    normal, lo, hi = (np.asarray(a, dtype=np.float64) for a in (normal, lo, hi))
    if normal.shape != (3,) or lo.shape != (3,) or hi.shape != (3,):
        raise ValueError(f"normal, lo, hi: expected shape (3,), got {normal.shape}, {lo.shape}, {hi.shape}")
    corners = np.array([[(lo, hi)[(i >> d) & 1][d] for d in range(3)] for i in range(8)])
    values = corners @ normal + offset
    points = [corners[i] for i in range(8) if values[i] == 0]
    for i in range(8):
        for d in range(3):
            j = i | (1 << d)  # the 12 edges: i and j differ in coordinate d
            if j != i and values[i] * values[j] < 0:
                points.append(corners[i] + values[i] / (values[i] - values[j]) * (corners[j] - corners[i]))
    if len(points) < 3:
        return np.empty((0, 3))
    points = np.unique(np.round(points, 12), axis=0)
    if len(points) < 3:
        return np.empty((0, 3))
    centre = points.mean(axis=0)
    # order the corners by their angle around the centre, in the plane
    u = points[0] - centre
    u /= np.linalg.norm(u) or 1.0
    w = np.cross(normal / np.linalg.norm(normal), u)
    angles = np.arctan2((points - centre) @ w, (points - centre) @ u)
    return points[np.argsort(angles)]


def grid_shape(n: int, n_cols: int | None = None) -> tuple[int, int]:
    """(rows, columns) for n panels: n_cols columns, or a near-square grid when n_cols is None."""
    n_cols = n_cols or min(n, max(1, math.ceil(math.sqrt(n))))
    return math.ceil(n / n_cols), n_cols


def digit_mosaic(X: np.ndarray, n_cols: int, *, pad: int = 2) -> np.ndarray:
    """Tile digits into one image: rows of ``n_cols`` digits, ``pad`` pixels of NaN between them.

    One ``imshow`` of a mosaic draws hundreds of digits in the time ``plot_digits`` draws a dozen.

    Parameters
    ----------
    X : array, shape (N, 784) or (N, 28, 28)
        Pixels 0..255 (uint8) or already in [0, 1].
    n_cols : int
        Digits per row.
    pad : int
        Width of the gaps, in pixels (NaN: they show the axes' background).

    Returns
    -------
    array of float, shape (rows * (28 + pad) - pad, n_cols * (28 + pad) - pad)
        Pixels in [0, 1] (0 in the empty cells of the last row); NaN in the gaps.
    """
    X = np.asarray(X)
    images = as_images(X.reshape(len(X), -1)) if X.ndim == 3 else as_images(X)
    if images.ndim != 3 or len(images) == 0:
        raise ValueError(f"X: expected at least one image, got shape {X.shape}")
    n_cols = check_positive_int(n_cols, "n_cols")
    if isinstance(pad, bool) or not isinstance(pad, (int, np.integer)) or pad < 0:
        raise ValueError(f"pad: expected a whole number of pixels >= 0, got {pad!r}")
    scale = 255.0 if images.dtype == np.uint8 or images.max() > 1 else 1.0
    rows = math.ceil(len(images) / n_cols)
    step = SIDE + pad
    mosaic = np.full((rows * step - pad, n_cols * step - pad), np.nan)
    for i, image in enumerate(images):
        r, c = divmod(i, n_cols)
        mosaic[r * step:r * step + SIDE, c * step:c * step + SIDE] = image / scale
    for i in range(len(images), rows * n_cols):  # empty cells of the last row: blank paper
        r, c = divmod(i, n_cols)
        mosaic[r * step:r * step + SIDE, c * step:c * step + SIDE] = 0.0
    return mosaic


def unit_mosaic(images: np.ndarray, n_cols: int | None = None, *, gap: int = 3,
                row_gap: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Tile weight images into one, each divided by its largest absolute value (so in [-1, 1]).

    Parameters
    ----------
    images : array, shape (n_units, 28, 28)
    n_cols : int, optional
        Images per row; default a near-square grid.
    gap, row_gap : int
        Pixels between columns and between rows (room for a title above each image); NaN there.

    Returns
    -------
    mosaic : array of float, shape (rows * (28 + row_gap), n_cols * (28 + gap) - gap)
        NaN in the gaps and in empty cells.
    origins : array of int, shape (n_units, 2)
        The (row, column) of each image's top-left pixel in the mosaic.
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 3 or images.shape[1:] != (SIDE, SIDE) or len(images) == 0:
        raise ValueError(f"images: expected shape (n_units, 28, 28), got {images.shape}")
    rows, cols = grid_shape(len(images), n_cols)
    step_r, step_c = SIDE + row_gap, SIDE + gap
    mosaic = np.full((rows * step_r, cols * step_c - gap), np.nan)
    origins = np.array([(row_gap + (k // cols) * step_r, (k % cols) * step_c) for k in range(len(images))])
    for (r, c), image in zip(origins, images):
        mosaic[r:r + SIDE, c:c + SIDE] = image / (np.abs(image).max() or 1.0)
    return mosaic, origins
