"""The pictures every topic shares: the palette, class colours, points, decision boundaries, loss curves, and what
makes every picture readable without sight or colour: its text alternative.

Each ``plot_*`` function draws on the ``ax`` it is given and returns nothing. The numbers behind a
picture come from a separate function (``decision_grid`` here; the topic modules elsewhere) so
that tests check the numbers, not only that a figure exists.

**Colour.** ``PALETTE`` is Okabe and Ito's colour-blind-safe palette, its light colours darkened to 3:1 against
white (WCAG 1.4.11), and every series of a legend also differs by marker or line style (``LINESTYLES`` follow the
palette in matplotlib's cycle, which importing ``nl.plots`` sets: ``STYLE``). No text in a figure is smaller than
``MIN_FONT`` points.

**Text alternatives** (WCAG 1.1.1). Every ``plot_*`` function records what it drew, in a sentence with the numbers
a student reads off (``note``); ``alt_text(fig)`` joins them (with a description made from the artists for an axes
that has none), and ``show(fig)`` displays the figure with it as the alt text of its image, in JupyterLab, the HTML
export and the slides alike (``Picture``). A dashboard's view notes the same way at every redraw.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from contourpy import FillType, LineType, contour_generator
from cycler import cycler
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import Collection, LineCollection, PathCollection, PolyCollection
from matplotlib.colors import ListedColormap, to_hex, to_rgba
from matplotlib.container import BarContainer
from matplotlib.figure import Figure, SubFigure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon
from matplotlib.path import Path
from matplotlib.text import Text

from ..layers import Sequential

#: the width of every figure, in inches at 100 dots per inch: JupyterLab gives an output about 960 pixels at a
#: 1400-pixel laptop window, so a figure of this width shows at 100%, its text at the size it was drawn
FIGURE_WIDTH = 9.6
DPI = 100

#: Okabe and Ito's colour-blind-safe palette (blue, vermillion, bluish green, reddish purple, orange, sky blue,
#: yellow, black), its reddish purple, orange, sky blue and yellow darkened to 3.2:1 against white, so that every
#: line and marker keeps 3:1 (WCAG 1.4.11). In this order the first four are at least 11 CIEDE2000 apart under
#: simulated protanopia, deuteranopia and tritanopia, and so are the two colours of each line style below
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#C776A3", "#BF8400", "#4898C4", "#9A922A", "#000000")
BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, OLIVE, BLACK = PALETTE
#: the second cue of each palette colour in matplotlib's cycle: a series named in a legend differs by more than hue
LINESTYLES = ("-", "--", ":", "-.") * 2
#: reference lines and marks that are not data (4.5:1 against white); text in a warning colour (6.4:1)
GREY, WARNING = "#767676", "#B00000"
#: the smallest text in a figure, in points (11 pixels at 100 dpi would be 8 points)
MIN_FONT = 9
#: the ``gid`` of an artist that draws no data (a grid of cells, a separator): it need not keep 3:1
DECORATION = "decoration"
#: what importing ``nl.plots`` sets in matplotlib: the palette with its line styles as the colour cycle, and text of
#: at least ``MIN_FONT`` points; nnlab's own pictures name their colours, so they look the same without it
STYLE = {
    "axes.prop_cycle": cycler(color=PALETTE, linestyle=LINESTYLES),
    "font.size": 10.0,
    "legend.fontsize": 9.0,
    "xtick.labelsize": 9.0,
    "ytick.labelsize": 9.0,
}

#: colours of class 0 and class 1, used for points and regions alike; the points differ by marker too
CLASS_COLORS = (BLUE, VERMILLION)
CLASS_MARKERS = ("o", "s")
REGION_CMAP = ListedColormap(["#c6dbef", "#fcbba1"])

ScoreFn = Callable[[np.ndarray], np.ndarray]


def score_function(model: Sequential | ScoreFn) -> ScoreFn:
    """A function from points (M, 2) to one score per point (M,).

    An nnlab model gives its first output; any other callable is used as it is (for example
    scikit-learn's ``clf.decision_function``).
    """
    if isinstance(model, Sequential):
        return lambda P: model.forward(P)[:, 0]
    if callable(model):
        return model
    raise TypeError(f"model: expected an nnlab model or a function of points, got {type(model).__name__}")


def decision_grid(model: Sequential | ScoreFn, xlim: tuple[float, float] = (-0.5, 1.5),
                  ylim: tuple[float, float] = (-0.5, 1.5), n: int = 200) -> tuple[np.ndarray, ...]:
    """Scores of a 2-input model on an ``n x n`` grid.

    Returns
    -------
    xx, yy : arrays, shape (n, n)
        The grid's coordinates (``np.meshgrid`` of ``n`` points over ``xlim`` and ``ylim``).
    scores : array, shape (n, n)
        The model's score at each grid point.
    """
    xs, ys = np.linspace(*xlim, n), np.linspace(*ylim, n)
    xx, yy = np.meshgrid(xs, ys)
    scores = np.asarray(score_function(model)(np.column_stack([xx.ravel(), yy.ravel()])), dtype=float)
    return xx, yy, scores.reshape(n, n)


def decision_regions(xx: np.ndarray, yy: np.ndarray, scores: np.ndarray,
                     threshold: float = 0.0) -> tuple[Path, list[np.ndarray]]:
    """The region where ``scores > threshold`` and its boundary, as data for artists that are
    updated in place (a ``PathPatch``'s ``set_path``, a ``LineCollection``'s ``set_segments``).

    The same marching squares that ``contourf`` and ``contour`` run (contourpy, which matplotlib
    contours with), without building a new contour set each time.

    Parameters
    ----------
    xx, yy, scores : arrays, shape (n, m)
        A grid and the scores on it, as ``decision_grid`` returns them.
    threshold : float

    Returns
    -------
    region : Path
        The polygons (with their holes) where the score is above ``threshold``; empty if none.
    boundary : list of arrays, shape (k, 2)
        The polylines where the score crosses ``threshold``; none if the score never does.
    """
    scores = np.asarray(scores, dtype=float)
    generator = contour_generator(xx, yy, scores, fill_type=FillType.OuterCode, line_type=LineType.Separate)
    points, codes = generator.filled(threshold, max(threshold, float(scores.max())) + 1.0)
    region = Path(np.concatenate(points), np.concatenate(codes)) if points else Path(np.zeros((0, 2)))
    crosses = scores.min() < threshold < scores.max()  # not a plateau at the threshold
    return region, (list(generator.lines(threshold)) if crosses else [])


def legend_below(legend: Legend, ax: Axes, drop: float = 0.2) -> Legend:
    """Move ``legend`` under ``ax`` (its top ``drop`` of the axes' height below them), without a frame, its
    texts at ``MIN_FONT`` points: a dashboard's curves can run anywhere inside the axes, never there. The one way a
    dashboard places a legend: ``legend_below(ax.legend(ncol=2), ax)`` for a new one."""
    legend.set_loc("upper center")
    legend.set_bbox_to_anchor((0.5, -drop), transform=ax.transAxes)
    legend.set_frame_on(False)
    for text in legend.texts:
        text.set_fontsize(MIN_FONT)
    legend._nnlab_still = True  # nnlab.widgets.blit.still (nothing a dashboard moves reaches it)
    return legend


def fixed_labels(ax: Axes, *, below: float, left: float) -> None:
    """Put the axis labels at fixed places, in fractions of the axes: the x label ``below`` the axes, the y label
    ``left`` of them. By default matplotlib places them by the extents of the tick labels, which change with the
    numbers (and measuring them costs about a third of a dashboard's redraw)."""
    ax.xaxis.set_label_coords(0.5, below)
    ax.yaxis.set_label_coords(left, 0.5)


def steady_limits(lo: float, hi: float) -> tuple[float, float]:
    """Axis limits ``(lo, hi)`` widened outward to whole multiples of a round step near a tenth of their span (1, 2
    or 5 times a power of ten), so a dashboard's limits change only when its data cross a step (``widgets.blit``)."""
    lo, hi = float(lo), float(hi)
    span = hi - lo
    if not (np.isfinite(span) and span > 0):
        return lo, hi
    step = 10.0 ** int(np.floor(np.log10(span / 10)))
    step *= min((1.0, 2.0, 5.0, 10.0), key=lambda m: abs(np.log(span / 10 / step / m)))
    return (float(f"{np.floor(lo / step + 1e-9) * step:.12g}"), float(f"{np.ceil(hi / step - 1e-9) * step:.12g}"))


def plot_points(ax: Axes, X: np.ndarray, y: np.ndarray, *, labels: bool = True, size: float = 120) -> None:
    """The points of ``X`` (N, 2) coloured by their class ``y`` (N,) in {0, 1}."""
    X, y = np.asarray(X), np.asarray(y)
    for cls in (0, 1):
        pts = X[y == cls]
        ax.scatter(pts[:, 0], pts[:, 1], s=size, c=CLASS_COLORS[cls], marker=CLASS_MARKERS[cls], edgecolors="black",
                   label=f"class {cls}" if labels else None, zorder=3)
    note(ax, describe_points(X, y), key="points")


def describe_points(X: np.ndarray, y: np.ndarray) -> str:
    """The points of ``plot_points`` in words: each point with its class (up to 8), or how many of each."""
    X, y = np.asarray(X), np.asarray(y)
    if len(X) <= 8:
        return "points " + ", ".join(f"({fmt(a)}, {fmt(b)}) class {int(c)}" for (a, b), c in zip(X, y))
    return f"{int(np.sum(y == 0))} points of class 0 (circles), {int(np.sum(y == 1))} of class 1 (squares)"


def plot_decision_boundary(ax: Axes, model: Sequential | ScoreFn, X: np.ndarray, y: np.ndarray, *,
                           threshold: float = 0.0, xlim: tuple[float, float] = (-0.5, 1.5),
                           ylim: tuple[float, float] = (-0.5, 1.5), n: int = 200, title: str | None = None) -> None:
    """Shade where the model says class 1 (score > ``threshold``), draw the boundary and the points.

    ``threshold`` is 0 for logits (sklearn's ``decision_function`` too), 0.5 for an output that
    is meant to be 0 or 1.
    """
    xx, yy, scores = decision_grid(model, xlim, ylim, n)
    ax.contourf(xx, yy, (scores > threshold).astype(float), levels=[-0.5, 0.5, 1.5], cmap=REGION_CMAP)
    if scores.min() < threshold < scores.max():
        ax.contour(xx, yy, scores, levels=[threshold], colors="black", linewidths=1.5)
    plot_points(ax, X, y)
    ax.set(xlim=xlim, ylim=ylim, xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    if title:
        ax.set_title(title)
    note(ax, describe_decision(X, y, score_function(model)(np.asarray(X, dtype=float)) > threshold,
                               float(np.mean(scores > threshold))), key="regions")


def describe_decision(X: np.ndarray, y: np.ndarray, says_1: np.ndarray, share: float) -> str:
    """A decision boundary in words: how much of the plane is class 1 (shaded red) and which points fall on the
    right side."""
    y, says_1 = np.asarray(y), np.asarray(says_1, dtype=bool)
    right = int(np.sum(says_1 == (y == 1)))
    where = ("no part of the plane" if share == 0 else "the whole plane" if share == 1
             else f"{share:.0%} of the plane")
    return f"the model says class 1 (shaded red) on {where}; {right} of {len(y)} points on their class's side"


def plot_loss_curve(ax: Axes, losses: list[float] | np.ndarray, *, label: str | None = None,
                    reference: float | None = None, reference_label: str | None = None,
                    log: bool = False) -> None:
    """Loss per epoch, optionally with a horizontal reference line (such as log 2)."""
    ax.plot(np.arange(1, len(losses) + 1), losses, label=label)
    if reference is not None:
        ax.axhline(reference, color=GREY, ls=(0, (1.5, 1.5)), lw=1.2, label=reference_label)
    ax.set(xlabel="epoch", ylabel="loss")
    if log:
        ax.set_yscale("log")
    losses = np.asarray(losses, dtype=float)
    text = (f"{label + ': ' if label else ''}loss over {len(losses)} epochs, from {fmt(losses[0], 3)} to "
            f"{fmt(losses[-1], 3)}" if len(losses) else "no losses")
    if reference is not None:
        text += f" ({reference_label or 'reference'} {fmt(reference, 3)})"
    note(ax, text)


# --- text alternatives --------------------------------------------------------------------------------------------
def fmt(v: float, digits: int = 2, *, scale: float | None = None) -> str:
    """A number for a text alternative: ``digits`` significant digits (two by default, so that the last bits of a
    computation, which differ between CPUs, never show), without trailing zeros, plainly written from 0.001 to
    99,999, else as 1.2e-05. With ``scale`` (the size of the numbers it is read among), a number under 1e-9 of it
    is round-off of a zero and reads 0."""
    v = float(v)
    if not np.isfinite(v):
        return "infinite" if np.isinf(v) else "not a number"
    if v == 0 or (scale is not None and abs(v) < 1e-9 * abs(scale)):
        return "0"
    if 1e-3 <= abs(v) < 1e5:
        rounded = float(f"{v:.{digits}g}")
        decimals = max(0, digits - 1 - int(np.floor(np.log10(abs(rounded)))))
        text = f"{rounded:,.{decimals}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    mantissa, exponent = f"{v:.{digits - 1}e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
    return f"{mantissa}e{int(exponent):+03d}"


def note(where: Axes | Figure, text: str, *, key: str | None = None) -> None:
    """Record a sentence about what ``where`` (an axes, or a whole figure) shows, made from the data drawn:
    ``alt_text`` joins them into the picture's text alternative. A ``key`` replaces the sentence of the same key (a
    view that updates in place notes with keys); without one the sentence is added. What an axes holds when it is
    noted counts as said: a line a notebook cell draws after it is described from its data (``describe_axes``)."""
    notes = where.__dict__.setdefault("_nnlab_notes", {})
    notes[key if key is not None else f"#{len(notes)}"] = text
    if isinstance(where, Axes):
        where.__dict__.setdefault("_nnlab_said", set()).update(id(a) for a in where.get_children())


def notes(where: Axes | Figure) -> list[str]:
    """The sentences recorded by ``note`` on an axes or a figure, in order."""
    return [t for t in where.__dict__.get("_nnlab_notes", {}).values() if t]


_TEX = [(r"\^\{([^{}]*)\}", r"^\1"), (r"_\{([^{}]*)\}", r"\1"), (r"\\mathdefault\{([^{}]*)\}", r"\1"),
        (r"\\hat\s*\{?y\}?", "ŷ"), (r"\\varphi", "φ"), (r"\\partial", "∂"), (r"\\lambda", "λ"), (r"\\alpha", "α"),
        (r"\\beta", "β"), (r"\\theta", "θ"), (r"\\phi", "φ"), (r"\\\|", "‖"), (r"\\lvert|\\rvert", "|"),
        (r"\\mathrm\{([^}]*)\}", r"\1"), (r"_\{([^}]*)\}", r"\1"), (r"\^\{([^}]*)\}", r"^\1"), (r"_(\w)", r"\1"),
        (r"\\,|\\;|\\ ", " "), (r"\\left|\\right", ""), (r"\\", ""), (r"[{}$]", "")]


def plain(text: str) -> str:
    """Figure text without matplotlib's math markup: ``$\\hat y > 0.5$`` reads "ŷ > 0.5"."""
    for pattern, repl in _TEX:
        text = re.sub(pattern, repl, text)
    return " ".join(text.split())


def _one_line(text: str) -> str:
    """A title of several lines on one: a line that ends in a colon runs on, the others are joined by commas."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return "".join(line + ("" if k == len(lines) - 1 else " " if line.endswith((":", ",", ";")) else ", ")
                   for k, line in enumerate(lines))


def _sentence(text: str, capital: bool = True) -> str:
    """A note as a sentence: a capital first letter (a Latin one: not a Greek symbol, as ε), a full stop at the
    end."""
    text = text.strip()
    if not text:
        return text
    if capital and "a" <= text[0] <= "z":
        text = text[0].upper() + text[1:]
    return text if text[-1] in ".:;!?" else text + "."


def _panel_names(axes: list[Axes]) -> list[str]:
    """What each axes is called in a text alternative: nothing for one, left/middle/right for a row of up to
    three, else "panel k of n"."""
    if len(axes) == 1:
        return [""]
    boxes = [ax.get_position() for ax in axes]
    spans = [ax.get_subplotspec() for ax in axes]
    one_row = (len({(round(b.y0, 3), round(b.height, 3)) for b in boxes}) == 1  # placed in a row
               or (all(s is not None for s in spans)  # or laid out in one: aspect="equal" may shrink some
               and len({(id(s.get_gridspec()), s.rowspan.start, s.rowspan.stop) for s in spans}) == 1))
    in_order = [b.x0 for b in boxes] == sorted(b.x0 for b in boxes)
    if one_row and in_order and len(axes) in (2, 3):
        return (["Left panel", "Right panel"] if len(axes) == 2 else ["Left panel", "Middle panel", "Right panel"])
    return [f"Panel {k + 1} of {len(axes)}" for k in range(len(axes))]


def _panels(fig: Figure) -> list[Axes]:
    """The axes a reader sees: visible, not a colour bar, not an inset without content of its own."""
    return [ax for ax in fig.axes if ax.get_visible() and not hasattr(ax, "_colorbar")
            and getattr(ax, "get_label", lambda: "")() != "<colorbar>"]


def alt_text(fig: Figure) -> str:
    """The text alternative of a figure: its title, what its plot functions noted (``note``), and for an axes with
    no note a description made from what it shows (``describe_axes``)."""
    parts = []
    for f in [fig, *_subfigures(fig)]:
        if f._suptitle is not None and f._suptitle.get_visible() and f._suptitle.get_text().strip():
            parts.append(_sentence(plain(_one_line(f._suptitle.get_text())), capital=False))
        parts += [_sentence(t) for t in notes(f)]
    figure_noted = any(notes(f) for f in [fig, *_subfigures(fig)])
    axes = _panels(fig)
    for name, ax in zip(_panel_names(axes), axes):
        said = notes(ax) or ([] if figure_noted else [describe_axes(ax)])
        if notes(ax):  # what a cell drew on the axes after the plot functions had noted theirs
            said.append(describe_axes(ax, skip=ax.__dict__.get("_nnlab_said", set()), axes=False))
        title = plain(" ".join(_one_line(t.get_text()) for t in (ax.title, ax._left_title, ax._right_title)
                               if t.get_visible() and t.get_text().strip()))
        if not said and not title:
            continue
        head = name
        if title:
            head = f"{head}, “{title}”" if head else f"“{title}”"
        body = " ".join(_sentence(t) for t in said if t)
        parts.append(f"{head}: {body}" if head and body else _sentence(head or body))
    return " ".join(p for p in parts if p).strip() or "A figure with no data drawn."


def _subfigures(fig: Figure) -> list[SubFigure]:
    out = []
    for sub in getattr(fig, "subfigs", []):
        out += [sub, *_subfigures(sub)]
    return out


def _tick_range(axis: Any) -> str:
    """The first and the last tick label of an axis that fall inside its view: what a reader reads off it."""
    lo, hi = sorted(axis.get_view_interval())
    locs = [v for v in axis.get_majorticklocs() if lo - 1e-12 * abs(lo) <= v <= hi + 1e-12 * abs(hi)]
    if len(locs) < 2:
        return ""
    labels = axis.get_major_formatter().format_ticks(locs)
    labels = [plain(t) for t in labels if t]
    return f" from {labels[0]} to {labels[-1]}" if len(labels) >= 2 else ""


def _axis_words(ax: Axes) -> str:
    words = []
    for name, axis, scale in (("x", ax.xaxis, ax.get_xscale()), ("y", ax.yaxis, ax.get_yscale())):
        if not axis.get_visible() or not axis.get_major_ticks():
            continue
        label = plain(axis.get_label().get_text()) if axis.get_label().get_visible() else ""
        ticks = _tick_range(axis)
        if label or ticks:
            words.append(f"{name}: {label or 'axis'}{ticks}{', log scale' if scale == 'log' else ''}")
    return "; ".join(words)


#: values within this fraction of a curve's extreme count as reaching it: where a curve is flat at its lowest (a
#: value it settles at) or has two equal peaks (a symmetric function), which of them is the extreme is round-off,
#: and differs between CPUs; a text alternative names all of them. Far wider than round-off (1e-16 to 1e-12 here),
#: far narrower than neighbouring points of a smooth peak on a grid (1e-4 and more)
TIE = 1e-6


def extreme_runs(y: np.ndarray, kind: str = "lowest") -> list[tuple[int, int]] | None:
    """Where the values ``y`` (N,) reach their lowest (or highest), up to ``TIE`` of it: the runs of neighbouring
    indices ``(first, last)``; None when a run includes the first or the last value (a text alternative says the
    ends anyway), or when there is no finite value."""
    y = np.asarray(y, dtype=float).ravel()
    finite = np.isfinite(y)
    if kind not in ("lowest", "highest"):
        raise ValueError(f"kind: expected 'lowest' or 'highest', got {kind!r}")
    if not finite.any():
        return None
    v = np.where(finite, y, np.nan)
    best = float(np.nanmin(v) if kind == "lowest" else np.nanmax(v))
    tol = TIE * abs(best) + 1e-9 * float(np.nanmax(np.abs(v)))
    near = finite & (np.abs(np.where(finite, y, best) - best) <= tol)
    idx = np.flatnonzero(near)
    runs, start = [], idx[0]
    for a, b in zip(idx[:-1], idx[1:]):
        if b != a + 1:
            runs.append((int(start), int(a)))
            start = b
    runs.append((int(start), int(idx[-1])))
    if runs[0][0] == 0 or runs[-1][1] == len(y) - 1:
        return None
    return runs


def extreme_words(head: str, runs: list[tuple[int, int]], place: Callable[[int], str],
                  unit: tuple[str, str] = ("x =", "x =")) -> str:
    """``extreme_runs`` in words after ``head``: "lowest 0.39 at layer 6", "highest 0.08 at x = -0.11 and 0.11",
    "lowest 3.6 at layers 8 to 12"; beyond five places, how many and from where to where ("at 16 places, from x =
    0.031 to 0.97"). ``place(i)`` writes the position of index i; ``unit`` is the word before one position and
    before several ("layer", "layers")."""
    several = len(runs) > 1 or runs[0][0] != runs[0][1]
    if len(runs) > 5:
        return f"{head} at {len(runs)} places, from {unit[1]} {place(runs[0][0])} to {place(runs[-1][1])}"
    spots = [place(a) if a == b else f"{place(a)} to {place(b)}" for a, b in runs]
    joined = spots[0] if len(spots) == 1 else ", ".join(spots[:-1]) + " and " + spots[-1]
    return f"{head} at {unit[1] if several else unit[0]} {joined}"


def _describe_xy(name: str, x: np.ndarray, y: np.ndarray, *, log: bool = False,
                 scale: tuple[float, float] | None = None) -> str:
    """A line or a set of points in words: a few points as pairs; else where it starts and ends, and its lowest and
    highest point between (all of them where it reaches it more than once: ``extreme_runs``). On a log axis, values
    under a millionth of the largest read with one digit (round-off shows in the second). ``scale``: the sizes of
    x and y the numbers are read among (by default the largest of each): a value under 1e-9 of it reads 0."""
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if len(y) == 0:
        return ""
    sx, sy = float(np.max(np.abs(x))) or 1.0, float(np.max(np.abs(y))) or 1.0
    if scale is not None:
        sx, sy = max(sx, scale[0]), max(sy, scale[1])

    def fy(v: float) -> str:
        return fmt(v, 1 if log and abs(v) < 1e-6 * sy else 2, scale=None if log else sy)

    whole = bool(np.all(x == np.round(x)) and sx < 1e6)  # steps, epochs: said exactly

    def fx(v: float) -> str:
        return f"{int(v):,}" if whole else fmt(v, scale=sx)

    if len(y) <= 4:
        return f"{name}: " + ", ".join(f"({fx(a)}, {fy(b)})" for a, b in zip(x, y))
    text = f"{name}: from {fy(y[0])} at x = {fx(x[0])} to {fy(y[-1])} at x = {fx(x[-1])}"
    for kind in ("lowest", "highest"):
        runs = extreme_runs(y, kind)
        if runs:
            value = fy(np.min(y) if kind == "lowest" else np.max(y))
            text += ", " + extreme_words(f"{kind} {value}", runs, lambda i: fx(x[i]))
    return text


def _straight(ax: Axes, line: Line2D) -> str | None:
    """A line across the axes at a fixed height or place (``axhline``, ``axvline``) in words, else None."""
    transform = line.get_transform()
    if transform == ax.get_yaxis_transform():
        return f"a horizontal line at y = {fmt(np.ravel(line.get_ydata())[0])}"
    if transform == ax.get_xaxis_transform():
        return f"a vertical line at x = {fmt(np.ravel(line.get_xdata())[0])}"
    return None


def describe_axes(ax: Axes, *, skip: set | None = None, axes: bool = True) -> str:
    """An axes in words, made from its artists, for a picture drawn without nnlab's plot functions: its axes, every
    labelled line, point set and bar set (start, end, lowest and highest values), its images. ``skip``: ids of
    artists already said (``note``); ``axes``: say the axes' labels and ranges."""
    parts: list[str] = []
    skip = skip or set()
    log = ax.get_yscale() == "log"
    # what a number is read among, on a linear axis (where round-off of a zero reads 0): its limits
    view = tuple(float(np.max(np.abs(lim))) if scale == "linear" else 0.0
                 for lim, scale in ((ax.get_xlim(), ax.get_xscale()), (ax.get_ylim(), ax.get_yscale())))
    labelled = [a for a in [*ax.lines, *ax.collections, *ax.patches] if not str(a.get_label()).startswith("_")]
    lines = [ln for ln in ax.lines if ln.get_visible() and len(np.atleast_1d(ln.get_xdata())) > 1
             and id(ln) not in skip]
    for line in lines if not labelled else [ln for ln in lines if ln in labelled]:
        label = str(line.get_label())
        name = "a line" if label.startswith("_") else plain(label)
        straight = _straight(ax, line)
        parts.append(f"{name}: {straight}" if straight else _describe_xy(name, *line.get_data(), log=log, scale=view))
    for coll in [c for c in ax.collections if id(c) not in skip]:
        if isinstance(coll, PathCollection) and coll.get_visible() and len(coll.get_offsets()):
            label = str(coll.get_label())
            if labelled and label.startswith("_") and len(lines) + len(ax.collections) > 6:
                continue
            xy = np.asarray(coll.get_offsets(), dtype=float)
            what = f"{len(xy)} point{'s' if len(xy) != 1 else ''}" + ("" if label.startswith("_") else
                                                                     f" “{plain(label)}”")
            parts.append(_describe_xy(what, xy[:, 0], xy[:, 1], log=log, scale=view) if len(xy) <= 4 else
                         f"{what}, x from {fmt(xy[:, 0].min(), scale=view[0])} to {fmt(xy[:, 0].max(), scale=view[0])}"
                         f", y from {fmt(xy[:, 1].min(), scale=view[1])} to {fmt(xy[:, 1].max(), scale=view[1])}")
    if not axes:
        return "; ".join(p for p in parts if p)
    for container in ax.containers:
        if isinstance(container, BarContainer):
            heights = np.array([b.get_height() for b in container])
            label = str(container.get_label())
            name = "bars" if label.startswith("_") else f"bars “{plain(label)}”"
            parts.append(f"{len(heights)} {name}, heights from {fmt(heights.min())} to {fmt(heights.max())}")
    for image in ax.images:
        if image.get_visible():
            rows, cols = np.shape(image.get_array())[:2]
            parts.append(f"an image of {rows} × {cols} cells")
    axis = _axis_words(ax)
    return "; ".join(p for p in [*parts, axis] if p)


# --- what a figure is made of: for the tests of colour, contrast and text size ------------------------------------
def _hex(color: Any, alpha: float | None = None) -> str | None:
    """A colour as #rrggbb after blending its transparency over white (what the eye sees on the figure)."""
    r, g, b, a = to_rgba(color)
    if alpha is not None:
        a *= alpha
    if a == 0:
        return None
    return to_hex((1 - a + a * r, 1 - a + a * g, 1 - a + a * b))


def _marker_key(coll: PathCollection) -> str:
    paths = coll.get_paths()
    return "path:" + ",".join(f"{v:.2f}" for v in np.asarray(paths[0].vertices).ravel()[:24]) if paths else ""


def legend_entry(handle: Artist, label: str) -> dict:
    """What tells a legend's entry apart: its colours, marker, line style, line width and fill."""
    entry: dict[str, Any] = {"label": plain(label), "colors": [], "marker": "", "linestyle": "", "linewidth": 0.0,
                             "filled": True}
    if isinstance(handle, Line2D):
        ls = handle.get_linestyle()
        entry["linestyle"] = "" if ls in ("None", "none", " ", "") else str(handle._dash_pattern)
        entry["linewidth"] = float(handle.get_linewidth()) if entry["linestyle"] else 0.0
        marker = handle.get_marker()
        entry["marker"] = "" if marker in (None, "None", "none", "", " ") else str(marker)
        colors = [handle.get_color()] if entry["linestyle"] else []
        if entry["marker"]:
            colors += [handle.get_markerfacecolor(), handle.get_markeredgecolor()]
            entry["filled"] = _hex(handle.get_markerfacecolor(), handle.get_alpha()) is not None
        entry["colors"] = [c for c in (_hex(c, handle.get_alpha()) for c in colors) if c]
    elif isinstance(handle, Collection):
        faces = [_hex(c) for c in handle.get_facecolors()[:1]]
        edges = [_hex(c) for c in handle.get_edgecolors()[:1]] if len(handle.get_linewidths()) and \
            float(np.max(handle.get_linewidths())) > 0 else []
        entry["colors"] = [c for c in [*faces, *edges] if c]
        entry["filled"] = any(faces)
        if isinstance(handle, PathCollection):
            entry["marker"] = _marker_key(handle)
        else:
            styles = handle.get_linestyles()
            entry["linestyle"] = str(styles[0]) if len(styles) else ""
            entry["linewidth"] = float(np.max(handle.get_linewidths())) if len(handle.get_linewidths()) else 0.0
    elif isinstance(handle, Patch):
        face, edge = _hex(handle.get_facecolor()), _hex(handle.get_edgecolor())
        entry["colors"] = [c for c in (face, edge if handle.get_linewidth() > 0 else None) if c]
        entry["filled"] = face is not None and handle.get_fill()
        entry["linestyle"] = str(handle.get_linestyle()) if not entry["filled"] else ""
        entry["marker"] = f"hatch:{handle.get_hatch()}" if handle.get_hatch() else "patch"
        entry["linewidth"] = float(handle.get_linewidth())
    return entry


def _legends(fig: Figure) -> list[Legend]:
    found = [leg for leg in fig.findobj(Legend) if leg.get_visible()]
    return list(dict.fromkeys(found))


def _series_colors(fig: Figure) -> list[tuple[str, str]]:
    """The drawn colour of every plotted series (lines, markers, point sets, outlines of unfilled shapes), with
    what it is: the colours that must keep 3:1 against the white figure."""
    out: list[tuple[str, str]] = []
    for ax in _panels(fig):
        grid = {id(g) for g in [*ax.get_xgridlines(), *ax.get_ygridlines()]}
        for line in ax.lines:
            if (not line.get_visible() or id(line) in grid or len(np.atleast_1d(line.get_xdata())) == 0
                    or line.get_gid() == DECORATION):
                continue
            outlined = any(getattr(e, "_gc", {}).get("foreground") is not None for e in line.get_path_effects())
            if outlined:
                continue  # drawn over a coloured background with a dark outline: the outline is its edge
            name = plain(str(line.get_label()))
            if line.get_linestyle() not in ("None", "none", "", " "):
                out.append((name, _hex(line.get_color(), line.get_alpha())))
            if line.get_marker() not in (None, "None", "none", "", " "):
                edge, face = (_hex(line.get_markeredgecolor(), line.get_alpha()),
                              _hex(line.get_markerfacecolor(), line.get_alpha()))
                out.append((name + " (marker)", _darker(edge, face)))
        for coll in ax.collections:
            if (not coll.get_visible() or coll.get_gid() == DECORATION
                    or (isinstance(coll, PolyCollection) and not isinstance(coll, LineCollection))):
                continue
            if isinstance(coll, PathCollection) and len(coll.get_offsets()) == 0:
                continue
            if isinstance(coll, LineCollection) and len(coll.get_segments()) == 0:
                continue
            name = plain(str(coll.get_label()))
            if isinstance(coll, LineCollection):
                out += [(name, c) for c in {_hex(c) for c in coll.get_colors()} if c]  # alpha already in them
            elif isinstance(coll, PathCollection):
                faces = [_hex(c) for c in coll.get_facecolors()]  # a collection's colours carry its alpha
                widths = coll.get_linewidths()
                edges = ([_hex(c) for c in coll.get_edgecolors()]
                         if len(widths) and float(np.max(widths)) > 0 else [])
                edges = edges if len(edges) == len(faces) or not faces else edges * len(faces)
                for k, face in enumerate(faces or edges):
                    edge = edges[k % len(edges)] if edges else None
                    out.append((name, _darker(edge, face) if faces else edge))
        for patch in ax.patches:
            if patch.get_visible() and isinstance(patch, Polygon) and not patch.get_fill():  # a histogram's steps
                out.append((plain(str(patch.get_label())), _hex(patch.get_edgecolor())))
    return [(n, c) for n, c in out if c]


def _darker(a: str | None, b: str | None) -> str | None:
    """Of a marker's edge and face, the one that stands out more against white (its outline is what shows it)."""
    found = [c for c in (a, b) if c]
    return min(found, key=_luminance) if found else None


def _luminance(color: str) -> float:
    rgb = np.array(to_rgba(color)[:3])
    rgb = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(rgb @ [0.2126, 0.7152, 0.0722])


def figure_report(fig: Figure) -> dict:
    """What the tests check about a drawn figure: every text's size in points, every series' colour, and every
    legend's entries (``legend_entry``); the figure must have been drawn (its tick labels exist only then)."""
    sizes = sorted({round(float(t.get_fontsize()), 1) for t in _visible_texts(fig) if t.get_text().strip()})
    return {"font_sizes": sizes,
            "series": sorted({c for _, c in _series_colors(fig)}),
            "legends": [[legend_entry(h, t.get_text()) for h, t in zip(leg.legend_handles, leg.texts)]
                        for leg in _legends(fig)]}


def _visible_texts(artist: Artist) -> Iterable[Text]:
    """Every text under ``artist`` that is drawn: visible, and inside visible parents."""
    if not artist.get_visible():
        return
    if isinstance(artist, Text):
        yield artist
    for child in artist.get_children():
        yield from _visible_texts(child)


# --- a figure shown with its text alternative --------------------------------------------------------------------
def figure_png(fig: Figure) -> bytes:
    """The PNG a notebook shows of ``fig``: cropped to its artists with 0.1 inch around them, as JupyterLab's inline
    backend draws it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, bbox_inches="tight", facecolor=fig.get_facecolor(),
                edgecolor=fig.get_edgecolor())
    return buffer.getvalue()


def image_html(png: bytes, alt: str, **attributes: str) -> str:
    """An ``<img>`` of a PNG, with its text alternative: the one form of a picture that carries its alt text into
    JupyterLab (trusted or not), the HTML export and the slides."""
    extra = "".join(f' {k.rstrip("_").replace("_", "-")}="{html.escape(str(v))}"' for k, v in attributes.items())
    return (f'<img src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}" '
            f'alt="{html.escape(alt)}"{extra}>')


class Picture:
    """A figure as a notebook shows it, with its text alternative: displayed as its PNG (``image/png``, with the alt
    text in the output's metadata) and as an ``<img>`` with the alt text (``text/html``), which JupyterLab, the HTML
    export and the slides all show with it.

    Parameters
    ----------
    fig : Figure
    alt : str, optional
        The text alternative; by default ``alt_text(fig)``, made from what the plot functions noted.

    Attributes
    ----------
    figure, alt, png
        The figure, its text alternative and its PNG (``figure_png``).
    report : dict
        ``figure_report(fig)``: text sizes, series colours and legend entries, kept in the output's metadata for the
        tests of the stored notebooks.
    """

    def __init__(self, fig: Figure, alt: str | None = None) -> None:
        self.figure = fig
        self.png = figure_png(fig)  # draws the figure: its tick labels exist from here on
        self.alt = alt if alt is not None else alt_text(fig)
        self.report = figure_report(fig)

    def _repr_mimebundle_(self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None) -> tuple:
        # at its own size: JupyterLab's HTML outputs keep 20 px of padding and would shrink a figure wider than 948 px
        data = {"text/plain": repr(self.figure), "image/png": base64.b64encode(self.png).decode("ascii"),
                "text/html": image_html(self.png, self.alt, style="max-width: none")}
        return data, {"image/png": {"alt": self.alt}, "nnlab": self.report}

    def __repr__(self) -> str:
        return f"Picture({self.alt!r})"


def show(fig: Figure, alt: str | None = None) -> None:
    """Display ``fig`` with its text alternative (``Picture``) and close it, so that it is shown once: the last line
    of a cell that draws a figure. ``alt`` replaces the text made from the figure's notes."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    display(Picture(fig, alt))
    plt.close(fig)
