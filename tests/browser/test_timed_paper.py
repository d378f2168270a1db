"""A timed paper in real browsers, as every Chinese online exam has it: an answer card (答题卡)
with answered, unanswered and flagged questions that jumps to them, a clock that stays in view
while scrolling on a phone, 交卷 with a confirmation naming the unanswered count, the dashboard's
per-trainee progress, and results that time each trainee on their own."""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from server.exams import operations as exams
from server.exams.models import Answer, LiveSession, Participant
from server.extensions import db
from tests.browser.conftest import PHONE, join_exam, open_dashboard


def _question(page, n):
    return page.locator(".live-question").nth(n - 1)


def _in_view(page, selector) -> bool:
    return page.evaluate("""(selector) => { const r = document.querySelector(selector).getBoundingClientRect();
                            return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }""", selector)


def test_a_timed_paper_with_answer_card_hand_in_and_progress(browser, web_server, people, fixed_paper,
                                                             make_trainees, screenshot):
    fixed_paper.paper_seconds = 900
    db.session.commit()
    session = exams.create_session(people["inv_bj"], fixed_paper, "计时测试", "timed", make_trainees(3))
    db.session.commit()  # S002 never comes (缺考)
    staff_context, staff = open_dashboard(browser, web_server, session.id)
    staff.wait_for_selector("#roster tbody tr >> nth=2")
    (context_a, a) = join_exam(browser, web_server, "S000", session.join_code, PHONE)
    (context_b, b) = join_exam(browser, web_server, "S001", session.join_code, {"width": 1280, "height": 900})
    staff.wait_for_function("() => document.getElementById('connected-count').textContent === '2'")
    staff.get_by_role("button", name="开始考试").click()
    a.wait_for_selector(".live-question >> nth=5")
    toggle = a.locator("#card-toggle")
    assert toggle.text_content() == "答题卡 0/6"

    # Answer 1 (对) and 3 (single), flag 2, tick two options of the multiple-choice question 5:
    # on a timed paper there is no per-question 提交 (the paper is handed in whole).
    _question(a, 1).locator("button.option", has_text="对").click()
    _question(a, 3).locator("button.option").first.click()
    _question(a, 2).get_by_role("button", name="标记").click()
    assert _question(a, 5).get_by_role("button", name="提交").count() == 0
    _question(a, 5).locator("button.option").nth(0).click()
    _question(a, 5).locator("button.option").nth(1).click()
    a.wait_for_function("() => document.querySelectorAll('.save-status.saved').length === 3")
    assert _question(a, 5).locator(".save-status").text_content() == "已保存 ✓"  # final, not a draft
    assert toggle.text_content() == "答题卡 3/6"

    # The clock and the card stay in view at the bottom of the page on the phone.
    a.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    a.wait_for_function("() => window.scrollY > 0")
    assert _in_view(a, "#timer") and _in_view(a, "#card-toggle")
    assert re.fullmatch(r"1[45]:\d\d", a.locator("#timer").text_content())
    toggle.click()
    card = a.locator("#answer-card")
    assert card.locator(".card-legend").text_content() == "已答 3 · 未答 3 · 标记 1"
    assert [c.get_attribute("class") for c in card.locator(".card-cell").all()] == [
        "card-cell answered", "card-cell flagged", "card-cell answered", "card-cell", "card-cell answered",
        "card-cell"]
    screenshot(a, "timed-answer-card", full_page=False)
    card.locator(".card-cell", has_text="4").click()  # jumps to question 4, below the sticky bar
    assert card.is_hidden()
    a.wait_for_function("""() => { const q = document.querySelectorAll('.live-question')[3].getBoundingClientRect();
                              return q.top >= 0 && q.top < window.innerHeight / 2; }""")

    # 交卷 names what is unanswered; 继续答题 keeps the paper open.
    _question(a, 6).scroll_into_view_if_needed()
    a.locator(".hand-in-bar").get_by_role("button", name="交卷").click()
    dialog = a.locator("#hand-in-dialog")
    assert "还有 3 题未作答" in dialog.text_content()
    screenshot(a, "timed-hand-in", full_page=False)
    dialog.get_by_role("button", name="继续答题").click()
    assert dialog.is_hidden()
    _question(a, 4).locator("button.option").first.click()
    a.wait_for_function("() => document.querySelectorAll('.save-status.saved').length === 4")
    a.locator(".hand-in-bar").get_by_role("button", name="交卷").click()
    assert "还有 2 题未作答" in dialog.text_content()
    dialog.get_by_role("button", name="确定交卷").click()
    a.wait_for_selector("text=您的答卷已提交")
    assert a.locator("text=共 6 题，您作答了 4 题。").is_visible()
    assert a.locator("#timer").is_hidden() and a.locator("#card-toggle").is_hidden()
    a.reload()  # handed in stays handed in
    a.wait_for_selector("text=您的答卷已提交")

    # B answers one question; the dashboard shows each trainee's progress and who handed in.
    _question(b, 2).locator("button.option", has_text="错").click()
    b.wait_for_selector("text=已保存 ✓")
    row = lambda number: staff.locator("#roster tbody tr", has_text=number)  # noqa: E731
    staff.wait_for_function("""() => [...document.querySelectorAll('#roster tbody tr')]
        .some(r => r.textContent.includes('S001') && r.textContent.includes('1 / 6'))""")
    assert "4 / 6 · 已交卷" in row("S000").text_content()
    assert "0 / 6" in row("S002").text_content()
    assert staff.locator("#answered-label").text_content() == "已交卷"
    assert staff.locator("#answered-count").text_content() == "1"
    assert staff.locator("#progress-heading").text_content() == "答题进度"
    staff.select_option("#roster-filter", "unanswered")  # not handed in yet
    assert sorted(r.locator("td").first.text_content() for r in staff.locator("#roster tbody tr").all()) == [
        "S001", "S002"]
    staff.select_option("#roster-filter", "all")
    screenshot(staff, "timed-dashboard", full_page=False)
    assert b.locator("text=您的答卷已提交").count() == 0  # B's paper is still open

    staff.get_by_role("button", name="结束考试").click()
    b.wait_for_selector("text=考试已结束")

    # Results: each trainee's own time (A to the hand-in, B to the last answer), not the same
    # start-to-end time for everyone.
    db.session.expire_all()
    ended = db.session.get(LiveSession, session.id)
    who = {p.user.employee_no: p for p in db.session.scalars(sa.select(Participant).where(
        Participant.session_id == session.id))}
    last_b = db.session.scalar(sa.select(sa.func.max(Answer.received_at)).where(
        Answer.participant_id == who["S001"].id))
    start = ended.started_at

    def shown(delta: timedelta) -> str:
        seconds = int(delta.total_seconds())
        return f"{seconds // 60}:{seconds % 60:02d}"

    expected = {"S000": shown(who["S000"].finished_at - max(start, who["S000"].joined_at)),
                "S001": shown(last_b - max(start, who["S001"].joined_at)), "S002": "—"}
    assert who["S000"].finished_at < ended.ended_at  # A handed in before the end
    staff.goto(f"{web_server.url}/sessions/{session.id}/results")
    times = {r.locator("td").nth(1).text_content(): r.locator("td").nth(5).text_content()
             for r in staff.locator("#results tbody tr").all()}
    assert times == expected
    for context in (context_a, context_b, staff_context):
        context.close()
