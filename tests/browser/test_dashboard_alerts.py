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


def test_alerts_clear_on_reconnect_actions_are_labelled_and_announcements_need_no_prompt(
        browser, web_server, people, fixed_paper, make_trainees, screenshot):
    """A lost connection's red alert turns into a "back" note when the trainee reconnects, and any
    alert can be dismissed; row actions read "✕ 移除" and "+30秒…" apart with tooltips (not
    "✕+30s"); 发布通知 is written in the page (no window.prompt) and the trainee can close it."""
    fixed_paper.question_seconds = 120
    db.session.commit()
    session = exams.create_session(people["inv_bj"], fixed_paper, "柜员月度测试", "paced", make_trainees(1))
    db.session.commit()
    staff_context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    staff = staff_context.new_page()
    dialogs = []
    staff.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    sign_in(staff, web_server, "J100")
    staff.goto(f"{web_server.url}/sessions/{session.id}/live")
    trainee_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    sign_in(trainee_context.new_page(), web_server, "S000")

    def enter():
        page = trainee_context.new_page()
        page.goto(f"{web_server.url}/exam/{session.id}")
        page.wait_for_selector("text=等待监考员开始考试")
        return page

    trainee = enter()
    staff.wait_for_function("() => document.getElementById('connected-count').textContent === '1'")
    trainee.close()
    lost = staff.locator("#alerts .flash-error", has_text="用户S000 断开了连接")
    lost.wait_for()
    trainee = enter()
    back = staff.locator("#alerts .flash-success", has_text="用户S000 已重新连接")
    back.wait_for()
    assert lost.count() == 0 and staff.locator("#alerts .flash-error").count() == 0
    back.get_by_role("button", name="知道了").click()
    assert staff.locator("#alerts .flash").count() == 0

    row = staff.locator("#roster tbody tr").first
    remove, extra = row.get_by_role("button", name="✕ 移除"), row.get_by_role("button", name="+30秒（此后每题）")
    assert remove.get_attribute("title") == "将 用户S000 移出考试" and extra.get_attribute("title")
    gap = extra.bounding_box()["x"] - (remove.bounding_box()["x"] + remove.bounding_box()["width"])
    assert gap >= 8 and abs(extra.bounding_box()["y"] - remove.bounding_box()["y"]) < 4  # apart, one line

    staff.get_by_role("button", name="发布通知").click()
    staff.get_by_label("发给全体考生的通知").fill("请关闭手机铃声")
    staff.get_by_role("button", name="发送通知").click()
    staff.wait_for_selector("#announce-sent", state="visible")
    banner = trainee.locator("#announcement")
    banner.get_by_text("请关闭手机铃声").wait_for()
    screenshot(staff, "dashboard-announce-and-alerts", full_page=False)
    screenshot(trainee, "trainee-announcement", full_page=False)
    banner.get_by_role("button", name="关闭通知").click()
    assert banner.is_hidden()
    assert dialogs == []  # no window.prompt, no confirm on the way
    for context in (trainee_context, staff_context):
        context.close()
