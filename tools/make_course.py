"""Write an nbgrader course from the instructor's notebooks (``make course``): one assignment per notebook.

    python tools/make_course.py [--out build/course] [--hidden-seed N] [notebooks/02_backpropagation.ipynb ...]

For every notebook this writes ``source/<NN_topic>/<NN_topic>.ipynb`` under ``--out``, and ``nbgrader_config.py``
beside it unless a configuration is there already (an existing course keeps its own; the script then says which
setting it needs). In each source notebook, every exercise of the lecture, a solution cell whose answer sits between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` and whose check follows it, becomes two cells:

- the solution cell with the answer alone (nbgrader's ``ClearSolutions`` turns it into ``# YOUR CODE HERE``);
- a locked autograder test cell (``grade: true``) worth the exercise's points in ``tools/course.toml``. It runs the
  lecture's check, prints ``verdict.graded()`` (a wrong prediction is named wrong, with its slip, but the answer
  and the worked explanation are not shown) and asserts that the answer earns something; its last value is its
  points times ``verdict.score``, nbgrader's partial credit (a backward pass with dW right and db wrong: 2 of 3).
  Between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``, which the students' copies do not have, it
  prints the whole verdict for the feedback and, for a function, runs the check again on inputs drawn from
  ``hidden_rng`` (the table's hidden test): the cell earns the lower of the two scores.

A question the table asks in words follows its exercise as a markdown answer cell graded by hand. The notebooks in
``notebooks/`` are only read: they stay the lecture's version, and ``make student`` is unchanged.
"""

from __future__ import annotations

import argparse
import ast
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "tools" / "course.toml"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
#: what replaces an answer in the students' copies (nbgrader's default raises NotImplementedError)
CODE_STUB = "# YOUR CODE HERE"
#: the names a test cell sets in the notebook's namespace; a notebook that uses them itself is refused
TEST_NAMES = ("verdict", "score", "hidden_verdict", "hidden_rng")
#: the first line of the configuration this script writes (and may overwrite)
CONFIG_HEAD = '"""nbgrader\'s configuration of the nnlab course, written by `make course` (tools/make_course.py)."""'
CONFIG = f'''{CONFIG_HEAD}

c = get_config()  # noqa: F821 (nbgrader provides it)

c.CourseDirectory.course_id = "nnlab"
# An answer becomes this comment, so that the cell still runs and nnlab's check says "not written yet".
# nbgrader's default stub, `raise NotImplementedError()`, would stop every exercise cell with a traceback.
c.ClearSolutions.code_stub = {{"python": "{CODE_STUB}"}}
# Some lecture cells train networks for seconds; on a busy grading machine they get time (nbgrader's default: 30 s).
c.Execute.timeout = 600
'''

TEST = '''\
# The test of {grade_id}: {points} point{plural}. The autograder runs this cell as it is (locked).
verdict = {call}
print(verdict.graded())  # right or wrong, and what is wrong; the answer itself comes with the feedback
score = verdict.score
### BEGIN HIDDEN TESTS
if verdict.graded_lines:  # a wrong prediction: the feedback gets the worked answer
    print("The worked answer:", verdict, sep="\\n")
{hidden}### END HIDDEN TESTS
assert score > 0, "no points yet: the verdict above says why"
round({points} * score, 4)  # nbgrader's partial credit: the points of a test cell are its last value
'''
HIDDEN = '''\
if score > 0:  # the same check on inputs no student has seen
    hidden_rng = np.random.default_rng([{seed}, {k}])
    hidden_verdict = {call}
    print("On inputs you have not seen:", hidden_verdict, sep="\\n")
    score = min(score, hidden_verdict.score)
'''


@dataclass(frozen=True)
class Words:
    """A question answered in words after an exercise, graded by hand."""

    grade_id: str
    after: str
    points: float
    question: str
    answer: str


@dataclass(frozen=True)
class Assignment:
    """One notebook's entry of the table: points and hidden tests by grade id, and questions in words."""

    points: dict[str, float]
    hidden: dict[str, str]
    words: tuple[Words, ...]


def notebooks() -> list[Path]:
    """The lecture notebooks, ``notebooks/NN_topic.ipynb``, in order."""
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def is_exercise(cell) -> bool:
    """Whether a cell is a solution cell: nbgrader's metadata, and the answer between the markers."""
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution")) and BEGIN in cell.source


def _positive(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"{where}: expected a positive number of points, got {value!r}")
    return value


def load_table(path: Path = TABLE) -> tuple[int, dict[str, Assignment]]:
    """The table's hidden seed and its assignments, by notebook name (``01_xor``)."""
    raw = tomllib.loads(Path(path).read_text())
    seed = raw.pop("hidden_seed", None)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"{path}: hidden_seed: expected an integer >= 0, got {seed!r}")
    assignments = {}
    for name, entry in raw.items():
        unknown = set(entry) - {"points", "hidden", "words"}
        if unknown or "points" not in entry:
            raise ValueError(f"{path}: [{name}] needs a points table and knows only points, hidden and words; "
                             f"got {sorted(entry)}")
        points = {gid: _positive(p, f"{path}: [{name}.points] {gid}") for gid, p in entry["points"].items()}
        hidden = dict(entry.get("hidden", {}))
        if extra := sorted(set(hidden) - set(points)):
            raise ValueError(f"{path}: [{name}.hidden] names exercises without points: {extra}")
        words = []
        for gid, w in entry.get("words", {}).items():
            if set(w) != {"after", "points", "question", "answer"} or w["after"] not in points:
                raise ValueError(f"{path}: [{name}.words.{gid}] needs after (an exercise of [{name}.points]), points, "
                                 f"question and answer; got {w!r}")
            words.append(Words(gid, w["after"], _positive(w["points"], f"{path}: [{name}.words.{gid}] points"),
                               w["question"].strip(), w["answer"].strip()))
        assignments[name] = Assignment(points, hidden, tuple(words))
    return seed, assignments


def split_exercise(source: str) -> tuple[str, str]:
    """An exercise cell's answer (everything up to ``### END SOLUTION``) and its check, the one call after it."""
    head, marker, tail = source.rpartition(END)
    if not marker:
        raise ValueError(f"no {END!r} in the exercise cell:\n{source}")
    check = tail.strip()
    tree = ast.parse(check) if check else None
    if tree is None or len(tree.body) != 1 or not isinstance(tree.body[0].value if isinstance(tree.body[0], ast.Expr)
                                                               else None, ast.Call):
        raise ValueError(f"the exercise cell must end with its check, one call after {END!r}; it ends with "
                         f"{check!r}")
    return head + marker, check


def _nbgrader(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution,
            "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def _points_text(points: float) -> str:
    return f"{points:g}"


def test_cell(grade_id: str, points: float, call: str, hidden_call: str | None, *, seed: int, k: int):
    """The locked autograder test cell of one exercise."""
    hidden = HIDDEN.format(seed=seed, k=k, call=hidden_call) if hidden_call else ""
    source = TEST.format(grade_id=grade_id, points=_points_text(points), plural="" if points == 1 else "s", call=call,
                         hidden=hidden)
    cell = nbformat.v4.new_code_cell(source.rstrip("\n"))
    cell.id = f"{grade_id}-test"
    cell.metadata = {"nbgrader": _nbgrader(f"{grade_id}-test", grade=True, solution=False, locked=True,
                                           points=points), "slideshow": {"slide_type": "-"}}
    return cell


def words_cells(words: Words) -> list:
    """The question (read-only) and the answer cell, graded by hand, of a question in words."""
    question = nbformat.v4.new_markdown_cell(f"**In words** ({_points_text(words.points)} point"
                                             f"{'' if words.points == 1 else 's'}, graded by hand). {words.question}")
    question.id = f"{words.grade_id}-question"
    question.metadata = {"nbgrader": _nbgrader(f"{words.grade_id}-question", grade=False, solution=False,
                                               locked=True), "slideshow": {"slide_type": "-"}}
    answer = nbformat.v4.new_markdown_cell(words.answer)
    answer.id = words.grade_id
    answer.metadata = {"nbgrader": _nbgrader(words.grade_id, grade=True, solution=True, locked=False,
                                             points=words.points), "slideshow": {"slide_type": "-"}}
    return [question, answer]


def _assigned_names(nb) -> set[str]:
    names = set()
    for cell in nb.cells:
        if cell.cell_type == "code":
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                continue
            names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return names


def course_notebook(nb, name: str, assignment: Assignment, *, seed: int):
    """The source notebook of the assignment ``name``: each exercise split into its answer and a test cell,
    questions in words after their exercises, outputs and saved widget state cleared."""
    nb = nbformat.from_dict(nb)  # a deep copy: the instructor's notebook is not touched
    exercises = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if is_exercise(c)]
    if missing := [g for g in exercises if g not in assignment.points]:
        raise ValueError(f"{TABLE.name}: [{name}.points] gives no points to {missing}")
    if unknown := [g for g in assignment.points if g not in exercises]:
        raise ValueError(f"{TABLE.name}: [{name}.points] names {unknown}, which {name} has no exercise for")
    if clash := sorted(_assigned_names(nb) & set(TEST_NAMES)):
        raise ValueError(f"{name} sets {clash} itself; the test cells use these names")
    if "import numpy as np" not in "\n".join(c.source for c in nb.cells if c.cell_type == "code"):
        raise ValueError(f"{name} does not import numpy as np, which the hidden tests use")
    words = {w.after: w for w in assignment.words}
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
        if not is_exercise(cell):
            continue
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        cell.source, check = split_exercise(cell.source)
        k = exercises.index(grade_id) + 1
        cells.append(test_cell(grade_id, assignment.points[grade_id], check, assignment.hidden.get(grade_id),
                               seed=seed, k=k))
        if grade_id in words:
            cells += words_cells(words[grade_id])
    nb.cells = cells
    nb.metadata.pop("widgets", None)  # the saved widget state belongs to the cleared outputs
    return nb


# --- the graded cells and what they need (a quick round trip) -----------------------------------------------
#: scopes whose parameters and variables are their own
SCOPES = (ast.FunctionDef, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _root(node: ast.AST) -> tuple[str | None, list[str]]:
    """The name an expression starts from and the attributes after it: ``nl.plots.plot_x(...)`` is
    ``("nl", ["plots", "plot_x"])``."""
    parts = []
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
        node = node.func if isinstance(node, ast.Call) else node.value
    return (node.id if isinstance(node, ast.Name) else None), parts[::-1]


class _Roles:
    """The names of a notebook that stand for a module (``np``, ``G = nl.generalisation``) or a figure (``fig, ax =
    plt.subplots()``): passing them around changes nothing the graded cells read."""

    def __init__(self, trees: list[ast.Module]):
        nodes = [node for tree in trees for node in ast.walk(tree)]
        self.modules = {(a.asname or a.name).split(".")[0] for node in nodes if isinstance(node, ast.Import |
                        ast.ImportFrom) for a in node.names}
        self.figures: set[str] = set()
        for node in (n for n in nodes if isinstance(n, ast.Assign)):
            names = {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            if isinstance(node.value, ast.Attribute) and _root(node.value)[0] in self.modules:
                self.modules |= names
            elif isinstance(node.value, ast.Call) and self.draws(node.value):
                self.figures |= names

    def draws(self, call: ast.Call) -> bool:
        """Whether a call only shows something: print, a matplotlib call, nnlab's plots and widgets."""
        root, parts = _root(call.func)
        return (root in ("print", "display", "plt") or root in self.figures
                or (root == "nl" and parts[:1] in (["plots"], ["widgets"])))


def _ancestors(node: ast.AST, parents: dict) -> list[ast.AST]:
    found = []
    while (node := parents.get(node)) is not None:
        found.append(node)
    return found


def _locals(scope: ast.AST) -> set[str]:
    """The parameters and variables of a function, or a comprehension's own variables."""
    if isinstance(scope, ast.FunctionDef | ast.Lambda):
        a = scope.args
        names = {x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg] if x}
        body = scope.body if isinstance(scope, ast.FunctionDef) else [scope.body]
        return names | {n.id for stmt in body for n in ast.walk(stmt) if isinstance(n, ast.Name)
                        and isinstance(n.ctx, ast.Store)}
    return {n.id for g in scope.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}


def _may_change(name: ast.Name, parents: dict, roles: _Roles) -> bool:
    """Whether the cell may change the object ``name`` stands for: a method called on it, an attribute or item
    set, or the object passed to a call that does not only show something (``nl.fit(net, ...)`` trains it)."""
    child = name
    for up in _ancestors(name, parents):
        stored = isinstance(up, ast.Attribute | ast.Subscript) and isinstance(up.ctx, ast.Store | ast.Del)
        if stored and up.value is child:
            return True
        if isinstance(up, ast.AugAssign) and up.target is child:
            return True
        if isinstance(up, ast.Call):
            return child is up.func or not roles.draws(up)
        if isinstance(up, ast.stmt):
            return False
        child = up
    return False


def _when(node: ast.Name, parents: dict) -> tuple[int, int]:
    """Where a binding takes effect: an assignment's targets after its value, anything else where it stands."""
    stmt = next(a for a in _ancestors(node, parents) if isinstance(a, ast.stmt))
    if isinstance(stmt, ast.Assign | ast.AugAssign | ast.AnnAssign):
        return stmt.end_lineno, stmt.end_col_offset
    return node.lineno, node.col_offset


def _uses(tree: ast.Module, roles: _Roles) -> tuple[set[str], set[str], set[str], set[str]]:
    """What a cell binds, what else it may change, what it reads before binding it, and what the functions it
    defines read (whenever they run)."""
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    bound: dict[str, tuple[int, int]] = {}
    changes, loads = set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            bound[node.name] = min(bound.get(node.name, (node.lineno, node.col_offset)), (node.lineno, node.col_offset))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                bound.setdefault((alias.asname or alias.name).split(".")[0], (node.lineno, node.col_offset))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            if not any(isinstance(a, SCOPES) for a in _ancestors(node, parents)):
                at = _when(node, parents)
                bound[node.id] = min(bound.get(node.id, at), at)
        elif isinstance(node, ast.Name):
            loads.append(node)
    reads, later = set(), set()
    for node in loads:
        scopes = [a for a in _ancestors(node, parents) if isinstance(a, SCOPES)]
        if any(node.id in _locals(scope) for scope in scopes):
            continue  # a parameter or a variable of a function, or a comprehension's own
        if node.id not in roles.modules and _may_change(node, parents, roles):
            changes.add(node.id)
        if any(isinstance(scope, ast.FunctionDef | ast.Lambda) for scope in scopes):
            later.add(node.id)
        elif scopes or (node.lineno, node.col_offset) < bound.get(node.id, (sys.maxsize, 0)) \
                or isinstance(parents.get(node), ast.AugAssign):
            reads.add(node.id)
    return set(bound), changes, reads, later


def graded_cells_only(nb) -> list[bool]:
    """Which cells a quick round trip keeps: every markdown cell, the first code cell (the imports), every cell of
    nbgrader's, and every code cell before them that binds or may change a name they read, and what those read in
    turn (a name a kept function reads, wherever it is bound: the function may run later).

    Conservative by construction: a cell that passes an object to any call but a drawing one, or calls a method on
    it, counts as changing it, and a cell that cannot be parsed is kept. What it drops are the pictures, the
    dashboards and the computations no exercise depends on.
    """
    trees = {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            try:
                trees[i] = ast.parse(cell.source)
            except SyntaxError:  # a magic: keep the cell
                trees[i] = None
    roles = _Roles([t for t in trees.values() if t is not None])
    uses = {i: _uses(t, roles) for i, t in trees.items() if t is not None}
    # the names the notebook binds: a builtin (print) or a module (np) is the same whatever a cell does
    notebook_names = set().union(*(u[0] for u in uses.values())) - roles.modules - roles.figures
    later: set[str] = set()  # what the kept functions read: wherever it is bound, it may be read when they run
    while True:
        keep = [cell.cell_type != "code" for cell in nb.cells]
        needed, read_later = set(later), set()
        for i in sorted(trees, reverse=True):
            if trees[i] is None:
                keep[i] = True
                continue
            binds, changes, reads, in_functions = uses[i]
            if nb.cells[i].metadata.get("nbgrader") or i == min(trees) or (binds | changes) & needed:
                keep[i] = True
                needed |= reads & notebook_names
                read_later |= in_functions & notebook_names
        if read_later <= later:
            return keep
        later |= read_later


def write_config(out: Path) -> str:
    """Write ``nbgrader_config.py`` unless a configuration of the instructor's own is there; say what was done."""
    path = out / "nbgrader_config.py"
    if path.exists() and not path.read_text().startswith(CONFIG_HEAD):
        if "code_stub" in path.read_text():
            return f"{path}: kept (the course's own)"
        return (f"{path}: kept (the course's own). Add to it:\n    c.ClearSolutions.code_stub = "
                f'{{"python": "{CODE_STUB}"}}\n  or every exercise cell of the students\' copies stops with '
                "nbgrader's default, raise NotImplementedError().")
    path.write_text(CONFIG)
    return f"{path}: written"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/NN_topic.ipynb")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "course",
                        help="the course directory, new or existing (default: build/course)")
    parser.add_argument("--table", type=Path, default=TABLE, help="default: tools/course.toml")
    parser.add_argument("--hidden-seed", type=int, default=None, help="default: the table's hidden_seed")
    parser.add_argument("--graded-cells-only", action="store_true",
                        help="keep only the code cells the graded cells need (a quick round trip, as the tests do)")
    args = parser.parse_args(argv)
    seed, table = load_table(args.table)
    seed = seed if args.hidden_seed is None else args.hidden_seed
    if seed < 0:
        parser.error(f"--hidden-seed: expected an integer >= 0, got {seed}")
    args.out.mkdir(parents=True, exist_ok=True)
    for path in args.notebooks or notebooks():
        name = path.stem
        if name not in table:
            raise SystemExit(f"{args.table}: no [{name}.points] for {path}")
        nb = course_notebook(nbformat.read(path, as_version=4), name, table[name], seed=seed)
        if args.graded_cells_only:
            nb.cells = [cell for cell, kept in zip(nb.cells, graded_cells_only(nb)) if kept]
        target = args.out / "source" / name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        entry = table[name]
        total = sum(entry.points.values()) + sum(w.points for w in entry.words)
        print(f"{target}: {len(entry.points)} exercises ({len(entry.hidden)} with hidden tests)"
              f"{f', {len(entry.words)} in words' if entry.words else ''}, {total:g} points", flush=True)
    print(write_config(args.out))
    print(f"Next, in {args.out}: nbgrader generate_assignment <NN_topic> (the students' copies go to release/), "
          "then release_assignment, or collect and autograde as usual.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
