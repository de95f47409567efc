"""The package's layout, as the README's package section describes it: every topic has its numbers, pictures,
dashboard and tests in files named after it; no math module imports matplotlib; no module grows past ~700 lines."""

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

import nnlab as nl
from nnlab.topics import NAMES, TOPICS

pytestmark = pytest.mark.cpu_independent  # files and imports: nothing a CPU's arithmetic changes
ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "nnlab"
MATH = sorted(p.stem for p in PKG.glob("*.py") if p.stem != "__init__")
LONGEST = 720  # lines: "about 700"


def test_the_math_modules_load_no_matplotlib():
    imports = "; ".join(f"import nnlab.{m}" for m in MATH)
    code = f"import sys; {imports}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]", f"a math module pulls in matplotlib: {out.stdout.strip()[:300]}"


@pytest.mark.parametrize("topic", TOPICS, ids=lambda t: t.name)
def test_each_topic_has_its_files_where_the_registry_says(topic):
    assert (ROOT / "notebooks" / f"{topic.notebook}.ipynb").is_file()
    assert (PKG / "plots" / f"{topic.name}.py").is_file()
    assert (PKG / "exercises" / f"{topic.name}.py").is_file()
    assert (ROOT / "tests" / f"test_{topic.name}.py").is_file()
    assert (PKG / f"{topic.name}.py").is_file() == topic.numbers
    assert (PKG / "widgets" / f"{topic.name}.py").is_file() == bool(topic.explorers)
    for explorer in topic.explorers:
        assert callable(getattr(importlib.import_module(f"nnlab.widgets.{topic.name}"), explorer))
        assert getattr(nl.widgets, explorer) is getattr(importlib.import_module(f"nnlab.widgets.{topic.name}"),
                                                          explorer)


def test_every_notebook_has_a_topic_and_every_module_a_topic_or_a_core_role():
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert notebooks == [t.notebook for t in TOPICS]
    core = {"plots": {"base"}, "widgets": {"base", "blit"}, "exercises": {"base"}}  # what every topic shares
    for folder in ("plots", "widgets", "exercises"):
        modules = {p.stem for p in (PKG / folder).glob("*.py")} - {"__init__"} - core[folder]
        assert modules <= set(NAMES), f"nnlab/{folder}/ holds modules of no topic: {sorted(modules - set(NAMES))}"
    assert nl.plots.TOPICS == nl.exercises.TOPICS == NAMES


def test_the_readmes_table_of_topics_is_the_registry():
    """The README's package section lists the topics of nnlab.topics, in its order, with their notebooks and
    dashboards."""
    rows = re.findall(r"^\| `(\w+)` \((\d\d)\) \|.*\| (.*) \|$", (ROOT / "README.md").read_text(), re.M)
    assert [(name, number) for name, number, _ in rows] == [(t.name, t.notebook[:2]) for t in TOPICS]
    for (_, _, dashboards), topic in zip(rows, TOPICS):
        assert re.findall(r"`(\w+_explorer)`", dashboards) == list(topic.explorers)


@pytest.mark.parametrize("path", sorted(PKG.rglob("*.py")), ids=lambda p: str(p.relative_to(PKG)))
def test_no_module_is_longer_than_about_700_lines(path):
    assert len(path.read_text().splitlines()) <= LONGEST


def test_nl_offers_every_public_module_and_nothing_private():
    import pkgutil

    shown = dir(nl)
    modules = {m.name for m in pkgutil.iter_modules(nl.__path__) if not m.name.startswith("_")}
    assert modules <= set(shown), sorted(modules - set(shown))
    assert not [n for n in shown if n.startswith("_") and n != "__version__"]
    assert {"importlib", "ModuleType", "annotations"}.isdisjoint(shown)
    assert all(getattr(nl, n) is not None for n in shown)
