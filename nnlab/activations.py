"""Activation functions, each written next to its derivative, and the one table every module reads.

Every activation maps a pre-activation array ``z`` of any shape to an array ``a`` of the same shape; its
``*_grad`` partner returns ``da/dz`` elementwise, evaluated at the same ``z``; its ``*_value_and_grad`` twin
returns both at once, fused into as few passes as possible (the same numbers: ``tests/test_activations.py``
checks every twin against the pair, with the parameters too). ``ACTIVATIONS`` is the table:
``name -> Nonlinearity(f, grad, value_and_grad)``, with the parameters' defaults (``LEAKY_SLOPE``, ``ELU_ALPHA``)
and each derivative's largest value (``MAX_SLOPE``) beside it. Nothing else in nnlab computes a derivative of an
activation: the layers read ``grad``, the gradient probe of notebook 06 reads ``value_and_grad``; replace an entry's
derivative and every backward pass uses the replacement (as scikit-learn's ``DERIVATIVES`` table is read always).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ._validate import check_choice

Array = np.ndarray


def _floats(z: object) -> np.ndarray:
    """``z`` as a floating array: integers become float64, a plain number a 0-d array."""
    z = np.asarray(z)
    return z if z.dtype.kind == "f" else z.astype(np.float64)


def identity(z: Array) -> Array:
    """a = z."""
    z = _floats(z)
    return z


def identity_grad(z: Array) -> Array:
    """da/dz = 1."""
    z = _floats(z)
    return np.ones_like(z)


def sigmoid(z: Array) -> Array:
    """a = 1 / (1 + exp(-z)), without overflow for large |z|.

    ``exp`` is only ever taken of ``-|z|``, which is never positive, so
    ``sigmoid(-1000)`` is 0 and ``sigmoid(1000)`` is 1 with no warning.
    """
    z = _floats(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def sigmoid_grad(z: Array) -> Array:
    """da/dz = sigmoid(z) (1 - sigmoid(z)), at most 1/4 (at z = 0)."""
    z = _floats(z)
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z: Array) -> Array:
    """a = tanh(z)."""
    z = _floats(z)
    return np.tanh(z)


def tanh_grad(z: Array) -> Array:
    """da/dz = 1 - tanh(z)^2."""
    z = _floats(z)
    return 1.0 - np.tanh(z) ** 2


def relu(z: Array) -> Array:
    """a = max(0, z)."""
    z = _floats(z)
    return np.maximum(z, 0)


def relu_grad(z: Array) -> Array:
    """da/dz = 1 where z > 0, else 0 (the kink at 0 takes the left slope)."""
    z = _floats(z)
    return (z > 0).astype(z.dtype)


#: the default slope of leaky ReLU on its negative side, and ELU's default alpha
LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0


def leaky_relu(z: Array, slope: float = LEAKY_SLOPE) -> Array:
    """a = z for z > 0, slope * z otherwise."""
    z = _floats(z)
    return np.where(z > 0, z, slope * z)


def leaky_relu_grad(z: Array, slope: float = LEAKY_SLOPE) -> Array:
    """da/dz = 1 for z > 0, slope otherwise."""
    z = _floats(z)
    return np.where(z > 0, 1.0, slope).astype(z.dtype, copy=False)


def elu(z: Array, alpha: float = ELU_ALPHA) -> Array:
    """a = z for z > 0, alpha (exp(z) - 1) otherwise."""
    z = _floats(z)
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))


def elu_grad(z: Array, alpha: float = ELU_ALPHA) -> Array:
    """da/dz = 1 for z > 0, alpha exp(z) otherwise."""
    z = _floats(z)
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0))).astype(z.dtype, copy=False)


# --- the fused twins: f and f' in one pass (the same numbers), for the gradient probe's hot loop --------------
def identity_value_and_grad(z: Array) -> tuple[Array, Array]:
    """(identity(z), identity_grad(z)) in one call."""
    z = _floats(z)
    return z.copy(), np.ones_like(z)


def sigmoid_value_and_grad(z: Array) -> tuple[Array, Array]:
    """(sigmoid(z), sigmoid_grad(z)) in one pass: a = (1 + tanh(z / 2)) / 2, one transcendental and no overflow,
    then da/dz = a (1 - a)."""
    z = _floats(z)
    a = np.multiply(z, 0.5)
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    da = np.subtract(1.0, a, dtype=z.dtype)
    da *= a
    return a, da


def tanh_value_and_grad(z: Array) -> tuple[Array, Array]:
    """(tanh(z), tanh_grad(z)) in one pass: the derivative from the value, 1 - a^2."""
    z = _floats(z)
    a = np.tanh(z)
    da = np.multiply(a, a)
    np.subtract(1.0, da, out=da)
    return a, da


def relu_value_and_grad(z: Array) -> tuple[Array, Array]:
    """(relu(z), relu_grad(z)) in one pass: the mask once, a = z * mask."""
    da = relu_grad(z)
    return _floats(z) * da, da


def leaky_relu_value_and_grad(z: Array, slope: float = LEAKY_SLOPE) -> tuple[Array, Array]:
    """(leaky_relu(z), leaky_relu_grad(z)) in one pass, with arithmetic instead of ``np.where`` (several times
    slower on float32): da/dz = mask (1 - slope) + slope, then a = z da."""
    z = _floats(z)
    da = (z > 0).astype(z.dtype)
    da *= z.dtype.type(1) - z.dtype.type(slope)
    da += z.dtype.type(slope)
    return z * da, da


def elu_value_and_grad(z: Array, alpha: float = ELU_ALPHA) -> tuple[Array, Array]:
    """(elu(z), elu_grad(z)) in one pass, with arithmetic instead of ``np.where``: with e = exp(min(z, 0)), which
    is 1 for z > 0, a = max(z, 0) + alpha (e - 1) and da/dz = 1 for z > 0, alpha e otherwise."""
    z = _floats(z)
    one, alpha = z.dtype.type(1), z.dtype.type(alpha)
    e = np.minimum(z, 0)
    np.exp(e, out=e)
    a = np.subtract(e, one)
    if alpha != one:
        a *= alpha
    a += np.maximum(z, 0)
    if alpha == one:
        return a, e
    positive = z > 0
    da = e * alpha
    da[positive] = one
    return a, da


class Nonlinearity(NamedTuple):
    """One row of the table: the function phi, its derivative phi', and both fused into one pass."""

    f: Callable[..., Array]
    grad: Callable[..., Array]
    value_and_grad: Callable[..., tuple[Array, Array]]


#: name -> Nonlinearity(f, grad, value_and_grad). Parameters (``slope``, ``alpha``) are keywords.
ACTIVATIONS: dict[str, Nonlinearity] = {
    "identity": Nonlinearity(identity, identity_grad, identity_value_and_grad),
    "sigmoid": Nonlinearity(sigmoid, sigmoid_grad, sigmoid_value_and_grad),
    "tanh": Nonlinearity(tanh, tanh_grad, tanh_value_and_grad),
    "relu": Nonlinearity(relu, relu_grad, relu_value_and_grad),
    "leaky_relu": Nonlinearity(leaky_relu, leaky_relu_grad, leaky_relu_value_and_grad),
    "elu": Nonlinearity(elu, elu_grad, elu_value_and_grad),
}

#: the keyword parameters each activation accepts
ACTIVATION_PARAMS: dict[str, tuple[str, ...]] = {"leaky_relu": ("slope",), "elu": ("alpha",)}

#: the largest value of each derivative (with the default parameters): sigmoid's is 1/4, at z = 0
MAX_SLOPE: dict[str, float] = {"identity": 1.0, "sigmoid": 0.25, "tanh": 1.0, "relu": 1.0,
                               "leaky_relu": 1.0, "elu": 1.0}


def get_activation(name: str, **params: float) -> Nonlinearity:
    """The table's row for an activation, with its parameters bound.

    Parameters
    ----------
    name : str
        One of ``ACTIVATIONS``: identity, sigmoid, tanh, relu, leaky_relu, elu.
    **params : float
        ``slope`` for leaky_relu, ``alpha`` for elu.

    Returns
    -------
    Nonlinearity
        ``(f, grad, value_and_grad)``: ``f(z)`` and ``grad(z)`` map an array to one of the same shape,
        ``value_and_grad(z)`` returns both. ``f, grad = get_activation(name)[:2]`` for the pair.
    """
    check_choice(name, "activation", ACTIVATIONS)
    allowed = ACTIVATION_PARAMS.get(name, ())
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise TypeError(
            f"activation {name!r}: unexpected parameter(s) {unknown}; it takes {list(allowed) or 'none'}"
        )
    row = ACTIVATIONS[name]
    if not params:
        return row
    return Nonlinearity(*(lambda z, fn=fn: fn(z, **params) for fn in row))


def value_and_grad(name: str, z: Array, **params: float) -> tuple[Array, Array]:
    """``(f(z), f'(z))`` for a float array ``z``: the table's fused column, ``get_activation(name).value_and_grad``.

    Parameters
    ----------
    name : str
        One of ``ACTIVATIONS``.
    z : array of float
        Pre-activations (not changed).
    **params : float
        ``slope`` for leaky_relu, ``alpha`` for elu.

    Returns
    -------
    a, da : arrays, shape and dtype of ``z``
    """
    return get_activation(name, **params).value_and_grad(z)
