"""The three descriptions of the environment agree: pyproject.toml's ranges (for people who install
nnlab as a library), requirements/lock.txt's exact versions (what the notebook outputs were recorded
with, and what `make lab`/`make test` install) and environment.yml's conda pins; and .venv holds the lock."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.version import Version

pytestmark = pytest.mark.cpu_independent  # versions of packages: nothing a CPU's arithmetic changes
ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "lock.txt"
_spec = importlib.util.spec_from_file_location("sync_environment", ROOT / "tools" / "sync_environment.py")
sync = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sync)


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _requirements() -> list[Requirement]:
    """Every requirement of pyproject.toml: the dependencies and every extra (the lock resolves them all)."""
    project = _pyproject()["project"]
    extras = [r for group in project["optional-dependencies"].values() for r in group]
    return [Requirement(r) for r in project["dependencies"] + extras]


def _lock() -> list[tuple[str, str, Marker | None]]:
    """(name, version, marker) of every package in the lock."""
    entries = []
    for line in LOCK.read_text().splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            spec, _, marker = line.partition(";")
            name, _, version = spec.strip().partition("==")
            assert version, f"lock line without an exact version: {line!r}"
            entries.append((sync.normalise(name), version, Marker(marker) if marker.strip() else None))
    return entries


def _conda() -> tuple[dict[str, str], list[str]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip = {}, []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip.extend(dep["pip"])
        else:
            m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", dep)
            conda[sync.normalise(m.group(1))] = m.group(2)
    return conda, pip


def test_the_lock_has_one_exact_version_of_every_package():
    names = [name for name, _, _ in _lock()]
    assert len(names) == len(set(names)), "a package locked at two versions (uv's --fork-strategy fewest avoids it)"
    assert "numpy" in names and "jupyterlab" in names


def test_the_lock_holds_every_requirement_inside_its_range():
    """The lock is pyproject.toml resolved: every dependency and test extra, at a version its range allows."""
    locked = {name: version for name, version, _ in _lock()}
    for req in _requirements():
        name = sync.normalise(req.name)
        assert name in locked, f"{req.name} is in pyproject.toml but not in the lock: run `make lock`"
        assert req.specifier.contains(locked[name], prereleases=True), \
            f"the lock's {name}=={locked[name]} is outside pyproject.toml's {req}: run `make lock`"


def test_the_lock_says_how_to_refresh_it():
    assert "make lock" in LOCK.read_text().splitlines()[1]


def test_conda_pins_are_the_lock_versions_of_the_runtime_dependencies():
    conda, _ = _conda()
    locked = {name: version for name, version, _ in _lock()}
    pinned = {k: v for k, v in conda.items() if k not in ("python", "pip")}
    runtime = {sync.normalise(Requirement(r).name) for r in _pyproject()["project"]["dependencies"]}
    assert set(pinned) == runtime, "environment.yml lists other packages than pyproject.toml's dependencies"
    for name, spec in pinned.items():
        assert spec == f"=={locked[name]}", f"environment.yml has {name}{spec}, the lock {locked[name]}"


def test_conda_python_is_pyprojects_and_pip_installs_the_lock():
    conda, pip = _conda()
    assert conda["python"] == _pyproject()["project"]["requires-python"]
    assert pip == ["-r requirements/lock.txt", "-e ."]


def test_sync_environment_writes_the_lock_versions_and_keeps_the_rest():
    text = "# a comment\ndependencies:\n  - python>=3.11\n  - numpy==1.0\n  - scikit_learn==0.1\n  - pip\n"
    out = sync.synced(text, {"numpy": "2.4.6", "scikit-learn": "1.9.1"})
    assert out == "# a comment\ndependencies:\n  - python>=3.11\n  - numpy==2.4.6\n  - scikit_learn==1.9.1\n  - pip\n"
    with pytest.raises(SystemExit, match="pins numpy"):
        sync.synced(text, {"scikit-learn": "1.9.1"})


@pytest.mark.locked
def test_the_environment_holds_exactly_the_locked_versions():
    """What `pip freeze` would show agrees with the lock for every package that applies here."""
    wrong, missing = [], []
    for name, version, marker in _lock():
        if marker is not None and not marker.evaluate():
            continue
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
            continue
        if Version(installed) != Version(version):
            wrong.append(f"{name} {installed} (lock: {version})")
    assert not missing and not wrong, (
        f"missing {missing}, other versions {wrong}: reinstall the lock: rm -f .venv/.installed-* && make venv")


def test_the_readme_quotes_the_locked_versions():
    readme = (ROOT / "README.md").read_text()
    locked = {name: version for name, version, _ in _lock()}
    for shown, name in [("numpy", "numpy"), ("matplotlib", "matplotlib"), ("scikit-learn", "scikit-learn"),
                        ("JupyterLab", "jupyterlab")]:
        assert f"{shown} {locked[name]}" in readme, f"README: the set-up section should say {shown} {locked[name]}"


@pytest.mark.locked
def test_nbgraders_panels_are_off_in_the_students_jupyterlab():
    """make venv installs nbgrader (for make student) but switches its server and lab extensions off."""
    import subprocess
    import sys
    jupyter = [sys.executable, "-m", "jupyter"]
    def listing(*args):
        out = subprocess.run([*jupyter, *args, "list"], capture_output=True, text=True, check=True)
        return re.sub(r"\x1b\[[0-9;]*m", "", out.stdout + out.stderr)
    server = listing("server", "extension")
    for extension in ("formgrader", "assignment_list", "course_list", "validate_assignment"):
        assert re.search(rf"nbgrader\.server_extensions\.{extension} disabled", server), server
    assert re.search(r"@jupyter/nbgrader v[\d.]+ disabled", listing("labextension")), "nbgrader's lab panel is on"
