"""Interactive dashboards for the notebooks (ipywidgets), each with presets and a static figure.

Every dashboard is a ``Dashboard``: controls plus a figure that redraws in place.
"""

from .base import Dashboard, slider
from .landscape import nonconvexity_explorer
from .xor import xor_explorer

__all__ = [
    "Dashboard",
    "nonconvexity_explorer",
    "slider",
    "xor_explorer",
]
