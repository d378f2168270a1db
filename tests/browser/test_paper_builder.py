"""Picking a paper out of the real bank (the exam office's 99 questions): search and filter by
type and tag narrow the list, options open on demand (several stems read 下列说法正确的是 and only
their options tell them apart), the sticky summary counts per type and adds the marks, the
paper's questions can be reordered, and the paper page shows its total marks."""
from __future__ import annotations

import sqlalchemy as sa

from server.bank import formats
from server.bank.models import Question, Tag
from server.bank.operations import import_into
from server.database import commit
from server.extensions import db
from server.papers import operations as papers
from tests.browser.conftest import sign_in
from tests.builders import SEED


def _visible(page) -> int:
    return page.locator("#candidates > li:visible").count()


def test_picking_questions_from_the_real_bank(browser, web_server, people, org, screenshot):
    bank = import_into(None, "客户经理题库", org["HQ"], formats.parse(SEED.read_bytes(), SEED.name), SEED.name).bank
    tag = Tag(name="储蓄")
    deposit = list(db.session.scalars(sa.select(Question).where(
        Question.bank_id == bank.id, Question.type == "judge", Question.stem.contains("存款"))))
    for question in deposit:
        question.tag_objects.append(tag)
    paper = papers.create_paper(people["inv_bj"], people["inv_bj"].branch, papers.PaperSettings(
        name="客户经理月测", points_judge="1", points_single="2", points_multi="3"))
    commit()

    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, web_server, "J100")
    page.goto(f"{web_server.url}/papers/{paper.id}?bank={bank.id}")
    assert _visible(page) == 99
    assert page.locator("#builder-shown").text_content() == "显示 99 / 99 道"
    # Type badges stay on one line ("判断/题" was the complaint).
    badge = page.locator("#candidates .badge").first.bounding_box()
    assert badge["height"] < 1.6 * badge["width"] / 3

    page.get_by_label("题型").select_option(label="多选题")
    assert _visible(page) == 59
    page.get_by_label("搜索").fill("下列说法正确的是")
    lookalikes = page.locator("#candidates > li:visible")
    assert 2 <= lookalikes.count() < 10
    first = lookalikes.first
    assert not first.locator(".options").is_visible()
    first.get_by_text("选项与答案").click()  # options on demand tell the lookalikes apart
    assert first.locator(".options li").count() == 4 and first.locator(".options li.key").count() >= 2
    first.get_by_label("加入").check()
    lookalikes.nth(1).get_by_label("加入").check()

    page.get_by_label("搜索").fill("")
    page.get_by_label("题型").select_option(label="判断题")
    page.get_by_label("标签").select_option("储蓄")
    assert _visible(page) == len(deposit) + 2  # the two ticked stay in view
    tagged = page.locator("#candidates > li:visible").filter(has_text="存款").filter(has_not_text="下列说法正确的是")
    tagged.first.get_by_label("加入").check()
    summary = page.locator("#builder-summary")
    assert summary.locator("[data-summary-type=multi]").text_content() == "2"
    assert summary.locator("[data-summary-type=judge]").text_content() == "1"
    assert page.locator("#summary-total").text_content() == "7"  # 3 + 3 + 1

    # The summary and its save button stay on screen far down the list.
    page.locator("#candidates > li:visible").last.scroll_into_view_if_needed()
    assert summary.bounding_box()["y"] >= 0 and summary.is_visible()
    assert page.evaluate("() => document.getElementById('builder-summary').getBoundingClientRect().top") <= 1
    screenshot(page, "paper-builder-picking", full_page=False)
    summary.get_by_role("button", name="保存试题列表").click()
    page.wait_for_selector("#paper-total")
    db.session.refresh(paper)
    chosen = [pq.question for pq in paper.questions]
    assert [q.type for q in chosen] == ["judge", "multi", "multi"] and chosen[0] in deposit
    assert page.locator("#paper-total").text_content() == "总分：7"

    # Reorder: the judge question moves to the end; a points change shows in the total.
    page.locator("#paper-questions > li").first.get_by_role("button", name="下移").click()
    page.locator("#paper-questions > li").nth(1).get_by_role("button", name="下移").click()
    page.locator("#paper-questions > li").first.get_by_label("分值").fill("5")
    assert page.locator("#summary-total").text_content() == "9"
    screenshot(page, "paper-builder-reorder", full_page=False)
    page.get_by_role("button", name="保存试题列表").click()
    page.wait_for_selector("#paper-total >> text=总分：9")
    db.session.expire_all()
    assert [pq.question_id for pq in paper.questions] == [chosen[1].id, chosen[2].id, chosen[0].id]
    context.close()
