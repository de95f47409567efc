"""The lecture topics: which notebook teaches each one and where its code lives. The one list of them.

Every topic has a fixed map of files, all named after it: its numbers in ``nnlab/<name>.py`` (no matplotlib), its
pictures in ``nnlab/plots/<name>.py``, its dashboards in ``nnlab/widgets/<name>.py``, its exercise checks in
``nnlab/exercises/<name>.py`` and its tests in ``tests/test_<name>.py``. ``nl.plots``, ``nl.exercises`` and
``nl.widgets`` load a topic's module from here on first use, ``tests/test_layout.py`` checks every file is where
this list says, and the README's table of topics lists the same rows in the same order (a test checks that too).

Adding a notebook: write its files, then add one ``Topic`` line below.
"""

from __future__ import annotations

from typing import NamedTuple


class Topic(NamedTuple):
    """One lecture topic.

    Attributes
    ----------
    name : str
        The modules' name: ``nnlab/<name>.py``, ``nnlab/plots/<name>.py``, ...
    notebook : str
        The notebook that teaches it, ``notebooks/<notebook>.ipynb``.
    explorers : tuple of str
        The dashboards ``nnlab/widgets/<name>.py`` makes (``nl.widgets.<explorer>(preset=...)``); none for a
        notebook without one.
    numbers : bool
        Whether the topic has a module of numbers of its own (XOR's are ``nl.data.xor`` and the core's layers).
    """

    name: str
    notebook: str
    explorers: tuple[str, ...] = ()
    numbers: bool = True


TOPICS: tuple[Topic, ...] = (
    Topic("xor", "01_xor", ("xor_explorer",), numbers=False),
    Topic("backprop", "02_backpropagation"),
    Topic("regions", "03_composing_relu_networks", ("composition_explorer", "random_network_explorer")),
    Topic("mnist", "04_mnist_3_vs_8", ("mnist_explorer",)),
    Topic("landscape", "05_nonconvexity", ("nonconvexity_explorer",)),
    Topic("gradients", "06_vanishing_gradients", ("gradients_explorer",)),
    Topic("generalisation", "07_generalisation", ("generalisation_explorer",)),
    Topic("expressivity", "08_expressivity", ("expressivity_explorer",)),
    Topic("convnets", "09_softmax_and_convolution", ("conv_explorer",)),
)

#: the topics' names, in the notebooks' order
NAMES: tuple[str, ...] = tuple(t.name for t in TOPICS)

#: dashboard factory -> the topic whose widgets module makes it
EXPLORERS: dict[str, str] = {explorer: t.name for t in TOPICS for explorer in t.explorers}


def topic_of(notebook: str) -> Topic:
    """The topic a notebook teaches, by its file name (``"03_composing_relu_networks.ipynb"``) or stem."""
    stem = notebook.rsplit("/", 1)[-1].removesuffix(".ipynb")
    for topic in TOPICS:
        if topic.notebook == stem:
            return topic
    raise ValueError(f"notebook: expected one of {[t.notebook for t in TOPICS]}, got {notebook!r}")
