"""Interactive dashboards for the notebooks (ipywidgets), each with presets and a static figure.

One module per lecture topic, named after it (``nnlab.widgets.regions`` beside ``nnlab.regions`` and
``nnlab.plots.regions``). Every dashboard is a ``Dashboard``: controls, and a view that builds its
figure once and updates it in place. Each factory is called ``<name>_explorer``, its presets
``<NAME>_PRESETS``, its view ``<Name>View``.
"""

from .base import Dashboard, slider
from .expressivity import expressivity_explorer
from .generalisation import generalisation_explorer
from .gradients import gradients_explorer
from .landscape import nonconvexity_explorer
from .mnist import mnist_explorer
from .regions import composition_explorer, random_network_explorer
from .xor import xor_explorer

__all__ = [
    "Dashboard",
    "composition_explorer",
    "expressivity_explorer",
    "generalisation_explorer",
    "gradients_explorer",
    "mnist_explorer",
    "nonconvexity_explorer",
    "random_network_explorer",
    "slider",
    "xor_explorer",
]
