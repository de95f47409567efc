"""A JupyterLab server of the tests' own and a headless Chromium, for testing notebooks as students meet them.

The server runs on 127.0.0.1 on a free port with a token, with its own settings and workspace
folders, on a copy of the notebooks (JupyterLab autosaves, and the committed notebooks must not
change); it and its kernels are stopped afterwards. Chromium is Debian's (/usr/bin/chromium),
driven with Playwright for Python (no `playwright install`: it would download a browser).

Without Chromium or Playwright the tests skip with a message saying how to enable them, except in
CI (the CI environment variable is set), where they fail.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("NNLAB_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "browser"
HOW_TO_ENABLE = ("browser tests need Debian's Chromium and Playwright for Python: "
                 "`sudo apt-get install chromium` and `pip install playwright` (already in the test extras); "
                 "set NNLAB_CHROMIUM to use a Chromium elsewhere")
# the flags a root process on a machine with no outside network needs (no sandbox, no background calls home)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed"
    return None


@pytest.fixture(scope="session")
def browser_available() -> None:
    reason = _missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: in CI the browser tests must run ({HOW_TO_ENABLE})")
        pytest.skip(f"{reason}; {HOW_TO_ENABLE}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    def __init__(self, root: Path, workdir: Path) -> None:
        self.port, self.token = _free_port(), secrets.token_hex(16)
        self.root = root
        settings, workspaces, config, runtime = (workdir / d for d in ("settings", "workspaces", "config", "runtime"))
        for folder in (settings, workspaces, config, runtime):
            folder.mkdir(parents=True)
        self._write_settings(settings)
        env = dict(os.environ, JUPYTER_CONFIG_DIR=str(config), JUPYTER_RUNTIME_DIR=str(runtime),
                   JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(workspaces))
        cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
               "--port-retries=0", f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}",
               f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={workspaces}",
               "--expose-app-in-browser", "--ServerApp.disable_check_xsrf=False",
               "--LabServerApp.announcements_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        self.log = (workdir / "jupyterlab.log").open("w")
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_until_up()

    @staticmethod
    def _write_settings(settings: Path) -> None:
        user = {
            # no news fetched from outside, no popup over the notebook
            "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
            # render every cell, also those off screen
            "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
        }
        for name, value in user.items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"jupyter lab did not answer within {timeout} s; see {self.log.name}")

    def stop(self) -> None:
        """Stop the server and every kernel it started (they share its process group)."""
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


@pytest.fixture(scope="session")
def lab(browser_available, tmp_path_factory) -> LabServer:
    root = tmp_path_factory.mktemp("lab-root")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    server = LabServer(root, tmp_path_factory.mktemp("lab-state"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser(browser_available):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"\nbrowser screenshots: {ARTIFACTS}")
    return ARTIFACTS


def pytest_terminal_summary(terminalreporter) -> None:
    """Say where the screenshots are, at the end of every run that made some."""
    if ARTIFACTS.is_dir() and any(ARTIFACTS.glob("*.png")):
        terminalreporter.write_line(f"browser screenshots, for a person to look at: {ARTIFACTS}")
