"""Weight initialisers. Each returns ``W`` of shape ``(n_in, n_out)`` drawn with ``rng``.

The scale of the first weights decides whether signals and gradients keep their size
through a deep network (Glorot and Bengio 2010; He et al. 2015):

- Glorot/Xavier: Var(W) = 2 / (n_in + n_out), for tanh and sigmoid;
- He: Var(W) = 2 / n_in, for ReLU, which zeroes half its inputs on average.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

import numpy as np

from ._validate import check_choice, check_positive_int, check_rng


def _check(n_in: int, n_out: int, rng: np.random.Generator) -> None:
    check_positive_int(n_in, "n_in")
    check_positive_int(n_out, "n_out")
    check_rng(rng)


def normal(n_in: int, n_out: int, *, std: float, rng: np.random.Generator) -> np.ndarray:
    """W ~ N(0, std^2), shape ``(n_in, n_out)``."""
    _check(n_in, n_out, rng)
    if isinstance(std, bool) or not isinstance(std, numbers.Real) or not std > 0:
        raise ValueError(f"std: expected a positive standard deviation, got {std!r}")
    return rng.normal(0.0, std, size=(n_in, n_out))


def glorot_uniform(n_in: int, n_out: int, *, rng: np.random.Generator) -> np.ndarray:
    """W ~ U(-limit, limit) with limit = sqrt(6 / (n_in + n_out)), shape ``(n_in, n_out)``."""
    _check(n_in, n_out, rng)
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, size=(n_in, n_out))


def glorot_normal(n_in: int, n_out: int, *, rng: np.random.Generator) -> np.ndarray:
    """W ~ N(0, 2 / (n_in + n_out)), shape ``(n_in, n_out)``."""
    _check(n_in, n_out, rng)
    return rng.normal(0.0, weight_std("glorot_normal", n_in, n_out), size=(n_in, n_out))


def he_normal(n_in: int, n_out: int, *, rng: np.random.Generator) -> np.ndarray:
    """W ~ N(0, 2 / n_in), shape ``(n_in, n_out)``."""
    _check(n_in, n_out, rng)
    return rng.normal(0.0, weight_std("he_normal", n_in, n_out), size=(n_in, n_out))


def he_uniform(n_in: int, n_out: int, *, rng: np.random.Generator) -> np.ndarray:
    """W ~ U(-limit, limit) with limit = sqrt(6 / n_in), shape ``(n_in, n_out)``."""
    _check(n_in, n_out, rng)
    limit = np.sqrt(6.0 / n_in)
    return rng.uniform(-limit, limit, size=(n_in, n_out))


#: name -> initialiser; ``normal`` also needs ``std``
INITIALIZERS: dict[str, Callable[..., np.ndarray]] = {
    "normal": normal,
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
}


def weight_std(init: str, n_in: int, n_out: int, *, std: float | None = None) -> float:
    """The standard deviation of the weights ``init`` draws for a layer ``n_in -> n_out``.

    The variance rule of each initialiser, the one source for everything that predicts or reuses it
    (the probe and theory of notebook 06): ``normal``, ``std``; Glorot, ``sqrt(2 / (n_in + n_out))``;
    He, ``sqrt(2 / n_in)``. The uniform variants draw from U(-l, l), whose variance is l^2 / 3, with
    l chosen to give the same variance (l = sqrt(6 / (n_in + n_out)) for Glorot).
    """
    get_initializer(init)
    if init == "normal":
        if isinstance(std, bool) or not isinstance(std, numbers.Real) or not std > 0:
            raise ValueError(f"std: expected a positive standard deviation, got {std!r}")
        return float(std)
    if init.startswith("glorot"):
        return math.sqrt(2.0 / (n_in + n_out))
    return math.sqrt(2.0 / n_in)


def initial_weights(init: str, n_in: int, n_out: int, *, rng: np.random.Generator | None,
                    std: float | None = None) -> np.ndarray:
    """W of shape ``(n_in, n_out)`` drawn by the initialiser ``init`` with ``rng`` (``std`` only for ``"normal"``)."""
    get_initializer(init)
    if std is not None and init != "normal":
        raise ValueError(f'std: only used with init="normal", got init={init!r}')
    check_rng(rng)
    if init == "normal":
        if std is None:
            raise ValueError('std: init="normal" needs a standard deviation, e.g. std=0.1')
        return normal(n_in, n_out, std=std, rng=rng)
    return INITIALIZERS[init](n_in, n_out, rng=rng)


def get_initializer(name: str) -> Callable[..., np.ndarray]:
    """Look up an initialiser by name (one of ``INITIALIZERS``)."""
    return INITIALIZERS[check_choice(name, "init", INITIALIZERS)]
