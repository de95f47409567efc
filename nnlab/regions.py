"""Linear regions of ReLU networks: parameter counts, bounds on the regions, exact counting.

A ReLU network computes a piecewise linear function. Its *linear regions* are the maximal
connected pieces of input space on which that function is linear (Understanding Deep Learning,
chapters 3 and 4). This module

- counts parameters and the number of regions a network can have: Zaslavsky's count (the exact
  maximum for a shallow network), and for a deep network the counts of two constructions (lower
  bounds on the maximum, Montufar et al. 2014 and the one UDL section 4.5 plots) and an upper bound
  (Serra et al. 2018); with one input the last two meet;
- counts the regions of a given network with one input **exactly**, by following the
  breakpoints (the inputs where some unit changes between off and on) layer by layer;
- labels the points of a grid by activation pattern, for networks with two inputs;
- composes two networks into one deep network, and merges the composition into the two-layer
  form of the lecture;

and its pictures are in ``nnlab.plots.regions``, each drawn from the numbers of a function here.

Notation as in the lecture: a shallow network with ``D`` hidden units computes
``h_d = a[theta_d0 + theta_d1 x]`` and ``y = phi_0 + sum_d phi_d h_d``; ``K`` layers of ``D``
units each form a deep network; ``D_i`` is the number of inputs. In code a ``Dense`` layer
computes ``z = X @ W + b`` with ``W`` of shape ``(n_in, n_out)``, so the lecture's matrix
``Psi`` (rows = units of the next layer) is ``W.T``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._validate import check_array, check_count, check_positive, check_positive_int, check_rng
from .layers import MLP, Activation, Dense, Layer, Sequential

Interval = tuple[float, float]

# --- Counting parameters, and how many regions a network can have (exact Python integers) ----------------------------


def count_params(n_in: int, hidden: Sequence[int], n_out: int = 1) -> int:
    """Number of weights and biases of a fully connected network.

    Each layer from width ``m`` to width ``n`` has ``m * n`` weights and ``n`` biases.

    Parameters
    ----------
    n_in : int
        Input dimension ``D_i``.
    hidden : sequence of int
        Widths of the hidden layers, e.g. ``[3]`` for a shallow network with 3 units,
        ``[10] * 5`` for 5 layers of 10 units.
    n_out : int
        Output dimension ``D_o``.

    Returns
    -------
    int

    Examples
    --------
    >>> count_params(1, [6], 1)      # shallow, 6 hidden units: 6 * 2 + 7
    19
    >>> count_params(1, [10] * 5, 1)  # the book's 5 layers of 10 units
    471
    """
    n_in = check_positive_int(n_in, "n_in")
    n_out = check_positive_int(n_out, "n_out")
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence):
        raise TypeError("hidden: expected a sequence of widths such as [3] or [10] * 5, "
                        f"got {type(hidden).__name__}")
    widths = [n_in, *(check_positive_int(w, f"hidden[{i}]") for i, w in enumerate(hidden)), n_out]
    return sum((m + 1) * n for m, n in zip(widths[:-1], widths[1:]))


def max_regions_shallow(n_units: int, n_in: int = 1) -> int:
    """Zaslavsky's count: the most regions ``D`` hyperplanes can cut ``D_i``-dimensional space into.

    A shallow ReLU network with ``D`` hidden units has one hyperplane (a joint) per unit, so it
    has at most ``sum_{j=0}^{D_i} C(D, j)`` linear regions, and reaches that number when the
    hyperplanes are in general position. With one input this is ``D + 1``.

    Parameters
    ----------
    n_units : int
        Number of hidden units ``D`` (>= 0).
    n_in : int
        Input dimension ``D_i`` (>= 1).

    Returns
    -------
    int
        An exact Python integer.
    """
    D = check_count(n_units, "n_units")
    Di = check_positive_int(n_in, "n_in")
    return sum(math.comb(D, j) for j in range(Di + 1))


def max_regions_deep(width: int, depth: int, n_in: int = 1) -> int:
    """Regions of the deep-network construction that UDL figure 4.7 plots: a count some network reaches.

    For ``K`` hidden layers of ``D`` units, ``D`` a multiple of the input dimension ``D_i`` and at least
    ``3 D_i``, Serra et al. (2018, "Bounding and counting linear regions of deep neural networks") build
    a ReLU network with ``N_r = (D / D_i + 1) ** (D_i (K - 1)) * sum_{j=0}^{D_i} C(D, j)`` linear regions
    (the first ``K - 1`` layers fold every input direction ``D / D_i + 1`` times, the last layer cuts
    every fold by Zaslavsky's count). So this is a **lower bound on the maximum**, not the maximum
    itself; ``max_regions_montufar`` is the older construction with one fold less, and
    ``max_regions_upper_bound`` bounds it from above. With one input the bounds meet: ``(D + 1) ** K``
    is the exact maximum. With ``K = 1`` it is Zaslavsky's count, exact for any ``D``.

    Parameters
    ----------
    width : int
        Units per layer ``D``: a multiple of ``n_in``, and at least ``3 * n_in`` when ``depth > 1``
        (below that no construction is known, and at ``D = D_i`` the formula exceeds the upper bound:
        ``D = D_i = 1`` would give ``2 ** K``, while such a network has at most ``K + 1`` regions).
    depth : int
        Number of hidden layers ``K`` (>= 1).
    n_in : int
        Input dimension ``D_i``.

    Returns
    -------
    int
        An exact Python integer (it can have dozens of digits).

    Examples
    --------
    >>> max_regions_deep(10, 5)   # 11 ** 5, the exact maximum for one input
    161051
    """
    D = check_positive_int(width, "width")
    K = check_positive_int(depth, "depth")
    Di = check_positive_int(n_in, "n_in")
    if D % Di:
        raise ValueError(f"width: the formula needs a multiple of n_in={Di} hidden units per layer, got {D}")
    if K > 1 and D // Di < 3:  # D is a multiple of D_i here
        raise ValueError(f"width: the construction needs at least 3 * n_in = {3 * Di} units per layer when "
                         f"depth > 1, got {D}; max_regions_upper_bound bounds every shape")
    return (D // Di + 1) ** (Di * (K - 1)) * max_regions_shallow(D, Di)


def max_regions_montufar(width: int, depth: int, n_in: int = 1) -> int:
    """Montufar et al. (2014)'s construction, a lower bound on the maximum: ``K`` layers of ``D >= D_i`` units
    can have ``floor(D / D_i) ** (D_i (K - 1)) * sum_{j=0}^{D_i} C(D, j)`` regions ("On the number of linear
    regions of deep neural networks"); ``max_regions_deep`` folds once more per direction and layer.

    >>> max_regions_montufar(10, 5)   # 10 ** 4 * 11
    110000
    """
    D = check_positive_int(width, "width")
    K = check_positive_int(depth, "depth")
    Di = check_positive_int(n_in, "n_in")
    if D // Di < 1:
        raise ValueError(f"width: the construction needs at least n_in={Di} units per layer, got {D}")
    return (D // Di) ** (Di * (K - 1)) * max_regions_shallow(D, Di)


def max_regions_upper_bound(hidden: Sequence[int], n_in: int = 1) -> int:
    """Serra et al. (2018)'s upper bound on the linear regions of any ReLU network of this shape.

    With hidden widths ``n_1, ..., n_K`` and ``D_i`` inputs no network has more than
    ``sum over (j_1, ..., j_K) in J of prod_k C(n_k, j_k)`` regions, where ``J`` holds the tuples with
    ``0 <= j_k <= min(D_i, n_1 - j_1, ..., n_{k-1} - j_{k-1}, n_k)`` (Serra, Tjandraatmadja and Ramalingam,
    theorem 1). With ``K = 1`` this is Zaslavsky's count. With one input and at least 2 units per layer
    it is ``prod_k (n_k + 1)``, which ``max_regions_deep`` reaches for equal widths ``D >= 3``; at width 2 it is
    not reached (two layers of 2 units have at most 7 regions, not 9: notebook 08, ``nested_tents_network``).
    Computed by dynamic programming over the cap ``m = min(D_i, n_1 - j_1, ...)``, in exact integers.

    Examples
    --------
    >>> max_regions_upper_bound([10] * 5)   # 11 ** 5 = max_regions_deep(10, 5)
    161051
    >>> f"{max_regions_upper_bound([50] * 5, n_in=10):.2e}"   # the book's 10-input example
    '4.37e+50'
    """
    Di = check_positive_int(n_in, "n_in")
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence) or not hidden:
        raise ValueError(f"hidden: expected a non-empty sequence of widths such as [50] * 5, got {hidden!r}")
    widths = [check_positive_int(w, f"hidden[{i}]") for i, w in enumerate(hidden)]
    ways = {Di: 1}  # cap m -> number of weighted index tuples (j_1, ..., j_k) that leave cap m
    for n in widths:
        after: dict[int, int] = {}
        for cap, count in ways.items():
            for j in range(min(cap, n) + 1):
                m = min(cap, n - j)
                after[m] = after.get(m, 0) + count * math.comb(n, j)
        ways = after
    return sum(ways.values())


def known_max_regions(width: int, depth: int, n_in: int = 1) -> tuple[int | None, int]:
    """What is known about the most regions of ``depth`` layers of ``width`` units with ``n_in`` inputs:
    ``(reached, bound)``, the most a construction is known to reach and Serra et al.'s upper bound. They are equal
    where the maximum is known: one layer (Zaslavsky's count), or one input and at least 3 units. ``reached`` is
    ``None`` where nnlab knows no construction (fewer than 3 units per input, or a width that is not a multiple of
    the inputs; at width 2 the bound is not reached, notebook 08)."""
    if depth == 1:
        exact = max_regions_shallow(width, n_in)
        return exact, exact
    upper = max_regions_upper_bound([width] * depth, n_in)
    reached = max_regions_deep(width, depth, n_in) if width >= 3 * n_in and width % n_in == 0 else None
    return reached, upper


def max_regions_curve(n_in: int, depth: int, widths: Sequence[int]) -> tuple[np.ndarray, list[int]]:
    """Parameters and ``max_regions_deep`` of networks with ``depth`` layers, one entry per width.

    The data of one curve of UDL figure 4.7: ``n_in`` inputs, ``depth`` hidden layers of each width in
    ``widths`` (as ``max_regions_deep`` takes them), one output.

    Returns
    -------
    params : array of int, shape (len(widths),)
    regions : list of int, length len(widths)
        Exact integers (a list, since they may exceed 64 bits).
    """
    params = np.array([count_params(n_in, [w] * depth, 1) for w in widths], dtype=np.int64)
    regions = [max_regions_deep(w, depth, n_in) for w in widths]
    return params, regions


# --- Building networks: the lecture's shallow networks, random networks, compositions --------------------------------


def shallow_network(theta: np.ndarray | Sequence, phi: np.ndarray | Sequence) -> MLP:
    """The lecture's shallow ReLU network, from its parameters.

    ``h_d = a[theta_d0 + theta_d1 x_1 + ... ]`` for ``d = 1..D`` and ``y = phi_0 + sum_d phi_d h_d``.

    Parameters
    ----------
    theta : array_like, shape (D, D_i + 1)
        Row ``d`` holds ``theta_d0`` (the bias) then the ``D_i`` slopes of unit ``d``.
    phi : array_like, shape (D + 1,)
        ``phi_0`` (the output bias) then one output weight per unit.

    Returns
    -------
    MLP
        A ``D_i``-``D``-1 ReLU network.

    Examples
    --------
    >>> net = shallow_network([[1, 1], [0.5, 1], [-0.5, 1]], [-1, 4, -6, 6])
    >>> net.sizes
    [1, 3, 1]
    """
    theta = check_array(theta, "theta", ndim=2)
    if theta.shape[1] < 2:
        raise ValueError(f"theta: expected shape (D, D_i + 1) with a bias column and D_i >= 1 slopes, "
                         f"got shape {theta.shape}")
    phi = check_array(phi, "phi", ndim=1)
    if phi.shape != (theta.shape[0] + 1,):
        raise ValueError(f"phi: expected shape ({theta.shape[0] + 1},) = (phi_0 and one weight per unit), "
                         f"got shape {phi.shape}")
    return MLP.from_weights([theta[:, 1:].T, phi[1:, None]], [theta[:, 0], phi[:1]], "relu")


def random_network(sizes: Sequence[int], *, rng: np.random.Generator, bias_std: float = 0.5) -> MLP:
    """A ReLU network with He-normal weights and normally distributed biases.

    ``MLP`` starts its biases at zero; with one input every first-layer joint would then sit at
    ``x = 0``. Random biases spread the joints, as in a network part-way through training.

    Parameters
    ----------
    sizes : sequence of int
        Widths from input to output, e.g. ``[1, 10, 10, 1]``.
    rng : np.random.Generator
        Source of the weights and biases.
    bias_std : float
        Standard deviation of the biases (> 0).
    """
    check_rng(rng)
    bias_std = check_positive(bias_std, "bias_std")
    model = MLP(sizes, "relu", rng=rng, init="he_normal")
    for b in model.biases:
        b[...] = rng.normal(0.0, bias_std, size=b.shape)
    return model


def random_region_counts(sizes: Sequence[int], n_networks: int, *, rng: np.random.Generator,
                         interval: Interval | None = None, bias_std: float = 0.5) -> np.ndarray:
    """Exact linear-region counts of ``n_networks`` random one-input networks of one shape.

    Parameters
    ----------
    sizes : sequence of int
        Widths from input to output; ``sizes[0]`` must be 1.
    n_networks : int
        How many networks to draw (one after the other from ``rng``).
    rng : np.random.Generator
    interval : (lo, hi), optional
        Where to count; the whole real line by default.
    bias_std : float
        As in ``random_network``.

    Returns
    -------
    array of int, shape (n_networks,)
    """
    n = check_positive_int(n_networks, "n_networks")
    return np.array([count_linear_regions(random_network(sizes, rng=rng, bias_std=bias_std), interval)
                     for _ in range(n)], dtype=np.int64)


def _flat_layers(model: Sequential) -> list[Layer]:
    return [layer for _, layer in model.named_layers()]


def _copy_layer(layer: Layer) -> Layer:
    if isinstance(layer, Dense):
        return Dense(layer.n_in, layer.n_out, W=layer.params["W"], b=layer.params.get("b"), bias=layer.bias,
                     dtype=layer.params["W"].dtype)
    if isinstance(layer, Activation):
        return Activation(layer.name, **layer.activation_params)
    raise TypeError(f"layer: expected Dense or Activation, got {type(layer).__name__}")


def _check_model(model: object, name: str = "model") -> Sequential:
    if not isinstance(model, Sequential):
        raise TypeError(f"{name}: expected an nnlab network (Sequential or MLP), got {type(model).__name__}")
    if not model.dense_layers:
        raise ValueError(f"{name}: expected at least one Dense layer")
    return model


def _n_out(model: Sequential) -> int:
    return model.dense_layers[-1].n_out


def compose_networks(net1: Sequential, net2: Sequential) -> Sequential:
    """The deep network ``y' = f2(f1(x))``: the layers of ``net1`` followed by those of ``net2``.

    Parameters
    ----------
    net1 : Sequential
        The first network, ``D_i`` inputs to ``m`` outputs.
    net2 : Sequential
        The second network, ``m`` inputs.

    Returns
    -------
    Sequential
        A new network with copies of the layers (changing it leaves ``net1`` and ``net2`` alone).
        Between the two networks sit two ``Dense`` layers with nothing in between:
        ``merge_composition`` multiplies them into one.
    """
    _check_model(net1, "net1")
    _check_model(net2, "net2")
    if _n_out(net1) != net2.n_in:
        raise ValueError(f"net2: expected {_n_out(net1)} input(s) to match net1's outputs, got {net2.n_in}")
    return Sequential(*[_copy_layer(layer) for layer in (*_flat_layers(net1), *_flat_layers(net2))])


def merge_composition(net1: MLP, net2: MLP) -> MLP:
    """The composition ``f2(f1(x))`` written as one network with the hidden layers of both.

    The output layer of ``net1`` (``y = phi_0 + phi^T h``) and the first layer of ``net2``
    (``theta'_0 + theta'_1 y``) are both linear, so they merge into one linear map
    ``psi_0 + Psi h`` with ``psi_0 = theta'_0 + theta'_1 phi_0`` and ``Psi = theta'_1 phi^T``
    (UDL equations 4.5 and 4.6). In nnlab's layout the merged weight matrix is
    ``W = W_out1 @ W_in2`` of shape ``(D, D')``, i.e. ``Psi.T``.

    Parameters
    ----------
    net1, net2 : MLP
        ReLU networks with at least one hidden layer each; ``net2`` has as many inputs as
        ``net1`` has outputs.

    Returns
    -------
    MLP
        Sizes ``net1.sizes[:-1] + net2.sizes[1:]``, e.g. 1-3-3-1 for two 1-3-1 networks.
    """
    for name, net in (("net1", net1), ("net2", net2)):
        if not isinstance(net, MLP):
            raise TypeError(f"{name}: expected an nnlab MLP, got {type(net).__name__}")
        if len(net.sizes) < 3:
            raise ValueError(f"{name}: expected at least one hidden layer, got sizes {net.sizes}")
    if net1.activation != net2.activation:
        raise ValueError(f"net2: expected the same activation as net1 ({net1.activation!r}), "
                         f"got {net2.activation!r}")
    if net1.sizes[-1] != net2.sizes[0]:
        raise ValueError(f"net2: expected {net1.sizes[-1]} input(s) to match net1's outputs, "
                         f"got {net2.sizes[0]}")
    W_out, b_out = net1.weights[-1], net1.biases[-1]
    W_in, b_in = net2.weights[0], net2.biases[0]
    weights = [*net1.weights[:-1], W_out @ W_in, *net2.weights[1:]]
    biases = [*net1.biases[:-1], b_out @ W_in + b_in, *net2.biases[1:]]
    return MLP.from_weights([w.copy() for w in weights], [b.copy() for b in biases], net1.activation,
                            **net1[1].activation_params)


# --- Exact pieces of a network with one input ------------------------------------------------------------------------


def _piecewise_linear_steps(model: Sequential) -> list[tuple[np.ndarray, np.ndarray] | None]:
    """The network as a list of affine maps ``(W, b)`` and ``None`` for each ReLU."""
    steps: list[tuple[np.ndarray, np.ndarray] | None] = []
    for i, layer in enumerate(_flat_layers(model)):
        if isinstance(layer, Dense):
            steps.append((layer.params["W"].astype(float), layer.params["b"].astype(float)))
        elif isinstance(layer, Activation) and layer.name == "relu":
            steps.append(None)
        elif isinstance(layer, Activation) and layer.name == "identity":
            continue
        else:
            raise ValueError(f"model: layer {i} is {layer!r}; exact region counting needs Dense layers and "
                             "ReLU activations (a piecewise linear network)")
    return steps


def check_interval(interval: Interval | None, name: str = "interval") -> tuple[float, float]:
    """``(lo, hi)`` as floats with ``lo < hi`` (infinite ends allowed; ``None`` is the whole line)."""
    if interval is None:
        return -np.inf, np.inf
    try:
        lo, hi = (float(v) for v in interval)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected (lo, hi), got {interval!r}") from None
    if np.isnan(lo) or np.isnan(hi) or not lo < hi:
        raise ValueError(f"{name}: expected lo < hi (infinite ends allowed), got {interval!r}")
    return lo, hi


def _inner_points(edges: np.ndarray) -> np.ndarray:
    """One point strictly inside each piece ``(edges[i], edges[i + 1])``, also for infinite ends."""
    left, right = edges[:-1], edges[1:]
    fl, fr = np.isfinite(left), np.isfinite(right)
    safe_l, safe_r = np.where(fl, left, 0.0), np.where(fr, right, 0.0)
    return np.select([fl & fr, fr, fl],
                     [0.5 * (safe_l + safe_r), safe_r - np.maximum(1.0, np.abs(safe_r)),
                      safe_l + np.maximum(1.0, np.abs(safe_l))], default=0.0)


@dataclass(frozen=True)
class Pieces:
    """A piecewise linear function of one input, piece by piece.

    On piece ``i``, the open interval ``(edges[i], edges[i + 1])``, the function is
    ``intercepts[i] + slopes[i] * x``.

    Attributes
    ----------
    edges : array, shape (P + 1,)
        Piece boundaries, increasing; the first and last may be ``-inf`` and ``inf``.
    slopes, intercepts : arrays, shape (P, n_out)
    patterns : array of bool, shape (P, n_units), or None
        Which ReLU units are on in each piece (all layers, input to output); ``None`` once
        pieces with the same linear function have been merged.
    """

    edges: np.ndarray
    slopes: np.ndarray
    intercepts: np.ndarray
    patterns: np.ndarray | None = None

    @property
    def n_pieces(self) -> int:
        """Number of pieces ``P``."""
        return len(self.edges) - 1

    @property
    def joints(self) -> np.ndarray:
        """The inner edges, where the function (or the activation pattern) changes; shape (P - 1,)."""
        return self.edges[1:-1]

    def index(self, x: np.ndarray | float) -> np.ndarray:
        """The piece each ``x`` falls in (a point on a joint counts to the piece on its right)."""
        idx = np.searchsorted(self.edges, np.asarray(x, dtype=float), side="right") - 1
        return np.clip(idx, 0, self.n_pieces - 1)

    def evaluate(self, x: np.ndarray | float) -> np.ndarray:
        """The function at ``x`` (shape (N,) -> (N, n_out)), from the pieces alone."""
        x = np.atleast_1d(np.asarray(x, dtype=float))
        i = self.index(x)
        return self.intercepts[i] + self.slopes[i] * x[:, None]

    def __repr__(self) -> str:
        return f"Pieces({self.n_pieces} pieces on [{self.edges[0]:g}, {self.edges[-1]:g}])"


def activation_pieces(model: Sequential, interval: Interval | None = None) -> Pieces:
    """The pieces of a one-input ReLU network on which no unit changes between off and on.

    Exact, not sampled: the input is followed layer by layer as a piecewise linear function.
    On every current piece each unit's pre-activation is ``a + b x``; it crosses zero at
    ``x = -a / b``. Those crossings cut the pieces, the ReLU switches the unit off where its
    pre-activation is negative, and the next layer works on the finer pieces.

    Parameters
    ----------
    model : Sequential
        Dense layers and ReLU activations, one input.
    interval : (lo, hi), optional
        Where to look; the whole real line by default (infinite ends allowed).

    Returns
    -------
    Pieces
        With ``patterns`` filled in. Crossings closer than about 1e-9 (relative) to a piece's
        end are treated as touching it, not crossing (a kink of width 1e-9 is invisible).
    """
    _check_model(model)
    if model.n_in != 1:
        raise ValueError(f"model: exact counting needs one input, got {model.n_in} (use region_grid for two)")
    lo, hi = check_interval(interval)
    edges = np.array([lo, hi])
    A, B = np.zeros((1, 1)), np.ones((1, 1))  # the input x = 0 + 1 * x on the one piece
    patterns = np.zeros((1, 0), dtype=bool)
    for step in _piecewise_linear_steps(model):
        if step is not None:
            W, b = step
            A, B = A @ W + b, B @ W
            continue
        # where does each unit's pre-activation A + B x cross zero inside its piece?
        moving = B != 0
        roots = np.divide(-A, B, out=np.full(A.shape, np.nan), where=moving)
        left, right = edges[:-1, None], edges[1:, None]
        tol = 1e-9 * np.maximum(1.0, np.abs(np.nan_to_num(roots)))
        inside = moving & (roots > left + tol) & (roots < right - tol)
        cuts = np.sort(roots[inside])
        # two units crossing within 1e-9 of each other make one joint, not a sliver of a piece
        distinct = np.ones(len(cuts), dtype=bool)
        distinct[1:] = np.diff(cuts) > 1e-9 * np.maximum(1.0, np.abs(cuts[1:]))
        new_edges = np.sort(np.concatenate([edges, cuts[distinct]]))
        points = _inner_points(new_edges)
        parent = np.clip(np.searchsorted(edges, points, side="right") - 1, 0, len(edges) - 2)
        A, B = A[parent], B[parent]
        on = A + B * points[:, None] > 0
        A, B = np.where(on, A, 0.0), np.where(on, B, 0.0)
        patterns = np.hstack([patterns[parent], on])
        edges = new_edges
    return Pieces(edges=edges, slopes=B, intercepts=A, patterns=patterns)


def linear_pieces(model: Sequential, interval: Interval | None = None) -> Pieces:
    """The linear regions of a one-input ReLU network: maximal intervals where it is linear.

    ``activation_pieces`` with neighbours merged when they carry the same linear function (a
    unit can switch without changing the output, e.g. when its output weight is 0). Two
    separate intervals with the same function stay two regions.

    Returns
    -------
    Pieces
        ``patterns`` is ``None``.
    """
    p = activation_pieces(model, interval)
    scale = max(1.0, float(np.abs(p.slopes).max(initial=0.0)))
    same = np.all(np.abs(np.diff(p.slopes, axis=0)) <= 1e-9 * scale, axis=1)
    first = np.concatenate([[True], ~same])  # pieces that start a new linear region
    starts = np.flatnonzero(first)
    edges = np.concatenate([p.edges[starts], p.edges[-1:]])
    return Pieces(edges=edges, slopes=p.slopes[starts], intercepts=p.intercepts[starts])


def count_linear_regions(model: Sequential, interval: Interval | None = None) -> int:
    """Exact number of linear regions of a one-input ReLU network on ``interval``.

    Parameters
    ----------
    model : Sequential
        Dense layers and ReLU activations, one input.
    interval : (lo, hi), optional
        The whole real line by default.

    Examples
    --------
    >>> net = shallow_network([[1, 1], [0.5, 1], [-0.5, 1]], [-1, 4, -6, 6])
    >>> count_linear_regions(net, (-1, 1)), count_linear_regions(net)
    (3, 4)
    """
    return linear_pieces(model, interval).n_pieces


# --- Activation patterns on a grid (any number of inputs) ------------------------------------------------------------


def activation_patterns(model: Sequential, X: np.ndarray) -> np.ndarray:
    """Which ReLU units are on (pre-activation > 0) at each input.

    Parameters
    ----------
    model : Sequential
        Dense layers and ReLU activations.
    X : array, shape (N, n_in)

    Returns
    -------
    array of bool, shape (N, n_units)
        Units of all hidden layers, input to output.
    """
    _check_model(model)
    H = check_array(X, "X", ndim=2, n_features=model.n_in, dtype=float)
    on: list[np.ndarray] = []
    for step in _piecewise_linear_steps(model):
        if step is None:
            mask = H > 0
            on.append(mask)
            H = np.where(mask, H, 0.0)
        else:
            H = H @ step[0] + step[1]
    return np.hstack(on) if on else np.zeros((len(H), 0), dtype=bool)


def region_labels(model: Sequential, X: np.ndarray) -> np.ndarray:
    """Number the distinct activation patterns at the points of ``X``: 0, 1, 2, ...

    The inputs that share one activation pattern form a convex set (all pre-activations are
    linear there, and the pattern fixes their signs), so distinct patterns are distinct
    regions; ``labels.max() + 1`` regions are seen. A grid can miss regions smaller than its
    spacing, so this is a lower bound on the regions in the window.

    Returns
    -------
    array of int, shape (N,)
        Patterns are numbered in order of first appearance in ``X``.
    """
    P = activation_patterns(model, X)
    if P.shape[1] == 0:
        return np.zeros(len(P), dtype=np.int64)
    packed = np.ascontiguousarray(np.packbits(P, axis=1))
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first)] = np.arange(len(first))
    return rank[inverse.ravel()]


def region_grid(model: Sequential, xlim: Interval = (-1.0, 1.0), ylim: Interval = (-1.0, 1.0),
                n: int = 300) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Activation-pattern labels of a two-input network on an ``n x n`` grid.

    Returns
    -------
    xx, yy : arrays, shape (n, n)
        Grid coordinates (``np.meshgrid`` of ``n`` points over ``xlim`` and ``ylim``).
    labels : array of int, shape (n, n)
        ``region_labels`` of the grid points.
    """
    _check_model(model)
    if model.n_in != 2:
        raise ValueError(f"model: expected a network with two inputs, got {model.n_in}")
    n = check_positive_int(n, "n")
    xlim, ylim = check_interval(xlim, "xlim"), check_interval(ylim, "ylim")
    xx, yy = np.meshgrid(np.linspace(*xlim, n), np.linspace(*ylim, n))
    labels = region_labels(model, np.column_stack([xx.ravel(), yy.ravel()]))
    return xx, yy, labels.reshape(n, n)


def count_regions_grid(model: Sequential, X: np.ndarray) -> int:
    """Number of distinct activation patterns among the points ``X`` (N, n_in)."""
    labels = region_labels(model, X)
    return int(labels.max()) + 1 if len(labels) else 0


# --- Folding: where the first network turns, and which piece of the second network each input uses -------------------


def monotone_segments(model: Sequential, interval: Interval) -> np.ndarray:
    """The folds of a one-input, one-output network: maximal intervals where it is monotone.

    Each row is ``(x_start, x_end, y_start, y_end)``. Where the function turns, the input axis
    is folded back onto itself: inputs on different rows map onto the same outputs.

    Parameters
    ----------
    model : Sequential
        One input, one output.
    interval : (lo, hi)
        A finite interval.

    Returns
    -------
    array, shape (S, 4)
    """
    lo, hi = check_interval(interval)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"interval: expected a finite interval, got {interval!r}")
    if _n_out(_check_model(model)) != 1:
        raise ValueError(f"model: expected one output, got {_n_out(model)}")
    p = linear_pieces(model, (lo, hi))
    starts, last = [0], 0.0
    for i, sign in enumerate(np.sign(p.slopes[:, 0])):
        if sign != 0:  # a flat piece does not turn the function around
            if last != 0 and sign != last:
                starts.append(i)
            last = sign
    bounds = np.array([*p.edges[starts], p.edges[-1]])
    y = p.evaluate(bounds)[:, 0]
    return np.column_stack([bounds[:-1], bounds[1:], y[:-1], y[1:]])


def composition_labels(net1: Sequential, net2: Sequential,
                       interval: Interval) -> tuple[np.ndarray, np.ndarray]:
    """The pieces of ``f2(f1(x))`` on ``interval``, each labelled by the piece of ``f2`` it uses.

    Returns
    -------
    edges : array, shape (P + 1,)
        The activation pieces of the composed network.
    labels : array of int, shape (P,)
        For each piece, the index of ``net2``'s linear piece (over the whole real line) that
        ``f1`` maps it into. A repeated run of labels is the second network's function
        replicated on another fold (reversed where ``f1`` goes down).
    """
    p = activation_pieces(compose_networks(net1, net2), interval)
    inner = _inner_points(p.edges)
    y = net1.forward(inner[:, None])[:, 0]
    return p.edges, linear_pieces(net2).index(y)
