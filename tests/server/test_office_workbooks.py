"""An exam office's workbook: a merged title, a subtitle and blank rows above the header (issue
#15).  Banks and rosters find their header the same way (server.tables.find_header)."""
from __future__ import annotations

import pytest

from server import tables
from server.bank.formats import parse
from server.tables import UploadError
from server.users import roster
from tests.builders import xlsx

HEADER = ["题型", "题干", "A", "B", "C", "D", "E", "F", "答案", "解析", "标签"]
ROWS = [["判断", f"判断题{n}", None, None, None, None, None, None, "对", None, None] for n in range(4)] + [
    ["单选", f"单选题{n}", "甲", "乙", None, None, None, None, "B", None, None] for n in range(4)]


def test_an_office_workbook_is_read_below_its_title_rows():
    data = xlsx([["2026 年客户经理题库"], ["（共 8 题）"], [], HEADER, *ROWS], merged=["A1:K1", "A2:K2"])
    result = parse(data, "bank.xlsx")
    assert len(result.questions) == 8 and result.issues == []
    assert [q.line for q in result.questions] == list(range(5, 13))  # the rows Excel shows


def test_a_header_below_the_first_ten_rows_is_not_searched_for():
    data = xlsx([["标题"]] + [["说明"]] * 10 + [HEADER, *ROWS])
    with pytest.raises(UploadError) as error:
        parse(data, "bank.xlsx")
    assert (error.value.code, error.value.row) == ("missing_columns", 1)


def test_the_roster_finds_its_header_the_same_way():
    data = xlsx([["北京分行学员名单"], [], ["工号", "姓名", "机构代码", "角色"], ["S100", "张三", "BJ", "学员"]])
    table = tables.read_table(data, roster.COLUMNS)
    assert (table.header_row, [r.number for r in table.rows]) == (3, [4])


