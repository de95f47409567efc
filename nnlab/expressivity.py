"""What a ReLU network can represent: hand-built approximators, the sawtooth, identity layers, measured errors.

The universal approximation theorem (Hornik 1991, in lecture 14) says that one hidden layer with enough
units approximates any continuous function on an interval as closely as we like. With ReLU units the proof
can be written down: every unit is a hinge ``relu(x - t)`` at a *knot* ``t``, and a sum of hinges is the
piecewise linear interpolant of the target through its values at the knots. This module builds that
network, and the pieces the notebook sets beside it:

- ``interpolant_network``: knots and values in, a one-hidden-layer ``MLP`` out whose output equals the
  piecewise linear interpolant exactly (one unit per piece);
- ``sawtooth_network``: the tent map composed ``depth`` times, ``depth`` layers of 2 ReLU units with
  ``2 ** depth`` linear pieces on [0, 1] (Telgarsky 2016): depth buys pieces exponentially cheaply;
  ``montufar_network`` and ``nested_tents_network``: other networks of width 2 with more pieces, against the
  upper bound ``3 ** depth`` that width 2 does not reach;
- ``identity_layer_weights`` and ``deepen``: ``relu(z) - relu(-z) = z``, so extra layers can pass
  anything through unchanged, and a shallow network is a deep one;
- ``approximation_error``: the max and mean error of an approximation on a dense grid, and
  ``loglog_slope``, the rate at which an error falls with the number of units;
- ``TARGETS`` and ``train_shallow``: the notebook's four target functions, and the trained networks
  (seeded, cached) that it compares with the construction; ``knots`` and ``dead_units`` look inside them.

Notation as in notebooks 03 and 08 (UDL's): ``D`` units per hidden layer (the one hidden layer's ``units``),
``K`` hidden layers (``depth``), ``D_i`` inputs. The lecture notes write M for D, lecture 9 K for D, D for K
and P for D_i.

Kernel methods, which the notebook compares with networks, come from scikit-learn; nothing here
repeats them. The pictures are in ``nnlab.plots.expressivity``, the dashboard in
``nnlab.widgets.expressivity``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from ._validate import check_array, check_positive, check_positive_int
from .layers import MLP, Dense, Sequential
from .optim import Adam, fit
from .regions import check_interval, linear_pieces

Target = Callable[[np.ndarray], np.ndarray]


# ----------------------------------------------------------------------------------------------
# The target functions of the notebook (on [-1, 1])
# ----------------------------------------------------------------------------------------------


def bump(x: np.ndarray) -> np.ndarray:
    """A Gaussian bump, exp(-8 x^2): smooth, with curvature up to 16."""
    return np.exp(-8.0 * np.asarray(x, dtype=float) ** 2)


def sine(x: np.ndarray) -> np.ndarray:
    """sin(pi x): one period on [-1, 1]."""
    return np.sin(np.pi * np.asarray(x, dtype=float))


def step(x: np.ndarray) -> np.ndarray:
    """The unit step, 1 for x >= 0 and 0 below: not continuous, so no network approximates it uniformly."""
    return (np.asarray(x, dtype=float) >= 0).astype(float)


def absolute(x: np.ndarray) -> np.ndarray:
    """|x|: piecewise linear with one kink, at 0."""
    return np.abs(np.asarray(x, dtype=float))


def square(x: np.ndarray) -> np.ndarray:
    """x^2: the interpolation error with knots h apart is exactly h^2 / 4 in the max norm."""
    return np.asarray(x, dtype=float) ** 2


#: the targets by name, as the notebook and the dashboard offer them
TARGETS: dict[str, Target] = {"bump": bump, "sin": sine, "step": step, "|x|": absolute, "x²": square}
#: where the targets live
INTERVAL = (-1.0, 1.0)


def get_target(name: str) -> Target:
    """The target function called ``name`` (one of ``TARGETS``)."""
    if name not in TARGETS:
        raise ValueError(f"target: expected one of {sorted(TARGETS)}, got {name!r}")
    return TARGETS[name]


# ----------------------------------------------------------------------------------------------
# Universal approximation, constructively: one hinge per piece
# ----------------------------------------------------------------------------------------------


def uniform_knots(units: int, interval: tuple[float, float] = INTERVAL) -> np.ndarray:
    """``units + 1`` evenly spaced knots on ``interval``: ``units`` pieces of width h = (b - a) / units."""
    units = check_positive_int(units, "units")
    lo, hi = check_interval(interval)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"interval: expected a finite interval, got {interval!r}")
    return np.linspace(lo, hi, units + 1)


def interpolant_network(knots: Sequence[float] | np.ndarray, values: Sequence[float] | np.ndarray) -> MLP:
    """A one-hidden-layer ReLU network equal to the piecewise linear interpolant of ``(knots, values)``.

    With knots ``t_0 < t_1 < ... < t_n`` and slopes ``s_i = (v_{i+1} - v_i) / (t_{i+1} - t_i)`` the
    interpolant is

    ``g(x) = v_0 + s_0 relu(x - t_0) + sum_{i=1}^{n-1} (s_i - s_{i-1}) relu(x - t_i)``

    on ``[t_0, t_n]``: unit ``i`` is a hinge at knot ``t_i`` that changes the slope by ``s_i - s_{i-1}``
    (the first one starts the slope ``s_0``). So ``n`` pieces take ``n`` hidden units. Left of ``t_0``
    the network is the constant ``v_0``, right of ``t_n`` it continues the last piece.

    Parameters
    ----------
    knots : array_like, shape (n + 1,)
        Strictly increasing, at least two.
    values : array_like, shape (n + 1,)
        The function's values at the knots.

    Returns
    -------
    MLP
        A 1-``n``-1 ReLU network: first-layer weights 1, biases ``-t_i``; output weights the slope changes,
        output bias ``v_0``.

    Examples
    --------
    >>> net = interpolant_network([-1, 0, 1], [1, 0, 1])   # |x| with two units
    >>> net.forward(np.array([[-0.5], [0.25]]))[:, 0].tolist()
    [0.5, 0.25]
    """
    t = check_array(knots, "knots", ndim=1, dtype=float)
    v = check_array(values, "values", ndim=1, dtype=float)
    if len(t) < 2:
        raise ValueError(f"knots: expected at least two (one piece), got {len(t)}")
    if not np.all(np.isfinite(t)) or not np.all(np.diff(t) > 0):
        raise ValueError(f"knots: expected finite, strictly increasing numbers, got {t.tolist()}")
    if v.shape != t.shape:
        raise ValueError(f"values: expected one value per knot, shape {t.shape}, got shape {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError("values: expected finite numbers")
    slopes = np.diff(v) / np.diff(t)
    changes = np.diff(slopes, prepend=0.0)  # s_0, s_1 - s_0, ..., s_{n-1} - s_{n-2}
    W1, b1 = np.ones((1, len(slopes))), -t[:-1]
    return MLP.from_weights([W1, changes[:, None]], [b1, v[:1]], "relu")


def hand_built(target: str | Target, units: int, interval: tuple[float, float] = INTERVAL) -> MLP:
    """The construction with ``units`` hidden units: the interpolant of ``target`` at ``uniform_knots``."""
    f = get_target(target) if isinstance(target, str) else target
    knots = uniform_knots(units, interval)
    return interpolant_network(knots, f(knots))


# ----------------------------------------------------------------------------------------------
# Depth: the sawtooth
# ----------------------------------------------------------------------------------------------

#: the tent map t(x) = 2 relu(x) - 4 relu(x - 1/2): 2x up to 1/2, then 2 - 2x; it maps [0, 1] onto itself twice
TENT_IN, TENT_BIAS, TENT_OUT = np.array([[1.0, 1.0]]), np.array([0.0, -0.5]), np.array([[2.0], [-4.0]])


def sawtooth_network(depth: int) -> MLP:
    """The tent map composed ``depth`` times: ``depth`` hidden layers of 2 ReLU units, ``2 ** depth`` pieces.

    Each layer computes ``h = relu([y, y - 1/2])`` of the previous tent's output ``y = 2 h_1 - 4 h_2``
    (for the first layer ``y = x``); merged into the weights, layer ``k > 1`` has ``W = [[2, 2], [-4, -4]]``
    and bias ``[0, -1/2]``. On [0, 1] every tent folds the interval onto itself, so the number of linear
    pieces doubles per layer: ``2 ** depth`` pieces, ``2 ** (depth - 1)`` teeth, from ``6 depth + 1``
    parameters. One hidden layer needs at least ``2 ** depth - 1`` units for as many pieces.

    Parameters
    ----------
    depth : int
        The number of tents composed, ``K >= 1``.

    Examples
    --------
    >>> from nnlab.regions import count_linear_regions
    >>> count_linear_regions(sawtooth_network(5), (0, 1))
    32
    """
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 1:
        raise ValueError(f"depth: expected an integer >= 1 (the number of tents composed), got {depth!r}")
    merged = TENT_OUT @ TENT_IN  # the output of one tent feeding the next tent's two units
    weights = [TENT_IN.copy(), *(merged.copy() for _ in range(depth - 1)), TENT_OUT.copy()]
    biases = [TENT_BIAS.copy() for _ in range(depth)] + [np.zeros(1)]
    return MLP.from_weights(weights, biases, "relu")


def sawtooth(x: np.ndarray, depth: int) -> np.ndarray:
    """The sawtooth ``t(t(...t(x)))`` computed directly (no network), for checking ``sawtooth_network``."""
    y = np.asarray(x, dtype=float)
    for _ in range(check_positive_int(depth, "depth")):
        y = np.where(y <= 0.5, 2 * y, 2 - 2 * y)
    return y


def _check_depth(depth: object, most: int | None = None) -> int:
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 1 or (most and depth > most):
        raise ValueError(f"depth: expected an integer from 1{f' to {most}' if most else ' up'}, got {depth!r}")
    return int(depth)


def montufar_network(depth: int) -> MLP:
    """Montufar et al. (2014)'s construction at width 2 with one input: ``3 * 2 ** (depth - 1)`` pieces on [0, 1].

    The first ``depth - 1`` layers are the sawtooth's tents, which fold [0, 1] onto itself ``2 ** (depth - 1)``
    times; the last layer's 2 units ``relu(1/3 - y)`` and ``relu(y - 2/3)`` cut every fold into 3 pieces
    (Zaslavsky's count for 2 units, sum_{j <= 1} C(2, j) = 3), with slopes -1, 0, 1 in ``y``. At a fold the
    pieces on either side are mirror images with slopes of opposite sign, so none merge. The count of their
    formula ``floor(D / D_i) ** (D_i (K - 1)) * sum_{j <= D_i} C(D, j)`` with ``D = 2``, ``D_i = 1``.
    """
    K = _check_depth(depth)
    tents = sawtooth_network(K - 1) if K > 1 else None
    last_in, last_bias = np.array([[-1.0, 1.0]]), np.array([1 / 3, -2 / 3])
    if tents is None:
        return MLP.from_weights([last_in, np.ones((2, 1))], [last_bias, np.zeros(1)], "relu")
    weights, biases = [w.copy() for w in tents.weights], [b.copy() for b in tents.biases]
    weights[-1], biases[-1] = TENT_OUT @ last_in, last_bias  # the last tent's output y feeds the last layer
    return MLP.from_weights([*weights, np.ones((2, 1))], [*biases, np.zeros(1)], "relu")


#: nested tents: the first layer's knots at -EPS and EPS, the second layer's tents end at |x| = R_A - EPS, R_B - EPS
EPS, R_A, R_B = 0.05, 0.45, 0.85
#: the third layer's units as functions of s = h_1 + h_2 (|x| + EPS outside the first layer's knots): their values
#: at s = R_B, R_A and 2 EPS (C: +, -, +; D: -, +, -), so that each changes sign twice, at four different s
NESTED_VALUES = ((1.0, -3.0, 1.0), (-3.0, 1.0, -1.0))


def _through(values: tuple[float, float, float]) -> tuple[float, float, float]:
    """(c, p, q) with c + p relu(R_A - s) + q relu(R_B - s) equal to ``values`` at s = R_B, R_A, 2 EPS."""
    at_b, at_a, at_0 = values
    q = (at_a - at_b) / (R_B - R_A)
    p = (at_0 - at_b - q * (R_B - 2 * EPS)) / (R_A - 2 * EPS)
    return at_b, p, q


def nested_tents_network(depth: int) -> MLP:
    """A width-2 network with one input and ``2 ** (depth + 1) - 1`` linear regions, for ``depth`` 1 to 3.

    Layer 1: ``relu(x + EPS)`` and ``relu(EPS - x)``, whose sum ``s`` is ``|x| + EPS`` outside [-EPS, EPS]
    (2 joints, 3 pieces: the most one layer of 2 units can have). Layer 2: ``relu(R_A - s)`` and ``relu(R_B - s)``,
    two nested tents, each 0 far out and crossing 0 on both sides of the middle: 4 more joints, 7 regions, the
    most two layers of 2 units can have (a second-layer unit crosses 0 at most twice). Layer 3: two units that
    are each a W or an M in ``s`` (``NESTED_VALUES``), crossing 0 four times in ``x``: 8 more joints, 15 regions
    (the maximum for 3 layers of 2 is not known; the upper bound is 27). The output adds the last layer's
    units with weights 1 and 0.7, so that every joint shows. All joints lie in (-1, 1).
    """
    K = _check_depth(depth, 3)
    weights, biases = [np.array([[1.0, -1.0]])], [np.array([EPS, EPS])]
    if K >= 2:
        weights.append(np.array([[-1.0, -1.0], [-1.0, -1.0]]))
        biases.append(np.array([R_A, R_B]))
    if K == 3:
        (c1, p1, q1), (c2, p2, q2) = (_through(v) for v in NESTED_VALUES)
        weights.append(np.array([[p1, p2], [q1, q2]]))
        biases.append(np.array([c1, c2]))
    weights.append(np.array([[1.0], [0.7]]))
    biases.append(np.zeros(1))
    return MLP.from_weights(weights, biases, "relu")


# ----------------------------------------------------------------------------------------------
# Identity layers: depth never hurts what can be represented
# ----------------------------------------------------------------------------------------------


def identity_layer_weights(width: int) -> tuple[np.ndarray, np.ndarray]:
    """The weights of a ReLU layer that passes ``width`` numbers through: ``relu(z) - relu(-z) = z``.

    Returns
    -------
    W_in : array, shape (width, 2 width)
        ``[I, -I]``: the layer's units compute ``relu(z)`` and ``relu(-z)``.
    W_out : array, shape (2 width, width)
        ``[I; -I]``: the next layer takes their difference.
    """
    eye = np.eye(check_positive_int(width, "width"))
    return np.hstack([eye, -eye]), np.vstack([eye, -eye])


def deepen(model: MLP, extra_layers: int) -> MLP:
    """The same function as ``model`` with ``extra_layers`` more hidden layers, each an identity layer.

    The last dense layer's output ``z`` (``n_out`` numbers) goes through ``extra_layers`` ReLU layers of
    ``2 n_out`` units that compute ``relu(z), relu(-z)``; the next layer's weights ``[I; -I]`` take the
    difference back (merged with the following ``[I, -I]`` between two extra layers). Every output is the
    same: ``relu(z) - relu(-z)`` is ``z - 0`` or ``0 - (-z)``, exactly; only the merged first product
    ``h @ (W [I, -I])`` may round its last bit differently from ``h @ W`` (differences of about 1e-16).

    Parameters
    ----------
    model : MLP
        A ReLU network.
    extra_layers : int
        How many hidden layers to add (>= 0).
    """
    if not isinstance(model, MLP):
        raise TypeError(f"model: expected an nnlab MLP, got {type(model).__name__}")
    if model.activation != "relu":
        raise ValueError(f"model: identity layers need ReLU units, got activation {model.activation!r}")
    if isinstance(extra_layers, bool) or not isinstance(extra_layers, (int, np.integer)) or extra_layers < 0:
        raise ValueError(f"extra_layers: expected an integer >= 0, got {extra_layers!r}")
    weights = [w.copy() for w in model.weights]
    biases = [b.copy() for b in model.biases]
    if extra_layers == 0:
        return MLP.from_weights(weights, biases, "relu")
    W_in, W_out = identity_layer_weights(model.sizes[-1])
    weights[-1], biases[-1] = weights[-1] @ W_in, biases[-1] @ W_in
    between = W_out @ W_in  # [[I, -I], [-I, I]]: take z back, then split it again
    weights += [between.copy() for _ in range(extra_layers - 1)] + [W_out]
    biases += [np.zeros(2 * model.sizes[-1]) for _ in range(extra_layers - 1)] + [np.zeros(model.sizes[-1])]
    return MLP.from_weights(weights, biases, "relu")


# ----------------------------------------------------------------------------------------------
# Measured errors
# ----------------------------------------------------------------------------------------------


class ApproximationError(NamedTuple):
    """How far an approximation is from its target on a dense grid."""

    max: float  #: the largest |f(x) - g(x)| on the grid (the max norm, up to the grid's spacing)
    mean: float  #: the mean of |f(x) - g(x)| over the grid (about the L1 norm over the interval's length)


def _as_function(approx: Sequential | Target, name: str) -> Target:
    if isinstance(approx, Sequential):
        if approx.n_in != 1:
            raise ValueError(f"{name}: expected a network with one input, got {approx.n_in}")
        return lambda x: approx.forward(x[:, None])[:, 0]
    if callable(approx):
        return approx
    raise TypeError(f"{name}: expected an nnlab network or a function of x, got {type(approx).__name__}")


def approximation_error(approx: Sequential | Target, target: str | Target,
                        interval: tuple[float, float] = INTERVAL, n: int = 20001) -> ApproximationError:
    """The max and mean of |target(x) - approx(x)| at ``n`` evenly spaced points of ``interval``.

    Parameters
    ----------
    approx : Sequential or callable
        A one-input network (evaluated on ``x[:, None]``, first output) or a function of x, shape (n,) -> (n,).
    target : str or callable
        A name from ``TARGETS`` or a function of x.
    interval : (a, b)
        A finite interval.
    n : int
        Grid points (at least 2), ends included.

    Examples
    --------
    >>> e = approximation_error(hand_built("x²", 10), "x²")    # h = 0.2: max h^2 / 4, mean h^2 / 6
    >>> round(e.max, 6), round(e.mean, 4)
    (0.01, 0.0067)
    """
    g = _as_function(approx, "approx")
    f = get_target(target) if isinstance(target, str) else _as_function(target, "target")
    lo, hi = check_interval(interval)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"interval: expected a finite interval, got {interval!r}")
    n = check_positive_int(n, "n")
    if n < 2:
        raise ValueError(f"n: expected at least 2 grid points, got {n}")
    x = np.linspace(lo, hi, n)
    gap = np.abs(np.asarray(f(x), dtype=float) - np.asarray(g(x), dtype=float))
    return ApproximationError(max=float(gap.max()), mean=float(gap.mean()))


def network_polyline(model: Sequential, interval: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """A one-input ReLU network on ``interval`` as the corners of its graph, exactly (no sampling).

    Returns
    -------
    edges : array, shape (P + 1,)
        The ends of its ``P`` linear pieces (``nnlab.regions.linear_pieces``), the interval's ends included.
    values : array, shape (P + 1,)
        The network's first output at the edges: between two edges the graph is the straight segment.
    """
    lo, hi = check_interval(interval)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"interval: expected a finite interval, got {interval!r}")
    edges = linear_pieces(model, (lo, hi)).edges
    return edges, model.forward(edges[:, None])[:, 0]


def loglog_slope(units: Sequence[float] | np.ndarray, errors: Sequence[float] | np.ndarray) -> float:
    """The least-squares slope of log(error) against log(units): -2 for an error that falls like units^-2."""
    m = check_array(units, "units", ndim=1, dtype=float)
    e = check_array(errors, "errors", ndim=1, dtype=float)
    if m.shape != e.shape or len(m) < 2:
        raise ValueError(f"errors: expected one error per number of units (at least two), got {e.shape} "
                         f"for {m.shape}")
    if np.any(m <= 0) or np.any(e <= 0):
        raise ValueError("units, errors: expected positive numbers (a log-log slope)")
    return float(np.polyfit(np.log(m), np.log(e), 1)[0])


def error_curve(target: str | Target, units: Sequence[int],
                interval: tuple[float, float] = INTERVAL) -> np.ndarray:
    """``approximation_error`` of ``hand_built(target, M)`` for each M: shape (len(units), 2), max then mean."""
    return np.array([approximation_error(hand_built(target, M, interval), target, interval) for M in units])


# ----------------------------------------------------------------------------------------------
# Trained networks, for comparison with the construction
# ----------------------------------------------------------------------------------------------

#: how the trained networks are trained: full-batch Adam on the target at N_TRAIN points of [-1, 1]
N_TRAIN, TRAIN_LR, TRAIN_STEPS = 101, 0.01, 1500
#: a decaying learning rate falls from TRAIN_LR to final_lr in this many equal stages (geometrically)
DECAY_STAGES = 20


@lru_cache(maxsize=512)
def _train(target: str, units: int, seed: int, steps: int, activation: str, spread_knots: bool,
           final_lr: float | None) -> MLP:
    x = np.linspace(*INTERVAL, N_TRAIN)[:, None]
    y = get_target(target)(x[:, 0])
    net = MLP([1, units, 1], activation, rng=np.random.default_rng(seed))
    if spread_knots:  # b = -w t: unit k's knot -b/w at t_k, evenly spaced inside [-1, 1]
        net.biases[0][...] = -net.weights[0][0] * np.linspace(*INTERVAL, units + 2)[1:-1]
    optimizer, rng = Adam(TRAIN_LR), np.random.default_rng(seed)
    if final_lr is None:
        fit(net, x, y, loss="mse", optimizer=optimizer, epochs=steps, batch_size=None, rng=rng)
        return net
    bounds = np.linspace(0, steps, DECAY_STAGES + 1).round().astype(int)
    for k, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):  # Adam's moments carry over from stage to stage
        optimizer.lr = TRAIN_LR * (final_lr / TRAIN_LR) ** (k / (DECAY_STAGES - 1))
        if b > a:
            fit(net, x, y, loss="mse", optimizer=optimizer, epochs=int(b - a), batch_size=None, rng=rng)
    return net


def train_shallow(target: str, units: int, *, seed: int, steps: int = TRAIN_STEPS, activation: str = "relu",
                  spread_knots: bool = False, final_lr: float | None = None) -> MLP:
    """A 1-``units``-1 network trained on ``target`` (a name from ``TARGETS``) by gradient descent.

    Initialised by ``MLP(..., rng=np.random.default_rng(seed))`` (He's initialisation for ReLU, every bias 0, so
    every knot ``-b/w`` at x = 0), trained with ``fit``: full-batch Adam, learning rate ``TRAIN_LR``, ``steps``
    steps, on the mean squared error at ``N_TRAIN`` evenly spaced points of [-1, 1]. Cached: the same arguments
    return the same (trained) network, so the notebook and the dashboard share their runs. Do not change its
    weights.

    Parameters
    ----------
    spread_knots : bool
        Start the knots evenly spread inside [-1, 1] instead (biases ``-w t_k``; the weights as before).
    final_lr : float, optional
        Let the learning rate fall geometrically from ``TRAIN_LR`` to ``final_lr`` over the ``steps``, in
        ``DECAY_STAGES`` stages (Adam's moments carry over).
    """
    get_target(target)
    units, steps = check_positive_int(units, "units"), check_positive_int(steps, "steps")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed: expected an integer >= 0, got {seed!r}")
    if not isinstance(spread_knots, bool):
        raise TypeError(f"spread_knots: expected True or False, got {spread_knots!r}")
    if final_lr is not None:
        final_lr = check_positive(final_lr, "final_lr")
    return _train(target, units, int(seed), steps, activation, spread_knots, final_lr)


def trained_errors(target: str, units: Sequence[int], seeds: Sequence[int], **training: object) -> np.ndarray:
    """The max error of ``train_shallow(target, D, seed=seed, **training)`` for every D and seed: shape
    (len(units), len(seeds))."""
    return np.array([[approximation_error(train_shallow(target, D, seed=s, **training), target).max for s in seeds]
                     for D in units])


def knots(model: Sequential, interval: tuple[float, float] | None = None) -> np.ndarray:
    """The knots ``-b_k / w_k`` of a one-input network's first layer, sorted (a unit with ``w_k = 0`` has none);
    with ``interval``, only those inside it. Shape (number of knots,)."""
    dense = [layer for layer in _flat(model) if isinstance(layer, Dense)]
    if not dense or dense[0].n_in != 1:
        raise ValueError("model: expected a network with one input")
    w, b = dense[0].params["W"][0], dense[0].params["b"]
    t = np.sort(-b[w != 0] / w[w != 0]) + 0.0  # + 0.0: a knot at 0 is 0, never -0 (b = 0, w > 0)
    if interval is None:
        return t
    lo, hi = check_interval(interval)
    return t[(t > lo) & (t < hi)]


def dead_units(model: Sequential, x: np.ndarray | None = None) -> int:
    """How many units of a one-input network's first layer are off (pre-activation <= 0) at every point of ``x``
    (default: the ``N_TRAIN`` training points of [-1, 1]): no gradient reaches their weights."""
    dense = [layer for layer in _flat(model) if isinstance(layer, Dense)]
    if not dense or dense[0].n_in != 1:
        raise ValueError("model: expected a network with one input")
    x = np.linspace(*INTERVAL, N_TRAIN) if x is None else check_array(x, "x", ndim=1, dtype=float)
    z = x[:, None] @ dense[0].params["W"] + dense[0].params["b"]
    return int(np.sum(np.all(z <= 0, axis=0)))


def _flat(model: object) -> list:
    if not isinstance(model, Sequential):
        raise TypeError(f"model: expected an nnlab network, got {type(model).__name__}")
    return [layer for _, layer in model.named_layers()]


@lru_cache(maxsize=32)
def _digits_network(n_train: int, width: int, epochs: int, seed: int) -> MLP:
    from .data import load_mnist38

    digits = load_mnist38()
    X, y = digits.X_train[:n_train] / 255.0, digits.y_train[:n_train]
    net = MLP([784, width, 1], "relu", rng=np.random.default_rng(seed))
    fit(net, X, y, loss="bce", optimizer=Adam(0.003), epochs=epochs, batch_size=64, rng=np.random.default_rng(seed))
    return net


def digits_network(n_train: int, width: int = 16, *, epochs: int = 10, seed: int = 0) -> MLP:
    """A 784-``width``-1 ReLU network trained on the first ``n_train`` of notebook 04's 3s and 8s (pixels / 255):
    Adam (learning rate 0.003), batches of 64, binary cross-entropy, ``epochs`` epochs; seeded, cached (do not
    change its weights). Its output is the logit of an 8: ``> 0`` classifies."""
    n_train, width = check_positive_int(n_train, "n_train"), check_positive_int(width, "width")
    epochs = check_positive_int(epochs, "epochs")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed: expected an integer >= 0, got {seed!r}")
    return _digits_network(n_train, width, epochs, int(seed))


def prediction_time(predict: Callable[[np.ndarray], object], X: np.ndarray, repeats: int = 5) -> float:
    """The fastest of ``repeats`` calls of ``predict(X)``, in milliseconds (a wall-clock time: it differs
    from machine to machine and from run to run, so a notebook prints it where the tests do not compare it)."""
    if not callable(predict):
        raise TypeError(f"predict: expected a function of X, got {type(predict).__name__}")
    times = []
    for _ in range(check_positive_int(repeats, "repeats")):
        start = time.perf_counter()
        predict(X)
        times.append(time.perf_counter() - start)
    return 1000 * min(times)
