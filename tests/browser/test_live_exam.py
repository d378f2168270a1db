"""A whole paced exam in real browsers: an invigilator and three trainees in separate contexts.
One trainee reloads mid-question and keeps the saved answer; another loses the network and
recovers; the dashboard's counts match what the trainees did."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from server.exams import operations as exams
from server.exams.models import Answer
from server.extensions import db
from tests.browser.conftest import join_exam, sign_in


@pytest.fixture
def paced_exam(fixed_paper, people, make_trainees):
    fixed_paper.show_key = "after_question"
    fixed_paper.question_seconds = 120
    db.session.commit()
    # Four on the roster; S003 never comes (缺考).
    session = exams.create_session(people["inv_bj"], fixed_paper, "柜员月度测试", "paced", make_trainees(4))
    db.session.commit()
    return session


WIDE_PHONE = {"width": 412, "height": 860}


def _option(page, text):
    return page.locator("button.option", has_text=text)


def test_a_whole_paced_exam(browser, web_server, people, paced_exam, screenshot):
    session_id, code = paced_exam.id, paced_exam.join_code
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900})
    staff = staff_context.new_page()
    staff.on("dialog", lambda dialog: dialog.accept())
    sign_in(staff, web_server, "J100")
    staff.goto(f"{web_server.url}/sessions/{session_id}/live")
    staff.wait_for_selector("#roster tbody tr >> nth=2")

    trainees = [join_exam(browser, web_server, f"S00{n}", code, WIDE_PHONE) for n in range(3)]
    (_ca, a), (_cb, b), (context_c, c) = trainees
    screenshot(a, "trainee-lobby")
    staff.wait_for_function("() => document.getElementById('connected-count').textContent === '3'")

    staff.get_by_role("button", name="开始考试").click()
    staff.get_by_role("button", name="下一题").click()
    for _context, page in trainees:
        page.wait_for_selector("text=存款保险保护存款人")
    screenshot(a, "trainee-question")

    _option(a, "对").click()
    a.wait_for_selector("text=已保存 ✓")
    _option(b, "错").click()
    b.wait_for_selector("text=已保存 ✓")
    b.reload()  # mid-question: the saved answer is still there
    b.wait_for_selector("text=存款保险保护存款人")
    assert _option(b, "错").get_attribute("aria-pressed") == "true"
    assert b.locator("text=已保存 ✓").is_visible()

    context_c.set_offline(True)
    c.wait_for_selector("#offline-banner:not([hidden])", timeout=20_000)
    staff.wait_for_function("() => document.getElementById('connected-count').textContent === '2'", timeout=20_000)
    assert staff.locator("#answered-count").text_content() == "2"  # the two connected have answered
    _option(c, "对").click()
    assert c.locator("text=保存中").is_visible()
    screenshot(c, "trainee-offline")
    context_c.set_offline(False)
    c.wait_for_selector("text=已保存 ✓", timeout=20_000)
    assert c.locator("#offline-banner").is_hidden()

    # Everyone connected has answered: the question closes and the key is revealed.
    for _context, page in trainees:
        page.wait_for_selector("text=本题已结束")
        page.wait_for_selector("text=正确答案: 对")
    staff.wait_for_function("() => document.getElementById('answered-count').textContent === '3'")
    assert staff.locator("#current-question").get_by_text("正确答案: 对").is_visible()
    rows = {r.locator("td").nth(0).text_content(): r for r in staff.locator("#roster tbody tr").all()}
    assert set(rows) == {"S000", "S001", "S002", "S003"}
    assert all("已作答" in rows[n].text_content() for n in ("S000", "S001", "S002"))
    assert "已作答" not in rows["S003"].text_content()  # never came: not waited for either
    assert rows["S001"].locator("td").nth(6).text_content() == "0"  # a reload is not a tab switch
    screenshot(staff, "dashboard", full_page=False)

    staff.get_by_role("button", name="下一题").click()
    for _context, page in trainees:
        page.wait_for_selector("text=柜员可以代客户设置密码")
    for page, mark in ((a, "错"), (b, "对"), (c, "错")):
        _option(page, mark).click()
        page.wait_for_selector("text=已保存 ✓")
    staff.get_by_role("button", name="结束考试").click()
    for _context, page in trainees:
        page.wait_for_selector("text=考试已结束")
    assert re.search(r"您的得分: 2 · ", a.locator(".final-score").text_content())
    screenshot(a, "trainee-ended")

    db.session.expire_all()
    answers = db.session.scalars(sa.select(Answer)).all()
    assert len(answers) == 6  # three trainees, two questions, nothing lost or doubled
    staff.goto(f"{web_server.url}/sessions/{session_id}/results")
    assert staff.locator("#results tbody tr").count() == 4
    absent = staff.locator("#results tbody tr.absent")
    assert absent.count() == 1 and "S003" in absent.text_content() and "缺考" in absent.text_content()
    assert absent.locator("td").first.text_content().strip() == "—"  # no rank
    assert staff.locator("#absent-count").text_content().strip() == "1"
    screenshot(staff, "results")
    a.get_by_role("link", name="查看答题详情").click()
    a.wait_for_selector("#sheet")
    screenshot(a, "trainee-review")
    _documents_are_issued_and_verifiable(browser, web_server, staff, a, session_id, screenshot)
    for path, name, selector in ((f"/sessions/{session_id}/analysis", "analysis", "#analysis"),
                                 (f"/sessions/{session_id}/regrade", "regrade", "#regrade-questions"),
                                 ("/sessions/", "sessions", "table"), ("/papers/", "papers", "table"),
                                 (f"/papers/{paced_exam.paper_id}", "paper", "#paper-questions")):
        staff.goto(web_server.url + path)
        staff.wait_for_selector(selector)
        screenshot(staff, name)
    staff.goto(f"{web_server.url}/sessions/{session_id}/projector")
    staff.wait_for_selector("#ranking")
    screenshot(staff, "projector-end", full_page=False)
    for context, _page in [*trainees, (staff_context, None)]:
        context.close()


def _documents_are_issued_and_verifiable(browser, web_server, staff, trainee, session_id, screenshot):
    """The end of the exam started issuing in a worker process: the documents page follows its
    progress to the end; the trainee downloads their sheet; anyone can verify it (the upload
    check runs pyHanko in the server: in here Playwright's event loop is in the way)."""
    staff.goto(f"{web_server.url}/sessions/{session_id}/documents")
    staff.wait_for_function("() => document.getElementById('issue-state').textContent.trim() === '已完成'",
                            timeout=60_000)  # the page polls, then reloads when the job is done
    # 3 sheets (no passes) + the summary; none for the absentee
    assert staff.locator("#issue-count").text_content().strip() == "4 / 4"
    assert staff.locator("#documents tbody tr").count() == 4
    screenshot(staff, "documents")

    trainee.goto(web_server.url + "/my/results")
    trainee.get_by_role("link", name="柜员月度测试").click()
    with trainee.expect_download() as download:
        trainee.locator("#my-documents a", has_text="成绩单").click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF-") and b"/ByteRange" in pdf

    visitor = browser.new_context(locale="zh-CN")  # not signed in
    page = visitor.new_page()
    page.goto(web_server.url + "/verify")
    page.set_input_files("input[name=document]", files=[{"name": "sheet.pdf", "mimeType": "application/pdf",
                                                         "buffer": pdf}])
    page.get_by_role("button", name="查验文件").click()
    page.wait_for_selector("#verification[data-status=valid]")
    assert page.locator("#signature-checks li[data-ok=true]").count() == 5
    screenshot(page, "verify-upload")
    visitor.close()


def test_a_multiple_choice_question_is_submitted_not_closed_by_the_first_tick(browser, web_server, people,
                                                                             fixed_paper, make_trainees,
                                                                             screenshot):
    """On a multiple-choice question the first tick must not count as an answer: the question
    stays open while trainees choose, and closes once every present trainee has pressed 提交."""
    fixed_paper.show_key = "after_question"
    fixed_paper.question_seconds = 120
    db.session.commit()
    session = exams.create_session(people["inv_bj"], fixed_paper, "多选题提交", "paced", make_trainees(2))
    db.session.commit()
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900})
    staff = staff_context.new_page()
    staff.on("dialog", lambda dialog: dialog.accept())
    sign_in(staff, web_server, "J100")
    staff.goto(f"{web_server.url}/sessions/{session.id}/live")
    (_ca, a), (_cb, b) = trainees = [join_exam(browser, web_server, f"S00{n}", session.join_code, WIDE_PHONE)
                                     for n in range(2)]
    staff.wait_for_function("() => document.getElementById('connected-count').textContent === '2'")
    staff.get_by_role("button", name="开始考试").click()
    # judge, judge, single, single: to the first multiple-choice question.  Each press once the
    # dashboard shows the question it opened (two presses at once open one question).
    for number in range(1, 6):
        staff.get_by_role("button", name="下一题").click()
        staff.wait_for_function("(n) => document.getElementById('current-question').textContent.trim()"
                                ".startsWith(n + '.')", arg=number)
    for page in (a, b):
        page.wait_for_selector("text=属于存款的有")

    _option(a, "活期").click()  # one tick: a draft
    a.wait_for_selector("text=已保存，尚未提交")
    _option(a, "定期").click()
    _option(a, "通知存款").click()
    a.wait_for_selector("text=已保存，尚未提交")
    _option(b, "活期").click()
    b.wait_for_selector("text=已保存，尚未提交")
    assert staff.locator("#answered-count").text_content() == "0"  # drafts are not answers
    assert not a.locator("text=本题已结束").is_visible()
    screenshot(a, "trainee-multi-draft")

    a.get_by_role("button", name="提交").click()
    a.wait_for_selector("text=已保存 ✓")
    staff.wait_for_function("() => document.getElementById('answered-count').textContent === '1'")
    assert not b.locator("text=本题已结束").is_visible()  # b is still choosing
    b.get_by_role("button", name="提交").click()
    for _context, page in trainees:
        page.wait_for_selector("text=本题已结束")
    # One clock, the server's: the question closed early, so no screen counts down any more.
    for _context, page in trainees:
        page.wait_for_selector("#timer", state="hidden")
    staff.wait_for_function("() => document.getElementById('status-text').textContent === '本题已结束'")
    staff.wait_for_function("() => document.getElementById('timer').textContent === '—'")
    db.session.expire_all()
    stored = dict(db.session.execute(sa.select(Answer.choice, Answer.outcome).where(
        Answer.session_question_id == db.session.get(type(session), session.id).current_question_id)).all())
    assert stored == {"ABD": "correct", "A": "partial"}  # graded on everything ticked before 提交

    staff.wait_for_function("() => document.getElementById('answered-count').textContent === '2'")
    staff.get_by_role("button", name="下一题").click()  # the sixth and last question opens
    a.wait_for_selector("text=柜员应当")
    # Every count and mark belongs to the question that is open: nobody has answered it yet.
    staff.wait_for_function("() => document.getElementById('answered-count').textContent === '0'")
    assert "已作答" not in staff.locator("#roster tbody").text_content()
    staff.select_option("#roster-filter", "unanswered")
    assert staff.locator("#roster tbody tr").count() == 2  # the filter shows both stragglers
    staff.select_option("#roster-filter", "all")
    # Extra time for one trainee says how long it lasts, and the row shows who has it.
    first_row = staff.locator('#roster tbody tr', has_text="S000")
    first_row.get_by_role("button", name="+30秒（此后每题）").click()
    staff.wait_for_selector('#roster tbody tr:has-text("S000") >> text=每题加时 30 秒')
    assert "加时" not in staff.locator('#roster tbody tr', has_text="S001").text_content()
    staff.get_by_role("button", name="下一题").click()  # on the last question: closes it
    a.wait_for_selector("text=本题已结束")
    staff.get_by_role("button", name="下一题").click()  # nothing more: said in words, not as a code
    staff.wait_for_selector("#alerts >> text=这是最后一题")
    assert "no_more_questions" not in staff.locator("#alerts").text_content()
    for context, _page in [*trainees, (staff_context, None)]:
        context.close()
