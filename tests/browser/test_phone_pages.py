"""Every page a trainee sees, and /verify (the page a certificate's QR code opens), on a 390×844
phone: nothing scrolls sideways, a stat's label stays on one line, and a long exam title leaves
the question in view."""
from __future__ import annotations

import sqlalchemy as sa

from server.documents.models import IssuedDocument
from server.exams import operations as exams
from server.extensions import db
from tests.browser.conftest import PHONE, sign_in

LONG_TITLE = ("2026年第四季度北京分行营业网点柜员、大堂经理及客户经理"
              "反洗钱与存款保险业务知识月度测试（第二批次补考场次）")

# The page's own width, every stat label that broke over lines (its text has more than one line
# box), the elements that stick out to the right of the window, and those that stick out of their card.
MEASURE = """() => {
  const lines = (node) => { const range = document.createRange(); range.selectNodeContents(node);
    const tops = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top))); return tops.size; };
  const broken = Array.from(document.querySelectorAll('.stats .stat-label')).filter((n) => lines(n) > 1)
    .map((n) => n.textContent);
  const wide = Array.from(document.querySelectorAll('body *')).filter((n) => n.getBoundingClientRect().right
    > window.innerWidth + 0.5 && getComputedStyle(n).position !== 'fixed').slice(0, 5)
    .map((n) => n.tagName + '.' + n.className);
  const outside = [];
  document.querySelectorAll('.card').forEach((card) => { const edge = card.getBoundingClientRect().right;
    card.querySelectorAll('*').forEach((n) => { const r = n.getBoundingClientRect();
      if (r.width && r.right > edge + 0.5) { outside.push(n.tagName + '.' + n.className); } }); });
  return {scroll: document.scrollingElement.scrollWidth, width: window.innerWidth, broken, wide, outside};
}"""


def _fits(page, name, screenshot):
    page.wait_for_load_state("load")
    screenshot(page, f"phone-{name}")
    measured = page.evaluate(MEASURE)
    assert measured["scroll"] <= PHONE["width"] and measured["width"] == PHONE["width"], (name, measured)
    assert not measured["broken"], (name, measured)
    assert not measured["outside"], (name, measured)  # nothing sticks out of its card
    return measured


def test_every_trainee_page_and_verify_fit_a_phone(browser, web_server, people, fixed_paper, make_trainees,
                                                    screenshot):
    fixed_paper.show_key = "after_question"
    fixed_paper.question_seconds = 120
    fixed_paper.speed_bonus_points, fixed_paper.speed_bonus_seconds = 1, 60  # a fifth stat on the review page
    db.session.commit()
    session = exams.create_session(people["inv_bj"], fixed_paper, LONG_TITLE, "paced", make_trainees(1))
    db.session.commit()

    staff_context = browser.new_context(viewport={"width": 1280, "height": 900})
    staff = staff_context.new_page()
    staff.on("dialog", lambda dialog: dialog.accept())
    sign_in(staff, web_server, "J100")
    staff.goto(f"{web_server.url}/sessions/{session.id}/live")

    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(web_server.url + "/login")
    _fits(page, "login", screenshot)
    sign_in(page, web_server, "S000")
    page.wait_for_selector("text=欢迎")
    _fits(page, "home", screenshot)
    page.goto(web_server.url + "/account/password")
    _fits(page, "password", screenshot)
    page.goto(web_server.url + "/join")
    _fits(page, "join", screenshot)
    page.get_by_label("考试码").fill(session.join_code)
    page.get_by_role("button", name="进入考试").click()
    page.wait_for_selector("text=等待监考员开始考试")
    _fits(page, "exam-lobby", screenshot)

    staff.wait_for_function("() => document.getElementById('connected-count').textContent === '1'")
    staff.get_by_role("button", name="开始考试").click()
    staff.get_by_role("button", name="下一题").click()
    page.wait_for_selector("text=存款保险保护存款人")
    _fits(page, "exam-question", screenshot)
    # The title leaves the phone to the question: the bar above it is at most two short lines.
    bar = page.locator(".exam-bar").bounding_box()
    assert bar["height"] <= 0.1 * PHONE["height"], bar
    last_option = page.locator("button.option").last.bounding_box()
    assert last_option["y"] + last_option["height"] <= PHONE["height"] * 0.6, last_option
    page.locator("button.option", has_text="对").click()
    page.wait_for_selector("text=本题已结束")
    _fits(page, "exam-closed", screenshot)
    staff.get_by_role("button", name="结束考试").click()
    page.wait_for_selector("text=考试已结束")
    _fits(page, "exam-ended", screenshot)

    page.goto(web_server.url + "/my/results")
    _fits(page, "my-results", screenshot)
    page.get_by_role("link", name=LONG_TITLE).click()
    page.wait_for_selector("#sheet")
    _fits(page, "review", screenshot)

    visitor = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    anyone = visitor.new_page()
    anyone.goto(web_server.url + "/verify")
    _fits(anyone, "verify", screenshot)
    anyone.goto(web_server.url + "/verify/ABCD-EFGH-JKMN-PQRS")
    _fits(anyone, "verify-unknown", screenshot)
    # An unknown code says so and how to go on, instead of a table of dashes.
    assert anyone.locator("dl.facts").count() == 0 and anyone.locator("#unknown-help").is_visible()
    # The score sheet the end of the exam issued, in the server's worker process (the page polls).
    staff.goto(f"{web_server.url}/sessions/{session.id}/documents")
    staff.wait_for_function("() => document.getElementById('issue-state').textContent.trim() === '已完成'",
                            timeout=60_000)
    db.session.rollback()
    code = db.session.scalar(sa.select(IssuedDocument.code).where(IssuedDocument.participant_id.is_not(None)))
    anyone.goto(f"{web_server.url}/verify/{code}")
    anyone.wait_for_selector("#verification[data-status=valid]")
    _fits(anyone, "verify-valid", screenshot)
    assert "已撤销" not in anyone.locator("#verification").text_content()  # a valid document is not "revoked: —"
    for each in (visitor, context, staff_context):
        each.close()
