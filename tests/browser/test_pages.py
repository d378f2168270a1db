"""The foundation pages in a real browser: sign in, the live connection, language, people."""
from __future__ import annotations

from tests.browser.conftest import sign_in


def test_a_trainee_signs_in_and_gets_a_live_connection(browser, web_server, people, screenshot):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(web_server.url + "/login")
    screenshot(page, "login")
    sign_in(page, web_server, "T100")
    page.wait_for_selector("text=欢迎，用户T100")
    page.wait_for_selector("[data-live-status][data-current='connected']", timeout=10_000)
    assert page.get_by_text("实时连接已就绪").is_visible()
    screenshot(page, "home-trainee")
    context.close()


def test_an_invigilator_manages_people_in_english(browser, web_server, people, screenshot):
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, web_server, "J100")
    page.get_by_role("button", name="English").click()
    page.get_by_role("link", name="People", exact=True).click()
    page.wait_for_selector("text=T100")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_text("T200").count() == 0  # another branch's trainee
    screenshot(page, "people-en")
    page.get_by_role("link", name="Branches").first.click()
    page.wait_for_selector("text=海淀支行")
    screenshot(page, "branches-en")
    context.close()


def test_roster_preview_shows_each_bad_row(browser, web_server, people, screenshot):
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    for row in [["工号", "姓名", "机构代码", "角色"], ["40001", "孙七", "SH", "学员"],
                ["40002", "周八", "XX", "学员"]]:
        workbook.active.append(row)
    data = io.BytesIO()
    workbook.save(data)

    context = browser.new_context()
    page = context.new_page()
    sign_in(page, web_server, "A001")
    page.goto(web_server.url + "/users/import")
    page.set_input_files("input[type=file]", files=[{
        "name": "名单.xlsx", "buffer": data.getvalue(),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.get_by_role("button", name="预览").click()
    page.wait_for_selector("#roster-issues")
    row = page.locator("#roster-issues tbody tr")
    assert row.count() == 1
    assert row.first.inner_text().split("\t")[:2] == ["3", "机构代码"]
    assert page.get_by_role("button", name="登记这 2 人").count() == 0
    screenshot(page, "roster-preview-errors")
    context.close()


def test_importing_the_real_document_through_the_pages(browser, web_server, people, screenshot):
    from tests.builders import SEED

    context = browser.new_context()
    page = context.new_page()
    sign_in(page, web_server, "A001")
    page.get_by_role("link", name="题库", exact=True).click()
    page.get_by_role("link", name="导入试题").click()
    page.set_input_files("input[type=file]", str(SEED))
    page.get_by_role("button", name="预览").click()
    page.wait_for_selector("#import-errors")
    assert "识别出 99 道题：判断题 20 道，单选题 20 道，多选题 59 道。" in page.content()
    assert page.locator("#import-errors tbody tr").count() == 1
    screenshot(page, "bank-import-preview", full_page=False)
    page.get_by_label("或新建题库，名称").fill("客户经理题库")
    page.get_by_label("导入可识别的试题，不导入上面列出的题目").check()
    page.get_by_role("button", name="导入 99 道题").click()
    page.wait_for_selector("text=已导入到 客户经理题库")
    page.get_by_role("link", name="打开题库").click()
    page.wait_for_selector("text=共 99 道题")
    screenshot(page, "bank-questions", full_page=False)
    context.close()
