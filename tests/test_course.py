"""The nbgrader course of ``make course`` (tools/make_course.py, with the points of tools/course.toml).

First what the generated course holds, notebook by notebook; then a round trip through nbgrader 0.9 itself:
generate_assignment, release_assignment, three submissions of every notebook autograded (the solution, a blank copy,
one typical slip per notebook), the answers in words graded by hand through nbgrader's gradebook, generate_feedback,
and the scores read from ``nbgrader export``'s CSV. The round trip runs once per session (a module-scoped fixture)
on the course's notebooks reduced to the cells their graded cells need (``--graded-cells-only``): the pictures and
the computations no exercise depends on are left out, the lecture notebooks run whole under nbval anyway.
"""

from __future__ import annotations

import csv
import html
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"


def _load_tool(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


make_course = _load_tool("make_course")
SEED, TABLE = make_course.load_table()
NOTEBOOKS = make_course.notebooks()
NAMES = [p.stem for p in NOTEBOOKS]


def _course_notebook(path: Path) -> nbformat.NotebookNode:
    return make_course.course_notebook(nbformat.read(path, as_version=4), path.stem, TABLE[path.stem], seed=SEED)


def _grading(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _total(name: str) -> float:
    return sum(TABLE[name].points.values()) + sum(w.points for w in TABLE[name].words)


# --- the course, without running it -------------------------------------------------------------------------

@pytest.mark.cpu_independent
def test_the_table_gives_points_to_every_notebook_and_nothing_else():
    assert sorted(TABLE) == NAMES


@pytest.mark.cpu_independent
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_exercise_gets_a_locked_test_cell_worth_its_points(path):
    """The answer stays in the solution cell; the check moves into the next cell, locked and graded, which prints the
    graded verdict, asserts that it earns something and ends with its points times the verdict's score."""
    lecture = nbformat.read(path, as_version=4)
    before = nbformat.writes(lecture)
    course = make_course.course_notebook(lecture, path.stem, TABLE[path.stem], seed=SEED)
    assert nbformat.writes(lecture) == before, "the lecture notebook was changed"
    nbformat.validate(course)
    entry = TABLE[path.stem]
    exercises = [i for i, c in enumerate(course.cells) if make_course.is_exercise(c)]
    assert len(exercises) == len(entry.points)
    for i in exercises:
        answer, test = course.cells[i], course.cells[i + 1]
        grade_id = _grading(answer)["grade_id"]
        assert answer.source.rstrip().endswith(make_course.END), f"{grade_id}: the check stayed in the answer cell"
        lecture_cell = next(c for c in lecture.cells if _grading(c).get("grade_id") == grade_id)
        check = lecture_cell.source.rpartition(make_course.END)[2].strip()
        assert _grading(test) == {"grade": True, "grade_id": f"{grade_id}-test", "locked": True, "points":
                                  entry.points[grade_id], "schema_version": 3, "solution": False, "task": False}
        lines = test.source.splitlines()
        assert f"verdict = {check}" in lines and any(line.startswith("print(verdict.graded())") for line in lines)
        assert 'assert score > 0, "no points yet: the verdict above says why"' in lines
        assert lines[-1].startswith(f"round({entry.points[grade_id]} * score, 4)")
        hidden = test.source.partition("### BEGIN HIDDEN TESTS")[2].partition("### END HIDDEN TESTS")[0]
        assert 'print("The worked answer:", verdict, sep="\\n")' in hidden
        if grade_id in entry.hidden:
            assert f"hidden_verdict = {entry.hidden[grade_id]}" in hidden and "score = min(score," in hidden
    assert all(c.outputs == [] for c in course.cells if c.cell_type == "code")
    assert "widgets" not in course.metadata


@pytest.mark.cpu_independent
def test_a_question_in_words_is_an_answer_cell_graded_by_hand():
    course = _course_notebook(ROOT / "notebooks" / "05_nonconvexity.ipynb")
    (words,) = TABLE["05_nonconvexity"].words
    i = next(i for i, c in enumerate(course.cells) if _grading(c).get("grade_id") == words.grade_id)
    question, answer = course.cells[i - 1], course.cells[i]
    assert _grading(course.cells[i - 2])["grade_id"] == f"{words.after}-test"
    assert question.cell_type == answer.cell_type == "markdown"
    assert words.question in question.source and _grading(question)["locked"]
    assert answer.source == words.answer
    assert _grading(answer) == {"grade": True, "grade_id": words.grade_id, "locked": False, "points": words.points,
                                "schema_version": 3, "solution": True, "task": False}


@pytest.mark.cpu_independent
@pytest.mark.parametrize("table, message", [
    ("01-hidden-point = 1\n01-broken-point = 1\n", "gives no points to ['01-xor-forward']"),
    ("01-hidden-point = 1\n01-xor-forward = 2\n01-broken-point = 1\n01-other = 1\n",
     "names ['01-other'], which 01_xor has no exercise for"),
])
def test_a_table_that_does_not_fit_the_notebook_is_refused(tmp_path, table, message):
    (tmp_path / "course.toml").write_text(f"hidden_seed = 1\n[01_xor.points]\n{table}")
    seed, entries = make_course.load_table(tmp_path / "course.toml")
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        make_course.course_notebook(nbformat.read(NOTEBOOKS[0], as_version=4), "01_xor", entries["01_xor"], seed=seed)


@pytest.mark.cpu_independent
@pytest.mark.parametrize("table, message", [
    ("[01_xor.points]\n01-xor-forward = 2\n", "hidden_seed: expected an integer >= 0, got None"),
    ("hidden_seed = 1\n[01_xor.points]\n01-xor-forward = 0\n", r"\[01_xor.points\] 01-xor-forward: expected a"),
    ("hidden_seed = 1\n[01_xor.points]\n01-xor-forward = 2\n[01_xor.hidden]\n01-other = 'f()'\n",
     r"\[01_xor.hidden\] names exercises without points: \['01-other'\]"),
    ("hidden_seed = 1\n[01_xor.points]\na = 1\n[01_xor.words.b]\nafter = 'c'\npoints = 1\nquestion = 'q'\n"
     "answer = 'a'\n", r"\[01_xor.words.b\] needs after \(an exercise of \[01_xor.points\]\)"),
    ("hidden_seed = 1\n[01_xor]\npoint = 1\n", r"\[01_xor\] needs a points table"),
])
def test_a_table_with_a_mistake_says_where(tmp_path, table, message):
    (tmp_path / "course.toml").write_text(table)
    with pytest.raises(ValueError, match=message):
        make_course.load_table(tmp_path / "course.toml")


@pytest.mark.cpu_independent
def test_a_notebook_that_uses_the_test_cells_names_is_refused():
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("score = 3"))
    with pytest.raises(ValueError, match=r"01_xor sets \['score'\] itself"):
        make_course.course_notebook(nb, "01_xor", TABLE["01_xor"], seed=SEED)


@pytest.mark.cpu_independent
def test_an_existing_course_keeps_its_own_configuration(tmp_path, capsys):
    assert make_course.main(["--out", str(tmp_path / "new"), str(NOTEBOOKS[1])]) == 0
    config = (tmp_path / "new" / "nbgrader_config.py").read_text()
    assert 'c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE"}' in config
    assert (tmp_path / "new" / "source" / NOTEBOOKS[1].stem / NOTEBOOKS[1].name).is_file()
    own = tmp_path / "own"
    own.mkdir()
    (own / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "dl101"\n')
    capsys.readouterr()
    assert make_course.main(["--out", str(own), str(NOTEBOOKS[1])]) == 0
    assert (own / "nbgrader_config.py").read_text() == 'c = get_config()\nc.CourseDirectory.course_id = "dl101"\n'
    assert 'Add to it:\n    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE"}' in capsys.readouterr().out


@pytest.mark.cpu_independent
def test_graded_cells_only_keeps_what_the_exercises_read_and_what_changes_it():
    nb = nbformat.v4.new_notebook()
    sources = ["import numpy as np\nimport nnlab as nl",                                   # 0 kept: the imports
               "net = nl.MLP([2, 3, 1], 'relu', rng=np.random.default_rng(0))",           # 1 kept: binds net
               "unused = np.ones(3)",                                                     # 2 dropped
               "nl.fit(net, X, y, loss='bce', epochs=2)",                                 # 3 kept: may change net
               "fig, ax = plt.subplots()\nnl.plots.plot_boundary(ax, net)\nprint(net)",   # 4 dropped: draws it
               "net.weights[0][0, 0] = 1.0",                                              # 5 kept: changes it
               "def helper(x):\n    return x + bias",                                     # 6 kept: the answer calls it
               "bias = 1.0",                                                              # 7 kept: helper reads it
               "answer = None\n### BEGIN SOLUTION\nanswer = helper(net.n_params)\n### END SOLUTION",
               "total = sum(w.size for w in net.weights)\nprint(total)"]                  # 9 dropped: after, unread
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.cells[8].metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "x", "locked": False}
    nb.cells.insert(2, nbformat.v4.new_markdown_cell("## a heading"))
    assert make_course.graded_cells_only(nb) == [True, True, True, False, True, False, True, True, True, True, False]


# --- the round trip ------------------------------------------------------------------------------------------

#: one typical slip per notebook: the exercise, the answer's text it changes and into what, a message of the check
#: that names it (in the feedback), and the points it costs (a dense backward pass with db wrong keeps 2 of 3)
SLIPS = {
    "01_xor": ("01-xor-forward", "return H @ W2 + b2", "return H @ W2", "a forgotten output bias b2", 2),
    "02_backpropagation": ("02-dense-backward", 'self.grads["b"] = dout.sum(axis=0)',
                           'self.grads["b"] = dout.mean(axis=0)', "the mean of dout over the samples", 1),
    "03_composing_relu_networks": ("03-composition-regions", "regions_of_composition = 3 * 3",
                                   "regions_of_composition = 3 + 3", "That adds the two counts (3 + 3)", 1),
    "04_mnist_3_vs_8": ("04-error-rate", "return np.mean(y_hat != y)", "return np.sum(y_hat != y)",
                        "the number of mistakes: divide by the number of digits", 2),
    "05_nonconvexity": ("05-quarter-loss", "** 2) / 2", "** 2)", "That is the sum of the two squared errors", 1),
    "06_vanishing_gradients": ("06-he-std", "return np.sqrt(2 / n_in)", "return np.sqrt(2 / (n_in + n_out))",
                               "Glorot's rule, sqrt(2 / (n_in + n_out))", 2),
    "07_generalisation": ("07-penalty-grad", "return 2 * lam * W", "return lam * W",
                          "the derivative of w^2 is 2w, so the factor 2 stays", 2),
    "08_expressivity": ("08-sawtooth-pieces", "sawtooth_pieces = 2**5", "sawtooth_pieces = 2**4",
                        "That is the number of teeth", 1),
    "09_softmax_and_convolution": ("09-output-size", "(28 + 2 * 2 - 5) // 3 + 1", "(28 + 2 * 2 - 5) / 3",
                                   "without the + 1: it counts the steps", 1),
}
STUDENTS = ("solution", "blank", "slip")


def _without_markers(source: str) -> str:
    return "\n".join(line for line in source.split("\n")
                     if make_course.BEGIN not in line and make_course.END not in line)


def _submission(released: nbformat.NotebookNode, source: nbformat.NotebookNode, student: str, name: str):
    """What a student hands in: the released copy, with the instructor's answers (solution), with one of them
    slipped (slip), or untouched (blank)."""
    nb = nbformat.from_dict(released)
    answers = {_grading(c)["grade_id"]: _without_markers(c.source) for c in source.cells if _grading(c).get("solution")}
    for cell in nb.cells:
        grade_id = _grading(cell).get("grade_id")
        if student == "blank" or not _grading(cell).get("solution"):
            continue
        cell.source = answers[grade_id]
        slipped, right, wrong, _, _ = SLIPS[name]
        if student == "slip" and grade_id == slipped:
            assert right in cell.source, f"{name}: the slip's answer text {right!r} is not in {grade_id}"
            cell.source = cell.source.replace(right, wrong)
    return nb


def _nbgrader(course: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               JUPYTER_CONFIG_DIR=str(course.parent / "jupyter-config"),
               JUPYTER_RUNTIME_DIR=str(course.parent / "jupyter-runtime"))  # nbgrader runs `alembic` from PATH
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True,
                          text=True, timeout=1800)
    if check and done.returncode != 0:
        pytest.fail(f"nbgrader {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> SimpleNamespace:
    """The course generated, released, three students' submissions of every notebook autograded, the answers in
    words graded by hand, the feedback generated and the grades exported; with the seconds each step took."""
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    tmp = tmp_path_factory.mktemp("course")
    course, exchange = tmp / "course", tmp / "exchange"
    seconds = {}
    start = time.perf_counter()
    assert make_course.main(["--graded-cells-only", "--out", str(course)]) == 0
    _nbgrader(course, "generate_assignment", "*")
    seconds["make_course and generate_assignment"] = time.perf_counter() - start

    step = time.perf_counter()
    config = Config()
    config.CourseDirectory.root, config.CourseDirectory.course_id = str(course), "nnlab"
    config.Exchange.root = str(exchange)
    api = NbGraderAPI(config=config)
    for name in NAMES:
        result = api.release_assignment(name)
        assert result["success"], result.get("log")
        released = nbformat.read(exchange / "nnlab" / "outbound" / name / f"{name}.ipynb", as_version=4)
        source = nbformat.read(course / "source" / name / f"{name}.ipynb", as_version=4)
        for student in STUDENTS:
            folder = course / "submitted" / student / name
            folder.mkdir(parents=True)
            nbformat.write(_submission(released, source, student, name), folder / f"{name}.ipynb")
            (folder / "timestamp.txt").write_text("2026-01-05 09:00:00.000000 UTC")
    seconds["release_assignment and the submissions"] = time.perf_counter() - step

    step = time.perf_counter()
    _nbgrader(course, "autograde", "*", "--create")
    seconds["autograde (27 notebooks)"] = time.perf_counter() - step

    step = time.perf_counter()
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="nnlab") as gb:
        for name in NAMES:
            for words in TABLE[name].words:
                for student in ("solution", "slip"):  # the instructor reads them and gives full marks
                    grade = gb.find_grade(words.grade_id, name, name, student)
                    assert grade.needs_manual_grade
                    grade.manual_score = words.points
        gb.db.commit()
    _nbgrader(course, "generate_feedback", "*", "--student=slip")  # the feedback the tests read
    _nbgrader(course, "export", "--to", str(tmp / "grades.csv"))
    validate = {student: _nbgrader(course, "validate", str(course / "submitted" / student / NAMES[1] /
                                                           f"{NAMES[1]}.ipynb"), check=False).stdout
                for student in ("solution", "blank")}
    seconds["manual grades, feedback, export, validate"] = time.perf_counter() - step
    seconds["the whole round trip"] = time.perf_counter() - start
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "course-round-trip.tsv").write_text("".join(f"{k}\t{v:.1f}\n" for k, v in seconds.items()))
    (ARTIFACTS / "course-grades.csv").write_bytes((tmp / "grades.csv").read_bytes())  # the scores, for the record

    with open(tmp / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    scores = {(r["assignment"], r["student_id"]): (float(r["score"]), float(r["max_score"])) for r in rows}
    return SimpleNamespace(course=course, exchange=exchange, scores=scores, validate=validate, seconds=seconds)


def _autograded(graded, student: str, name: str) -> nbformat.NotebookNode:
    return nbformat.read(graded.course / "autograded" / student / name / f"{name}.ipynb", as_version=4)


def _feedback(graded, student: str, name: str) -> str:
    return html.unescape((graded.course / "feedback" / student / name / f"{name}.html").read_text())


@pytest.mark.locked
@pytest.mark.cpu_independent  # the scores are the checks' verdicts, which nbval asserts on every CPU configuration
@pytest.mark.parametrize("name", NAMES)
def test_the_solution_earns_every_point(graded, name):
    assert graded.scores[name, "solution"] == (_total(name), _total(name))


@pytest.mark.locked
@pytest.mark.cpu_independent
@pytest.mark.parametrize("name", NAMES)
def test_a_blank_copy_earns_nothing_and_its_own_cells_show_no_traceback(graded, name):
    assert graded.scores[name, "blank"] == (0.0, _total(name))
    nb = _autograded(graded, "blank", name)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if _grading(cell).get("grade"):  # a test cell: the check says "not written yet", then the assertion fails
            text = "".join(o.get("text", "") for o in cell.outputs)
            assert "not written yet" in text and [e.ename for e in errors] == ["AssertionError"], (i, text[:300])
        else:
            assert not errors, f"{name}, cell {i}: {[(e.ename, e.evalue) for e in errors]}"


@pytest.mark.locked
@pytest.mark.cpu_independent
@pytest.mark.parametrize("name", NAMES)
def test_a_slip_costs_its_exercise_and_the_feedback_names_it(graded, name):
    grade_id, _, _, message, lost = SLIPS[name]
    assert graded.scores[name, "slip"] == (_total(name) - lost, _total(name))
    nb = _autograded(graded, "slip", name)
    test = next(c for c in nb.cells if _grading(c).get("grade_id") == f"{grade_id}-test")
    assert message in "".join(o.get("text", "") for o in test.outputs)
    feedback = _feedback(graded, "slip", name)
    assert message in feedback
    if grade_id in TABLE[name].hidden:
        return  # a function's verdict gives nothing away: the feedback shows the same
    assert "; the answer is " in feedback, "the feedback has the worked answer of a wrong prediction"


@pytest.mark.locked
@pytest.mark.cpu_independent
def test_a_backward_pass_with_db_wrong_earns_two_of_its_three_points(graded):
    nb = _autograded(graded, "slip", "02_backpropagation")
    test = next(c for c in nb.cells if _grading(c).get("grade_id") == "02-dense-backward-test")
    assert [o.data["text/plain"] for o in test.outputs if o.output_type == "execute_result"] == ["2.0"]
    text = "".join(o.get("text", "") for o in test.outputs)
    assert "1 of 3 gradients is off" in text and "On inputs you have not seen:" in text


@pytest.mark.locked
@pytest.mark.cpu_independent
@pytest.mark.parametrize("name", NAMES)
def test_the_students_copies_hold_no_answer_and_no_hidden_test(graded, name):
    released = nbformat.read(graded.exchange / "nnlab" / "outbound" / name / f"{name}.ipynb", as_version=4)
    text = nbformat.writes(released)
    for marker in (make_course.BEGIN, "BEGIN HIDDEN TESTS", "hidden_rng", "raise NotImplementedError"):
        assert marker not in text, f"{name}: {marker!r} in the students' copy"
    source = nbformat.read(graded.course / "source" / name / f"{name}.ipynb", as_version=4)
    answers = [c for c in source.cells if _grading(c).get("solution")]
    for cell in answers:
        mine = next(c for c in released.cells if _grading(c).get("grade_id") == _grading(cell)["grade_id"])
        expected = make_course.CODE_STUB if cell.cell_type == "code" else "YOUR ANSWER HERE"
        assert expected in mine.source and mine.source != _without_markers(cell.source)


@pytest.mark.locked
@pytest.mark.cpu_independent
def test_validate_tells_a_blank_notebook_from_a_solved_one(graded):
    assert "Success! Your notebook passes all the tests." in graded.validate["solution"]
    assert "VALIDATION FAILED ON 3 CELL(S)!" in graded.validate["blank"]
    assert "AssertionError: no points yet: the verdict above says why" in graded.validate["blank"]


# --- the wheel ------------------------------------------------------------------------------------------------

@pytest.mark.locked  # built with the lock's setuptools, offline (no build isolation)
@pytest.mark.cpu_independent
def test_the_wheel_carries_the_mnist_file_and_a_fresh_venv_loads_it(tmp_path):
    """``pip install .`` as a grading image does it: the wheel built from a copy of the repository, installed into
    a fresh venv outside it whose only other packages are the locked environment's (numpy and the rest), and
    ``nl.load_mnist38()`` run there, from the installed package's own data."""
    import shutil
    import sysconfig
    import zipfile

    src = tmp_path / "src"
    for name in ("nnlab", "data"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "--quiet"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(tmp_path / "dist"),
                    str(src)], check=True, capture_output=True, timeout=600)
    (wheel,) = (tmp_path / "dist").glob("nnlab-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for name in ("mnist38.npz", "README.md", "build_mnist38.py"):
        assert f"nnlab/datasets/{name}" in names, f"the wheel lacks nnlab/datasets/{name}"

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # the locked packages, as a plain path: the locked venv's .pth files (its editable nnlab) are not run
    (site / "locked.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)], check=True,
                   capture_output=True, timeout=600)
    code = ("import nnlab as nl; d = nl.load_mnist38(); "
            "print(nl.__file__); print(nl.data.DATA_FILE); print(d.X_train.shape, d.y_test.sum())")
    out = subprocess.run([str(python), "-c", code], cwd=tmp_path, check=True, capture_output=True, text=True,
                         env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, timeout=600)
    package, data_file, shapes = out.stdout.splitlines()
    assert Path(package).is_relative_to(site) and Path(data_file) == site / "nnlab" / "datasets" / "mnist38.npz"
    assert shapes == "(11982, 784) 974"
