"""Write the student versions of the notebooks (``make student``): exercises blanked, outputs cleared.

    python tools/make_student.py [--out build/student] [notebooks/02_backpropagation.ipynb ...]

In every code cell tagged ``exercise`` the answer is replaced by a stub:

* a top-level ``def`` keeps its decorators, signature and docstring; its body becomes
  ``raise NotImplementedError("your code here")``, which the checks in ``nnlab`` recognise and
  answer with "not written yet" instead of a traceback;
* a top-level ``class`` keeps its header and docstring, and each of its methods is blanked the same way;
* any other statement (a run of them) becomes one ``# your code here`` line;
* the comment lines above the first statement (the instructions) stay.

Every cell loses its outputs and execution count, and the notebook its saved widget state; the source
of every cell not tagged ``exercise`` is unchanged. The instructor's notebooks in ``notebooks/`` keep
the answers and are never written to.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
EXERCISE_TAG = "exercise"
STUB = 'raise NotImplementedError("your code here")'
COMMENT = "# your code here"
Block = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef  # what keeps its header


def notebooks() -> list[Path]:
    """The lecture notebooks, ``notebooks/NN_topic.ipynb``, in order."""
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def is_exercise(cell) -> bool:
    return cell.cell_type == "code" and EXERCISE_TAG in cell.metadata.get("tags", [])


def _first_line(node: ast.stmt) -> int:
    """The first line of a statement, counting its decorators (1-based)."""
    return min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])


def _has_docstring(node: Block) -> bool:
    first = node.body[0]
    return (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str))


def _indent_of(line: str) -> str:
    return line[:len(line) - len(line.lstrip())]


def _header(lines: list[str], node: Block) -> tuple[list[str], str]:
    """The lines to keep of a def or class (decorators, signature, docstring) and the indent of its body."""
    body = node.body[0]
    before_body = lines[body.lineno - 1].encode()[:body.col_offset].decode()  # col_offset counts UTF-8 bytes
    if before_body.strip():  # a one-liner, ``def f(x): return x``: cut the line at the body
        return ([*lines[_first_line(node) - 1:body.lineno - 1], before_body.rstrip()],
                _indent_of(lines[node.lineno - 1]) + "    ")
    if _has_docstring(node):
        kept = lines[_first_line(node) - 1:body.end_lineno]
    else:  # the signature, without the comments that open the body (they may give the answer away)
        kept = lines[_first_line(node) - 1:body.lineno - 1]
        while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith("#")):
            kept.pop()
    return kept, _indent_of(lines[body.lineno - 1])


def _blank_block(lines: list[str], body: list[ast.stmt], indent: str) -> list[str]:
    """Stub lines for a sequence of statements: defs and classes keep their headers, the rest is a comment."""
    out: list[str] = []
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            header, inner_indent = _header(lines, node)
            out += [*header, inner_indent + STUB]
        elif isinstance(node, ast.ClassDef):
            header, inner_indent = _header(lines, node)
            members = node.body[1:] if _has_docstring(node) else node.body
            stub = _blank_block(lines, members, inner_indent)
            if all(line.strip() == COMMENT for line in stub):  # no method kept: the class still needs a body
                stub = [inner_indent + "pass  " + COMMENT]
            out += [*header, *stub]
        elif not out or out[-1] != indent + COMMENT:
            out.append(indent + COMMENT)
    return out


def blank(source: str) -> str:
    """The stub that replaces the source of an exercise cell (see the module docstring)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # e.g. IPython magics: nothing can be kept safely
        return COMMENT
    if not tree.body:
        return COMMENT
    lines = source.splitlines()
    first = _first_line(tree.body[0])
    instructions = [line for line in lines[:first - 1] if line.strip().startswith("#")]
    return "\n".join([*instructions, *_blank_block(lines, tree.body, "")])


def student_version(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of the notebook with every exercise blanked and every output cleared."""
    nb = nbformat.from_dict(nb)  # a deep copy: the instructor's notebook is not touched
    nb.metadata.pop("widgets", None)  # the saved widget state belongs to the cleared outputs
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if is_exercise(cell):
            cell.source = blank(cell.source)
        cell.outputs = []
        cell.execution_count = None
        cell.metadata.pop("execution", None)
    return nb


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
        print(f"{shown}: {n_exercises} exercise cell(s) blanked", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
