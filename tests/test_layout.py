"""The package's layout, as the README's package section describes it: every topic has its numbers, pictures,
dashboard and tests in files named after it; no math module imports matplotlib; no module grows past ~700 lines."""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.cpu_independent  # files and imports: nothing a CPU's arithmetic changes
ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "nnlab"
TOPICS = ("xor", "backprop", "regions", "mnist", "landscape", "gradients", "generalisation", "expressivity")
MATH = sorted(p.stem for p in PKG.glob("*.py") if p.stem != "__init__")
LONGEST = 720  # lines: "about 700"


def test_the_math_modules_load_no_matplotlib():
    imports = "; ".join(f"import nnlab.{m}" for m in MATH)
    code = f"import sys; {imports}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]", f"a math module pulls in matplotlib: {out.stdout.strip()[:300]}"


@pytest.mark.parametrize("topic", TOPICS)
def test_each_topic_has_its_pictures_and_tests_beside_it(topic):
    assert (PKG / "plots" / f"{topic}.py").is_file()
    assert (ROOT / "tests" / f"test_{topic}.py").is_file()
    if topic != "xor":  # XOR's numbers are nl.data.xor and the layers
        assert (PKG / f"{topic}.py").is_file()
    if topic != "backprop":  # notebook 02 has no dashboard
        assert (PKG / "widgets" / f"{topic}.py").is_file()


@pytest.mark.parametrize("path", sorted(PKG.rglob("*.py")), ids=lambda p: str(p.relative_to(PKG)))
def test_no_module_is_longer_than_about_700_lines(path):
    assert len(path.read_text().splitlines()) <= LONGEST
