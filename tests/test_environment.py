"""environment.yml (conda, Binder) and pyproject.toml (pip) must ask for the same things."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _split(requirement: str) -> tuple[str, str]:
    m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", requirement)
    assert m, requirement
    name = m.group(1).lower().replace("_", "-")
    spec = ",".join(sorted(s.strip() for s in m.group(2).split(",") if s.strip()))
    return name, spec


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _conda() -> tuple[dict[str, str], list[str]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip = {}, []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip.extend(dep["pip"])
        else:
            name, spec = _split(dep)
            conda[name] = spec
    return conda, pip


def test_runtime_dependencies_agree():
    project = dict(_split(r) for r in _pyproject()["project"]["dependencies"])
    conda, _ = _conda()
    conda = {k: v for k, v in conda.items() if k not in ("python", "pip")}
    assert conda == project


def test_python_version_agrees():
    conda, _ = _conda()
    assert conda["python"] == _pyproject()["project"]["requires-python"]


def test_conda_route_installs_nnlab_with_its_test_extras():
    _, pip = _conda()
    assert pip == ["-e .[test]"]
    assert "test" in _pyproject()["project"]["optional-dependencies"]


def test_the_comparison_would_catch_a_mismatch():
    assert _split("numpy>=1.26,<3") != _split("numpy>=2,<3")
    assert _split("scikit_learn <2, >=1.5") == _split("scikit-learn>=1.5,<2")
