"""The notebooks print the same, and the unit tests pass, on other kinds of CPU: strict nbval and the unit
tests under other BLAS kernels, thread counts and numpy SIMD levels (tools/portability.py), beside the default
run of ``make test``.

The runs take a few minutes on two cores (the notebooks in two configurations, the unit tests in those that are
not this machine's own); they run once, at the first test that needs them.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("portability", ROOT / "tools" / "portability.py")
portability = importlib.util.module_from_spec(_spec)
sys.modules["portability"] = portability  # dataclasses look their module up by name
_spec.loader.exec_module(portability)

JOBS = portability.make_test_jobs()
# the driver of the other configurations: it does not run inside them
pytestmark = [pytest.mark.locked, pytest.mark.cpu_independent]


@pytest.fixture(scope="module")
def results() -> dict:
    return portability.run_all(JOBS)


@pytest.mark.parametrize("name, job", [(c.name, job) for c, job in JOBS], ids=lambda x: x)
def test_the_same_results_on(name, job, results):
    """The notebooks' printed outputs match the committed ones, and every unit test passes."""
    result = results[name, job]
    print(result.report())
    if result.skipped:
        if os.environ.get("CI") and name in ("generic", "avx2"):
            pytest.fail(f"in CI this configuration must run: {result.skipped}")
        pytest.skip(result.skipped)
    assert result.ok, result.report()


def test_make_test_runs_the_unit_tests_in_a_configuration_besides_the_machines_own():
    avx2_cpu = {"avx", "avx2", "fma"}
    avx512_cpu = avx2_cpu | {"avx512f", "avx512dq", "avx512bw", "avx512vl"}
    units = {cpu: [c.name for c, job in portability.make_test_jobs(flags) if job == "units"]
             for cpu, flags in (("avx2", avx2_cpu), ("avx512", avx512_cpu))}
    assert units == {"avx2": ["generic", "avx512"], "avx512": ["generic", "avx2"]}  # avx512 skips on the first
    assert portability.own_configuration(avx2_cpu).name == "avx2"
    assert portability.own_configuration(set()).name == "generic"


def test_the_unit_tests_job_leaves_out_only_what_is_marked(tmp_path):
    """A new test runs in every configuration unless it is marked cpu_independent; the browser tests never."""
    cmd = portability.command("units")
    assert cmd[3:8] == ["tests", "--ignore", "tests/browser", "-m", "not browser and not cpu_independent"]
    test = tmp_path / "test_new.py"
    test.write_text("import os, pytest\n"
                    "def test_asserts_a_value():\n    assert os.environ['OPENBLAS_CORETYPE'] == 'Skylake'\n"
                    "@pytest.mark.cpu_independent\ndef test_marked():\n    raise AssertionError\n")
    result = portability.run(portability.BY_NAME["generic"], [test], log_dir=tmp_path, job="units")
    if result.skipped:
        pytest.skip(result.skipped)
    assert not result.ok and result.failed == ["FAILED ::test_asserts_a_value - AssertionError: assert "
                                               "'Prescott' == 'Skylake'"], result.report()
    assert "1 failed, 1 deselected" in result.summary  # the marked one is left out, not passed


def test_the_check_fails_when_an_output_differs(tmp_path):
    """A notebook whose committed output is not what the kernel prints under the configuration: the
    check must fail on that cell (and the variables must reach the kernel)."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('import os\nprint(os.environ["OPENBLAS_CORETYPE"])', execution_count=1)
    recorded = "Haswell, on the machine it was recorded on\n"
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=recorded)]
    nb.cells = [cell]
    path = tmp_path / "99_differs.ipynb"
    nbformat.write(nb, path)
    result = portability.run(portability.BY_NAME["generic"], [path], log_dir=tmp_path, job="notebooks")
    if result.skipped:
        pytest.skip(result.skipped)
    assert not result.ok
    assert len(result.failed) == 1 and result.failed[0].startswith("FAILED ::Cell 0 - Notebook cell execution")
    assert "- Prescott\n  + Haswell, on the machine it was recorded on" in result.log.read_text()


def test_each_configuration_switches_off_what_its_machine_lacks():
    targets = ["X86_V3", "X86_V4", "AVX512_ICL", "AVX512_SPR"]           # numpy 2.4
    old = ["SSE41", "AVX", "F16C", "FMA3", "AVX2", "AVX512F", "AVX512_SKX"]  # numpy 1.26
    by = portability.BY_NAME
    assert portability.disabled_features(by["generic"], targets) == targets
    assert portability.disabled_features(by["avx2"], targets) == ["X86_V4", "AVX512_ICL", "AVX512_SPR"]
    assert portability.disabled_features(by["avx"], targets) == ["X86_V4", "AVX512_ICL", "AVX512_SPR", "X86_V3"]
    assert portability.disabled_features(by["avx512"], targets) == []
    assert portability.disabled_features(by["avx"], old) == ["AVX512F", "AVX512_SKX", "FMA3", "AVX2"]
    env = portability.environment(by["avx2"], base={"OPENBLAS_CORETYPE": "Zen", "HOME": "/home/s"})
    assert (env["OPENBLAS_CORETYPE"], env["OPENBLAS_NUM_THREADS"], env["HOME"]) == ("Haswell", "2", "/home/s")


@pytest.mark.skipif(portability.platform.machine().lower() not in ("x86_64", "amd64"), reason="x86-64 only")
def test_a_cpu_without_the_instructions_is_told_why():
    assert portability.why_not(portability.BY_NAME["avx512"], {"sse2", "avx", "avx2", "fma"}) \
        == "this CPU lacks avx512f, avx512dq, avx512bw, avx512vl"
    assert portability.why_not(portability.BY_NAME["generic"], {"sse2"}) is None
