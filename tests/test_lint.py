"""ruff, with the rules pyproject.toml states, finds nothing in the package, the tests, the tools and the benchmarks."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.locked, pytest.mark.cpu_independent]  # the rules are those of the locked ruff

ROOT = Path(__file__).resolve().parents[1]
PLACES = ["nnlab", "tests", "tools", "benchmarks"]


def _ruff() -> list[str]:
    exe = Path(sys.executable).with_name("ruff")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("ruff")
    if found is None:
        pytest.fail("ruff is not installed: it is in the test extras and requirements/lock.txt (make venv)")
    return [found]


def test_ruff_check_finds_nothing():
    out = subprocess.run([*_ruff(), "check", "--no-cache", *PLACES], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, f"ruff check:\n{out.stdout}{out.stderr}"


def test_ruff_would_catch_a_problem(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n")
    out = subprocess.run([*_ruff(), "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), str(bad)],
                         capture_output=True, text=True)
    assert out.returncode == 1 and "F401" in out.stdout
