"""Every kind of page under the strict Content-Security-Policy, in the real browser, as the user
who sees it: no violation is reported (console or securitypolicyviolation events) and each
page still works: live connections, Chart.js, confirm dialogs, bars and indents set by script."""
from __future__ import annotations

import pytest

from server.exams import operations as exams
from server.extensions import db
from tests.browser.conftest import sign_in

# Playwright's init scripts are not subject to the page's policy: this one records violations.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline") + " " + event.sourceFile);
});
"""


@pytest.fixture
def exam(fixed_paper, people, make_trainees):
    fixed_paper.show_key = "after_question"
    fixed_paper.question_seconds = 120
    db.session.commit()
    session = exams.create_session(people["inv_bj"], fixed_paper, "策略测试", "paced", make_trainees(1))
    db.session.commit()
    return session


class Watched:
    """A browser context whose pages' policy violations are gathered, page by page."""

    def __init__(self, browser, **options):
        self.context = browser.new_context(**options)
        self.context.add_init_script(RECORD_VIOLATIONS)
        self.console: list[str] = []
        self.page = self.context.new_page()
        self.page.on("console", lambda message: self.console.append(message.text))
        self.page.on("dialog", lambda dialog: dialog.accept())
        self.seen: list[str] = []

    def visit(self, url: str, ready: str) -> None:
        response = self.page.goto(url)
        assert "script-src 'self'" in response.headers.get("content-security-policy", ""), url
        self.page.wait_for_selector(ready)
        self.check(url)

    def check(self, where: str) -> None:
        violations = self.page.evaluate("() => window.__violations")
        policy_messages = [m for m in self.console if "Content Security Policy" in m]
        assert violations == [] and policy_messages == [], (where, violations, policy_messages)
        self.seen.append(where)


def test_every_page_type_works_under_the_policy(browser, web_server, people, exam, screenshot):
    url = web_server.url
    staff = Watched(browser, viewport={"width": 1280, "height": 900}, locale="zh-CN")
    staff.visit(url + "/login", "form")
    sign_in(staff.page, web_server, "J100")
    staff.page.wait_for_selector("[data-live-status][data-current='connected']", timeout=10_000)  # Socket.IO
    staff.check("home")
    staff.visit(url + "/bank/", "table")
    staff.visit(url + f"/papers/{exam.paper_id}", "#paper-questions")
    staff.visit(url + "/branches/", "table")
    indent = staff.page.locator("td[data-indent]").last.evaluate("(el) => getComputedStyle(el).paddingLeft")
    assert indent not in ("", "0px")
    staff.visit(url + f"/sessions/{exam.id}/live", "#roster tbody tr")

    trainee = Watched(browser, viewport={"width": 412, "height": 860}, locale="zh-CN")
    sign_in(trainee.page, web_server, "S000")
    trainee.page.goto(url + "/join")
    trainee.page.get_by_label("考试码").fill(exam.join_code)
    trainee.page.get_by_role("button", name="进入考试").click()
    trainee.page.wait_for_selector("text=等待监考员开始考试")
    trainee.check("exam lobby")

    staff.page.wait_for_function("() => document.getElementById('connected-count').textContent === '1'")
    staff.page.get_by_role("button", name="开始考试").click()
    staff.page.get_by_role("button", name="下一题").click()
    trainee.page.wait_for_selector("text=存款保险保护存款人")
    trainee.page.locator("button.option", has_text="对").click()
    trainee.page.wait_for_selector("text=已保存 ✓")
    trainee.check("exam question")
    staff.page.wait_for_function("() => document.getElementById('answered-count').textContent === '1'")
    staff.page.wait_for_function("() => typeof Chart !== 'undefined' && Object.keys(Chart.instances).length > 0")
    staff.check("dashboard with a chart")

    projector = Watched(browser, viewport={"width": 1280, "height": 720}, locale="zh-CN")
    sign_in(projector.page, web_server, "J100")
    projector.visit(url + f"/sessions/{exam.id}/projector", "#question-stem")

    staff.page.get_by_role("button", name="结束考试").click()  # a confirm dialog, accepted
    trainee.page.wait_for_selector("text=考试已结束")
    trainee.check("exam ended")

    staff.visit(url + f"/sessions/{exam.id}/results", "#results")
    width = staff.page.locator(".bar[data-width]").first.evaluate("(el) => el.style.width")
    assert width.endswith("%")
    participant = staff.page.locator("#results tbody tr a").first
    participant.click()
    staff.page.wait_for_selector("#sheet")
    staff.check("staff sheet")
    staff.visit(url + f"/sessions/{exam.id}/regrade", "#regrade-questions")
    staff.visit(url + f"/sessions/{exam.id}/documents", "main")

    # The one-time-password page comes after a confirm dialog; its print button is wired by script.
    staff.visit(url + "/users/", "table")
    staff.page.locator("form[data-confirm] button").first.click()
    staff.page.wait_for_selector("button[data-print]")
    staff.check("one-time password")

    trainee.visit(url + "/my/results", "main")
    trainee.visit(url + "/verify", "form")
    anonymous = Watched(browser, locale="zh-CN")
    anonymous.visit(url + "/verify/AAAAAAAAAAAAAAAA", "main")
    screenshot(staff.page, "csp-one-time-password")
    for watched in (staff, trainee, projector, anonymous):
        watched.context.close()


def test_the_api_docs_page_under_the_policy(browser, web_server):
    """/api/docs: the operations list, rendered with no script and nothing from elsewhere."""
    reader = Watched(browser, locale="zh-CN")
    reader.visit(web_server.url + "/api/docs", "table")
    paths = reader.page.locator("td code").all_inner_texts()
    assert "/api/v1/sessions/{session_id}/controls" in paths and "/api/v1/openapi.json" in paths
    assert reader.page.locator("a[href$='openapi.json']").count() == 1
    reader.context.close()
