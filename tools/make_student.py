"""Write the student versions of the notebooks (``make student``) with nbgrader's own preprocessors.

    python tools/make_student.py [--out build/student] [notebooks/02_backpropagation.ipynb ...]

The instructor's notebooks in ``notebooks/`` hold the answers between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` (the markers of nbgrader and otter-grader), in cells that carry nbgrader's metadata
for a solution cell, so a course that grades with nbgrader takes them as they are. This script runs them
through nbconvert with nbgrader's ``ClearSolutions`` (each answer becomes ``# YOUR CODE HERE``; a
variable keeps the ``None`` it is given before the answer, a function only its docstring, and the
checks in nnlab answer both with "not written yet") and ``ClearOutput`` (no outputs, no execution
counts), and drops the saved widget state. The instructor's notebooks are never written to.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbconvert.exporters import NotebookExporter
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[1]
#: what replaces an answer: a comment, so that a cell still runs (a raise would stop the notebook)
CODE_STUB = "# YOUR CODE HERE"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def notebooks() -> list[Path]:
    """The lecture notebooks, ``notebooks/NN_topic.ipynb``, in order."""
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def is_exercise(cell) -> bool:
    """Whether a cell is a solution cell: nbgrader's metadata, and the answer between the markers."""
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution")) and BEGIN in cell.source


def exporter() -> NotebookExporter:
    """nbconvert's notebook exporter with nbgrader's ClearSolutions and ClearOutput."""
    c = Config()
    c.NotebookExporter.preprocessors = ["nbgrader.preprocessors.ClearSolutions",
                                        "nbgrader.preprocessors.ClearOutput"]
    c.ClearSolutions.code_stub = {"python": CODE_STUB}
    c.ClearSolutions.enforce_metadata = True  # a solution region outside a solution cell is an error
    return NotebookExporter(config=c)


def student_version(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of the notebook with every answer replaced by the stub and every output cleared."""
    nb = nbformat.from_dict(nb)  # a deep copy: the instructor's notebook is not touched
    nb.metadata.pop("widgets", None)  # the saved widget state belongs to the cleared outputs
    body, _ = exporter().from_notebook_node(nb)
    return nbformat.reads(body, as_version=4)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/NN_topic.ipynb")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "student", help="default: build/student")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for path in args.notebooks or notebooks():
        nb = nbformat.read(path, as_version=4)
        n_exercises = sum(is_exercise(c) for c in nb.cells)
        target = args.out / path.name
        nbformat.write(student_version(nb), target)
        shown = target.resolve().relative_to(ROOT) if target.resolve().is_relative_to(ROOT) else target
        print(f"{shown}: {n_exercises} answer(s) replaced by a stub", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
