"""Activation functions, each written next to its derivative.

Every activation maps a pre-activation array ``z`` of any shape to an array
``a`` of the same shape; its ``*_grad`` partner returns ``da/dz`` elementwise,
evaluated at the same ``z``. ``ACTIVATIONS`` is the table every module reads:
``name -> (function, derivative)``, with the parameters' defaults (``LEAKY_SLOPE``,
``ELU_ALPHA``) and each derivative's largest value (``MAX_SLOPE``) beside it.

``value_and_grad`` is the fast path for code that needs both at once (the gradient probe of
notebook 06): the same functions fused into as few passes as possible, with the same defaults.
``tests/test_activations.py`` checks that it agrees with the table.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

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


ActivationFn = Callable[..., Array]

#: name -> (function, derivative). Parameters (``slope``, ``alpha``) are keywords.
ACTIVATIONS: dict[str, tuple[ActivationFn, ActivationFn]] = {
    "identity": (identity, identity_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
    "leaky_relu": (leaky_relu, leaky_relu_grad),
    "elu": (elu, elu_grad),
}

#: the keyword parameters each activation accepts
ACTIVATION_PARAMS: dict[str, tuple[str, ...]] = {"leaky_relu": ("slope",), "elu": ("alpha",)}

#: the largest value of each derivative (with the default parameters): sigmoid's is 1/4, at z = 0
MAX_SLOPE: dict[str, float] = {"identity": 1.0, "sigmoid": 0.25, "tanh": 1.0, "relu": 1.0,
                               "leaky_relu": 1.0, "elu": 1.0}


def get_activation(name: str, **params: float) -> tuple[Callable[[Array], Array], Callable[[Array], Array]]:
    """Look up an activation and its derivative by name, with its parameters bound.

    Parameters
    ----------
    name : str
        One of ``ACTIVATIONS``: identity, sigmoid, tanh, relu, leaky_relu, elu.
    **params : float
        ``slope`` for leaky_relu, ``alpha`` for elu.

    Returns
    -------
    f, f_grad : callable
        ``f(z)`` and ``f_grad(z)``, both mapping an array to one of the same shape.
    """
    if name not in ACTIVATIONS:
        raise ValueError(f"activation: expected one of {sorted(ACTIVATIONS)}, got {name!r}")
    allowed = ACTIVATION_PARAMS.get(name, ())
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise TypeError(
            f"activation {name!r}: unexpected parameter(s) {unknown}; it takes {list(allowed) or 'none'}"
        )
    f, f_grad = ACTIVATIONS[name]
    if not params:
        return f, f_grad
    return (lambda z: f(z, **params)), (lambda z: f_grad(z, **params))


def value_and_grad(name: str, z: Array) -> tuple[Array, Array]:
    """``(f(z), f'(z))`` for a float array ``z``, fused into few passes, with the default parameters.

    The same functions as ``ACTIVATIONS[name]`` (tests check that they agree to round-off), written
    for speed: the sigmoid as ``(1 + tanh(z / 2)) / 2``, one transcendental and no overflow, with
    ``f' = f (1 - f)``; tanh's derivative from its value, ``1 - f^2``; the ReLU family and ELU with
    arithmetic instead of ``np.where`` (several times slower on float32). Both arrays have the shape
    and dtype of ``z``.

    Parameters
    ----------
    name : str
        One of ``ACTIVATIONS``.
    z : array of float
        Pre-activations (not changed).

    Returns
    -------
    a, da : arrays, shape and dtype of ``z``
    """
    if name == "relu":
        da = (z > 0).astype(z.dtype)
        return z * da, da
    if name == "sigmoid":
        a = np.multiply(z, 0.5)
        np.tanh(a, out=a)
        a *= 0.5
        a += 0.5
        da = np.subtract(1.0, a, dtype=z.dtype)
        da *= a
        return a, da
    if name == "tanh":
        a = np.tanh(z)
        da = np.multiply(a, a)
        np.subtract(1.0, da, out=da)
        return a, da
    one = z.dtype.type(1)
    if name == "leaky_relu":  # f' = 1 for z > 0, slope otherwise
        da = (z > 0).astype(z.dtype)
        da *= one - z.dtype.type(LEAKY_SLOPE)
        da += z.dtype.type(LEAKY_SLOPE)
        return z * da, da
    if name == "elu":
        # f = z for z > 0, e^z - 1 otherwise; f' = 1, or e^z (the default alpha, ELU_ALPHA = 1). With
        # e = exp(min(z, 0)), which is 1 for z > 0: f = max(z, 0) + e - 1 and f' = e
        e = np.minimum(z, 0)
        np.exp(e, out=e)
        a = np.subtract(e, one)
        a += np.maximum(z, 0)
        return a, e
    if name == "identity":
        return z.copy(), np.ones_like(z)
    raise ValueError(f"activation: expected one of {sorted(ACTIVATIONS)}, got {name!r}")
