"""A headless Chromium driven by Playwright, for tests that open a report as a reader would.

Playwright's own browser download is never used: the system's Chromium is found, or installed from
Debian's ``chromium`` package when running as root with apt-get; otherwise the tests are skipped
with the reason. The flags keep a machine without network from flooding refused connections.
conftest.py imports the fixtures (``*_fixture``, each registered under its short name) for the whole session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CANDIDATES = ("chromium", "chromium-browser")
DEBIAN_PATH = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
APT_ENV = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}


def find_chromium() -> str | None:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return str(DEBIAN_PATH) if DEBIAN_PATH.is_file() else None


def _apt(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["apt-get", *args], env=APT_ENV, capture_output=True, text=True, timeout=900)


def install_chromium() -> str | None:
    """Install Debian's chromium; returns why it could not, or None once it is there."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "Chromium is not installed and the tests do not run as root to apt-get install it"
    if shutil.which("apt-get") is None:
        return "Chromium is not installed and apt-get is not available to install it"
    install = ("install", "-y", "--no-install-recommends", "chromium")
    result = _apt(*install)
    if result.returncode != 0:
        _apt("update")
        result = _apt(*install)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        return f"apt-get install chromium failed (exit {result.returncode}): {tail[0]}"
    return None


@pytest.fixture(scope="session", name="chromium")
def chromium_fixture() -> str:
    found = find_chromium()
    if found is None:
        reason = install_chromium()
        found = find_chromium()
        if found is None:
            pytest.skip(reason or "apt-get installed chromium but no chromium executable was found")
    return found


@pytest.fixture(scope="session", name="browser")
def browser_fixture(chromium):
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS, headless=True)
        yield browser
        browser.close()


class Problems:
    """Console errors and uncaught page errors seen while a page was open."""

    def __init__(self, page) -> None:
        self.messages: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.messages.append(f"page error: {error}"))

    def _console(self, message) -> None:
        if message.type == "error":
            self.messages.append(f"console error: {message.text}")


@pytest.fixture(name="page")
def page_fixture(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture(name="problems")
def problems_fixture(page) -> Problems:
    return Problems(page)
