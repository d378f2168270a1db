"""The session sheet's item analysis uses the page's words: 答对率 (share right), not 难度."""
from __future__ import annotations

from pdfs.score_sheet import ItemRow, SessionSheetData, render_session_sheet
from tests.pdfs.tampering import pdftotext


def test_the_session_sheet_says_share_right_as_the_page_does():
    item = ItemRow(1, "存款保险保护存款人", "对", "75%", "0.40", "对:3 错:1", "")
    sheet = SessionSheetData("EXH-T-1", "柜员月度测试", "2026年11月29日", "示范银行总行", "1", "0.6",
                             [("参加人数", "4")], [("0–1", 4)], [], [], [item], "http://x/verify/2")
    text = pdftotext(render_session_sheet(sheet))
    assert "答对率" in text and "区分度" in text and "难度" not in text
