"""The invigilator's dashboard: no empty chart or leaderboard of zeros in the lobby, and alerts
that read as English does: "left the exam page (once)", never "(1 times)"."""
from __future__ import annotations

from server.exams import operations as exams
from server.extensions import db
from tests.browser.conftest import sign_in


def test_a_first_tab_switch_is_said_once_not_one_times(browser, web_server, people, fixed_paper, make_trainees):
    fixed_paper.question_seconds = 120
    db.session.commit()
    session = exams.create_session(people["inv_bj"], fixed_paper, "Monthly test", "paced", make_trainees(1))
    db.session.commit()
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en")
    staff = staff_context.new_page()
    sign_in(staff, web_server, "J100")
    staff.get_by_role("button", name="English").click()
    staff.goto(f"{web_server.url}/sessions/{session.id}/live")
    trainee_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    trainee = trainee_context.new_page()
    sign_in(trainee, web_server, "S000")
    trainee.goto(f"{web_server.url}/exam/{session.id}")
    trainee.wait_for_selector("text=等待监考员开始考试")
    staff.wait_for_function("() => document.getElementById('connected-count').textContent === '1'")
    assert staff.locator("#standings").is_hidden() and staff.locator("#distribution-box").is_hidden()
    staff.get_by_role("button", name="Start the exam").click()
    staff.wait_for_selector("#standings", state="visible")
    trainee.wait_for_selector("text=考试已开始")
    for times in (1, 2):
        # The trainee switches away (the page reports at most one switch a second).
        sent = trainee.evaluate("() => { window.dispatchEvent(new Event('blur')); return Date.now(); }")
        staff.wait_for_selector(f"#alerts >> text=用户S000 left the exam page ({'once' if times == 1 else '2 times'})")
        trainee.wait_for_function("(sent) => Date.now() > sent + 1000", arg=sent)
    assert "1 times" not in staff.locator("#alerts").text_content()
    for context in (trainee_context, staff_context):
        context.close()
