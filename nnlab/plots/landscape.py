"""The pictures of notebook 05 (non-convexity): the loss along a line with its chord, on a plane (contours
and surface), training paths, final losses and sharpness. Each ``plot_*`` function draws on the ``ax``
it is given, from numbers that a function of ``nnlab.landscape`` computes."""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection

from .._validate import check_positive, check_vector
from .base import BLUE, GREY, PALETTE, TIE, VERMILLION, extreme_runs, extreme_words, fmt, note

#: colours of training paths: bright enough to read on the dark and the light end of viridis (each drawn with a
#: black outline, which gives it its contrast)
PATH_COLORS = ("#ff7f0e", "#f0f0f0", "#e377c2", "#17becf", "#d62728")
#: the second cue of the groups of a histogram: hatching
HATCHES = ("", "//", "\\\\", "xx")
#: the second cue of the groups of a scatter plot: markers
MARKERS = ("o", "s", "^", "D", "v", "P")


def describe_line(alphas: np.ndarray, losses: np.ndarray, mark: float | None, labels: tuple[str, str]) -> str:
    """The loss along a line in words: its ends, its highest point between them, and the marked point against the
    chord."""
    ends = np.interp([0.0, 1.0], alphas, losses)
    inside = np.where((alphas >= 0) & (alphas <= 1), losses, np.nan)
    top = fmt(np.nanmax(inside), 3)
    runs = extreme_runs(inside, "highest") or [(int(np.nanargmax(inside)),) * 2]  # at an end of the alphas
    where = extreme_words(f"highest between them {top}", runs, lambda i: fmt(alphas[i]), ("α =", "α ="))
    text = (f"the loss along the line from {labels[0]} (α = 0, loss {fmt(ends[0], 3)}) to {labels[1]} (α = 1, loss "
            f"{fmt(ends[1], 3)}), {where}; the chord joins the two ends")
    if mark is not None:
        value = float(np.interp(mark, alphas, losses))
        text += f"; marked α = {mark:.2f}: loss {value:.3f}"
        if 0 <= mark <= 1:
            chord = (1 - mark) * ends[0] + mark * ends[1]
            side = "above" if value > chord + 1e-12 else "not above"
            text += f", {side} the chord ({chord:.3f} there)"
    return text


def _check_line(alphas: np.ndarray, losses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    alphas, losses = check_vector(alphas, "alphas"), check_vector(losses, "losses")
    if alphas.shape != losses.shape:
        raise ValueError(f"losses: expected shape {alphas.shape} to match alphas, got {losses.shape}")
    if not (alphas.min() <= 0 and alphas.max() >= 1):
        raise ValueError("alphas: expected a range that includes 0 and 1, the two ends of the segment")
    return alphas, losses


def plot_loss_along_line(ax: Axes, alphas: np.ndarray, losses: np.ndarray, *, chord: bool = True,
                         mark: float | None = None, labels: tuple[str, str] = ("θ′", "θ")) -> None:
    """The loss along a line (from ``loss_along_line``), the chord between its ends, and a marked point.

    Parameters
    ----------
    ax : Axes
    alphas, losses : arrays, shape (n,)
        Must include alpha = 0 and alpha = 1 (the two ends).
    chord : bool
        Draw the straight segment from (0, L(theta')) to (1, L(theta)): a convex loss never
        rises above it.
    mark : float, optional
        An alpha to mark with a dot on the curve and on the chord.
    labels : (str, str)
        Names of the ends at alpha = 0 and alpha = 1.
    """
    alphas, losses = _check_line(alphas, losses)
    ends = np.interp([0.0, 1.0], alphas, losses)
    note(ax, describe_line(alphas, losses, mark, labels), key="line")
    ax.plot(alphas, losses, color=BLUE, lw=2, label="loss along the line")
    if chord:
        ax.plot([0, 1], ends, color=GREY, ls="--", lw=1.5, label="chord (a convex loss stays below it)")
    ax.scatter([0, 1], ends, color="black", zorder=3)
    for x, value, text in zip([0, 1], ends, labels):  # below the point: the curve rises on both sides of a minimum
        ax.annotate(text, (x, value), textcoords="offset points", xytext=(0, -6), ha="center", va="top", fontsize=11)
    if mark is not None:
        value = float(np.interp(mark, alphas, losses))
        ax.scatter([mark], [value], s=80, color=VERMILLION, marker="D", zorder=4,
                   label=f"α = {mark:.2f}: L = {value:.3f}")
        if chord and 0 <= mark <= 1:
            on_chord = (1 - mark) * ends[0] + mark * ends[1]
            ax.scatter([mark], [on_chord], s=40, color=GREY, zorder=4)
            ax.vlines(mark, min(value, on_chord), max(value, on_chord), color=VERMILLION, lw=1, ls=":")
    ax.set(xlabel="α   (α θ + (1 − α) θ′)", ylabel="loss")
    ax.set_ylim(*_with_margin(losses.min(), losses.max(), below=LABEL_ROOM))
    ax.legend(loc="upper center", fontsize=9)


class LossAlongLine:
    """The picture of ``plot_loss_along_line`` (with its chord and a marked alpha), built once on
    ``ax`` and moved in place by ``show``: for a dashboard, which must not build axes or artists at
    every redraw.

    Parameters
    ----------
    ax : Axes
    labels : (str, str)
        Names of the ends at alpha = 0 and alpha = 1.
    ylim : (float, float), optional
        The loss axis's range; by default the range of the losses shown, with a 5% margin.
    """

    def __init__(self, ax: Axes, *, labels: tuple[str, str] = ("θ′", "θ"),
                 ylim: tuple[float, float] | None = None) -> None:
        self.ax, self.ylim = ax, ylim
        self.labels = labels
        self.curve, = ax.plot([], [], color=BLUE, lw=2, label="loss along the line")
        self.chord, = ax.plot([], [], color=GREY, ls="--", lw=1.5, label="chord (a convex loss stays below it)")
        self.ends = ax.scatter(np.zeros(2), np.zeros(2), color="black", zorder=3)
        self.end_labels = [ax.annotate(text, (x, 0.0), textcoords="offset points", xytext=(0, -6), ha="center",
                                       va="top", fontsize=11) for x, text in zip([0, 1], labels)]
        self.mark = ax.scatter(np.zeros(0), np.zeros(0), s=80, color=VERMILLION, marker="D", zorder=4, label="α")
        self.on_chord = ax.scatter(np.zeros(0), np.zeros(0), s=40, color=GREY, zorder=4)
        self.gap = ax.add_collection(LineCollection([], colors=VERMILLION, linewidths=1, linestyles=":"),
                                     autolim=False)
        ax.set(xlabel="α   (α θ + (1 − α) θ′)", ylabel="loss")
        self.legend = ax.legend(handles=[self.curve, self.chord, self.mark], loc="upper center", fontsize=9)

    def show(self, alphas: np.ndarray, losses: np.ndarray, mark: float) -> None:
        """The loss ``losses`` (n,) along ``alphas`` (n,), which must include 0 and 1 (the two
        ends), with the point ``mark`` on the curve and, if it lies between the ends, on the chord."""
        alphas, losses = _check_line(alphas, losses)
        ends = np.interp([0.0, 1.0], alphas, losses)
        note(self.ax, describe_line(alphas, losses, mark, self.labels), key="line")
        self.curve.set_data(alphas, losses)
        self.chord.set_data([0, 1], ends)
        self.ends.set_offsets(np.column_stack([[0, 1], ends]))
        for x, value, annotation in zip([0, 1], ends, self.end_labels):
            annotation.xy = (x, value)
        value = float(np.interp(mark, alphas, losses))
        self.mark.set_offsets([[mark, value]])
        self.legend.texts[2].set_text(f"α = {mark:.2f}: L = {value:.3f}")
        if 0 <= mark <= 1:
            on_chord = (1 - mark) * ends[0] + mark * ends[1]
            self.on_chord.set_offsets([[mark, on_chord]])
            self.gap.set_segments([[(mark, min(value, on_chord)), (mark, max(value, on_chord))]])
        else:
            self.on_chord.set_offsets(np.zeros((0, 2)))
            self.gap.set_segments([])
        self.ax.set_xlim(*_with_margin(alphas.min(), alphas.max()))
        self.ax.set_ylim(*(self.ylim or _with_margin(losses.min(), losses.max(), below=LABEL_ROOM)))


#: the margin under the lowest loss, as a fraction of the losses' range: room for the names of the ends
LABEL_ROOM = 0.15


def _with_margin(lo: float, hi: float, margin: float = 0.05, below: float | None = None) -> tuple[float, float]:
    """``(lo, hi)`` widened by ``margin`` of its width on each side, as matplotlib's autoscaling does
    (by ``below`` under ``lo``, if given)."""
    width = hi - lo if hi > lo else 10.0
    return float(lo - (margin if below is None else below) * width), float(hi + margin * width)


def plot_plane(ax: Axes, a: np.ndarray, b: np.ndarray, Z: np.ndarray, *, levels: int | Sequence[float] = 20,
               points: dict[str, Sequence[float]] | None = None, labels: tuple[str, str] = ("a", "b"),
               colorbar: bool = True) -> None:
    """Filled contours of a 2-D slice of the loss (from ``loss_on_plane``), with labelled points.

    Parameters
    ----------
    ax : Axes
    a, b : arrays, shapes (n_a,), (n_b,)
    Z : array, shape (n_b, n_a)
    levels : int or sequence of float
        Contour levels.
    points : dict of str to (a, b), optional
        Points to mark, by name (for example the minima).
    labels : (str, str)
        Axis labels.
    colorbar : bool
        Add a colour bar.
    """
    a, b = check_vector(a, "a"), check_vector(b, "b")
    Z = np.asarray(Z, dtype=float)
    if Z.shape != (b.size, a.size):
        raise ValueError(f"Z: expected shape ({b.size}, {a.size}) = (len(b), len(a)), got {Z.shape}")
    filled = ax.contourf(a, b, Z, levels=levels, cmap="viridis", extend="max")
    ax.contour(a, b, Z, levels=filled.levels, colors="white", linewidths=0.4, alpha=0.6)
    if colorbar:
        ax.figure.colorbar(filled, ax=ax, label="loss")
    for name, (pa, pb) in (points or {}).items():
        ax.scatter([pa], [pb], s=90, marker="*", color=VERMILLION, edgecolors="white", zorder=4)
        ax.annotate(name, (pa, pb), textcoords="offset points", xytext=(6, 6), color="white", fontsize=11)
    ax.set(xlabel=labels[0], ylabel=labels[1], aspect="auto")
    note(ax, describe_plane(a, b, Z, points or {}, labels), key="plane")


def describe_plane(a: np.ndarray, b: np.ndarray, Z: np.ndarray, points: dict[str, Sequence[float]],
                   labels: tuple[str, str]) -> str:
    """A slice of the loss in words: its range, where it is lowest, and the loss at every marked point."""
    sa, sb = float(np.max(np.abs(a))), float(np.max(np.abs(b)))
    lowest = " and ".join(f"({fmt(pa, scale=sa)}, {fmt(pb, scale=sb)})" for pa, pb in lowest_places(a, b, Z))
    marked = "; ".join(f"{name} at ({fmt(pa, scale=sa)}, {fmt(pb, scale=sb)}): loss {fmt(_at(a, b, Z, pa, pb), 3)}"
                       for name, (pa, pb) in points.items())
    return (f"the loss over the plane, {labels[0]} from {fmt(a[0])} to {fmt(a[-1])}, {labels[1]} from {fmt(b[0])} "
            f"to {fmt(b[-1])}, as filled contours (dark blue low, yellow high): from {fmt(Z.min(), 3)} to "
            f"{fmt(Z.max(), 3)}, lowest at {lowest}"
            + (f"; marked: {marked}" if marked else ""))


def lowest_places(a: np.ndarray, b: np.ndarray, Z: np.ndarray) -> list[tuple[float, float]]:
    """Where a slice ``Z`` (len(b), len(a)) is lowest: one ``(a, b)`` for each patch of neighbouring grid points within
    ``TIE`` of its minimum (the middle of the patch), up to three. Two equal minima (a network and the same one with
    its hidden units swapped) are both named: which of them is lower by round-off differs between CPUs."""
    Z = np.asarray(Z, dtype=float)
    low = float(np.nanmin(Z))
    near = np.abs(Z - low) <= TIE * abs(low) + 1e-9 * float(np.nanmax(np.abs(Z)))
    seen, places = np.zeros_like(near), []
    for start in zip(*np.nonzero(near)):
        if seen[start]:
            continue
        patch, todo = [], [start]
        seen[start] = True
        while todo:
            i, j = todo.pop()
            patch.append((i, j))
            for di in (-1, 0, 1):
                for dj in (-1, 0, 1):
                    n = (i + di, j + dj)
                    if 0 <= n[0] < Z.shape[0] and 0 <= n[1] < Z.shape[1] and near[n] and not seen[n]:
                        seen[n] = True
                        todo.append(n)
        rows, cols = np.array(patch).T
        places.append((float(np.mean(np.asarray(a)[cols])), float(np.mean(np.asarray(b)[rows]))))
    return places[:3]


def _at(a: np.ndarray, b: np.ndarray, Z: np.ndarray, pa: float, pb: float) -> float:
    """The loss at the grid point nearest to (pa, pb)."""
    return float(Z[int(np.argmin(np.abs(b - pb))), int(np.argmin(np.abs(a - pa)))])


def plot_surface(ax: Axes, a: np.ndarray, b: np.ndarray, Z: np.ndarray, *, zlim: tuple[float, float] | None = None,
                 view: tuple[float, float] | None = None) -> None:
    """The same slice as ``plot_plane``, as a 3-D surface; ``ax`` must be a 3-D axes.

    Parameters
    ----------
    ax : Axes3D
        From ``fig.add_subplot(projection="3d")``.
    a, b : arrays, shapes (n_a,), (n_b,)
    Z : array, shape (n_b, n_a)
    zlim : (float, float), optional
        Clip the surface to this height range (a few tall walls otherwise flatten the rest).
    view : (float, float), optional
        Elevation and azimuth of the camera, in degrees (``ax.view_init``).
    """
    if not hasattr(ax, "plot_surface"):
        raise TypeError("ax: expected a 3-D axes, from fig.add_subplot(projection='3d')")
    a, b = check_vector(a, "a"), check_vector(b, "b")
    Z = np.asarray(Z, dtype=float)
    if Z.shape != (b.size, a.size):
        raise ValueError(f"Z: expected shape ({b.size}, {a.size}) = (len(b), len(a)), got {Z.shape}")
    if zlim is not None:
        Z = np.clip(Z, *zlim)
    A, B = np.meshgrid(a, b)
    ax.plot_surface(A, B, Z, cmap="viridis", rstride=1, cstride=1, linewidth=0, antialiased=True)
    ax.set(xlabel="a", ylabel="b", zlabel="loss")
    clipped = "" if zlim is None else f", cut off at {fmt(zlim[1])}"
    note(ax, f"the same loss as a 3-D surface over a and b, height the loss from {fmt(Z.min(), 3)} to "
             f"{fmt(Z.max(), 3)}{clipped}", key="surface")
    if zlim is not None:
        ax.set_zlim(*zlim)
    if view is not None:
        ax.view_init(*view)


def plot_paths(ax: Axes, coords: np.ndarray, *, colors: Sequence[str] | None = None,
               labels: Sequence[str] | None = None) -> None:
    """Training paths drawn on a plane: lines from a start (circle) to an end (cross).

    Parameters
    ----------
    ax : Axes
    coords : array, shape (R, T, 2)
        Plane coordinates of each run's records (from ``plane_coordinates``).
    colors, labels : sequences of R strings, optional
    """
    coords = np.asarray(coords, dtype=float)
    if coords.ndim != 3 or coords.shape[2] != 2:
        raise ValueError(f"coords: expected shape (R, T, 2), got {coords.shape}")
    outline = [patheffects.Stroke(linewidth=4, foreground="black"), patheffects.Normal()]
    size = float(np.max(np.abs(coords))) if coords.size else 1.0
    runs = "; ".join(f"{labels[r] if labels is not None else f'run {r + 1}'} from ({fmt(path[0, 0], scale=size)}, "
                     f"{fmt(path[0, 1], scale=size)}) to ({fmt(path[-1, 0], scale=size)}, "
                     f"{fmt(path[-1, 1], scale=size)})" for r, path in enumerate(coords))
    for r, path in enumerate(coords):
        color = colors[r] if colors is not None else PATH_COLORS[r % len(PATH_COLORS)]
        ax.plot(path[:, 0], path[:, 1], color=color, lw=2, label=None if labels is None else labels[r],
                path_effects=outline, zorder=4)
        ax.scatter(*path[0], color=color, marker="o", s=50, edgecolors="black", zorder=5)
        ax.scatter(*path[-1], color=color, marker="X", s=90, edgecolors="black", zorder=5)
    # noted after drawing, so that the lines and points count as said (not described a second time)
    note(ax, f"{len(coords)} training paths, each from a circle (its start) to a cross (its end): {runs}",
         key="paths")


def plot_final_losses(ax: Axes, losses: dict[str, np.ndarray] | np.ndarray, *, bins: int | np.ndarray = 40,
                      log: bool = False) -> None:
    """Histogram of the final losses of many runs: separate bars are separate minima.

    Parameters
    ----------
    ax : Axes
    losses : array, shape (R,), or dict of str to arrays
        One histogram per group (for example gradient descent and SGD), with the same bins.
    bins : int or array
    log : bool
        Logarithmic loss axis.
    """
    groups = losses if isinstance(losses, dict) else {"runs": losses}
    values = np.concatenate([check_vector(v, "losses") for v in groups.values()])
    if isinstance(bins, numbers.Integral):
        lo, hi = values.min(), values.max()
        bins = np.geomspace(lo * 0.9, hi * 1.1, bins + 1) if log else np.linspace(lo - 0.02 * (hi - lo + 1e-12),
                                                                                  hi + 0.02 * (hi - lo + 1e-12),
                                                                                  bins + 1)
    described = []
    for k, (name, v) in enumerate(groups.items()):
        counts, edges, _ = ax.hist(v, bins=bins, alpha=0.7 if len(groups) > 1 else 1.0, color=PALETTE[k],
                                   label=name, edgecolor="white", hatch=HATCHES[k % len(HATCHES)])
        described.append(f"{'' if len(groups) == 1 else name + ': '}{describe_histogram(counts, edges)}")
    if log:
        ax.set_xscale("log")
    ax.set(xlabel="final training loss", ylabel="number of runs")
    if len(groups) > 1:
        ax.legend()
    note(ax, "a histogram of the final losses; " + "; ".join(described), key="losses")


def describe_histogram(counts: np.ndarray, edges: np.ndarray) -> str:
    """A histogram in words: its groups of neighbouring filled bins, each with its number of runs and its range."""
    counts, edges = np.asarray(counts), np.asarray(edges, dtype=float)
    groups, start = [], None
    for i, c in enumerate([*counts, 0]):
        if c > 0 and start is None:
            start = i
        elif c == 0 and start is not None:
            groups.append((int(counts[start:i].sum()), edges[start], edges[i]))
            start = None
    return ", ".join(f"{n} run{'s' if n != 1 else ''} from {fmt(lo, 3)} to {fmt(hi, 3)}" for n, lo, hi in groups)


def plot_sharpness(ax: Axes, groups: dict[str, tuple[np.ndarray, np.ndarray]], *, lr: float | None = None,
                   ylabel: str = "final training loss") -> None:
    """Final loss against sharpness for groups of runs, with the 2 / lr stability limit.

    Parameters
    ----------
    ax : Axes
    groups : dict of str to (losses, sharpness)
        Two arrays of shape (R,) per group.
    lr : float, optional
        Draw the vertical line at sharpness 2 / lr, beyond which gradient descent with this
        learning rate cannot settle.
    ylabel : str
        What the losses are (for example the loss on fresh data).
    """
    described = []
    for k, (name, (loss, sharp)) in enumerate(groups.items()):
        loss, sharp = check_vector(loss, "losses"), check_vector(sharp, "sharpness")
        if loss.shape != sharp.shape:
            raise ValueError(f"groups[{name!r}]: expected losses and sharpness of the same shape")
        ax.scatter(sharp, loss, s=45, color=PALETTE[k % len(PALETTE)], marker=MARKERS[k % len(MARKERS)],
                   edgecolors="white", label=name)
        described.append(f"{name}: {len(loss)} runs, sharpness from {fmt(sharp.min())} to {fmt(sharp.max())}, "
                         f"{ylabel} from {fmt(loss.min())} to {fmt(loss.max())}")
    if lr is not None:
        ax.axvline(2 / check_positive(lr, "lr"), color=GREY, ls="--", lw=1.2, label=f"2 / lr = {2 / lr:g}")
        described.append(f"a dashed line at sharpness 2 / lr = {2 / lr:g}")
    ax.set(xlabel="sharpness (largest Hessian eigenvalue)", ylabel=ylabel)
    ax.legend()
    note(ax, "; ".join(described), key="sharpness")
