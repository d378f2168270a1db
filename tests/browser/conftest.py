"""Playwright driving Debian's Chromium (headless) against a real server process."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import _require_service
from tests.live.conftest import ServerProcess

CHROMIUM = os.environ.get("EXAMHALL_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# Without these, Chromium keeps trying to reach Google's services, which a closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


# Package scope: Playwright's sync API keeps an event loop running in the main thread while it is
# open, which other packages' code (pyHanko calls asyncio.run) must not find still running.
@pytest.fixture(scope="package")
def browser():
    if not Path(CHROMIUM).exists():
        _require_service("Chromium", FileNotFoundError(CHROMIUM))
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="package")
def web_server(migrated, tmp_path_factory):
    # Sessions that end issue their PDFs, in the worker process the server starts.
    server = ServerProcess(migrated, tmp_path_factory.mktemp("browser-instance"), {"DOCUMENTS_AUTO_ISSUE": "true"})
    yield server
    server.stop()


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, full_page: bool = True) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
