"""A JupyterLab server of the tests' own and a headless Chromium, for testing notebooks as students meet them.

The server (tools/labdriver.py, shared with benchmarks/browser_latency.py) runs on 127.0.0.1 on a free port with
a token, with its own settings and workspace folders, on a copy of the notebooks (JupyterLab autosaves, and the
committed notebooks must not change); it and its kernels are stopped afterwards. Chromium is Debian's
(/usr/bin/chromium), driven with Playwright for Python (no `playwright install`: it would download a browser).

Without Chromium or Playwright the tests skip with a message saying how to enable them, except in
CI (the CI environment variable is set), where they fail.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"


def _load_labdriver():
    spec = importlib.util.spec_from_file_location("labdriver", ROOT / "tools" / "labdriver.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["labdriver"] = module  # the test modules import it by this name
    spec.loader.exec_module(module)
    return module


labdriver = _load_labdriver()


@pytest.fixture(scope="session")
def browser_available() -> None:
    reason = labdriver.missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: in CI the browser tests must run ({labdriver.HOW_TO_ENABLE})")
        pytest.skip(f"{reason}; {labdriver.HOW_TO_ENABLE}")


@pytest.fixture(scope="session")
def lab(browser_available, tmp_path_factory) -> labdriver.LabServer:
    root = tmp_path_factory.mktemp("lab-root")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    server = labdriver.LabServer(root, tmp_path_factory.mktemp("lab-state"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser(browser_available):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = labdriver.launch_chromium(p)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_source(browser_available) -> str:
    """axe-core's script, installed with the slides' JavaScript by npm (tools/build_slides.py), offline afterwards."""
    spec = importlib.util.spec_from_file_location("build_slides", ROOT / "tools" / "build_slides.py")
    build_slides = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_slides)
    if not build_slides.vendor_ready() and shutil.which("npm") is None:
        reason = "no npm to install axe-core from the npm registry (apt-get install npm)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: in CI the accessibility checks must run")
        pytest.skip(reason)
    return build_slides.axe_script().read_text()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"\nbrowser screenshots: {ARTIFACTS}")
    return ARTIFACTS


def pytest_terminal_summary(terminalreporter) -> None:
    """Say where the screenshots are, at the end of every run that made some."""
    if ARTIFACTS.is_dir() and any(ARTIFACTS.glob("*.png")):
        terminalreporter.write_line(f"browser screenshots, for a person to look at: {ARTIFACTS}")
