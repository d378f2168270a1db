"""The bank's import preview in a real browser: each decision beside its question, and line breaks
from [html] text shown as line breaks (issue #15)."""
from __future__ import annotations

from tests.browser.conftest import sign_in

GIFT = ("::P::[html]<p>Which account pays interest?</p><p>Pick <b>one</b>.</p> "
        "{~none ~%50%current account =savings account}\n\n"
        "::N:: How many days in a week? {#7}\n")


def test_the_preview_shows_notes_and_line_breaks(browser, web_server, people, screenshot):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    sign_in(page, web_server, "A001")
    page.goto(web_server.url + "/bank/import")
    page.set_input_files("input[type=file]", files=[{"name": "bank.gift", "buffer": GIFT.encode(),
                                                      "mimeType": "text/plain"}])
    page.get_by_role("button", name="预览").click()
    page.wait_for_selector("#import-items .import-notes")
    notes = page.locator("#import-items .import-notes li").all_inner_texts()
    assert any("按单选题读取，答案为 C" in note and "B (50%)" in note for note in notes), notes
    assert any("第 1 行：已去除 HTML 格式（b）" in note for note in notes), notes
    assert page.locator("#import-items .stem").first.inner_text() == "Which account pays interest?\nPick one."
    assert "数值题" in page.locator("#import-errors").inner_text()
    screenshot(page, "bank-import-notes", full_page=False)
    context.close()
