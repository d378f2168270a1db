"""A paper may show trainees their rank among those present (beside the running total after each
question, and on the end screen), and says how the projector names people: masked (张*丰, the
default), full name or employee number only.  A session keeps what its paper said when it was
created: changing the paper during the exam changes neither."""
from __future__ import annotations

from server.exams import operations as exams
from server.extensions import db
from tests.browser.conftest import join_exam, open_dashboard, open_projector


def test_ranks_and_full_names_as_the_paper_said_when_the_session_was_made(
        browser, web_server, people, fixed_paper, make_trainees, screenshot):
    fixed_paper.show_key, fixed_paper.question_seconds = "after_question", 120
    fixed_paper.show_ranks, fixed_paper.name_privacy = True, "full"
    db.session.commit()
    session = exams.create_session(people["inv_bj"], fixed_paper, "柜员月度测试", "paced", make_trainees(2))
    # The paper changes after the session was made: the session keeps its own copy.
    fixed_paper.show_ranks, fixed_paper.name_privacy = False, "number"
    db.session.commit()
    staff_context, staff = open_dashboard(browser, web_server, session.id)
    room_context, room = open_projector(browser, web_server, session.id)
    room.get_by_label("每题结束后显示前 5 名").check()
    (_ca, a), (_cb, b) = trainees = [join_exam(browser, web_server, f"S00{n}", session.join_code) for n in range(2)]
    room.wait_for_function("() => document.getElementById('joined-count').textContent === '2'")
    assert sorted(room.locator("#joined li").all_text_contents()) == ["用户S000", "用户S001"]

    staff.wait_for_function("() => document.getElementById('connected-count').textContent === '2'")
    staff.get_by_role("button", name="开始考试").click()
    staff.get_by_role("button", name="下一题").click()
    a.wait_for_selector("text=存款保险保护存款人")
    b.wait_for_selector("text=存款保险保护存款人")
    a.locator("button.option", has_text="对").first.click()
    b.locator("button.option", has_text="错").first.click()
    a.wait_for_selector("#feedback-rank")
    assert a.locator("#feedback").text_content() == "✓ 回答正确本题得 1 分 · 累计 1 分第 1 名（共 2 人在场）"
    b.wait_for_selector("#feedback-rank")
    assert b.locator("#feedback-rank").text_content() == "第 2 名（共 2 人在场）"
    screenshot(a, "rank-feedback")
    room.wait_for_function("""() => Array.from(document.querySelectorAll('#top-list .score'))
                                      .map(n => n.textContent).join(',') === '1,0'""")
    assert room.locator("#top-list .who").all_text_contents() == ["用户S000", "用户S001"]

    staff.get_by_role("button", name="结束考试").click()
    a.wait_for_selector("#final-rank")
    assert a.locator("#final-rank").text_content() == "第 1 名（共 2 人在场）"
    screenshot(a, "rank-end")
    room.wait_for_selector("#ranking")  # the projector shows the end by itself
    assert room.locator("#ranking .who").all_text_contents() == ["用户S000", "用户S001"]
    for context, _page in [*trainees, (staff_context, None), (room_context, None)]:
        context.close()


def test_employee_numbers_only_and_no_rank_for_trainees(browser, web_server, people, fixed_paper, make_trainees):
    fixed_paper.show_key, fixed_paper.question_seconds, fixed_paper.name_privacy = "after_question", 120, "number"
    db.session.commit()
    session = exams.create_session(people["inv_bj"], fixed_paper, "柜员月度测试", "paced", make_trainees(2))
    db.session.commit()
    staff_context, staff = open_dashboard(browser, web_server, session.id)
    room_context, room = open_projector(browser, web_server, session.id)
    (_ca, a), (_cb, b) = trainees = [join_exam(browser, web_server, f"S00{n}", session.join_code) for n in range(2)]
    room.wait_for_function("() => document.getElementById('joined-count').textContent === '2'")
    assert sorted(room.locator("#joined li").all_text_contents()) == ["S000", "S001"]
    assert "用户S00" not in room.content() and "用*" not in room.content()

    staff.wait_for_function("() => document.getElementById('connected-count').textContent === '2'")
    staff.get_by_role("button", name="开始考试").click()
    staff.get_by_role("button", name="下一题").click()
    a.wait_for_selector("text=存款保险保护存款人")
    b.wait_for_selector("text=存款保险保护存款人")
    a.locator("button.option", has_text="对").first.click()
    b.locator("button.option", has_text="错").first.click()
    a.wait_for_selector("#feedback")
    assert a.locator("#feedback-rank").count() == 0 and "名" not in a.locator("#feedback").text_content()
    staff.get_by_role("button", name="结束考试").click()
    a.wait_for_selector("#summary")
    assert a.locator("#final-rank").count() == 0
    room.wait_for_selector("#ranking")  # the projector shows the end by itself
    assert room.locator("#ranking .who").all_text_contents() == ["S000", "S001"]
    for context, _page in [*trainees, (staff_context, None), (room_context, None)]:
        context.close()
