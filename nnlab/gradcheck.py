"""Gradient checking: central finite differences against the analytic (backprop) gradients."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._validate import check_rng
from .layers import Layer, Sequential
from .losses import get_loss


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """Relative error ``||a - b|| / (||a|| + ||b||)`` (0 when both are zero).

    Norms over the whole array, so entries that are zero in both do not blow it up.
    Below about 1e-7 in float64 the two agree; a wrong derivative gives 1e-2 or more.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"b: expected shape {a.shape} to match a, got {b.shape}")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def _require_float64(named_params, name: str) -> None:
    for key, p in named_params:
        if p.dtype != np.float64:
            raise ValueError(f"{name}: gradient checks need float64 parameters, got {p.dtype} for {key!r} "
                             "(central differences in float32 are only good to about 1e-3); "
                             "build it with dtype=np.float64")


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Central differences (f(x + h e_i) - f(x - h e_i)) / 2h for every entry of ``x``.

    Parameters
    ----------
    f : callable
        Takes no argument and returns a float that depends on ``x``.
    x : array
        Perturbed **in place**, one entry at a time, and restored.
    h : float
        Step size.

    Returns
    -------
    grad : array, shape of ``x``
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i].copy()
        x[i] = old + h
        f_plus = f()
        x[i] = old - h
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def model_gradients(model: Sequential, X: np.ndarray, y: np.ndarray, loss: str = "mse") -> dict[str, np.ndarray]:
    """Analytic gradients of the loss with respect to every parameter, by one backward pass.

    Returns ``{"0.W": dW, "0.b": db, ...}`` (copies).
    """
    loss_fn = get_loss(loss)
    _, dout = loss_fn(model.forward(X), y)
    model.backward(dout)
    return {name: g.copy() for name, g in model.named_grads()}


def numerical_model_gradients(model: Sequential, X: np.ndarray, y: np.ndarray, loss: str = "mse",
                              h: float = 1e-5) -> dict[str, np.ndarray]:
    """The same gradients as ``model_gradients``, by central differences of the loss."""
    loss_fn = get_loss(loss)

    def f() -> float:
        return loss_fn(model.forward(X), y)[0]

    return {name: numerical_gradient(f, p, h) for name, p in model.named_params()}


def check_model(model: Sequential, X: np.ndarray, y: np.ndarray, loss: str = "mse",
                h: float = 1e-5) -> dict[str, float]:
    """Relative error between backprop and central differences, for each parameter of ``model``.

    Parameters
    ----------
    model : Sequential
    X : array, shape (N, n_in)
    y : array, targets for ``loss``
    loss : str
        ``"mse"``, ``"bce"`` or ``"softmax_ce"``.

    Returns
    -------
    dict
        ``{"0.W": rel_error, "0.b": ..., ...}``.
    """
    _require_float64(model.named_params(), "model")
    analytic = model_gradients(model, X, y, loss)
    numeric = numerical_model_gradients(model, X, y, loss, h)
    return {name: rel_error(analytic[name], numeric[name]) for name in analytic}


def check_layer(layer: Layer, X: np.ndarray, *, rng: np.random.Generator,
                h: float = 1e-5) -> dict[str, float]:
    """Check one layer's ``backward``: its input gradient and every parameter gradient.

    The scalar checked is ``sum(layer.forward(X) * dout)`` for a random upstream gradient
    ``dout``, so ``backward(dout)`` must return its gradient.

    Returns
    -------
    dict
        ``{"X": rel_error, "W": ..., ...}``.
    """
    check_rng(rng)
    _require_float64(layer.params.items(), "layer")
    X = np.array(X, dtype=np.float64)
    out = layer.forward(X)
    dout = rng.standard_normal(out.shape)
    dX = layer.backward(dout)
    analytic = {"X": dX, **{k: g.copy() for k, g in layer.grads.items()}}

    def f() -> float:
        return float(np.sum(layer.forward(X) * dout))

    errors = {"X": rel_error(analytic["X"], numerical_gradient(f, X, h))}
    for key, p in layer.params.items():
        errors[key] = rel_error(analytic[key], numerical_gradient(f, p, h))
    return errors
