"""nnlab: a small numpy package for teaching how deep neural networks work.

``import nnlab as nl``; the pieces the notebooks use most are at the top level. The core every topic
shares is imported here (activations, init, layers, losses, optim, gradcheck, data); the modules of a
lecture topic (``nl.regions``, with its pictures ``nl.plots.regions`` and dashboards
``nl.widgets.regions``) load on first use.
"""

import importlib as _importlib

from . import activations, conv, data, gradcheck, init, layers, losses, optim
from .activations import ACTIVATIONS, elu, identity, leaky_relu, relu, sigmoid, tanh
from .conv import Conv2D, Flatten, Maxout, MaxPool2D, Unflatten
from .data import load_mnist38
from .gradcheck import check_backward, check_layer, check_model, numerical_gradient, rel_error
from .layers import MLP, Activation, Dense, Dropout, Layer, Sequential, check_mlp, dead_units, hidden_activations
from .losses import accuracy, binary_cross_entropy, mse, predict_labels, softmax, softmax_cross_entropy
from .optim import SGD, Adam, History, clip_grad_norm, evaluate, fit
from .topics import TOPICS as _TOPICS

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS", "MLP", "SGD", "Activation", "Adam", "Conv2D", "Dense", "Dropout", "Flatten", "History", "Layer",
    "MaxPool2D", "Maxout", "Sequential", "Unflatten",
    "accuracy", "activations", "binary_cross_entropy", "check_backward", "check_layer", "check_mlp", "check_model",
    "clip_grad_norm", "conv", "data", "dead_units", "elu", "evaluate", "fit", "gradcheck", "hidden_activations",
    "identity", "init", "layers", "leaky_relu", "load_mnist38", "losses", "mse", "numerical_gradient", "optim",
    "predict_labels", "rel_error", "relu", "sigmoid", "softmax", "softmax_cross_entropy", "tanh",
]


#: top-level names that live in a lazily imported submodule
_LAZY = {"BatchNorm": "normalization", "Residual": "normalization"}
#: the modules that load on first use: the lecture topics' numbers (nnlab.topics) and the rest
_MODULES = (*(t.name for t in _TOPICS if t.numbers), "exercises", "normalization", "plots", "runs", "topics", "verdict",
            "widgets")


def __getattr__(name: str) -> object:
    """Import a submodule such as ``nl.plots`` or ``nl.widgets`` on first use (keeps import fast)."""
    if name in _LAZY:
        value = getattr(_importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    if name.startswith("_"):
        raise AttributeError(name)
    try:
        module = _importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as exc:
        if exc.name == f"{__name__}.{name}":
            raise AttributeError(f"module 'nnlab' has no attribute {name!r}") from None
        raise
    globals()[name] = module
    return module


def __dir__() -> list[str]:
    """What ``nl.<TAB>`` offers: the public names and the modules that load on first use."""
    return sorted({*__all__, *_LAZY, *_MODULES, "__version__"})
