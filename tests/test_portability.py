"""The notebooks print the same, and the unit tests pass, on other kinds of CPU: strict nbval and the unit
tests under other BLAS kernels, thread counts and numpy SIMD levels (tools/portability.py), beside the default
run of ``make test``.

The runs are processes of their own that take minutes (the notebooks in two configurations, the unit tests in those
that are not this machine's own): in a session that collects these tests they start as soon as the tests are
collected (``start_in_background``, called by conftest.py) and run beside the session's own tests, which leave
a core idle much of the time (one Python process, a kernel or Chromium waiting on it); the tests here wait for them.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
import time
from concurrent.futures import Future
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


_BACKGROUND: dict[str, Future] = {}


def _start(session: pytest.Session) -> Future:
    """Start the jobs in a thread of their own. Where this session runs every notebook under nbval (make test), a
    configuration that computes exactly as this session does (avx2 on a CPU with AVX2 and no AVX-512, two cores)
    is that run, not a second one."""
    in_session = {Path(str(item.fspath)).name for item in session.items}
    done_here = ("notebooks",) if all(p.name in in_session for p in portability.NOTEBOOKS) else ()
    future: Future = Future()

    def work() -> None:
        try:
            future.set_result(portability.run_all(JOBS, done_here=done_here))
        except BaseException as exc:  # the tests here report it
            future.set_exception(exc)
    threading.Thread(target=work, name="portability", daemon=True).start()
    return future


def start_in_background(session: pytest.Session) -> None:
    """Called by conftest.py when the session's tests are collected: if ``test_the_same_results_on`` is among them,
    start its jobs."""
    wanted = any(getattr(item, "module", None) is sys.modules[__name__]
                 and getattr(item, "originalname", "") == "test_the_same_results_on" for item in session.items)
    if wanted and "jobs" not in _BACKGROUND:
        _BACKGROUND["jobs"] = _start(session)


def stop_in_background() -> None:
    """Called by conftest.py at the end of the session: a run cut short stops the jobs' processes."""
    portability.stop_running()


@pytest.fixture(scope="module")
def results(request) -> dict:
    """The jobs' results, from the jobs started when the session's tests were collected (else started here)."""
    start_in_background(request.session)
    return _BACKGROUND["jobs"].result()


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


def test_a_configuration_that_computes_as_this_session_is_not_run_again(tmp_path):
    """A job that this session runs itself is not run again in a configuration whose OpenBLAS kernels, threads and
    numpy loops are this session's; any other configuration runs."""
    mine = portability.probe()
    assert isinstance(mine, dict) and mine["kernel"] and mine["threads"] >= 1, mine
    runnable = [c for c in portability.CONFIGS if portability.why_not(c) is None]
    if not runnable:
        pytest.skip("no configuration runs on this CPU")
    for config in runnable:
        theirs = portability.probe(portability.environment(config))
        same = portability.same_as_this_run(config)
        assert (same is not None) == (theirs == mine), (config.name, mine, theirs)
        # a session on every other machine differs from one thread of generic SSE kernels with no SIMD loops
        if config.name == "generic" and mine["kernel"].lower() not in config.kernels:
            assert same is None
    avx2 = portability.BY_NAME["avx2"]
    if avx2 in runnable:  # a session with other than avx2's two threads (OpenBLAS runs at most one per core)
        other = dict(os.environ, OPENBLAS_NUM_THREADS="3" if (os.cpu_count() or 1) >= 3 else "1")
        assert portability.same_as_this_run(avx2, env=other) is None
    same = [c for c in runnable if portability.same_as_this_run(c)]
    if not same:
        return  # this session computes as none of them (a CPU with AVX-512 and all its loops, say): they all run
    start = time.perf_counter()
    result = portability.run_all([(same[0], "notebooks")], done_here=("notebooks",))[same[0].name, "notebooks"]
    assert result.covered and result.ok and result.returncode is None, result.report()
    assert "not run twice" in result.report() and time.perf_counter() - start < 60  # nothing was run


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
