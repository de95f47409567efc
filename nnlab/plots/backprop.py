"""The pictures of notebook 02 (backpropagation): the computational graph of a trace, with forward
values and backward gradients on its edges, and the four patterns of gradient flow."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from .._format import num
from ..backprop import BackpropTrace, FlowPattern, format_array
from .base import BLUE, note

#: forward values in the palette's blue, gradients in a dark orange: text colours of 5:1 and more against white, apart
#: under every colour-vision deficiency (and apart by place: values above an edge, gradients below it)
_FORWARD_COLOR = BLUE
_BACKWARD_COLOR = "#A84800"


def _short(a: np.ndarray, decimals: int = 6) -> str:
    """A row vector as ``[1, 0.3, -0.7]``; a matrix as one bracketed row per line."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 2 and a.shape[0] == 1:
        a = a[0]
    if a.ndim <= 1:
        return format_array(a, decimals)
    return "\n".join(format_array(row, decimals) for row in a)


def _sub(n: int) -> str:
    """An integer in subscript digits (plain text, so matplotlib needs no mathtext)."""
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _column(a: np.ndarray, decimals: int = 6) -> str:
    """A vector as one number per line (the lecture's column vectors)."""
    return "\n".join(num(v, decimals) for v in np.ravel(a))


def _arrow(ax: Axes, p: tuple[float, float], q: tuple[float, float], color: str = "black",
           shrink: float = 20) -> None:
    ax.add_patch(FancyArrowPatch(p, q, arrowstyle="-|>", mutation_scale=11, color=color, lw=1.2,
                                 shrinkA=shrink, shrinkB=shrink))


def _op_node(ax: Axes, xy: tuple[float, float], text: str, r: float = 0.42, fontsize: float = 9) -> None:
    ax.add_patch(Circle(xy, r, facecolor="#f6f8fa", edgecolor="black", lw=1.3, zorder=3))
    ax.text(*xy, text, ha="center", va="center", fontsize=fontsize, zorder=4)


def _box(ax: Axes, xy: tuple[float, float], text: str, w: float = 0.8, h: float = 0.5) -> None:
    ax.add_patch(FancyBboxPatch((xy[0] - w / 2, xy[1] - h / 2), w, h, boxstyle="round,pad=0.05",
                                facecolor="white", edgecolor="black", lw=1.2, zorder=3))
    ax.text(*xy, text, ha="center", va="center", fontsize=10, zorder=4)


def _graph_key(ax: Axes, x: float) -> None:
    """The two lines under the graph that say what the colours above and below the edges are."""
    ax.text(x, -2.0, "forward values above the edges (vectors as columns)", color=_FORWARD_COLOR, fontsize=9)
    ax.text(x, -2.5, "gradients of L below the edges (u = ∂L/∂q, the upstream gradient of a layer)",
            color=_BACKWARD_COLOR, fontsize=9)


def plot_graph(ax: Axes, tr: BackpropTrace) -> None:
    """Draw the computational graph of a ``trace``: forward values above each edge (blue),
    backward gradients below it (orange); parameters enter the linear nodes from above, with their
    values (black) and gradients (orange) beside the arrow.

    Parameters
    ----------
    ax : matplotlib Axes
        Drawn on; its text (9 points) is sized for an axes as wide as a figure of ``FIGURE_WIDTH``
        (9.4 by about 3.7 inches for two hidden layers: the axes keeps the graph's aspect).
    tr : BackpropTrace
        From ``trace(model, x, y)``.
    """
    if not isinstance(tr, BackpropTrace):
        raise TypeError(f"tr: expected a BackpropTrace from nnlab.backprop.trace, got {type(tr).__name__}")
    D = len(tr.weights) - 1
    step = 2.6
    # node positions along the main line: x, (linear, activation) per hidden layer, output, loss, L
    order = ["x"] + [f"{kind}{d}" for d in range(1, D + 1) for kind in ("lin", "act")] + ["out", "loss", "L"]
    xs = {name: i * step for i, name in enumerate(order)}

    _box(ax, (xs["x"], 0), "x")
    _box(ax, (xs["L"], 0), "L", w=0.6)
    for d in range(1, D + 1):
        _op_node(ax, (xs[f"lin{d}"], 0), f"W{_sub(d)}ᵀ·\n+ b{_sub(d)}", r=0.62)
        _op_node(ax, (xs[f"act{d}"], 0), tr.activation, r=0.62)
    _op_node(ax, (xs["out"], 0), "βᵀ·\n+ a", r=0.62)
    _op_node(ax, (xs["loss"], 0), "(y − z)²", r=0.62)

    def edge(a: str, b: str, name: str, value: np.ndarray, grad_name: str, grad: np.ndarray) -> None:
        _graph_edge(ax, xs[a], xs[b], name, value, grad_name, grad)

    prev = "x"
    for d in range(1, D + 1):
        below = "x" if d == 1 else f"h{_sub(d - 1)}"
        edge(prev, f"lin{d}", below, tr[prev if d == 1 else f"h{d - 1}"],
             f"∂L/∂{below}", tr["dx" if d == 1 else f"dh{d - 1}"])
        edge(f"lin{d}", f"act{d}", f"q{_sub(d)}", tr[f"q{d}"], f"u{_sub(d)}",
             tr[f"u{d}"])
        prev = f"act{d}"
    edge(prev, "out", f"h{_sub(D)}", tr[f"h{D}"], f"∂L/∂h{_sub(D)}", tr[f"dh{D}"])
    edge("out", "loss", "z", tr["z"], "∂L/∂z", tr["dz"])
    edge("loss", "L", "L", tr["L"], "∂L/∂L", np.array(1.0))

    top = 3.4
    for d in range(1, D + 1):
        _graph_param(ax, xs[f"lin{d}"], top, (f"W{d}", f"b{d}"), (tr.weights[d - 1], tr.biases[d - 1]),
                     (tr[f"dW{d}"], tr[f"db{d}"]))
    _graph_param(ax, xs["out"], top, ("beta", "a"), (tr.weights[D], tr.biases[D]), (tr["dbeta"], tr["da"]))
    x0 = xs["loss"]
    _arrow(ax, (x0, -2.2), (x0, -0.62), shrink=0)
    ax.text(x0, -2.28, f"y = {_short(tr.y.ravel()[0])}", ha="center", va="top", fontsize=9)

    note(ax, describe_graph(tr), key="graph")
    _graph_key(ax, xs["x"] - 0.5)
    ax.set_xlim(xs["x"] - 0.6, xs["L"] + 0.6)
    ax.set_ylim(-2.8, top + 1.5)
    ax.set_aspect("equal")
    ax.axis("off")


def _vec(a: np.ndarray) -> str:
    """A number, a vector as [1, 0.3], a matrix row by row as [[1, 0.3], [0, 2]] (4 decimals)."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 2 and a.shape[0] > 1 and a.shape[1] > 1:
        return "[" + ", ".join(_vec(row) for row in a) + "]"
    values = [num(v) for v in np.ravel(a)]
    return values[0] if len(values) == 1 else "[" + ", ".join(values) + "]"


def describe_graph(tr: BackpropTrace) -> str:
    """The computational graph of ``plot_graph`` in words: the chain of nodes, the forward values along it, the
    gradients of L along it, and every parameter with its gradient (4 decimals)."""
    D = len(tr.weights) - 1
    chain = " → ".join(["x", *[f"W{_sub(d)}ᵀ·+b{_sub(d)} → {tr.activation}" for d in range(1, D + 1)],
                        "βᵀ·+a", "(y − z)²", "L"])
    forward = [f"x = {_vec(tr['x'])}"] + [f"q{_sub(d)} = {_vec(tr[f'q{d}'])}, h{_sub(d)} = {_vec(tr[f'h{d}'])}"
                                          for d in range(1, D + 1)] + [f"z = {_vec(tr['z'])}", f"L = {_vec(tr['L'])}"]
    backward = [f"∂L/∂z = {_vec(tr['dz'])}"] + [f"∂L/∂h{_sub(d)} = {_vec(tr[f'dh{d}'])}, u{_sub(d)} = "
                                                 f"{_vec(tr[f'u{d}'])}" for d in range(D, 0, -1)]
    params = [f"W{_sub(d)} = {_vec(tr.weights[d - 1])} (gradient {_vec(tr[f'dW{d}'])}), b{_sub(d)} = "
              f"{_vec(tr.biases[d - 1])} (gradient {_vec(tr[f'db{d}'])})" for d in range(1, D + 1)]
    params.append(f"β = {_vec(tr.weights[D])} (gradient {_vec(tr['dbeta'])}), a = {_vec(tr.biases[D])} "
                  f"(gradient {_vec(tr['da'])})")
    return (f"the computational graph {chain}, with y = {_vec(tr.y)}. Forward values, above the edges: "
            f"{'; '.join(forward)}. Gradients of L, below the edges, from the loss back: {'; '.join(backward)}. "
            f"Parameters entering from above, with their gradients: {'; '.join(params)}")


def _graph_edge(ax: Axes, x0: float, x1: float, name: str, value: np.ndarray, grad_name: str,
                grad: np.ndarray) -> None:
    """An edge of the graph from x0 to x1: its forward value above it, the gradient of L below it."""
    _arrow(ax, (x0, 0), (x1, 0), shrink=24)
    xm = (x0 + x1) / 2
    ax.text(xm, 0.12, f"{name}\n{_column(value)}", ha="center", va="bottom", fontsize=9,
            color=_FORWARD_COLOR, linespacing=1.15)
    ax.text(xm, -0.12, f"{grad_name}\n{_column(grad)}", ha="center", va="top", fontsize=9,
            color=_BACKWARD_COLOR, linespacing=1.15)


def _graph_param(ax: Axes, x0: float, top: float, names: tuple[str, str], values: tuple[np.ndarray, np.ndarray],
                 grads: tuple[np.ndarray, np.ndarray]) -> None:
    """Parameters entering a linear node from above: their values, and their gradients in the backward colour."""
    _arrow(ax, (x0, top), (x0, 0.62), shrink=0)
    ax.text(x0, top + 0.08, f"{names[0]} =\n{_short(values[0])}\n{names[1]} = {_short(values[1])}",
            ha="center", va="bottom", fontsize=9, family="monospace")
    ax.text(x0 + 0.12, (top + 0.55) / 2 + 0.3,
            f"d{names[0]} =\n{_short(grads[0])}\nd{names[1]} = {_short(grads[1])}",
            ha="left", va="center", fontsize=9, family="monospace", color=_BACKWARD_COLOR)


def plot_flow_pattern(ax: Axes, pattern: FlowPattern) -> None:
    """Draw one gate with its forward values (blue, above) and gradients (orange, below) on the edges.

    Parameters
    ----------
    ax : matplotlib Axes
        Its text (10 points) is sized for a quarter of a figure of ``FIGURE_WIDTH``, the four patterns
        side by side.
    pattern : FlowPattern
        From ``flow_pattern`` or ``flow_patterns``.
    """
    if not isinstance(pattern, FlowPattern):
        raise TypeError(f"pattern: expected a FlowPattern from nnlab.backprop.flow_pattern, "
                        f"got {type(pattern).__name__}")
    symbol = {"add": "+", "copy": "copy", "mul": "×", "max": "max"}[pattern.gate]
    gate = (0.0, 0.0)
    _op_node(ax, gate, symbol, r=0.5, fontsize=10)
    n_in, n_out = len(pattern.inputs), len(pattern.outputs)
    ys_in = [0.0] if n_in == 1 else [0.9, -0.9]
    ys_out = [0.0] if n_out == 1 else [0.9, -0.9]

    def labelled(p: tuple[float, float], q: tuple[float, float], name: str, value: float, grad: float,
                 outer: tuple[float, float], ha: str) -> None:
        _arrow(ax, p, q, shrink=4)
        dx = -0.12 if ha == "right" else 0.12
        ax.text(outer[0] + dx, outer[1] + 0.04, f"{name} = {num(value)}", ha=ha, va="bottom", fontsize=10,
                color=_FORWARD_COLOR)
        ax.text(outer[0] + dx, outer[1] - 0.04, num(grad), ha=ha, va="top", fontsize=10,
                color=_BACKWARD_COLOR)

    for name, y0, v, g in zip(pattern.input_names, ys_in, pattern.inputs, pattern.downstream):
        labelled((-1.6, y0), (-0.5, 0.3 * np.sign(y0)), name, v, g, outer=(-1.6, y0), ha="right")
    for name, y0, v, g in zip(pattern.output_names, ys_out, pattern.outputs, pattern.upstream):
        labelled((0.5, 0.3 * np.sign(y0)), (1.6, y0), name, v, g, outer=(1.6, y0), ha="left")
    ax.set_title(f"{pattern.gate} gate\n{pattern.rule} the gradient", fontsize=10)
    ins = ", ".join(f"{n} = {num(v)} (gradient {num(g)})" for n, v, g in
                    zip(pattern.input_names, pattern.inputs, pattern.downstream))
    outs = ", ".join(f"{n} = {num(v)} (gradient {num(g)})" for n, v, g in
                     zip(pattern.output_names, pattern.outputs, pattern.upstream))
    note(ax, f"inputs {ins}; outputs {outs}", key="pattern")
    ax.set_xlim(-3.1, 3.1)
    ax.set_ylim(-1.5, 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
