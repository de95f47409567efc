"""The notebooks under strict nbval, and the unit tests, as other kinds of CPU would run them (``make test`` runs this).

Students' laptops and course CI runners have every kind of x86-64 CPU, and two parts of numpy's
arithmetic depend on it:

- OpenBLAS, numpy's library for matrix products, picks its kernels for the CPU
  (``OPENBLAS_CORETYPE`` overrides the choice) and splits a product over its threads
  (``OPENBLAS_NUM_THREADS``): the sums come out in another order, with or without fused
  multiply-adds, and differ in their last bits;
- numpy picks its SIMD loops for ``exp``, ``tanh``, ``sin`` and the like by the instruction sets the
  CPU has; ``NPY_DISABLE_CPU_FEATURES`` switches the newer ones off.

Each configuration below sets these for one kind of machine, as far as this machine can pretend to be
it (a CPU runs the kernels of older CPUs, not those of newer ones), and runs two jobs in it:

- ``notebooks``: the notebooks under the same strict nbval as ``make test`` (the options in
  pyproject.toml); it fails when any printed output differs from the committed one;
- ``units``: the unit tests of ``tests/``, every one except the browser tests and those marked
  ``cpu_independent`` (metadata, text, lint: nothing a CPU's arithmetic can change). A new test runs
  here unless it is marked, so a value asserted on one CPU is asserted on the others too.

The variables are always set explicitly, so a machine that already sets ``OPENBLAS_CORETYPE`` for its
default run changes nothing here.

    python tools/portability.py                    # what make test runs (see MAKE_TEST)
    python tools/portability.py --all              # every configuration this CPU can run, both jobs
    python tools/portability.py --list             # every configuration, and whether this CPU can run it
    python tools/portability.py avx notebooks/03_composing_relu_networks.ipynb
    python tools/portability.py generic tests/test_gradients.py

Logs go to ``test-artifacts/portability/``. Jobs that need only one thread run two at a time on a
machine with two cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "portability"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@dataclass(frozen=True)
class Config:
    """One kind of machine: OpenBLAS's kernels and threads, and which numpy SIMD loops it lacks."""

    name: str
    machine: str                 # what it stands for, in words
    coretype: str                # OPENBLAS_CORETYPE
    threads: int                 # OPENBLAS_NUM_THREADS
    numpy_lacks: str             # "all": every dispatched SIMD loop off; "avx2": AVX2 and newer; "avx512"; "none"
    needs: tuple[str, ...]       # CPU flags (/proc/cpuinfo) the kernels need
    kernels: tuple[str, ...]     # the names OpenBLAS may report for these kernels
    in_make_test: bool = True


CONFIGS = (
    Config("generic", "an x86-64 CPU without AVX (OpenBLAS's generic SSE kernels), one thread", "Prescott", 1,
           "all", (), ("prescott", "katmai", "core2")),
    Config("avx", "a 2011-2013 processor with AVX but not AVX2, two threads", "Sandybridge", 2, "avx2",
           ("avx",), ("sandybridge",), in_make_test=False),
    Config("avx2", "a laptop with AVX2 and FMA (2013 onwards), two threads", "Haswell", 2, "avx512",
           ("avx2", "fma"), ("haswell", "zen")),
    Config("avx512", "a server with AVX-512 (Intel Xeon since 2017, AMD Zen 4), one thread", "SkylakeX", 1,
           "none", ("avx512f", "avx512dq", "avx512bw", "avx512vl"), ("skylakex", "cooperlake", "sapphirerapids")),
)
BY_NAME = {c.name: c for c in CONFIGS}
NUMPY_LOOPS = {"all": "numpy's baseline loops only", "avx2": "numpy without its AVX2 and AVX-512 loops",
               "avx512": "numpy without its AVX-512 loops", "none": "all of numpy's loops"}


def numpy_dispatch_targets() -> list[str]:
    """numpy's dispatched SIMD targets, e.g. ['X86_V3', 'X86_V4', 'AVX512_ICL', 'AVX512_SPR'] (numpy 2.4)."""
    try:
        from numpy._core import _multiarray_umath as umath  # numpy 2
    except ImportError:  # pragma: no cover - numpy 1.26
        from numpy.core import _multiarray_umath as umath
    return list(umath.__cpu_dispatch__)


def disabled_features(config: Config, targets: list[str]) -> list[str]:
    """The numpy SIMD targets that ``config``'s machine lacks, for ``NPY_DISABLE_CPU_FEATURES``."""
    if config.numpy_lacks == "all":
        return list(targets)
    if config.numpy_lacks == "none":
        return []
    avx512 = [t for t in targets if t.startswith("AVX512") or t == "X86_V4"]
    if config.numpy_lacks == "avx512":
        return avx512
    # no AVX2: numpy 2's X86_V3 level and numpy 1's AVX2/FMA3 targets go too
    return avx512 + [t for t in targets if t in ("X86_V3", "AVX2", "FMA3")]


def cpu_flags() -> set[str] | None:
    """The CPU's instruction-set flags from /proc/cpuinfo; None where they cannot be read."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return None


def why_not(config: Config, flags: set[str] | None = None) -> str | None:
    """Why this machine cannot run ``config`` (None when it can)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return f"the configurations are for x86-64 CPUs; this one is {platform.machine()}"
    flags = cpu_flags() if flags is None else flags
    if flags is None:
        return "the CPU's flags cannot be read (no /proc/cpuinfo)"
    missing = [f for f in config.needs if f not in flags]
    return f"this CPU lacks {', '.join(missing)}" if missing else None


def environment(config: Config, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for one configuration: ``base`` (default os.environ) with the three variables set."""
    env = dict(os.environ if base is None else base)
    env["OPENBLAS_CORETYPE"] = config.coretype
    env["OPENBLAS_NUM_THREADS"] = str(config.threads)
    env["NPY_DISABLE_CPU_FEATURES"] = " ".join(disabled_features(config, numpy_dispatch_targets()))
    return env


_REPORT = """
import json, numpy, threadpoolctl
try:
    from numpy._core import _multiarray_umath as m
except ImportError:
    from numpy.core import _multiarray_umath as m
blas = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
print(json.dumps({"kernel": blas[0].get("architecture", "") if blas else "",
                  "threads": blas[0]["num_threads"] if blas else 0,
                  "active": [t for t in m.__cpu_dispatch__ if m.__cpu_features__.get(t)]}))
"""


def probe(env: dict[str, str] | None = None) -> dict | str:
    """How a Python started in ``env`` (default: this one's environment) computes: OpenBLAS's kernels and threads,
    numpy's SIMD targets in use (a dict); or why it did not start (a str)."""
    import json

    out = subprocess.run([sys.executable, "-c", _REPORT], env=env, capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        return f"python did not start with these settings: {out.stderr.strip()[-500:]}"
    return json.loads(out.stdout.strip().splitlines()[-1])


def check_environment(config: Config, env: dict[str, str]) -> str | None:
    """Start Python in ``env`` and confirm that OpenBLAS and numpy took the settings (None when they did)."""
    seen = probe(env)
    if isinstance(seen, str):
        return seen
    if seen["kernel"].lower() not in config.kernels:
        return f"OpenBLAS chose {seen['kernel']!r} kernels, not {config.coretype!r}"
    if seen["threads"] != config.threads:
        return f"OpenBLAS runs {seen['threads']} threads, not {config.threads}"
    still = sorted(set(env["NPY_DISABLE_CPU_FEATURES"].split()) & set(seen["active"]))
    if still:
        return f"numpy still uses {still}"
    return None


_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # nbval colours its messages

JOBS = ("notebooks", "units")
JOB_WORDS = {"notebooks": "the notebooks under strict nbval", "units": "the unit tests"}
# the unit tests' job: every test of tests/ but the browser tests (a JupyterLab server and Chromium of their own)
# and those marked cpu_independent (metadata, text, lint, this tool: nothing a CPU's arithmetic can change)
UNIT_TESTS = ("tests", "--ignore", "tests/browser", "-m", "not browser and not cpu_independent")


def own_configuration(flags: set[str] | None = None) -> Config | None:
    """The configuration this machine runs by itself: the newest one its CPU can run (make test's own run
    covers it, so its unit tests are not run a second time)."""
    runnable = [c for c in CONFIGS if why_not(c, flags) is None]  # CONFIGS go from the oldest CPU to the newest
    return runnable[-1] if runnable else None


def make_test_jobs(flags: set[str] | None = None) -> list[tuple[Config, str]]:
    """What ``make test`` runs: the notebooks in every configuration of ``in_make_test``, and the unit tests in
    each of those that is not this machine's own (generic everywhere; avx2 too on a CPU with AVX-512)."""
    own = own_configuration(flags)
    jobs = [(c, "notebooks") for c in CONFIGS if c.in_make_test]
    return jobs + [(c, "units") for c in CONFIGS if c.in_make_test and c is not own]


@dataclass
class Result:
    config: Config
    job: str = "notebooks"
    skipped: str | None = None       # why it did not run
    covered: str | None = None       # the run of make test's own session that computed the same (not run twice)
    returncode: int | None = None
    failed: list[str] = field(default_factory=list)   # pytest's FAILED and ERROR lines
    summary: str = ""
    seconds: float = 0.0
    log: Path | None = None

    @property
    def ok(self) -> bool:
        return self.covered is not None or (self.skipped is None and self.returncode == 0)

    def report(self) -> str:
        c = self.config
        head = (f"{c.name}, {JOB_WORDS[self.job]} as {c.machine} "
                f"(OPENBLAS_CORETYPE={c.coretype}, {NUMPY_LOOPS[c.numpy_lacks]})")
        if self.skipped:
            return f"{head}: skipped, {self.skipped}"
        if self.covered:
            return f"{head}: {self.covered}"
        if self.ok:
            return f"{head}: {self.summary} in {self.seconds:.0f} s"
        what = "outputs differ" if self.job == "notebooks" else "tests fail"
        lines = [f"{head}: {what} ({self.summary}); log: {self.log}"] + [f"  {f}" for f in self.failed]
        return "\n".join(lines)


def command(job: str, paths: list[Path] | None = None) -> list[str]:
    """The pytest command of one job: ``paths`` (default: every notebook, or the unit tests), with make test's
    options."""
    if job not in JOBS:
        raise ValueError(f"job: expected one of {JOBS}, got {job!r}")
    if paths:
        targets = [str(p) for p in paths]
    else:
        targets = [str(p) for p in NOTEBOOKS] if job == "notebooks" else list(UNIT_TESTS)
    if job == "units" and paths:
        targets += ["-m", "not browser and not cpu_independent"]
    return [sys.executable, "-m", "pytest", *targets, "-p", "no:cacheprovider", "-q", "--no-header",
            "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml")]


_RUNNING: set[subprocess.Popen] = set()  # the jobs' pytest processes that have not ended


def stop_running() -> None:
    """Stop every job's process that is still running (a session cut short)."""
    for proc in list(_RUNNING):
        proc.terminate()


def run(config: Config, paths: list[Path] | None = None, log_dir: Path = ARTIFACTS, job: str = "notebooks") -> Result:
    """Run one ``job`` ("notebooks" or "units") on ``paths`` (default: all of them) in ``config``'s environment;
    the log goes to ``log_dir/<name>-<job>.log``."""
    reason = why_not(config)
    if reason:
        return Result(config, job, skipped=reason)
    env = environment(config)
    problem = check_environment(config, env)
    if problem:
        return Result(config, job, returncode=1, summary=f"the settings did not take: {problem}")
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{config.name}-{job}.log"
    cmd = command(job, paths)
    start = time.perf_counter()
    with log.open("w") as f:
        f.write(f"# {config.machine}: {JOB_WORDS[job]}\n# OPENBLAS_CORETYPE={env['OPENBLAS_CORETYPE']} "
                f"OPENBLAS_NUM_THREADS={env['OPENBLAS_NUM_THREADS']} "
                f"NPY_DISABLE_CPU_FEATURES='{env['NPY_DISABLE_CPU_FEATURES']}'\n# {' '.join(cmd)}\n")
        f.flush()
        with subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT) as proc:
            _RUNNING.add(proc)
            try:
                proc.wait(timeout=3600)
            finally:
                _RUNNING.discard(proc)
                if proc.poll() is None:
                    proc.kill()
    seconds = time.perf_counter() - start
    text = _ANSI.sub("", log.read_text())
    failed = [line for line in text.splitlines() if line.startswith(("FAILED", "ERROR"))]
    tail = [line for line in text.splitlines() if line.strip()][-1:] or [""]
    return Result(config, job, returncode=proc.returncode, failed=failed, summary=tail[0].strip("= "),
                  seconds=seconds, log=log)


def same_as_this_run(config: Config, env: dict[str, str] | None = None, mine: dict | str | None = None) -> str | None:
    """Whether Python in ``config``'s environment computes exactly as this process does (the same OpenBLAS kernels
    and threads, the same numpy SIMD targets): then what this process's own run of a job found holds for
    ``config`` too, and the words that say so; else None. ``env``: this process's environment (default
    os.environ); ``mine``: ``probe(env)`` when the caller has it already."""
    if why_not(config):
        return None
    mine = probe(env) if mine is None else mine
    theirs = probe(environment(config, base=env))
    if isinstance(mine, str) or isinstance(theirs, str) or mine != theirs:
        return None
    return (f"the same as make test's own run (OpenBLAS's {mine['kernel']} kernels, {mine['threads']} threads, "
            f"numpy's {', '.join(mine['active']) or 'baseline'} loops): not run twice")


def run_all(jobs: list[tuple[Config, str]], paths: dict[str, list[Path]] | None = None,
            done_here: tuple[str, ...] = ()) -> dict[tuple[str, str], Result]:
    """Run several (configuration, job) pairs, as many at once as the cores allow (each needs ``threads`` cores):
    the one-thread jobs side by side first, then the others one by one. ``paths`` narrows a job to some files.
    ``done_here``: the jobs this process's own session runs in full (make test runs the notebooks under nbval); a
    configuration that computes exactly as this process does is not run again for them."""
    paths = paths or {}
    cores = os.cpu_count() or 1
    results: dict[tuple[str, str], Result] = {}
    mine = probe() if any(job in done_here and not paths.get(job) for _, job in jobs) else None  # once for all
    for config, job in jobs:
        same = same_as_this_run(config, mine=mine) if job in done_here and not paths.get(job) else None
        if same:
            results[config.name, job] = Result(config, job, covered=same)
    left = [(c, job) for c, job in jobs if (c.name, job) not in results]
    single = [j for j in left if j[0].threads == 1]
    multi = [j for j in left if j[0].threads > 1]
    with ThreadPoolExecutor(max_workers=max(1, cores)) as pool:
        for result in pool.map(lambda j: run(j[0], paths.get(j[1]), job=j[1]), single):
            results[result.config.name, result.job] = result
    for config, job in multi:
        results[config.name, job] = run(config, paths.get(job), job=job)
    return {(c.name, job): results[c.name, job] for c, job in jobs}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("items", nargs="*",
                        help="configuration names, notebooks and/or test files (default: make test's set)")
    parser.add_argument("--all", action="store_true", help="every configuration this CPU can run, both jobs")
    parser.add_argument("--list", action="store_true", help="list the configurations and exit")
    args = parser.parse_args(argv)
    if args.list:
        own = own_configuration()
        for c in CONFIGS:
            reason = why_not(c)
            where = "this machine's own" if c is own else "runs here" if reason is None else "not here: " + reason
            print(f"{c.name:8} {c.machine}; OPENBLAS_CORETYPE={c.coretype} OPENBLAS_NUM_THREADS={c.threads}, "
                  f"{NUMPY_LOOPS[c.numpy_lacks]}{'' if c.in_make_test else ' (not in make test)'}: {where}")
        return 0
    names = [i for i in args.items if i in BY_NAME]
    files = [Path(i).resolve() for i in args.items if i not in BY_NAME]
    for p in files:
        if not p.exists():
            parser.error(f"{p}: neither a configuration ({', '.join(BY_NAME)}) nor a notebook or test file")
    paths = {"notebooks": [p for p in files if p.suffix == ".ipynb"],
             "units": [p for p in files if p.suffix != ".ipynb"]}
    wanted = [job for job in JOBS if paths[job]] or list(JOBS)
    if names or args.all:
        configs = [BY_NAME[n] for n in names] or list(CONFIGS)
        jobs = [(c, job) for c in configs for job in wanted]
    else:
        jobs = [(c, job) for c, job in make_test_jobs() if job in wanted]
    results = run_all(jobs, {job: ps for job, ps in paths.items() if ps})
    for result in results.values():
        print(result.report())
    return 0 if all(r.ok or r.skipped for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
