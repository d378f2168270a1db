"""The projector view runs the room on its own, readable from the back: the lobby with a big
join code, the QR code and the (masked) names joining with a count; each question large with a
big countdown and no key; after it, on a paper that shows keys then, the distribution as bars
with the option texts and the key highlighted; at the end the pass rate and the ranking with
masked names.  It fills a 1920×1080 screen and still fits a 4:3 one."""
from __future__ import annotations

from server.exams import operations as exams
from server.extensions import db
from tests.browser.conftest import join_exam, open_dashboard, open_projector, sign_in

FILL = """(selector) => { const r = document.querySelector(selector).getBoundingClientRect();
  return {width: r.width / window.innerWidth, bottom: r.bottom / window.innerHeight,
          scroll: document.scrollingElement.scrollWidth - window.innerWidth}; }"""


# Records each number the lead-in shows, in order.
SEEN = """() => { window.seen = [];
  new MutationObserver(() => {
    const t = document.getElementById('leadin-count').textContent;
    if (!document.getElementById('leadin').hidden && window.seen[window.seen.length - 1] !== t) window.seen.push(t);
  }).observe(document.getElementById('projector'),
             {subtree: true, childList: true, characterData: true, attributes: true}); }"""


def _font_px(page, selector) -> float:
    return page.evaluate("(s) => parseFloat(getComputedStyle(document.querySelector(s)).fontSize)", selector)



def test_the_projector_runs_the_room(browser, web_server, people, fixed_paper, make_trainees, screenshot):
    fixed_paper.show_key = "after_question"
    fixed_paper.question_seconds = 120
    db.session.commit()
    roster = make_trainees(3)
    session = exams.create_session(people["inv_bj"], fixed_paper, "柜员月度测试", "paced", roster)
    db.session.commit()
    staff_context, staff = open_dashboard(browser, web_server, session.id)
    room_context, room = open_projector(browser, web_server, session.id)
    room.wait_for_selector(".huge-code")

    # The lobby: names appear as trainees join, masked, with the count against the roster.
    (_ca, a), (_cb, b) = trainees = [join_exam(browser, web_server, f"S00{n}", session.join_code) for n in range(2)]
    room.wait_for_function("() => document.getElementById('joined-count').textContent === '2'")
    joined = sorted(room.locator("#joined li").all_text_contents())
    assert joined == ["用****0", "用****1"]  # 用户S000, 用户S001
    assert "用户S000" not in room.content()
    assert room.locator(".projector-lobby h2").text_content().strip().endswith("/ 3")
    assert _font_px(room, ".huge-code") >= 100
    qr = room.locator(".projector-qr").bounding_box()
    assert qr["height"] >= 0.3 * 1080
    lobby = room.evaluate(FILL, ".projector-lobby")
    screenshot(room, "projector-lobby", full_page=False)
    assert lobby["width"] > 0.9 and lobby["scroll"] <= 0
    screenshot(room, "projector-lobby", full_page=False)

    staff.wait_for_function("() => document.getElementById('connected-count').textContent === '2'")
    staff.get_by_role("button", name="开始考试").click()
    # Each "next" once the room shows the last one (two at once would open one question, once).
    for stem in ("存款保险保护存款人", "柜员可以代客户设置密码", "人民币的单位是"):  # the third: single choice
        staff.get_by_role("button", name="下一题").click()
        room.wait_for_selector(f"#question-stem >> text={stem}")
    assert room.locator("#question-head").text_content() == "第 3 题 / 共 6 题 · 单选题"
    assert room.locator("#question-options li").all_text_contents() == ["A元", "B镑", "C美元", "D日元"]
    assert room.locator(".is-key").count() == 0 and room.locator(".bar").count() == 0  # no key while open
    assert room.locator("#timer").is_visible() and _font_px(room, "#timer") >= 60
    assert _font_px(room, "#question-stem") >= 55 and _font_px(room, ".projector-option") >= 40
    question = room.evaluate(FILL, "#question-options")
    assert question["width"] > 0.85 and question["bottom"] > 0.45  # no empty two thirds
    screenshot(room, "projector-question", full_page=False)

    for page, text in ((a, "元"), (b, "镑")):
        page.locator("button.option", has_text=text).first.click()
    room.wait_for_selector("#question-options.with-bars")
    room.wait_for_function("() => document.getElementById('answered-count').textContent === '2'", timeout=5000)
    key = room.locator(".projector-option.is-key")
    assert key.count() == 1 and "元" in key.text_content() and key.locator(".count").text_content() == "1"
    counts = room.locator(".projector-option .count").all_text_contents()
    assert counts == ["1", "1", "0", "0"]
    assert room.locator("#timer").is_hidden()
    screenshot(room, "projector-distribution", full_page=False)

    # A 4:3 projector: the same screen, nothing cut off sideways.
    room.set_viewport_size({"width": 1024, "height": 768})
    assert room.evaluate(FILL, "#question-options")["scroll"] <= 0
    screenshot(room, "projector-distribution-4x3", full_page=False)
    room.set_viewport_size({"width": 1920, "height": 1080})

    staff.get_by_role("button", name="结束考试").click()
    room.wait_for_selector("#ranking")
    ranking = room.locator("#ranking li")
    assert ranking.count() == 2  # the absentee has no rank
    assert ranking.first.locator(".who").text_content() == "用****0"
    assert ranking.first.locator(".score").text_content() == "2"
    assert room.locator("#pass-rate").text_content() == "0%"
    assert "用户S00" not in room.content()
    screenshot(room, "projector-end", full_page=False)
    for context, _page in [*trainees, (staff_context, None), (room_context, None)]:
        context.close()


def test_a_question_opens_with_3_2_1_and_the_top_5_can_follow_it(
        browser, web_server, people, fixed_paper, make_trainees, screenshot):
    """On the room's screen a question opens with a 3-2-1 lead-in (the phones show it at once),
    and with "top 5 after each question" ticked the closed question shows the best five, masked."""
    fixed_paper.show_key = "after_question"
    fixed_paper.question_seconds = 120
    db.session.commit()
    session = exams.create_session(people["inv_bj"], fixed_paper, "柜员月度测试", "paced", make_trainees(2))
    db.session.commit()
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    staff = staff_context.new_page()
    sign_in(staff, web_server, "J100")
    staff.goto(f"{web_server.url}/sessions/{session.id}/live")
    room_context, room = open_projector(browser, web_server, session.id)
    room.get_by_label("每题结束后显示前 5 名").check()
    (_ca, a), (_cb, b) = trainees = [join_exam(browser, web_server, f"S00{n}", session.join_code) for n in range(2)]
    room.wait_for_function("() => document.getElementById('joined-count').textContent === '2'")
    staff.wait_for_function("() => document.getElementById('connected-count').textContent === '2'")
    room.evaluate(SEEN)
    staff.get_by_role("button", name="开始考试").click()
    staff.get_by_role("button", name="下一题").click()
    room.wait_for_selector("#leadin", state="visible")
    assert room.locator("#leadin-head").text_content() == "第 1 题 / 共 6 题 · 判断题"
    assert room.locator("#question").is_hidden() and _font_px(room, "#leadin-count") >= 300
    screenshot(room, "projector-leadin", full_page=False)
    a.wait_for_selector("text=存款保险保护存款人")  # the phones do not wait for the room's 3-2-1
    room.wait_for_selector("#question-stem >> text=存款保险保护存款人")
    assert room.locator("#leadin").is_hidden()
    assert room.evaluate("() => window.seen") == ["3", "2", "1"]
    assert room.locator("#question-top").is_hidden()  # never while the question is open

    a.locator("button.option", has_text="对").first.click()
    b.locator("button.option", has_text="错").first.click()
    room.wait_for_selector("#question-top", state="visible")
    top = room.locator("#top-list li")
    # The standings catch up with the last graded answer (a progress event may trail the close).
    room.wait_for_function("""() => Array.from(document.querySelectorAll('#top-list .score'))
                                      .map(n => n.textContent).join(',') === '1,0'""")
    assert top.first.locator(".who").text_content() == "用****0"
    assert top.nth(1).locator(".rank").text_content() == "2"
    assert "用户S00" not in room.content()
    assert room.evaluate(FILL, "#question-options")["scroll"] <= 0
    screenshot(room, "projector-top5", full_page=False)
    room.get_by_label("每题结束后显示前 5 名").uncheck()
    assert room.locator("#question-top").is_hidden()
    for context, _page in [*trainees, (staff_context, None), (room_context, None)]:
        context.close()
