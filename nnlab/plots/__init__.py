"""Pictures: one module per lecture topic, named after it, beside the pieces they all share.

``nl.plots.plot_points``, ``plot_decision_boundary``, ``plot_loss_curve`` and the class colours
are the shared ones (``nnlab.plots.base``); the pictures of a topic are in ``nl.plots.<topic>``
(the names of ``nnlab.topics``: ``xor``, ``backprop``, ``regions``, ...), each beside the topic's
numbers in ``nnlab.<topic>`` and its dashboard in ``nnlab.widgets.<topic>``. Every ``plot_*``
function draws on the ``ax`` or ``fig`` it is given and returns nothing. A topic module loads on
first use.

``nl.plots.show(fig)`` displays a figure with its text alternative (``alt_text``: what the plot functions noted,
in words and numbers); every figure of the notebooks is shown that way. Importing ``nl.plots`` sets matplotlib's
colour cycle to nnlab's colour-blind-safe ``PALETTE``, each colour with its own line style, and text to at least
``MIN_FONT`` points (``STYLE``), so that a figure drawn in a notebook cell reads like nnlab's own.
"""

from __future__ import annotations

import importlib
from types import ModuleType

import matplotlib

from ..topics import NAMES as TOPICS
from .base import (
    CLASS_COLORS,
    CLASS_MARKERS,
    DPI,
    FIGURE_WIDTH,
    GREY,
    LINESTYLES,
    MIN_FONT,
    PALETTE,
    REGION_CMAP,
    STYLE,
    Picture,
    alt_text,
    decision_grid,
    describe_axes,
    note,
    plot_decision_boundary,
    plot_loss_curve,
    plot_points,
    show,
)

__all__ = ["CLASS_COLORS", "CLASS_MARKERS", "DPI", "FIGURE_WIDTH", "GREY", "LINESTYLES", "MIN_FONT", "PALETTE",
           "REGION_CMAP", "STYLE", "TOPICS", "Picture", "alt_text", "decision_grid", "describe_axes", "note",
           "plot_decision_boundary", "plot_loss_curve", "plot_points", "show"]

matplotlib.rcParams.update(STYLE)


def __getattr__(name: str) -> ModuleType:
    """Import a topic's pictures, such as ``nl.plots.regions``, on first use."""
    if name in TOPICS:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'nnlab.plots' has no attribute {name!r}")
