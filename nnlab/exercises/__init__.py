"""The checked exercises of the notebooks: one module per lecture topic, beside the topic's numbers,
pictures and dashboard (``nl.exercises.regions`` for notebook 03), and the pattern they share in
``nnlab.exercises.base``: a ``Verdict`` that says in words what is right or what is wrong, and "not
written yet" for an answer still left as the stub of the student version. The checker for a backward
pass a student writes is ``nnlab.gradcheck.check_backward``. A topic module loads on first use.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ..topics import NAMES as TOPICS
from .base import NOT_WRITTEN, RIGHT, WRONG, Verdict, check_choice, check_function, check_number

__all__ = ["NOT_WRITTEN", "RIGHT", "TOPICS", "WRONG", "Verdict", "check_choice", "check_function", "check_number"]


def __getattr__(name: str) -> ModuleType:
    """Import a topic's exercises, such as ``nl.exercises.regions``, on first use."""
    if name in TOPICS:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'nnlab.exercises' has no attribute {name!r}")
