"""Pictures: one module per lecture topic, named after it, beside the pieces they all share.

``nl.plots.plot_points``, ``plot_decision_boundary``, ``plot_loss_curve`` and the class colours
are the shared ones (``nnlab.plots.base``); the pictures of a topic are in ``nl.plots.<topic>``
(the names of ``nnlab.topics``: ``xor``, ``backprop``, ``regions``, ...), each beside the topic's
numbers in ``nnlab.<topic>`` and its dashboard in ``nnlab.widgets.<topic>``. Every ``plot_*``
function draws on the ``ax`` or ``fig`` it is given and returns nothing. A topic module loads on
first use.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ..topics import NAMES as TOPICS
from .base import (
    CLASS_COLORS,
    DPI,
    FIGURE_WIDTH,
    REGION_CMAP,
    decision_grid,
    plot_decision_boundary,
    plot_loss_curve,
    plot_points,
)

__all__ = ["CLASS_COLORS", "DPI", "FIGURE_WIDTH", "REGION_CMAP", "TOPICS", "decision_grid", "plot_decision_boundary",
           "plot_loss_curve", "plot_points"]


def __getattr__(name: str) -> ModuleType:
    """Import a topic's pictures, such as ``nl.plots.regions``, on first use."""
    if name in TOPICS:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'nnlab.plots' has no attribute {name!r}")
