"""Interactive dashboards for the notebooks (ipywidgets), each with presets and a static figure.

Every dashboard is a ``Dashboard``: controls plus a figure that redraws in place.
"""

from .base import Dashboard, slider
from .gradients import vanishing_gradients
from .landscape import nonconvexity_explorer
from .mnist import mnist_explorer
from .regions import composition_explorer, random_network_explorer
from .xor import xor_explorer

__all__ = [
    "Dashboard",
    "composition_explorer",
    "mnist_explorer",
    "nonconvexity_explorer",
    "random_network_explorer",
    "slider",
    "vanishing_gradients",
    "xor_explorer",
]
