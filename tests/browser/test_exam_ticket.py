"""A trainee signs in on a phone with the exam ticket (准考证) the invigilator printed, without a
password, lands in the exam's lobby and answers; the ticket opens nothing else."""
from __future__ import annotations

from urllib.parse import urlencode

import sqlalchemy as sa

from server.exams import operations as exams
from server.extensions import db
from server.tickets.models import ExamTicket
from tests.browser.conftest import PHONE, sign_in


def _no_policy_violations(console: list[str]) -> None:
    assert [m for m in console if "Content Security Policy" in m] == []


def test_a_trainee_signs_in_on_a_phone_with_the_printed_ticket(browser, web_server, people, fixed_paper,
                                                                make_trainees, screenshot):
    fixed_paper.question_seconds = 120
    db.session.commit()
    session = exams.create_session(people["inv_bj"], fixed_paper, "准考证测试", "paced", make_trainees(1))
    # Codes are derived with the server's key, and this test process has another one: the server
    # issues them, on demand, as for a session created before tickets existed.
    db.session.execute(sa.delete(ExamTicket))
    db.session.commit()

    staff_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    staff = staff_context.new_page()
    staff_console: list[str] = []
    staff.on("console", lambda message: staff_console.append(message.text))
    staff.on("dialog", lambda dialog: dialog.accept())
    sign_in(staff, web_server, "J100")
    staff.goto(f"{web_server.url}/sessions/{session.id}/tickets")
    staff.get_by_role("button", name="补发准考证").click()
    ticket = staff.locator("article.ticket").first
    assert ticket.locator(".ticket-employee").text_content() == "S000"
    code = ticket.locator(".ticket-code").text_content()
    staff.wait_for_function("() => document.querySelector('img.ticket-qr').naturalWidth > 0")
    screenshot(staff, "tickets-print")
    _no_policy_violations(staff_console)

    phone_context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    phone = phone_context.new_page()
    phone_console: list[str] = []
    phone.on("console", lambda message: phone_console.append(message.text))
    # What the ticket's QR code opens: the sign-in page with the employee number and code filled in.
    phone.goto(f"{web_server.url}/ticket?{urlencode({'employee_no': 'S000', 'code': code})}")
    assert phone.get_by_label("准考证号").input_value() == code
    screenshot(phone, "ticket-sign-in")
    phone.get_by_role("button", name="进入考试").click()
    phone.wait_for_selector("text=等待监考员开始考试")
    screenshot(phone, "ticket-lobby")

    staff.goto(f"{web_server.url}/sessions/{session.id}/live")
    staff.wait_for_function("() => document.getElementById('connected-count').textContent === '1'")
    staff.get_by_role("button", name="开始考试").click()
    staff.get_by_role("button", name="下一题").click()
    phone.wait_for_selector("text=存款保险保护存款人")
    phone.locator("button.option", has_text="对").click()
    phone.wait_for_selector("text=已保存 ✓")
    _no_policy_violations(phone_console)

    # The ticket opens this exam only.
    assert phone.goto(f"{web_server.url}/my/results").status == 403
    assert phone.goto(f"{web_server.url}/account/password").status == 403
