"""Playwright driving Debian's Chromium (headless) against a real server process."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests import services
from tests.conftest import PASSWORD
from tests.live.conftest import ServerProcess

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# Without these, Chromium keeps trying to reach Google's services, which a closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


# Package scope: Playwright's sync API keeps an event loop running in the main thread while it is
# open, which other packages' code (pyHanko calls asyncio.run) must not find still running.
@pytest.fixture(scope="package")
def browser():
    """Chromium, or the browser tests skip (fail under CI=true) saying it is missing."""
    executable = services.chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def web_server(migrated, tmp_path_factory):
    """A server for each test.  A server keeps a running session's state in memory by id, and
    emptying the tables after a test lets SQLite give the next test's session the same id: a
    server shared by two tests would show the second exam the first one's leaderboard.
    Sessions that end issue their PDFs, in the worker process the server starts."""
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


def sign_in(page, server, employee_no):
    """Sign in through the login page as a person does."""
    page.goto(server.url + "/login")
    page.get_by_label("工号").fill(employee_no)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


PHONE = {"width": 390, "height": 844}


def join_exam(browser, server, employee_no: str, code: str, viewport: dict = PHONE):
    """A trainee on a phone (by default) signs in, types the exam code and waits in the lobby."""
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    sign_in(page, server, employee_no)
    page.goto(server.url + "/join")
    page.get_by_label("考试码").fill(code)
    page.get_by_role("button", name="进入考试").click()
    page.wait_for_selector("text=等待监考员开始考试")
    return context, page


def open_dashboard(browser, server, session_id: int, employee_no: str = "J100"):
    """The invigilator signs in on a desktop and opens the session's live dashboard; its
    confirmations (end the exam?) are accepted."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, server, employee_no)
    page.goto(f"{server.url}/sessions/{session_id}/live")
    return context, page


def open_projector(browser, server, session_id: int, employee_no: str = "J100"):
    """The room's screen at 1920x1080: the invigilator signs in on it and opens the projector view."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, server, employee_no)
    page.goto(f"{server.url}/sessions/{session_id}/projector")
    return context, page
