"""What an instructor relies on: slide metadata, student versions, dashboard presets, offline exports.

The slides themselves are loaded in headless Chromium with the network cut off in
tests/browser/test_slides_offline.py; here is everything that needs no browser.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import ipywidgets as widgets
import nbformat
import numpy as np
import pytest

import nnlab as nl

# metadata, student copies, exports and controls: nothing a CPU's arithmetic changes
pytestmark = pytest.mark.cpu_independent
ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "skip", "notes"}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _load_tool(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_student = _load_tool("make_student")
build_slides = _load_tool("build_slides")


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _exercises(nb) -> list[int]:
    return [i for i, c in enumerate(nb.cells) if make_student.is_exercise(c)]


# --- slide metadata -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_cell_has_a_slide_type_and_the_first_opens_a_slide(path):
    cells = _read(path).cells
    types = [c.metadata.get("slideshow", {}).get("slide_type") for c in cells]
    missing = [i for i, t in enumerate(types) if t not in SLIDE_TYPES]
    assert not missing, (f"cells {missing} have no valid metadata.slideshow.slide_type "
                         f"(one of {sorted(SLIDE_TYPES)}): set it in JupyterLab's property inspector "
                         "(the gear icon, 'Slide Type')")
    assert types[0] == "slide", f"the title cell is the first slide, not {types[0]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_section_starts_a_slide(path):
    """A ``## heading`` cell opens a slide or a sub-slide, so the deck follows the notebook's sections."""
    cells = _read(path).cells
    late = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and c.source.startswith("## ")
            and c.metadata.get("slideshow", {}).get("slide_type") not in ("slide", "subslide")]
    assert not late, f"cells {late} open a section (##) but not a slide"
    slides = sum(c.metadata.get("slideshow", {}).get("slide_type") == "slide" for c in cells)
    assert slides >= 3, f"only {slides} slide(s): a title, and a slide for each section"


# --- student versions -----------------------------------------------------------------------------

MIN_EXERCISES = 3


def _outputs_text(cell) -> str:
    return "".join(o.get("text", "") + "".join(o.get("data", {}).get("text/plain", "")) for o in cell.outputs)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_has_checked_exercises_and_every_answer_is_right(path):
    """At least three solution cells, each with nbgrader's metadata, its answer between the markers and its
    check at the end; in the instructor's notebook every check says the answer is right."""
    nb = _read(path)
    exercises = _exercises(nb)
    assert len(exercises) >= MIN_EXERCISES, f"{path.name} has {len(exercises)} checked exercise(s)"
    ids = [nb.cells[i].metadata["nbgrader"]["grade_id"] for i in exercises]
    assert len(set(ids)) == len(ids), f"grade ids repeat: {ids}"
    for i in exercises:
        cell = nb.cells[i]
        meta = cell.metadata["nbgrader"]
        assert meta["solution"] and not meta["grade"] and not meta["locked"], f"cell {i}: {meta}"
        assert cell.source.count(make_student.BEGIN) == cell.source.count(make_student.END) >= 1, f"cell {i}"
        tail = cell.source.rsplit(make_student.END, 1)[1]
        assert "check" in tail, f"cell {i}: the check comes after the answer, in the same cell"
        first = _outputs_text(cell).splitlines()[:1]
        assert first and ": right." in first[0], f"cell {i}: the check does not say right: {first}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_version_replaces_every_answer_and_changes_nothing_else(path):
    nb = _read(path)
    student = make_student.student_version(nb)
    assert len(student.cells) == len(nb.cells)
    assert WIDGET_STATE not in student.metadata.get("widgets", {})
    for i, (mine, theirs) in enumerate(zip(nb.cells, student.cells, strict=True)):
        assert theirs.cell_type == mine.cell_type, f"cell {i}"
        if mine.cell_type == "code":
            assert theirs.outputs == [] and theirs.execution_count is None, f"cell {i} keeps its outputs"
        if make_student.is_exercise(mine):
            before, _, rest = mine.source.partition(make_student.BEGIN)
            _, _, after = rest.partition(make_student.END)
            assert make_student.BEGIN not in theirs.source and make_student.END not in theirs.source
            assert make_student.CODE_STUB in theirs.source, f"cell {i} has no stub"
            assert theirs.source.startswith(before.rstrip(" ")), f"cell {i}: what comes before the answer changed"
            assert theirs.source.endswith(after.split("\n", 1)[-1]), f"cell {i}: the check after the answer changed"
        else:
            assert theirs.source == mine.source, f"cell {i} is not an exercise but changed"
    assert _read(path) == nb, "the instructor's notebook was modified"


def test_make_student_writes_every_notebook(tmp_path):
    before = {p: p.read_bytes() for p in NOTEBOOKS}
    assert make_student.main(["--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == [p.name for p in NOTEBOOKS]
    for path in NOTEBOOKS:
        student = _read(tmp_path / path.name)
        nbformat.validate(student)
        assert all(c.outputs == [] for c in student.cells if c.cell_type == "code")
        assert path.read_bytes() == before[path], f"{path.name} was modified"


def test_an_answer_outside_a_solution_cell_is_refused():
    """nbgrader's enforce_metadata: markers in a cell not marked as a solution cell are an error, not a leak."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = None\n### BEGIN SOLUTION\nx = 42\n### END SOLUTION")]
    with pytest.raises(Exception, match="solution"):
        make_student.student_version(nb)


@pytest.mark.locked
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_version_runs_and_every_check_says_not_written_yet(path):
    """Run top to bottom in a fresh kernel, a student copy shows no traceback, and the check at the end of
    every exercise cell says "not written yet"."""
    from nbclient import NotebookClient

    nb = _read(path)
    student = make_student.student_version(nb)
    NotebookClient(student, timeout=120, kernel_name="python3", allow_errors=True, record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [f"cell {i}: {o.ename}: {o.evalue}" for i, c in enumerate(student.cells) if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors, f"the student version of {path.name} shows tracebacks: {errors}"
    for i in _exercises(nb):
        text = _outputs_text(student.cells[i])
        assert "not written yet" in text and ": right." not in text, f"cell {i}: {text[:300]}"


# --- presets ----------------------------------------------------------------------------------------

def _factories() -> dict[str, object]:
    """Every dashboard factory nnlab.widgets exports that takes a ``preset`` keyword."""
    found = {}
    for name in nl.widgets.__all__:
        obj = getattr(nl.widgets, name)
        if inspect.isfunction(obj) and "preset" in inspect.signature(obj).parameters:
            found[name] = obj
    return found


FACTORIES = _factories()


def test_every_dashboard_factory_takes_a_preset():
    assert FACTORIES, "nnlab.widgets exports no dashboard with presets"
    for name in nl.widgets.__all__:
        obj = getattr(nl.widgets, name)
        returns = inspect.signature(obj).return_annotation if inspect.isfunction(obj) else None
        if returns in (nl.widgets.Dashboard, "Dashboard"):
            assert name in FACTORIES, f"nl.widgets.{name} returns a dashboard but has no preset keyword"


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_opening_a_dashboard_with_a_preset_sets_its_controls(name):
    factory = FACTORIES[name]
    presets = factory().presets
    assert presets, f"{name} defines no presets"
    for preset, expected in presets.items():
        dashboard = factory(preset=preset)
        where = f"{name}(preset={preset!r})"
        assert set(expected) <= set(dashboard.values), f"{where} names unknown controls"
        for control, value in expected.items():
            actual = dashboard.values[control]
            if isinstance(value, float):
                assert actual == pytest.approx(value, abs=1e-12), f"{where}: {control} = {actual}"
            else:
                assert actual == value, f"{where}: {control} = {actual!r}, expected {value!r}"
        assert dashboard.preset_picker.value == preset, f"{where}: the menu shows another preset"
        assert dashboard.message.value == "", f"{where} cannot draw: {dashboard.message.value}"


def _echo(value):
    """What a browser's slider sends back for a float: its own rounding, one unit in the last place away."""
    return float(np.nextafter(value, np.inf)) if isinstance(value, float) else value


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_a_preset_draws_once_and_the_browsers_echo_draws_nothing(name):
    """One redraw per preset change: set_preset holds the notifications, and the rounded values a browser's
    sliders send back (1.0 as 1.0000000000000002) leave the picture as it is."""
    dashboard = FACTORIES[name]()
    opened = dashboard.preset_picker.value
    for preset in [*(p for p in dashboard.presets if p != opened), opened]:  # each one a change of the menu
        values = dashboard.presets[preset]
        draws = dashboard.n_draws
        dashboard.preset_picker.value = preset  # as a student picks it from the menu
        assert dashboard.n_draws == draws + 1, f"{name}: preset {preset!r} drew {dashboard.n_draws - draws} times"
        for control in values:
            dashboard.controls[control].value = _echo(dashboard.controls[control].value)
        assert dashboard.n_draws == draws + 1, f"{name}: the echo of preset {preset!r} drew again"
        assert dashboard.preset_picker.value == preset, f"{name}: the echo switched the menu to (custom)"


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_custom_in_the_preset_menu_goes_back_to_the_students_own_setting(name):
    """"(custom)" is offered in the menu, so it must do something: it brings back the last setting the student
    made that is no preset (and with none made yet, the menu returns to the preset on screen)."""
    dashboard = FACTORIES[name]()
    opened = dashboard.preset_picker.value
    draws = dashboard.n_draws
    dashboard.preset_picker.value = "(custom)"  # nothing of the student's own yet
    assert dashboard.preset_picker.value == opened and dashboard.n_draws == draws
    slider = next(c for c in dashboard.controls.values() if isinstance(c, (widgets.IntSlider, widgets.FloatSlider))
                  and not c.disabled)
    slider.value = slider.min if slider.value != slider.min else slider.max
    own, picture = dashboard.values, dashboard.png
    assert dashboard.preset_picker.value == "(custom)"
    dashboard.preset_picker.value = opened
    assert dashboard.png != picture
    draws = dashboard.n_draws
    dashboard.preset_picker.value = "(custom)"
    assert dashboard.values == own and dashboard.png == picture and dashboard.n_draws == draws + 1


def test_a_control_that_does_not_apply_is_disabled_and_says_why():
    """06: the std slider only scales a plain normal initialisation; 04: with one hidden layer there is one
    layer to show. Both come back when they apply again."""
    grad = nl.widgets.gradients_explorer(preset=None)
    std = grad.controls["std"]
    for init, applies in (("glorot_normal", False), ("he_normal", False), ("normal", True)):
        grad.set_values(init=init)
        assert std.disabled is not applies, init
        assert std.tooltip is None if applies else "only for the normal initialisation" in std.tooltip
    mnist = nl.widgets.mnist_explorer()
    layer = mnist.controls["layer"]
    assert mnist.values["second"] == 0 and layer.disabled and "layer-2 units" in layer.tooltip
    mnist.set_values(second=3)
    assert not layer.disabled and layer.tooltip is None and [v for _, v in layer.options] == [1, 2]


def test_the_next_steps_are_the_moved_control_one_step_on_then_one_back():
    """What a dashboard prepares after a move: the control moved last, one step further the same way, then
    one step back; at an end only the step back; a checkbox its other state; nothing after a jump."""
    from nnlab.widgets.base import Dashboard, _step

    class Recorder:
        def __init__(self, fig):
            pass

        def update(self, **values):
            pass

    controls = {"n": widgets.IntSlider(value=4, min=1, max=5), "x": widgets.FloatSlider(value=0.3, min=0, max=0.5,
                step=0.1), "k": widgets.SelectionSlider(options=("0", "1e-3", "1e-2"), value="1e-3"),
                "on": widgets.Checkbox(value=False)}
    dash = Dashboard(Recorder, controls)
    asked = []
    dash.prefetch = asked.append
    assert dash.next_steps() == []  # opened, not moved
    controls["n"].value = 3
    assert [s["n"] for s in asked[-1]] == [2, 4]  # on down, then back up
    controls["n"].value = 4
    controls["n"].value = 5
    assert [s["n"] for s in asked[-1]] == [4]  # at the top: only back
    controls["x"].value = 0.4
    assert [s["x"] for s in asked[-1]] == [0.5, 0.3] and all(s["n"] == 5 for s in asked[-1])
    controls["k"].value = "0"
    assert [s["k"] for s in asked[-1]] == ["1e-3"]  # at the first choice
    controls["on"].value = True
    assert [s["on"] for s in asked[-1]] == [False]  # a checkbox has one other state
    dash.set_values(n=1, x=0.0)
    assert asked[-1] == []  # a jump: nothing guessed, and what was guessed before is dropped
    log = widgets.FloatLogSlider(value=1.0, base=10, min=-2, max=1, step=0.5)  # min and max are exponents
    assert _step(log, 1) == pytest.approx(10 ** 0.5) and _step(log, -1) == pytest.approx(10 ** -0.5)
    log.value = 10.0
    assert _step(log, 1) is None and _step(log, -1) == pytest.approx(10 ** 0.5)
    menu = widgets.Dropdown(options={"one": 1, "two": 2}, value=1)  # labels and values differ
    assert _step(menu, 1) == 2 and _step(menu, -1) is None


def test_the_background_cache_computes_each_key_once_and_drops_what_is_no_longer_wanted():
    import threading

    from nnlab.widgets.base import BackgroundCache

    computed, started, gate = [], threading.Event(), threading.Event()

    def slow_square(key):
        if key == "block":
            started.set()
            gate.wait(60)
        computed.append(key)
        return key * 2 if isinstance(key, str) else key ** 2

    cache = BackgroundCache(slow_square)
    cache.prefetch(["block", 3, 4])  # the thread waits in "block"; 3 and 4 queue behind it
    assert started.wait(60)  # a guard against a hang
    cache.prefetch([5])  # the student moved on: 3 and 4 are dropped, 5 is wanted
    gate.set()
    cache.wait()
    assert computed == ["block", 5] and cache.get(5) == 25 and cache.get("block") == "blockblock"
    assert cache.get(3) == 9 and computed == ["block", 5, 3]  # on demand, once
    assert cache.get(3) == 9 and computed.count(3) == 1 and not cache._running
    off = BackgroundCache(slow_square, background=False)
    off.prefetch([7])
    off.wait()
    assert off.results == {} and off.get(7) == 49
    attempts = []

    def fails(key):
        attempts.append(key)
        return 1 / key

    failing = BackgroundCache(fails)
    failing.prefetch([0])
    failing.wait()
    assert attempts == [0] and not failing._running and failing.results == {}  # nothing left half-done
    with pytest.raises(ZeroDivisionError):  # computed again on demand, and the error shows there
        failing.get(0)
    assert attempts == [0, 0] and not failing._running


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_an_unknown_preset_is_refused_with_the_names(name):
    with pytest.raises(ValueError, match="preset"):
        FACTORIES[name](preset="no such preset")


# --- the npm lock file ---------------------------------------------------------------------------------

def test_vendor_packages_are_pinned_and_come_from_the_npm_registry():
    package = json.loads((ROOT / "tools" / "slides" / "package.json").read_text())
    lock = json.loads((ROOT / "tools" / "slides" / "package-lock.json").read_text())
    pins = package["dependencies"]
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in pins.values()), f"not exact versions: {pins}"
    assert lock["packages"][""]["dependencies"] == pins, "package-lock.json is out of date: run npm install"
    for name, version in pins.items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert pins["reveal.js"].startswith("4."), "nbconvert's reveal template is written for reveal.js 4"
    assert pins["mathjax"].startswith("2."), "nbconvert's templates configure MathJax 2"
    for key, entry in lock["packages"].items():
        if not key:
            continue
        integrity = entry.get("integrity", "")
        assert re.fullmatch(r"sha512-[A-Za-z0-9+/=]+", integrity), f"{key}: no sha512 integrity"
        resolved = entry.get("resolved", "https://registry.npmjs.org/")
        assert resolved.startswith("https://registry.npmjs.org/"), f"{key} comes from {resolved}"


# --- static exports (nbconvert only; the browser test loads them) -----------------------------------

class _Links(HTMLParser):
    """The URLs a page loads by itself: script/img/iframe src and stylesheet href."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "video", "audio") and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])


def _loaded_urls(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.urls


EXECUTED = [p for p in NOTEBOOKS if build_slides.is_executed(p)]
WITH_STATE = [p for p in EXECUTED if WIDGET_STATE in _read(p).metadata.get("widgets", {})]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Slides and HTML of every executed notebook, by nbconvert with the build's settings (no vendor copy)."""
    out = tmp_path_factory.mktemp("exported")
    if EXECUTED:
        build_slides.convert(EXECUTED, out, "slides")
        build_slides.convert(EXECUTED, out, "html")
    return out


@pytest.mark.parametrize("path", EXECUTED, ids=lambda p: p.name)
def test_exports_load_nothing_from_outside(path, exported):
    for name in (f"{path.stem}.slides.html", f"{path.stem}.html"):
        urls = _loaded_urls((exported / name).read_text())
        assert "vendor/requirejs/require.js" in urls
        assert any(u.startswith("vendor/mathjax/MathJax.js") for u in urls)
        outside = [u for u in urls if re.match(r"(https?:)?//", u)]
        assert not outside, f"{name} loads {outside}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_saves_the_state_of_every_widget_it_shows(path):
    """nbclient stores the widget state in the notebook's metadata; without it an export shows no widget."""
    nb = _read(path)
    views = [o["data"][WIDGET_VIEW]["model_id"] for c in nb.cells if c.cell_type == "code"
             for o in c.outputs if WIDGET_VIEW in o.get("data", {})]
    if not views:
        pytest.skip(f"{path.name} shows no widget (or is not executed)")
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    missing = [v for v in views if v not in state]
    assert not missing, f"no saved state for widget(s) {missing}: re-run `make notebooks`"


@pytest.mark.parametrize("path", WITH_STATE, ids=lambda p: p.name)
def test_html_export_embeds_the_widget_state(path, exported):
    html = (exported / f"{path.stem}.html").read_text()
    state_tag = r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>'
    match = re.search(state_tag, html, re.S)
    assert match, "no widget state in the page"
    embedded = json.loads(match.group(1))["state"]
    assert embedded.keys() == _read(path).metadata["widgets"][WIDGET_STATE]["state"].keys()
    assert "var widgetRendererSrc = 'vendor/html-manager/dist/embed-amd.js'" in html
