"""The loss as a function of the parameters: lines, planes, sharpness.

A network's parameters, flattened into one vector ``theta`` of shape ``(P,)`` (the layout of
``Sequential.get_params_vector``), are a point in a P-dimensional space; the loss is a height
over that space. This module looks at that height:

- ``Objective``: the loss of a model on fixed data, ``theta -> L(theta)``, and its exact gradient
  (nnlab's backprop);
- ``loss_along_line`` and ``loss_on_plane``: 1-D and 2-D slices, with ``random_direction``
  (filter-normalised as in Li et al. 2018, "Visualizing the Loss Landscape of Neural Nets");
- ``hessian`` and ``sharpness``: the largest eigenvalue of the Hessian, from central differences
  of the exact gradients (a dense Hessian for small models, Hessian-vector products and power
  iteration for larger ones);
- ``rescale`` and ``permute_hidden``: two ways to change the parameters without changing the
  function the network computes (rescaling needs ReLU-like units, relabelling works for any);
- the lecture's two-point network (``two_point_model``; its data is ``nnlab.data.two_point_data``);

and the pictures of all of these are in ``nnlab.plots.landscape``. Many runs of gradient descent from random
starts, trained side by side, are ``nnlab.runs`` (``multi_start``, ``cyclic_runs``).

Conventions follow the lecture: the point a fraction ``alpha`` of the way along the line is
``alpha * theta + (1 - alpha) * theta_prime``, so ``alpha = 1`` is ``theta`` and ``alpha = 0`` is
``theta_prime``.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Sequence

import numpy as np

from ._validate import check_array, check_positive, check_positive_int, check_rng, check_vector
from .layers import Activation, Dense, Layer, Sequential, check_mlp
from .losses import KERNELS, get_loss, prepare_targets

__all__ = [
    "Objective", "curvatures", "hessian", "hessian_vector_product", "interpolate",
    "loss_along_direction", "loss_along_line", "loss_on_plane", "permute_hidden", "plane_coordinates",
    "random_direction", "rescale", "sharpness", "two_point_model",
]


# --- the loss as a function of theta -----------------------------------------------------------
def _check_model(model: object) -> Sequential:
    if not isinstance(model, Sequential):
        raise TypeError(f"model: expected an nnlab Sequential or MLP, got {type(model).__name__}")
    if model.n_params == 0:
        raise ValueError("model: expected a model with parameters, got one with none")
    return model


def _check_theta(theta: object, n_params: int, name: str = "theta") -> np.ndarray:
    theta = check_array(theta, name, dtype=np.float64)
    if theta.shape != (n_params,):
        raise ValueError(f"{name}: expected a parameter vector of shape ({n_params},), got shape {theta.shape}")
    return theta


class Objective:
    """The loss of a model on fixed data, as a function of the parameter vector.

    ``objective(theta)`` is L(theta), ``objective.grad(theta)`` is dL/dtheta by one backward pass.
    The objective works on its own copy of the model, so evaluating it never changes ``model``.

    Parameters
    ----------
    model : Sequential
        The network; its current parameters are kept as ``theta0``.
    X : array, shape (N, n_in)
    y : array, targets for ``loss`` (shape (N,) or (N, n_out))
    loss : str
        ``"mse"``, ``"bce"`` or ``"softmax_ce"``.

    Attributes
    ----------
    n_params : int
        P, the length of every parameter vector.
    theta0 : array, shape (P,)
        The model's parameters when the objective was made.
    """

    def __init__(self, model: Sequential, X: np.ndarray, y: np.ndarray, loss: str) -> None:
        self.model = copy.deepcopy(_check_model(model))
        get_loss(loss)
        self.loss = loss
        self._kernel = KERNELS[loss]
        self.X = check_array(X, "X", ndim=2, n_features=self.model.n_in, dtype=self.model.dtype)
        if len(self.X) == 0:
            raise ValueError("X: expected at least one sample, got shape (0, ...)")
        self.Y = prepare_targets(loss, self.model.forward(self.X), y)
        self.theta0 = self.model.get_params_vector()
        self.n_params = self.theta0.size

    def _value(self, theta: np.ndarray) -> float:
        self.model.set_params_vector(theta)
        return self._kernel(self.model.forward(self.X, check=False), self.Y)[0]

    def _value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        self.model.set_params_vector(theta)
        value, dout = self._kernel(self.model.forward(self.X, check=False), self.Y)
        self.model.param_backward(dout)
        return value, self.model.get_grads_vector()

    def __call__(self, theta: np.ndarray) -> float:
        """L(theta), a float."""
        return self._value(_check_theta(theta, self.n_params))

    def grad(self, theta: np.ndarray) -> np.ndarray:
        """dL/dtheta by backprop, shape (P,)."""
        return self._value_and_grad(_check_theta(theta, self.n_params))[1]

    def predict(self, theta: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        """The network's output with parameters ``theta``, shape (M, n_out), on ``X`` (default: the data)."""
        self.model.set_params_vector(_check_theta(theta, self.n_params))
        return self.model.forward(self.X if X is None else X).copy()

    def __repr__(self) -> str:
        return f"Objective({self.loss}, {len(self.X)} samples, {self.n_params} parameters)"


def _check_objective(objective: object) -> Objective:
    if not isinstance(objective, Objective):
        raise TypeError(f"objective: expected an nnlab.landscape.Objective, got {type(objective).__name__}")
    return objective


# --- lines and planes ----------------------------------------------------------------------------
def interpolate(theta: np.ndarray, theta_prime: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """Points ``alpha * theta + (1 - alpha) * theta_prime`` on the line through two parameter vectors.

    Parameters
    ----------
    theta, theta_prime : arrays, shape (P,)
    alphas : array, shape (n,)
        0 gives ``theta_prime``, 1 gives ``theta``; values outside [0, 1] extend the line.

    Returns
    -------
    array, shape (n, P)
    """
    theta = check_array(theta, "theta", ndim=1, dtype=np.float64)
    theta_prime = _check_theta(theta_prime, theta.size, "theta_prime")
    alphas = check_vector(alphas, "alphas")
    return alphas[:, None] * theta + (1 - alphas[:, None]) * theta_prime


def loss_along_direction(objective: Objective, theta: np.ndarray, direction: np.ndarray,
                         t: np.ndarray) -> np.ndarray:
    """L(theta + t * direction) for each t: a 1-D slice of the loss.

    Parameters
    ----------
    objective : Objective
    theta, direction : arrays, shape (P,)
    t : array, shape (n,)

    Returns
    -------
    array, shape (n,)
    """
    _check_objective(objective)
    theta = _check_theta(theta, objective.n_params)
    direction = _check_theta(direction, objective.n_params, "direction")
    return np.array([objective._value(theta + s * direction) for s in check_vector(t, "t")])


def loss_along_line(objective: Objective, theta: np.ndarray, theta_prime: np.ndarray,
                    alphas: np.ndarray) -> np.ndarray:
    """L(alpha * theta + (1 - alpha) * theta_prime) for each alpha: the loss on a straight line.

    Parameters
    ----------
    objective : Objective
    theta, theta_prime : arrays, shape (P,)
        The ends of the segment: ``alpha = 1`` is ``theta``, ``alpha = 0`` is ``theta_prime``.
    alphas : array, shape (n,)

    Returns
    -------
    array, shape (n,)

    Notes
    -----
    A convex loss lies on or below every chord: L(alpha theta + (1 - alpha) theta') <=
    alpha L(theta) + (1 - alpha) L(theta') for alpha in [0, 1]. One alpha where the curve rises
    above the chord proves the loss is not convex.
    """
    _check_objective(objective)
    theta_prime = _check_theta(theta_prime, objective.n_params, "theta_prime")
    theta = _check_theta(theta, objective.n_params)
    return loss_along_direction(objective, theta_prime, theta - theta_prime, alphas)


def loss_on_plane(objective: Objective, center: np.ndarray, d1: np.ndarray, d2: np.ndarray,
                  a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """L(center + a_i d1 + b_j d2) on a grid: a 2-D slice of the loss.

    Parameters
    ----------
    objective : Objective
    center, d1, d2 : arrays, shape (P,)
        The plane's origin and two directions spanning it.
    a, b : arrays, shapes (n_a,) and (n_b,)
        Coordinates along ``d1`` and ``d2``.

    Returns
    -------
    Z : array, shape (n_b, n_a)
        ``Z[j, i]`` is the loss at ``(a[i], b[j])``, the layout of ``np.meshgrid(a, b)``, ready
        for ``ax.contour(a, b, Z)``.
    """
    _check_objective(objective)
    center = _check_theta(center, objective.n_params, "center")
    d1 = _check_theta(d1, objective.n_params, "d1")
    d2 = _check_theta(d2, objective.n_params, "d2")
    a, b = check_vector(a, "a"), check_vector(b, "b")
    return np.array([[objective._value(center + ai * d1 + bj * d2) for ai in a] for bj in b])


def plane_coordinates(points: np.ndarray, center: np.ndarray, d1: np.ndarray, d2: np.ndarray) -> np.ndarray:
    """Coordinates (a, b) of the points of the plane ``center + a d1 + b d2`` nearest to ``points``.

    A point off the plane is projected onto it (least squares), so a training path drawn with
    these coordinates is its shadow on the plane, not the path itself.

    Parameters
    ----------
    points : array, shape (M, P) or (P,)
    center, d1, d2 : arrays, shape (P,)

    Returns
    -------
    array, shape (M, 2) (or (2,) for one point)
    """
    center = check_array(center, "center", ndim=1, dtype=np.float64)
    n = center.size
    d1, d2 = _check_theta(d1, n, "d1"), _check_theta(d2, n, "d2")
    points = check_array(points, "points", dtype=np.float64)
    if points.shape[-1] != n or points.ndim not in (1, 2):
        raise ValueError(f"points: expected shape (M, {n}) or ({n},), got {points.shape}")
    basis = np.column_stack([d1, d2])
    if np.linalg.matrix_rank(basis) < 2:
        raise ValueError("d1, d2: expected two directions that span a plane, got parallel (or zero) vectors")
    coords, *_ = np.linalg.lstsq(basis, np.atleast_2d(points - center).T, rcond=None)
    return coords.T if points.ndim == 2 else coords[:, 0]


def _slices(model: Sequential) -> list[tuple[Layer, str, slice, tuple[int, ...]]]:
    """(layer, key, where in theta, shape) for every parameter, in ``get_params_vector`` order."""
    out, start = [], 0
    for layer, key in model.param_slots():
        p = layer.params[key]
        out.append((layer, key, slice(start, start + p.size), p.shape))
        start += p.size
    return out


def random_direction(model: Sequential, theta: np.ndarray, *, rng: np.random.Generator,
                     filter_normalize: bool = True) -> np.ndarray:
    """A random direction in parameter space, optionally filter-normalised (Li et al. 2018).

    Parameters
    ----------
    model : Sequential
        Gives the layout of the parameter vector (which entries are which weights).
    theta : array, shape (P,)
        The point the direction will be used around.
    rng : np.random.Generator
    filter_normalize : bool
        If True (default), the direction's weights into each unit (each column of each ``W``)
        are rescaled to the norm of the same weights in ``theta``, and its biases are set to 0,
        as Li et al. do. A plot over such directions then has the same scale for every layer
        and is not fooled by rescalings such as (c w, beta / c). If False, a plain standard normal
        vector.

    Returns
    -------
    array, shape (P,)
    """
    model = _check_model(model)
    theta = _check_theta(theta, model.n_params)
    check_rng(rng)
    d = rng.standard_normal(theta.size)
    if not filter_normalize:
        return d
    for _, key, where, shape in _slices(model):
        if key != "W":
            d[where] = 0.0
            continue
        dW, W = d[where].reshape(shape), theta[where].reshape(shape)
        norms_d, norms_W = np.linalg.norm(dW, axis=0), np.linalg.norm(W, axis=0)
        d[where] = (dW * (norms_W / np.where(norms_d > 0, norms_d, 1.0))).ravel()
    return d


# --- curvature -----------------------------------------------------------------------------------
def hessian(objective: Objective, theta: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """The Hessian of the loss at ``theta``, by central differences of the exact gradients.

    Column i is ``(g(theta + h e_i) - g(theta - h e_i)) / 2h``, with g the backprop gradient;
    the result is symmetrised. Costs 2P backward passes: fine for a few hundred parameters.

    Parameters
    ----------
    objective : Objective
    theta : array, shape (P,)
    h : float
        Step. For a ReLU network keep it smaller than the distance of every pre-activation
        from the kink at 0 (where the Hessian does not exist).

    Returns
    -------
    array, shape (P, P)
    """
    _check_objective(objective)
    theta = _check_theta(theta, objective.n_params)
    h = check_positive(h, "h")
    H = np.empty((theta.size, theta.size))
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = h
        H[:, i] = (objective._value_and_grad(theta + step)[1] - objective._value_and_grad(theta - step)[1]) / (2 * h)
    return (H + H.T) / 2


def hessian_vector_product(objective: Objective, theta: np.ndarray, v: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """H v at ``theta`` without forming H: ``(g(theta + h u) - g(theta - h u)) / 2h * |v|``, u = v / |v|.

    Two backward passes, whatever the number of parameters.

    Parameters
    ----------
    objective : Objective
    theta, v : arrays, shape (P,)
    h : float
        Step along the unit vector u.

    Returns
    -------
    array, shape (P,)
    """
    _check_objective(objective)
    theta = _check_theta(theta, objective.n_params)
    v = _check_theta(v, objective.n_params, "v")
    return _hvp(objective, theta, v, check_positive(h, "h"))


def _hvp(objective: Objective, theta: np.ndarray, v: np.ndarray, h: float) -> np.ndarray:
    norm = np.linalg.norm(v)
    if norm == 0:
        return np.zeros_like(v)
    u = v / norm
    g_plus = objective._value_and_grad(theta + h * u)[1]
    g_minus = objective._value_and_grad(theta - h * u)[1]
    return (g_plus - g_minus) / (2 * h) * norm


def _power_iteration(matvec, v: np.ndarray, n_iter: int, tol: float) -> float:
    """The eigenvalue of largest magnitude of a symmetric operator, by power iteration from ``v``."""
    v = v / np.linalg.norm(v)
    lam = 0.0
    for _ in range(n_iter):
        w = matvec(v)
        new = float(v @ w)
        norm = np.linalg.norm(w)
        if norm == 0:
            return 0.0
        v = w / norm
        if abs(new - lam) <= tol * max(abs(new), 1e-12):
            return new
        lam = new
    return lam


def curvatures(objective: Objective, theta: np.ndarray, h: float = 1e-5) -> tuple[np.ndarray, np.ndarray]:
    """The eigenvalues of the Hessian at ``theta``, smallest first, shape (P,), and its unit eigenvectors as
    columns, shape (P, P): the curvature of the loss along each principal direction. Each eigenvector's sign is
    fixed (its largest entry is positive), so pictures drawn along it do not flip."""
    values, vectors = np.linalg.eigh(hessian(objective, theta, h))
    return values, vectors * np.sign(vectors[np.argmax(np.abs(vectors), axis=0), np.arange(len(values))])


def sharpness(objective: Objective, theta: np.ndarray, *, method: str = "hessian",
              rng: np.random.Generator | None = None, n_iter: int = 500, tol: float = 1e-9,
              h: float = 1e-5) -> float:
    """Sharpness at ``theta``: the largest eigenvalue of the Hessian of the loss.

    At a minimum it is the curvature along the steepest way up: a large value is a narrow
    (sharp) valley, a small one a wide (flat) valley. Plain gradient descent with learning rate
    ``lr`` cannot settle in a minimum sharper than 2 / lr: it bounces out.

    Parameters
    ----------
    objective : Objective
    theta : array, shape (P,)
    method : str
        ``"hessian"`` (default): the dense Hessian by ``hessian`` and ``np.linalg.eigvalsh``,
        for small models. ``"power"``: power iteration with ``hessian_vector_product``, two
        backward passes per iteration, for larger ones (it needs ``rng`` for the start vector).
        If the eigenvalue it finds is negative it runs again on the shifted Hessian, so it
        returns the largest eigenvalue, not the one of largest magnitude.
    rng : np.random.Generator, optional
        Required for ``method="power"``.
    n_iter : int
        At most this many power iterations.
    tol : float
        Power iteration stops when the estimate changes by less than ``tol`` relative to it.
    h : float
        Finite-difference step (see ``hessian``).

    Returns
    -------
    float
    """
    _check_objective(objective)
    theta = _check_theta(theta, objective.n_params)
    h = check_positive(h, "h")
    if method == "hessian":
        return float(curvatures(objective, theta, h)[0][-1])
    if method != "power":
        raise ValueError(f"method: expected 'hessian' or 'power', got {method!r}")
    check_rng(rng)
    n_iter = check_positive_int(n_iter, "n_iter")
    tol = check_positive(tol, "tol")
    start = rng.standard_normal(theta.size)
    lam = _power_iteration(lambda v: _hvp(objective, theta, v, h), start, n_iter, tol)
    if lam < 0:  # the largest-magnitude eigenvalue is negative: shift it to 0 and look again
        shifted = _power_iteration(lambda v: _hvp(objective, theta, v, h) - lam * v, start, n_iter, tol)
        lam = shifted + lam
    return float(lam)


# --- changing the parameters without changing the function ---------------------------------------
def _hidden_pair(model: Sequential, layer: int) -> tuple[int, int, Activation]:
    """Positions in ``model.layers`` of hidden layer ``layer``'s Dense, its activation and the next Dense."""
    _, acts = check_mlp(model)
    if isinstance(layer, bool) or not isinstance(layer, numbers.Integral) or not 1 <= layer <= len(acts):
        raise ValueError(f"layer: expected a hidden layer from 1 to {len(acts)}, got {layer!r}")
    return 2 * layer - 2, 2 * layer, acts[layer - 1]


def _views(model: Sequential, theta: np.ndarray) -> dict[tuple[int, str], np.ndarray]:
    """{(position of layer, key): view of ``theta`` with the parameter's shape}."""
    position = {id(lay): i for i, lay in enumerate(model.layers)}
    return {(position[id(lay)], key): theta[where].reshape(shape) for lay, key, where, shape in _slices(model)}


def rescale(model: Sequential, theta: np.ndarray, c: float, *, layer: int = 1) -> np.ndarray:
    """Multiply the weights into a ReLU layer by ``c`` and the weights out of it by ``1 / c``.

    relu(c z) = c relu(z) for c > 0, so the network computes exactly the same function and has
    exactly the same loss; only the parameters (and the curvature around them) change. For the
    lecture's network this is (w, beta) -> (c w, beta / c).

    Parameters
    ----------
    model : Sequential
        Gives the layout of ``theta``; the activation after hidden layer ``layer`` must be
        ``relu``, ``leaky_relu`` or ``identity`` (positively homogeneous).
    theta : array, shape (P,)
    c : float
        > 0.
    layer : int
        Which hidden layer (1 = the first).

    Returns
    -------
    array, shape (P,)
        A new vector: W and b of the layer times c, the next layer's W divided by c.
    """
    model = _check_model(model)
    theta = _check_theta(theta, model.n_params).copy()
    c = check_positive(c, "c")
    first, second, act = _hidden_pair(model, layer)
    if act.name not in ("relu", "leaky_relu", "identity"):
        raise ValueError(f"model: rescaling keeps the function only for relu, leaky_relu or identity "
                         f"units, got {act.name!r} after hidden layer {layer}")
    views = _views(model, theta)
    for key in ("W", "b"):
        if (first, key) in views:
            views[first, key] *= c
    views[second, "W"] /= c
    return theta


def permute_hidden(model: Sequential, theta: np.ndarray, perm: Sequence[int], *, layer: int = 1) -> np.ndarray:
    """Renumber the units of a hidden layer: the same network, drawn in a different order.

    Unit ``perm[j]`` of the old network becomes unit ``j`` of the new one: its incoming weights
    and bias move to column j, its outgoing weights to row j. The function and the loss are
    unchanged, whatever the activation; the parameter vector is a different point.

    Parameters
    ----------
    model : Sequential
        Gives the layout of ``theta``.
    theta : array, shape (P,)
    perm : sequence of int
        A permutation of 0, ..., width - 1.
    layer : int
        Which hidden layer (1 = the first).

    Returns
    -------
    array, shape (P,)
    """
    model = _check_model(model)
    theta = _check_theta(theta, model.n_params)
    first, second, _ = _hidden_pair(model, layer)
    width = model.layers[first].n_out
    perm_arr = np.asarray(perm)
    if perm_arr.shape != (width,) or sorted(perm_arr.tolist()) != list(range(width)):
        raise ValueError(f"perm: expected a permutation of 0..{width - 1}, got {list(perm)!r}")
    new = theta.copy()
    old_views, new_views = _views(model, theta), _views(model, new)
    new_views[first, "W"][...] = old_views[first, "W"][:, perm_arr]
    if (first, "b") in old_views:
        new_views[first, "b"][...] = old_views[first, "b"][perm_arr]
    new_views[second, "W"][...] = old_views[second, "W"][perm_arr, :]
    return new


# --- the lecture's two-point example --------------------------------------------------------------
def two_point_model(w: Sequence[float] = (-1.0, 1.0), beta: Sequence[float] = (-1.0, 1.0)) -> Sequential:
    """The lecture's network: one input, 2 ReLU hidden units, one output, no biases.

    y_hat = beta_1 relu(w_1 x) + beta_2 relu(w_2 x). Its parameter vector is
    ``theta = [w_1, w_2, beta_1, beta_2]``.

    Parameters
    ----------
    w : sequence of 2 floats
        Input-to-hidden weights.
    beta : sequence of 2 floats
        Hidden-to-output weights.
    """
    w_arr, beta_arr = np.asarray(w, dtype=float), np.asarray(beta, dtype=float)
    for name, arr in (("w", w_arr), ("beta", beta_arr)):
        if arr.shape != (2,):
            raise ValueError(f"{name}: expected 2 weights, one per hidden unit, got shape {arr.shape}")
    return Sequential(Dense(1, 2, W=w_arr[None, :], bias=False), Activation("relu"),
                      Dense(2, 1, W=beta_arr[:, None], bias=False))
