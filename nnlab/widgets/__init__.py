"""Interactive dashboards for the notebooks (ipywidgets), each with presets and a static figure.

One module per lecture topic, named after it (``nnlab.widgets.regions`` beside ``nnlab.regions`` and
``nnlab.plots.regions``; ``nnlab.topics`` lists them and their dashboards). Every dashboard is a ``Dashboard``:
controls, and a view that builds its figure once and updates it in place. Each factory is called
``<name>_explorer`` and returns a ``<Name>Explorer``, its presets are ``<NAME>_PRESETS``, its view ``<Name>View``.
A topic's module loads on first use: ``nl.widgets.xor_explorer()`` imports ``nnlab.widgets.xor``.
"""

from __future__ import annotations

import importlib

from ..topics import EXPLORERS, NAMES
from .base import Dashboard, slider

__all__ = ["Dashboard", "slider", *sorted(EXPLORERS)]


def __getattr__(name: str) -> object:
    """A topic's dashboards module (``nl.widgets.regions``) or one of its factories (``nl.widgets.xor_explorer``),
    imported on first use."""
    if name in NAMES:
        value = importlib.import_module(f".{name}", __name__)
    elif name in EXPLORERS:
        value = getattr(importlib.import_module(f".{EXPLORERS[name]}", __name__), name)
    else:
        raise AttributeError(f"module 'nnlab.widgets' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *NAMES})
