"""One clock, the server's, on every screen of the room: the trainee's page, the invigilator's
dashboard and the projector show the same state (open, closed, paused, between questions) and
the same remaining time within 1 s; a question that opens after a fully answered one starts at
zero on every count and chart; and a paper's speed bonus is shown apart from the score."""
from __future__ import annotations

import re
from decimal import Decimal

from server.exams import operations as exams
from server.extensions import db
from tests.browser.conftest import PHONE, open_dashboard, sign_in

CLOCK_ABOVE = """(seconds) => { const m = /(\\d+):(\\d\\d)/.exec(document.getElementById('timer').textContent);
  return m !== null && Number(m[1]) * 60 + Number(m[2]) > seconds; }"""
READ_TIMER = """() => { const box = document.getElementById('timer');
  return box.hidden ? null : box.textContent; }"""


def _seconds(text: str | None) -> int | None:
    match = re.fullmatch(r"(\d+):(\d\d)", text or "")
    return int(match[1]) * 60 + int(match[2]) if match else None


def _clocks(pages) -> list[int | None]:
    """Each screen's clock, read one right after another."""
    return [_seconds(page.evaluate(READ_TIMER)) for page in pages]


def _agree(pages, within: int = 1) -> list[int]:
    readings = _clocks(pages)
    assert None not in readings, readings
    assert max(readings) - min(readings) <= within, readings
    return readings


def _status(page) -> str:
    return page.locator("#status-text").text_content()


def _option(page, text):
    return page.locator("button.option", has_text=text)


def test_every_screen_shows_the_same_state_and_time(browser, web_server, people, fixed_paper, make_trainees,
                                                    screenshot):
    fixed_paper.question_seconds, fixed_paper.show_key = 120, "after_question"
    fixed_paper.speed_bonus_points, fixed_paper.speed_bonus_seconds = Decimal(5), 600
    db.session.commit()
    session = exams.create_session(people["inv_bj"], fixed_paper, "同一时钟", "paced", make_trainees(2))
    db.session.commit()
    staff_context, staff = open_dashboard(browser, web_server, session.id)
    room = staff_context.new_page()  # the projector, in the invigilator's browser
    room.goto(f"{web_server.url}/sessions/{session.id}/projector")
    trainees = []
    for number in ("S000", "S001"):
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        page = context.new_page()
        sign_in(page, web_server, number)
        page.goto(web_server.url + "/join")
        page.get_by_label("考试码").fill(session.join_code)
        page.get_by_role("button", name="进入考试").click()
        page.wait_for_selector("text=等待监考员开始考试")
        trainees.append((context, page))
    (_ca, a), (_cb, b) = trainees
    for screen in (staff, room):
        screen.wait_for_function("() => document.getElementById('connected-count').textContent === '2'")

    staff.get_by_role("button", name="开始考试").click()
    staff.get_by_role("button", name="下一题").click()
    for page in (a, b):
        page.wait_for_selector("text=存款保险保护存款人")
    room.wait_for_selector("#question-stem >> text=存款保险保护存款人")
    _option(a, "对").click()
    _option(b, "对").click()
    # Fully answered: it closes on every screen, and no screen counts down for it.
    for page in (a, b):
        page.wait_for_selector("text=本题已结束")
        page.wait_for_selector("#timer", state="hidden")
    for screen in (staff, room):
        screen.wait_for_function("() => document.getElementById('status-text').textContent === '本题已结束'")
    staff.wait_for_function("() => document.getElementById('timer').textContent === '—'")
    room.wait_for_selector("#timer", state="hidden")  # the room's big clock goes away
    for screen in (staff, room):
        screen.wait_for_function("() => document.getElementById('answered-count').textContent === '2'")

    # The next question starts from zero everywhere: counts, rows and the chart.
    staff.get_by_role("button", name="下一题").click()
    for page in (a, b):
        page.wait_for_selector("text=柜员可以代客户设置密码")
    for screen in (staff, room):
        screen.wait_for_function("() => document.getElementById('status-text').textContent === '进行中'")
        screen.wait_for_selector("#current-question >> text=柜员可以代客户设置密码" if screen is staff
                                 else "#question-stem >> text=柜员可以代客户设置密码")
        assert screen.locator("#answered-count").text_content() == "0"
    assert "已作答" not in staff.locator("#roster tbody").text_content()
    assert staff.evaluate("() => Chart.getChart(document.getElementById('distribution-chart')).data.datasets[0].data") \
        == [0, 0]
    screens = [a, b, staff, room]
    first = _agree(screens)
    assert 110 <= min(first) <= 120
    screenshot(room, "projector-open", full_page=False)

    # Paused: every screen says so and the clocks stand still, together.
    staff.get_by_role("button", name="暂停").click()
    for page in (a, b):
        page.wait_for_selector("text=考试已暂停，计时已停止。")
    for screen in (staff, room):
        screen.wait_for_function("() => document.getElementById('status-text').textContent === '已暂停'")
    held = _agree(screens)
    a.wait_for_function("(since) => performance.now() > since + 1500", arg=a.evaluate("() => performance.now()"))
    assert _clocks(screens) == held  # 1.5 s later: nothing moved
    staff.get_by_role("button", name="继续").click()
    for page in (a, b):
        page.wait_for_selector("text=考试已暂停，计时已停止。", state="detached")
    for screen in (staff, room):
        screen.wait_for_function("() => document.getElementById('status-text').textContent === '进行中'")
    _agree(screens)

    # Everyone gets 30 s more: every clock moves on together.
    before = max(_clocks(screens))
    staff.get_by_role("button", name="全体加时 30 秒").click()
    for page in screens:
        page.wait_for_function(CLOCK_ABOVE, arg=before + 20)
    _agree(screens)

    _option(a, "错").click()
    _option(b, "错").click()
    for page in (a, b):
        page.wait_for_selector("text=本题已结束")
        page.wait_for_selector("#timer", state="hidden")
    for screen in (staff, room):
        screen.wait_for_function("() => document.getElementById('status-text').textContent === '本题已结束'")
    staff.wait_for_function("() => document.getElementById('timer').textContent === '—'")
    room.wait_for_selector("#timer", state="hidden")  # the room's big clock goes away
    screenshot(room, "projector-closed", full_page=False)

    staff.get_by_role("button", name="结束考试").click()
    for page in (a, b):
        page.wait_for_selector("text=考试已结束")
    room.wait_for_selector("#final")  # the room's end screen: pass rate and ranking

    # The speed bonus is the room's game: the score is knowledge points only (2 of 12), the
    # bonus has its own column, and nobody is above full marks.
    assert re.search(r"您的得分: 2 · 未通过", a.locator(".final-score").text_content())
    staff.goto(f"{web_server.url}/sessions/{session.id}/results")
    headers = [h.text_content().strip() for h in staff.locator("#results thead th").all()]
    row = staff.locator("#results tbody tr", has_text="S000").locator("td")
    assert row.nth(4).text_content() == "2 / 12"
    bonus = Decimal(row.nth(headers.index("速度加分")).text_content())
    assert Decimal(0) < bonus <= Decimal(10)  # two fast right answers, at most 5 each
    for context, _page in [*trainees, (staff_context, None)]:
        context.close()
