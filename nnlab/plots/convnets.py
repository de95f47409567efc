"""The pictures of notebook 09 (ten classes and convolution): digits, a confusion matrix, a filter sliding over an
image and the map it makes (``ConvolutionPanels``, which the dashboard moves in place too), learned filters and
feature maps, maxout units. Each ``plot_*`` function draws on the ``ax`` or ``fig`` it is given, from numbers that
``nnlab.convnets`` computes."""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .._format import count
from ..convnets import ConvSetting, as_images, conv_setting, filter_response, filter_starts
from .base import BLUE, DECORATION, GREY, LINESTYLES, PALETTE, VERMILLION, extreme_runs, extreme_words, fmt, note
from .mnist import WEIGHT_CMAP, describe_weight_image, where_in_image

#: the colour of the zero padding around an input (its edge is also a dashed frame), and of the filter's box and
#: position marks; the position that runs off the edge is dashed
PADDING_COLOR, FILTER_COLOR, OVERHANG_COLOR = "#fdd0a2", BLUE, VERMILLION


def _bare(ax: Axes) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def plot_digits(fig: Figure, X: np.ndarray, titles: list[str], *, side: int = 8) -> None:
    """Images (N, side^2) in one row of axes on ``fig``, ink dark on white, each with its title."""
    images = as_images(np.asarray(X), side)
    if len(titles) != len(images):
        raise ValueError(f"titles: expected {len(images)} titles, got {len(titles)}")
    for k, (image, title) in enumerate(zip(images, titles)):
        ax = fig.add_subplot(1, len(images), k + 1)
        ax.imshow(image, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(title, fontsize=9)
        _bare(ax)
        note(ax, "")  # named by its title
    note(fig, f"{len(images)} handwritten digits of {side} × {side} pixels, dark ink on white, titled: "
              + ", ".join(titles), key="digits")


def plot_confusion(ax: Axes, C: np.ndarray, *, title: str | None = None) -> None:
    """A confusion matrix (K, K) with its counts: rows the true class, columns the predicted one. The diagonal (right)
    is grey, the mistakes shaded by how many, so that the confusions stand out."""
    C = np.asarray(C)
    if C.ndim != 2 or C.shape[0] != C.shape[1]:
        raise ValueError(f"C: expected a square matrix, got shape {C.shape}")
    k = len(C)
    off = np.where(np.eye(k, dtype=bool), np.nan, C.astype(float))
    cmap = colormaps["Reds"].with_extremes(bad="0.85")
    ax.imshow(off, cmap=cmap, vmin=0, vmax=max(float(np.nanmax(off)) if k > 1 else 1.0, 1.0))
    for i in range(k):
        for j in range(k):
            if C[i, j]:
                dark = i != j and C[i, j] > 0.6 * np.nanmax(off)
                ax.text(j, i, str(C[i, j]), ha="center", va="center", fontsize=9, color="white" if dark else "black")
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set(xlabel="predicted digit", ylabel="true digit")
    ax.tick_params(labelsize=9)
    note(ax, describe_confusion(C), key="confusion")
    if title:
        ax.set_title(title, fontsize=10)


def describe_confusion(C: np.ndarray) -> str:
    """A confusion matrix in words: how many are right, and every mistake (true digit, called, times), the most
    frequent first."""
    C = np.asarray(C)
    mistakes = sorted(((int(C[i, j]), i, j) for i in range(len(C)) for j in range(len(C)) if i != j and C[i, j]),
                      key=lambda m: (-m[0], m[1], m[2]))
    listed = ", ".join(f"{i} called {j} {n} time{'s' if n != 1 else ''}" for n, i, j in mistakes[:12])
    more = f" and {len(mistakes) - 12} more" if len(mistakes) > 12 else ""
    return (f"a confusion matrix, rows the true digit, columns the one predicted: {int(np.trace(C))} of "
            f"{int(C.sum())} on the diagonal (right); mistakes: {listed or 'none'}{more}")


def plot_filters(fig: Figure, W: np.ndarray, titles: list[str] | None = None) -> None:
    """Filters (K, 1, F, F) (or (K, F, F)) in one row, each with its own colour scale centred at 0 (red +, blue -)."""
    W = np.asarray(W, dtype=np.float64)
    W = W[:, 0] if W.ndim == 4 else W
    if W.ndim != 3:
        raise ValueError(f"W: expected filters of shape (K, 1, F, F) or (K, F, F), got {np.shape(W)}")
    note(fig, f"{len(W)} filters of {W.shape[1]} × {W.shape[2]} weights, each on its own scale, red positive, blue "
              "negative", key="filters")
    for k, w in enumerate(W):
        ax = fig.add_subplot(1, len(W), k + 1)
        limit = float(np.abs(w).max()) or 1.0
        ax.imshow(w, cmap=WEIGHT_CMAP, vmin=-limit, vmax=limit, interpolation="nearest")
        ax.set_title(titles[k] if titles else f"filter {k + 1}", fontsize=9)
        _bare(ax)
        note(ax, describe_weight_image(w), key="weights")


def plot_feature_maps(fig: Figure, image: np.ndarray, maps: np.ndarray, *, titles: list[str] | None = None,
                      cmap: str = "gray_r") -> None:
    """An image (H, W) and the maps (K, H', W') filters made of it, in one row; each map on its own scale from 0
    (white) to its largest value (after a ReLU: where the filter found its pattern)."""
    image, maps = np.asarray(image, dtype=np.float64), np.asarray(maps, dtype=np.float64)
    if image.ndim != 2 or maps.ndim != 3:
        raise ValueError(f"image, maps: expected shapes (H, W) and (K, H', W'), got {image.shape} and {maps.shape}")
    ax = fig.add_subplot(1, len(maps) + 1, 1)
    ax.imshow(image, cmap="gray_r", vmin=0, vmax=float(image.max()) or 1.0, interpolation="nearest")
    ax.set_title("the image", fontsize=9)
    _bare(ax)
    note(ax, f"{image.shape[0]} × {image.shape[1]} pixels, dark ink on white", key="image")
    note(fig, f"an image and the {count(len(maps), 'map')} its filters make of it, each map dark where its filter "
              "responds most", key="maps")
    for k, m in enumerate(maps):
        ax = fig.add_subplot(1, len(maps) + 1, k + 2)
        ax.imshow(m, cmap=cmap, vmin=0, vmax=float(m.max()) or 1.0, interpolation="nearest")
        ax.set_title(titles[k] if titles else f"map {k + 1}", fontsize=9)
        _bare(ax)
        note(ax, f"{m.shape[0]} × {m.shape[1]}, from {fmt(m.min())} to {fmt(m.max())}, strongest in "
                 f"{where_in_image(np.maximum(m, 0))}", key="map")


def plot_maxout(ax: Axes, x: np.ndarray, pieces: np.ndarray, labels: list[str], *, title: str | None = None,
                legend: bool = True) -> None:
    """A maxout unit of one input: its pieces (P, M) along ``x`` (M,), thin and dashed, and their max, thick; the
    legend (if any) in the lower right corner."""
    x, pieces = np.asarray(x), np.asarray(pieces)
    for k, (piece, label) in enumerate(zip(pieces, labels)):
        ax.plot(x, piece, ls=LINESTYLES[1 + k % 3], lw=1.2, color=PALETTE[k % 7], label=label)
    top = pieces.max(axis=0)
    ax.plot(x, top, color="black", lw=2.5, label="max: the unit's output")
    ax.axhline(0, color=GREY, lw=0.5)
    ax.set(xlabel="x", ylabel="output")
    if legend:
        ax.legend(fontsize=9, loc="lower right")
    said = "; ".join(f"{label} from {fmt(p[0])} at x = {fmt(x[0])} to {fmt(p[-1])} at x = {fmt(x[-1])}"
                     for p, label in zip(pieces, labels))
    runs = extreme_runs(top, "lowest")
    lowest = (", " + extreme_words(f"lowest {fmt(top.min())}", runs, lambda i: fmt(x[i]))) if runs else ""
    note(ax, f"{said}; their max (thick): {fmt(top[0])} at x = {fmt(x[0])}{lowest}, {fmt(top[-1])} at x = "
             f"{fmt(x[-1])}", key="maxout")
    if title:
        ax.set_title(title, fontsize=9)


class ConvolutionPanels:
    """A filter sliding over an image (left) and the map it makes (right), built once on two axes and moved in place
    by ``show``: the notebook's static figure and the dashboard draw the same picture.

    Left: the input with its zero padding (orange cells), a dot at the centre of every position of the filter, the
    filter's box at one of them (blue), and, when the stride does not fit, the next position running off the edge
    (red, dashed). Right: the output map, (N + 2P - F)/S + 1 on a side, with the cell of the boxed position framed;
    or, when the filter does not fit, why not.
    """

    def __init__(self, ax_in: Axes, ax_out: Axes) -> None:
        self.ax_in, self.ax_out = ax_in, ax_out
        cmap = colormaps["gray_r"].with_extremes(bad=PADDING_COLOR)
        self.image = ax_in.imshow(np.zeros((1, 1)), cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
        self.grid_in = ax_in.add_collection(LineCollection([], colors="0.75", linewidths=0.5, gid=DECORATION),
                                            autolim=False)
        self.border = ax_in.add_patch(Rectangle((0, 0), 1, 1, fill=False, ls="--", lw=1.2, edgecolor="black"))
        self.centres = ax_in.scatter(np.zeros(0), np.zeros(0), s=10, color=FILTER_COLOR, zorder=3)
        self.box = ax_in.add_patch(Rectangle((0, 0), 1, 1, fill=False, lw=2.5, edgecolor=FILTER_COLOR, zorder=4))
        self.overhang = ax_in.add_patch(Rectangle((0, 0), 1, 1, fill=False, lw=2.5, ls="--", edgecolor=OVERHANG_COLOR,
                                                  zorder=4, clip_on=False))
        self.title_in = ax_in.set_title("", fontsize=9)
        self.out_image = ax_out.imshow(np.zeros((1, 1)), cmap=WEIGHT_CMAP, vmin=-1, vmax=1, interpolation="nearest")
        self.grid_out = ax_out.add_collection(LineCollection([], colors="0.75", linewidths=0.5, gid=DECORATION),
                                              autolim=False)
        self.cell = ax_out.add_patch(Rectangle((0, 0), 1, 1, fill=False, lw=2.5, edgecolor=FILTER_COLOR, zorder=4))
        self.refusal = ax_out.text(0.5, 0.5, "", ha="center", va="center", fontsize=9, wrap=True,
                                   transform=ax_out.transAxes, color=OVERHANG_COLOR)
        self.title_out = ax_out.set_title("", fontsize=9)
        for ax in (ax_in, ax_out):
            _bare(ax)

    @staticmethod
    def _grid(rows: int, cols: int) -> list[np.ndarray]:
        return ([np.array([[-0.5, r - 0.5], [cols - 0.5, r - 0.5]]) for r in range(rows + 1)]
                + [np.array([[c - 0.5, -0.5], [c - 0.5, rows - 0.5]]) for c in range(cols + 1)])

    def show(self, image: np.ndarray, kernel: np.ndarray, stride: int, padding: int, at: tuple[int, int] = (0, 0)
             ) -> None:
        """Slide the square ``kernel`` (F, F) over the square ``image`` (N, N) with this stride and padding; box the
        position ``at`` (its row and column among the positions; clipped to the last one)."""
        image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
        n, f = len(image), len(kernel)
        s = conv_setting(n, f, stride, padding)
        starts, overhang = filter_starts(n, f, stride, padding)
        side = s.padded
        padded = np.full((side, side), np.nan)
        padded[padding:padding + n, padding:padding + n] = image
        self.image.set_data(padded)
        self.image.set_extent((-0.5, side - 0.5, side - 0.5, -0.5))
        self.grid_in.set_segments(self._grid(side, side) if side <= 40 else [])
        self.border.set_bounds(padding - 0.5, padding - 0.5, n, n)
        self.border.set_visible(padding > 0)
        far = side if overhang is None else overhang + f
        self.ax_in.set_xlim(-0.5, far - 0.5)
        self.ax_in.set_ylim(far - 0.5, -0.5)
        if len(starts):
            i, j = (min(int(a), len(starts) - 1) for a in at)
            c = starts + (f - 1) / 2
            self.centres.set_offsets(np.array([(x, y) for y in c for x in c]))
            self.centres.set_sizes([min(12.0, 2000.0 / far**2)])
            self.box.set_bounds(starts[j] - 0.5, starts[i] - 0.5, f, f)
        else:
            i = j = 0
            self.centres.set_offsets(np.zeros((0, 2)))
        self.box.set_visible(len(starts) > 0)
        self.overhang.set_visible(overhang is not None)
        if overhang is not None:
            self.overhang.set_bounds(overhang - 0.5, -0.5, f, f)
        padded_text = f"padding {padding} (orange): {side} × {side}" if padding else "no padding"
        self.title_in.set_text(f"input {n} × {n}, {padded_text}\n"
                               f"filter {f} × {f}, stride {stride}: {len(starts)} position(s) across")
        self._show_output(image, kernel, s, (i, j))
        where = f"boxed at position (row {i + 1}, column {j + 1})" if len(starts) else "nowhere"
        note(self.ax_in, f"a {n} × {n} image of a ring{', ' + padded_text if padding else ''}; the filter's centre "
                         f"at {len(starts)} × {len(starts)} positions (dots), {where}"
                         + ("; the next position would run off the edge (dashed)" if overhang is not None else ""),
             key="input")

    def _show_output(self, image: np.ndarray, kernel: np.ndarray, s: ConvSetting, at: tuple[int, int]) -> None:
        """The right panel for the setting ``s`` (``conv_setting``): the output map with the cell of the boxed
        position ``at`` framed, or why there is none."""
        n, f, stride, padding = len(image), len(kernel), s.stride, s.padding
        i, j = at
        formula = f"({n} + 2×{padding} − {f})/{stride} + 1"
        if s.fits:
            out = filter_response(image, kernel, stride, padding)
            limit = float(np.abs(out).max()) or 1.0
            self.out_image.set_data(out)
            self.out_image.set_clim(-limit, limit)
            self.out_image.set_extent((-0.5, s.out - 0.5, s.out - 0.5, -0.5))
            self.ax_out.set_xlim(-0.5, s.out - 0.5)
            self.ax_out.set_ylim(s.out - 0.5, -0.5)
            self.grid_out.set_segments(self._grid(s.out, s.out) if s.out <= 40 else [])
            self.cell.set_bounds(j - 0.5, i - 0.5, 1, 1)
            self.title_out.set_text(f"output: {formula} = {s.out}: {s.out} × {s.out}\n"
                                    f"red +, blue −: the dot product at each position")
            self.refusal.set_text("")
            note(self.ax_out, f"the {s.out} × {s.out} output map, from {fmt(out.min())} to {fmt(out.max())}, the cell "
                              f"of the boxed position framed", key="output")
        else:
            self.title_out.set_text(f"output: {formula} = {s.size:.2f}" if s.f <= s.padded else "output: none")
            self.refusal.set_text("does not fit:\n" + _wrap(s.reason, 34))
            note(self.ax_out, "no output map: " + s.reason if s.reason else "no output map", key="output")
        for artist in (self.out_image, self.grid_out, self.cell):
            artist.set_visible(s.fits)

def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))
