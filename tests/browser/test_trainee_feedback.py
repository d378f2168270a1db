"""What a trainee learns on her own screen, as in Kahoot or 考试宝: in the lobby what the exam
is (questions, time, pass mark); each question's type and how many options to pick; once a
question closes on a paper that shows keys then, her answer marked right, partly right or
wrong in colour and words with the points won and her running total; at the end her score,
pass or fail, a per-question summary and the link to her score sheet and certificate."""
from __future__ import annotations

from server.exams import operations as exams
from server.extensions import db
from tests.browser.conftest import join_exam, sign_in


def _option(page, text):
    return page.locator("button.option", has_text=text)


def _next(staff, number):
    """Open question ``number`` and wait until the dashboard shows it, as tests/browser/test_live_exam.py
    does: a second press before the first is seen could race it (two presses at once open one question)."""
    staff.get_by_role("button", name="下一题").click()
    staff.wait_for_function("(n) => document.getElementById('current-question').textContent.trim()"
                            ".startsWith(n + '.')", arg=number)


def test_a_trainee_sees_how_she_did_after_each_question_and_at_the_end(browser, web_server, people, fixed_paper,
                                                                       make_trainees, screenshot):
    fixed_paper.show_key = "after_question"
    fixed_paper.question_seconds = 120
    db.session.commit()
    session = exams.create_session(people["inv_bj"], fixed_paper, "柜员月度测试", "paced", make_trainees(2))
    db.session.commit()
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900})
    staff = staff_context.new_page()
    staff.on("dialog", lambda dialog: dialog.accept())
    sign_in(staff, web_server, "J100")
    staff.goto(f"{web_server.url}/sessions/{session.id}/live")
    (_ca, a), (_cb, b) = trainees = [join_exam(browser, web_server, f"S00{n}", session.join_code) for n in range(2)]

    # The lobby says what is coming: 6 questions, 2 minutes each, 7.2 of 12 points to pass.
    outline = a.locator("#exam-outline")
    assert outline.is_visible()
    assert a.locator("#outline-questions").text_content() == "6"
    assert a.locator("#outline-time").text_content() == "2 分钟"
    assert a.locator("#outline-pass").text_content() == "7.2 分（满分的 60%）"
    screenshot(a, "feedback-lobby")

    staff.wait_for_function("() => document.getElementById('connected-count').textContent === '2'")
    staff.get_by_role("button", name="开始考试").click()
    _next(staff, 1)
    a.wait_for_selector("text=存款保险保护存款人")
    assert outline.is_hidden()
    head = a.locator(".question-number")
    assert "判断题" in head.text_content() and "判断对错" in head.text_content()

    _option(a, "对").click()
    a.wait_for_selector("text=已保存 ✓")
    # Nothing about right or wrong while the question is open (b has not answered yet).
    assert a.locator("#feedback").count() == 0 and a.locator(".is-key").count() == 0
    _option(b, "错").click()
    for page in (a, b):
        page.wait_for_selector("#feedback")
    assert a.locator("#feedback").text_content() == "✓ 回答正确本题得 1 分 · 累计 1 分"
    assert "outcome-correct" in a.locator("#feedback").get_attribute("class")
    assert "is-key" in _option(a, "对").get_attribute("class")
    screenshot(a, "feedback-right")
    assert b.locator("#feedback").text_content() == "✗ 回答错误本题得 0 分 · 累计 0 分"
    assert "is-wrong-pick" in _option(b, "错").get_attribute("class")
    assert "is-key" in _option(b, "对").get_attribute("class")
    b.reload()  # a trainee who comes back still sees how she did
    b.wait_for_selector("#feedback >> text=回答错误")
    screenshot(b, "feedback-wrong")

    _next(staff, 2)  # question 2: nobody answers
    a.wait_for_selector("text=柜员可以代客户设置密码")
    _next(staff, 3)
    a.wait_for_selector("text=人民币的单位是")
    head = a.locator(".question-number")
    assert "单选题" in head.text_content() and "选一项" in head.text_content()
    _next(staff, 4)
    a.wait_for_selector("text=假币应当")  # one "next" at a time: two at once open one question
    _next(staff, 5)
    for page in (a, b):
        page.wait_for_selector("text=属于存款的有")
    assert "多选题" in a.locator(".question-number").text_content()
    _option(a, "活期").click()  # one of the three right options: partly right
    a.wait_for_selector("text=已保存，尚未提交")
    a.get_by_role("button", name="提交").click()
    for text in ("活期", "定期", "通知存款"):
        _option(b, text).click()
    b.wait_for_selector("text=已保存，尚未提交")
    b.get_by_role("button", name="提交").click()
    a.wait_for_selector("#feedback >> text=部分正确")
    assert "outcome-partial" in a.locator("#feedback").get_attribute("class")
    screenshot(a, "feedback-partial")
    b.wait_for_selector("#feedback >> text=回答正确")
    assert b.locator("#feedback").text_content().endswith("本题得 3 分 · 累计 3 分")

    staff.get_by_role("button", name="结束考试").click()
    for page in (a, b):
        page.wait_for_selector("#summary")
    cells = a.locator("#summary li")
    assert cells.count() == 6
    assert [cells.nth(i).get_attribute("class") for i in range(6)] == [
        "outcome-correct", "outcome-unanswered", "outcome-unanswered", "outcome-unanswered", "outcome-partial",
        "outcome-unanswered"]
    assert cells.first.get_attribute("aria-label") == "第 1 题：回答正确"
    assert "未通过" in a.locator(".final-score").text_content()
    link = a.get_by_role("link", name="查看答题详情、成绩单与证书")
    assert link.get_attribute("href").startswith("/my/results/")
    screenshot(a, "feedback-end")
    for context, _page in [*trainees, (staff_context, None)]:
        context.close()
