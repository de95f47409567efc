"""Repository-wide pytest hooks: how long each notebook took under nbval.

nbval runs every notebook from a fresh kernel (the kernel starts in the first cell's setup). The
seconds each notebook took, setup and every cell, are kept as ``config.nnlab_notebook_seconds``
so that tests/test_notebooks.py checks the 20-second budget without running every notebook twice.
"""

from __future__ import annotations

import pytest

_SECONDS: dict[str, float] = {}


def pytest_configure(config: pytest.Config) -> None:
    config.nnlab_notebook_seconds = _SECONDS


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path, _, cell = report.nodeid.partition("::")
    if path.endswith(".ipynb") and cell.startswith("Cell"):
        name = path.rsplit("/", 1)[-1]
        _SECONDS[name] = _SECONDS.get(name, 0.0) + report.duration
