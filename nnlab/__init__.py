"""nnlab: a small numpy package for teaching how deep neural networks work.

``import nnlab as nl``; the pieces the notebooks use most are at the top level.
Submodules not imported here (for example ``nl.plots``) load on first use.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from . import activations, gradcheck, init, layers, losses, optim
from .activations import ACTIVATIONS, elu, identity, leaky_relu, relu, sigmoid, tanh
from .gradcheck import check_layer, check_model, numerical_gradient, rel_error
from .layers import MLP, Activation, Dense, Layer, Sequential, dead_units, hidden_activations
from .losses import binary_cross_entropy, mse, softmax, softmax_cross_entropy
from .optim import SGD, Adam, History, clip_grad_norm, evaluate, fit

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS", "MLP", "SGD", "Activation", "Adam", "Dense", "History", "Layer", "Sequential",
    "activations", "binary_cross_entropy", "check_layer", "check_model", "clip_grad_norm", "dead_units", "elu",
    "evaluate", "fit", "gradcheck", "hidden_activations", "identity", "init", "layers", "leaky_relu", "losses", "mse",
    "numerical_gradient", "optim", "rel_error", "relu", "sigmoid", "softmax", "softmax_cross_entropy",
    "tanh",
]


#: top-level names that live in a lazily imported submodule
_LAZY = {"load_mnist38": "mnist", "BatchNorm": "normalization", "Residual": "normalization"}


def __getattr__(name: str) -> ModuleType:
    """Import a submodule such as ``nl.plots`` or ``nl.widgets`` on first use (keeps import fast)."""
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    if name.startswith("_"):
        raise AttributeError(name)
    try:
        module = importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as exc:
        if exc.name == f"{__name__}.{name}":
            raise AttributeError(f"module 'nnlab' has no attribute {name!r}") from None
        raise
    globals()[name] = module
    return module
