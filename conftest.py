"""Repository-wide pytest hooks: how long each notebook took under nbval; work that runs beside the session.

nbval runs every notebook from a fresh kernel (the kernel starts in the first cell's setup). The
seconds each notebook took, setup and every cell, are kept as ``config.nnlab_notebook_seconds``
so that tests/test_notebooks.py checks the 20-second budget without running every notebook twice.

A test module with a ``start_in_background(session)`` (tests/test_portability.py: the notebooks and unit tests as
other CPUs run them, processes of their own) starts its work as soon as the session's tests are collected, so that
it runs beside them; its ``stop_in_background()`` is called when the session ends.

``make test`` runs two worker processes (pytest-xdist, ``--dist loadfile``): each file's tests are one unit of work,
so that its module fixtures run once (a JupyterLab server, the nbgrader course, the portability runs), except that
the notebooks under nbval and tests/test_notebooks.py, which reads their timings, are one (``work_unit``, through
pytest-xdist's scheduler hook: its ``loadgroup`` marks are lost with pytest 9.2's node ids, pytest-xdist#1386).
The units that take longest start first (``FIRST``); the others follow in the order of collection.
"""

from __future__ import annotations

import pytest

_SECONDS: dict[str, float] = {}
#: the units of work that start first under make test's workers, longest first: the other CPU configurations (the
#: worker waits on processes of their own for minutes), then the browser tests (15 minutes together on two cores)
FIRST = ("tests/test_portability.py", "tests/browser/test_slides_offline.py",
         "tests/browser/test_notebooks_in_jupyterlab.py", "tests/test_instructor.py", "tests/test_dashboards.py",
         "tests/test_course.py", "notebooks")


def work_unit(nodeid: str) -> str:
    """The unit of work of a test under make test's workers: its file (a node id starts with the file's path from
    the repository), or "notebooks" for a notebook run under nbval and for tests/test_notebooks.py (which reads
    nbval's timings)."""
    path = nodeid.split("::", 1)[0]
    return "notebooks" if path.endswith(".ipynb") or path == "tests/test_notebooks.py" else path


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """``--dist loadfile`` with the notebooks and tests/test_notebooks.py as one unit (``work_unit``)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ByWorkUnit(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return ByWorkUnit(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under make test's workers, the units of ``FIRST`` first (every worker collects in this order, and the
    scheduler hands the units out in it: pass ``--no-loadscope-reorder``)."""
    if hasattr(config, "workerinput"):
        rank = {unit: i for i, unit in enumerate(FIRST)}
        items.sort(key=lambda item: rank.get(work_unit(item.nodeid), len(FIRST)))  # stable: a unit keeps its order


def pytest_configure(config: pytest.Config) -> None:
    config.nnlab_notebook_seconds = _SECONDS


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path, _, cell = report.nodeid.partition("::")
    if path.endswith(".ipynb") and cell.startswith("Cell"):
        name = path.rsplit("/", 1)[-1]
        _SECONDS[name] = _SECONDS.get(name, 0.0) + report.duration


def _background_starters(session: pytest.Session) -> list:
    """The modules of the session's tests that start work in the background."""
    modules = {id(m): m for m in (getattr(item, "module", None) for item in session.items)}
    return [m for m in modules.values() if hasattr(m, "start_in_background")]


def pytest_collection_finish(session: pytest.Session) -> None:
    # under pytest-xdist every worker collects every test: the one that runs the module's tests starts its work
    if not session.config.option.collectonly and not hasattr(session.config, "workerinput"):
        for module in _background_starters(session):
            module.start_in_background(session)


def pytest_sessionfinish(session: pytest.Session) -> None:
    for module in _background_starters(session):
        module.stop_in_background()
