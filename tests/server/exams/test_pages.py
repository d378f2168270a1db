"""Papers, sessions and results through the pages."""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from server.bank.models import Question
from server.exams import operations as exams
from server.exams.models import AuditEntry, LiveSession, Participant
from server.extensions import db
from server.papers.models import Paper
from tests.builders import ANSWERS, answer_and_end
from tests.conftest import Auth


def test_an_invigilator_builds_a_paper_and_creates_a_session(client, auth, people, bank, make_trainees):
    make_trainees(3)
    auth.login("J100")
    response = client.submit("/papers/new", {
        "name": "月度测试", "selection": "fixed", "points_judge": "1", "points_single": "2", "points_multi": "3",
        "multi_rule": "half", "pass_percent": "60", "question_seconds": "30", "paper_seconds": "20",
        "show_key": "after_exam"})
    paper = db.session.scalar(sa.select(Paper).where(Paper.name == "月度测试"))
    assert response.location == f"/papers/{paper.id}" and paper.multi_rule == "half" and paper.paper_seconds == 1200
    page = client.get(f"/papers/{paper.id}?bank={bank.id}").get_data(as_text=True)
    assert "人民币的单位是" in page
    ids = list(db.session.scalars(sa.select(Question.id).where(Question.bank_id == bank.id)))
    client.submit(f"/papers/{paper.id}/questions", {"add": [str(i) for i in ids[:4]], "bank": str(bank.id)})
    db.session.refresh(paper)
    assert [pq.question_id for pq in paper.questions] == ids[:4]
    response = client.submit("/sessions/new", {"paper_id": paper.id, "title": "三月柜员测试", "pacing": "paced",
                                               "branch_id": people["t_bj"].branch_id})
    session = db.session.scalar(sa.select(LiveSession).where(LiveSession.title == "三月柜员测试"))
    assert response.location == f"/sessions/{session.id}"
    roster = db.session.scalars(sa.select(Participant).where(Participant.session_id == session.id)).all()
    assert len(roster) == 4  # T100 and the three new trainees at BJ-HD
    assert session.join_code in client.get(f"/sessions/{session.id}").get_data(as_text=True)


def test_the_paper_form_sets_ranks_and_name_privacy_which_a_session_keeps(client, auth, people, fixed_paper):
    """Masked names and no ranks unless the paper says otherwise; a session made from the paper
    keeps what it said then, whatever the paper says later."""
    assert (fixed_paper.show_ranks, fixed_paper.name_privacy) == (False, "masked")
    auth.login("J100")
    form = client.get(f"/papers/{fixed_paper.id}/settings").get_data(as_text=True)
    assert "投屏上的姓名" in form and "考生可看到自己在在场考生中的名次" in form
    fields = {"name": fixed_paper.name, "selection": "fixed", "points_judge": "1", "points_single": "2",
              "points_multi": "3", "multi_rule": "partial", "pass_percent": "60", "show_key": "after_exam"}
    client.submit(f"/papers/{fixed_paper.id}/settings", {**fields, "show_ranks": "y", "name_privacy": "number"})
    db.session.refresh(fixed_paper)
    assert (fixed_paper.show_ranks, fixed_paper.name_privacy) == (True, "number")
    session = exams.create_session(people["inv_bj"], fixed_paper, "", "paced", [])
    db.session.commit()
    client.submit(f"/papers/{fixed_paper.id}/settings", {**fields, "name_privacy": "full"})
    db.session.refresh(fixed_paper)
    db.session.refresh(session)
    assert (fixed_paper.show_ranks, fixed_paper.name_privacy) == (False, "full")
    assert (session.show_ranks, session.name_privacy) == (True, "number")


def test_paper_settings_are_validated(client, auth, people):
    auth.login("J100")
    page = client.submit("/papers/new", {"name": "", "selection": "fixed", "points_judge": "0", "points_single": "2",
                                         "points_multi": "3", "multi_rule": "exact", "pass_percent": "120",
                                         "show_key": "never"}).get_data(as_text=True)
    assert page.count('class="error"') >= 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Paper)) == 0


def test_results_pages_and_exports(client, auth, people, started):
    answer_and_end(started)
    auth.login("J100")
    page = client.get(f"/sessions/{started.id}/results").get_data(as_text=True)
    assert "50.0%" in page and "海淀支行" in page and "上海分行" in page
    table = page.split('id="results"', 1)[1]
    assert re.findall(r">(S\d{3}|H\d{3})</a>", table) == ["S000", "S001", "H000", "S002"]
    by_name = client.get(f"/sessions/{started.id}/results?sort=total").get_data(as_text=True)
    assert "S000" in by_name
    workbook = load_workbook(io.BytesIO(client.get(f"/sessions/{started.id}/results.xlsx").data))
    rows = list(workbook["成绩"].iter_rows(values_only=True))
    assert rows[0][:5] == ("名次", "工号", "姓名", "机构", "得分") and rows[1][1] == "S000" and rows[1][4] == 12
    csv_text = client.get(f"/sessions/{started.id}/results.csv").data.decode("utf-8-sig")
    assert csv_text.splitlines()[1].startswith("1,S000,")
    participant = db.session.scalar(sa.select(Participant).join(Participant.user).where(
        Participant.session_id == started.id, sa.text("employee_no = 'S001'")))
    sheet = client.get(f"/sessions/{started.id}/participants/{participant.id}").get_data(as_text=True)
    assert "8 / 12" in sheet
    analysis = client.get(f"/sessions/{started.id}/analysis").get_data(as_text=True)
    assert "答对率" in analysis and "75%" in analysis


def test_round_scores_print_as_numbers_on_every_page(client, auth, people, started):
    """A total of 10 once printed "1E+1" (Decimal.normalize): results, the invigilator's and the
    trainee's sheets, the session page and my results all print 10."""
    tens = {"S000": ("T", "F", "A", "C", "ABD", "ACD"), "S001": ("T", "F", "A", "C", "ABD", "ACD")}
    answer_and_end(started, tens)  # 1 + 1 + 2 + 0 + 3 + 3 = 10; S002 and H000 are absent
    participant = db.session.scalar(sa.select(Participant).join(Participant.user).where(
        Participant.session_id == started.id, sa.text("employee_no = 'S000'")))
    auth.login("J100")
    pages = {url: client.get(url).get_data(as_text=True) for url in (
        f"/sessions/{started.id}/results", f"/sessions/{started.id}/participants/{participant.id}",
        f"/sessions/{started.id}")}
    assert re.findall(r"<td>(\d+) / 12</td>", pages[f"/sessions/{started.id}/results"]) == ["10", "10"]
    assert "10 / 12" in pages[f"/sessions/{started.id}/participants/{participant.id}"]
    trainee = Auth(client)
    trainee.login("S000")
    pages["mine"] = client.get("/my/results").get_data(as_text=True)
    pages["sheet"] = client.get(f"/my/results/{participant.id}").get_data(as_text=True)
    assert "10 / 12" in pages["sheet"] and '<td class="num">10</td>' in pages["mine"]
    assert not [url for url, page in pages.items() if re.search(r"\dE[+-]\d", page)]


def test_regrade_through_the_pages(client, auth, people, started):
    answer_and_end(started)
    question = next(q for q in started.questions if q.stem.startswith("假币"))
    auth.login("J100")
    preview = client.submit(f"/sessions/{started.id}/regrade", {f"key_{question.id}": "C", "action": "preview"})
    assert "将有 4 人成绩改变" in preview.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0
    refused = client.submit(f"/sessions/{started.id}/regrade", {f"key_{question.id}": "C", "action": "apply"})
    assert "请填写重新评分的原因" in refused.get_data(as_text=True)
    done = client.submit(f"/sessions/{started.id}/regrade", {f"key_{question.id}": "C", "action": "apply",
                                                             "reason": "印刷错误"})
    assert done.status_code == 302
    entry = db.session.scalar(sa.select(AuditEntry))
    assert entry.reason == "印刷错误" and len(entry.details["changes"]) == 4


def test_trainees_see_their_own_sheet_only_after_the_session_ends(app, client, people, started):
    participant = db.session.scalar(sa.select(Participant).where(Participant.session_id == started.id))
    trainee = Auth(client)
    trainee.login(participant.user.employee_no)
    assert client.get(f"/my/results/{participant.id}").status_code == 404  # still running
    answer_and_end(started)
    sheet = client.get(f"/my/results/{participant.id}")
    assert sheet.status_code == 200 and "你的答案" in sheet.get_data(as_text=True)
    other = db.session.scalar(sa.select(Participant).where(Participant.session_id == started.id,
                                                           Participant.id != participant.id))
    assert client.get(f"/my/results/{other.id}").status_code == 404
    assert client.get(f"/sessions/{started.id}/results").status_code == 403
    mine = client.get("/my/results").get_data(as_text=True)
    assert f"/my/results/{participant.id}" in mine and f"/my/results/{other.id}" not in mine


def test_invigilators_of_other_branches_cannot_see_a_session(client, auth, people, started):
    auth.login("J200")
    for url in (f"/sessions/{started.id}", f"/sessions/{started.id}/results", f"/sessions/{started.id}/regrade"):
        assert client.get(url).status_code == 404


def test_points_per_question_override_the_type_points(client, auth, people, fixed_paper):
    auth.login("J100")
    first = fixed_paper.questions[0]
    ids = [pq.question_id for pq in fixed_paper.questions]
    client.submit(f"/papers/{fixed_paper.id}/questions", {f"points_{first.question_id}": "5"})
    db.session.refresh(fixed_paper)
    assert [pq.question_id for pq in fixed_paper.questions] == ids
    assert fixed_paper.questions[0].points == 5 and fixed_paper.questions[1].points is None
    roster = [people["t_bj"]]
    session = exams.create_session(people["inv_bj"], fixed_paper, "", "paced", roster)
    exams.freeze(session)
    assert session.questions[0].points == 5 and session.max_total == 16


def test_a_session_roster_can_be_a_list_of_employee_numbers(client, auth, people, fixed_paper, make_trainees):
    make_trainees(3)
    auth.login("J100")
    refused = client.submit("/sessions/new", {"paper_id": fixed_paper.id, "pacing": "paced",
                                              "branch_id": people["t_bj"].branch_id,
                                              "employee_numbers": "S000\nS001\nT200\nNOBODY"})
    assert refused.status_code == 400
    assert "T200" in refused.get_data(as_text=True) and "NOBODY" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LiveSession)) == 0
    csv_file = (io.BytesIO("工号,姓名\nS002,x\n".encode("gbk")), "名单.csv")
    client.submit("/sessions/new", {"paper_id": fixed_paper.id, "pacing": "timed",
                                    "branch_id": people["t_bj"].branch_id,
                                    "employee_numbers": "S000, S001", "roster_file": csv_file},
                  content_type="multipart/form-data")
    session = db.session.scalar(sa.select(LiveSession))
    numbers = sorted(p.user.employee_no for p in db.session.scalars(
        sa.select(Participant).where(Participant.session_id == session.id)))
    assert numbers == ["S000", "S001", "S002"]


def test_a_session_roster_file_names_its_column_as_bulk_registration_does(client, auth, people, fixed_paper,
                                                                            make_trainees):
    """Any header bulk registration accepts (员工号 here, not first, under a blank row) works."""
    from openpyxl import Workbook

    make_trainees(2)
    auth.login("J100")
    workbook = Workbook()
    for row in ([], ["姓名", "员工号"], ["甲", "S000"], ["乙", "S001"]):
        workbook.active.append(row)
    data = io.BytesIO()
    workbook.save(data)
    data.seek(0)
    client.submit("/sessions/new", {"paper_id": fixed_paper.id, "pacing": "paced",
                                    "branch_id": people["t_bj"].branch_id,
                                    "employee_numbers": "", "roster_file": (data, "名单.xlsx")},
                  content_type="multipart/form-data")
    session = db.session.scalar(sa.select(LiveSession))
    assert session is not None
    numbers = sorted(p.user.employee_no for p in db.session.scalars(
        sa.select(Participant).where(Participant.session_id == session.id)))
    assert numbers == ["S000", "S001"]


def _create_from_file(client, paper, branch_id, data: bytes, filename: str, pasted: str = ""):
    return client.submit("/sessions/new", {"paper_id": paper.id, "branch_id": branch_id,
                                           "employee_numbers": pasted, "roster_file": (io.BytesIO(data), filename)},
                         content_type="multipart/form-data")


def test_session_roster_numbers_are_normalised_as_bulk_registration_does(client, auth, people, fixed_paper,
                                                                         make_trainees):
    """Full-width Ｓ０００ (as a Chinese input method may type it) is S000, in the file and pasted."""
    make_trainees(2)
    auth.login("J100")
    data = "工号,姓名\nＳ０００,甲\n".encode()
    response = _create_from_file(client, fixed_paper, people["t_bj"].branch_id, data, "名单.csv", "Ｓ００１")
    session = db.session.scalar(sa.select(LiveSession))
    assert session is not None, response.get_data(as_text=True)
    numbers = sorted(p.user.employee_no for p in db.session.scalars(
        sa.select(Participant).where(Participant.session_id == session.id)))
    assert numbers == ["S000", "S001"]


@pytest.mark.parametrize("content", ["姓名\nS000\nS001\n", "S000\nS001\n"], ids=["other-header", "no-header"])
def test_a_session_roster_file_without_an_employee_number_column_is_refused(client, auth, people, fixed_paper,
                                                                           make_trainees, content):
    """Not read from column 0: that took 姓名 for numbers, or dropped the first number as a header."""
    make_trainees(2)
    auth.login("J100")
    response = _create_from_file(client, fixed_paper, people["t_bj"].branch_id, content.encode(), "名单.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "缺少列：工号" in page and "第 1 行" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LiveSession)) == 0


def test_a_session_roster_row_without_a_number_is_refused_not_skipped(client, auth, people, fixed_paper,
                                                                      make_trainees):
    make_trainees(2)
    auth.login("J100")
    data = "工号,姓名\nS000,甲\n,乙\n".encode()
    response = _create_from_file(client, fixed_paper, people["t_bj"].branch_id, data, "名单.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "单元格是空的" in page and "第 3 行，“工号”列" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LiveSession)) == 0


def test_the_results_workbook_has_every_answer_fitted_columns_and_frozen_headers(client, auth, people, started):
    """作答明细: each trainee's choice per question (对/错 for true/false), coloured right/partly/wrong,
    the absentee's row blank; every sheet's header frozen and its columns as wide as their text;
    a name that looks like a formula stays text in every sheet."""
    s001 = db.session.scalar(sa.select(Participant).join(Participant.user).where(
        Participant.session_id == started.id, sa.text("employee_no = 'S001'"))).user
    s001.name = "=HYPERLINK(\"http://x\")"
    db.session.commit()
    answer_and_end(started, {k: v for k, v in ANSWERS.items() if k != "S002"})
    auth.login("J100")
    workbook = load_workbook(io.BytesIO(client.get(f"/sessions/{started.id}/results.xlsx").data))
    assert workbook.sheetnames == ["成绩", "作答明细", "机构统计"]
    responses = workbook["作答明细"]
    rows = list(responses.iter_rows(values_only=True))
    assert rows[0] == ("工号", "姓名", "机构", "第1题 判断 答案:对", "第2题 判断 答案:错", "第3题 单选 答案:A",
                       "第4题 单选 答案:B", "第5题 多选 答案:ABD", "第6题 多选 答案:ACD")
    by_number = {row[0]: row for row in rows[1:]}
    assert by_number["S001"][1:] == ("'=HYPERLINK(\"http://x\")", "海淀支行", "对", "对", "A", "C", "AB", "ACD")
    assert by_number["S002"][3:] == (None,) * 6  # absent: no answers
    line = 2 + [row[0] for row in rows[1:]].index("S001")
    fills = [responses.cell(line, column).fill.fgColor.rgb[-6:] for column in range(4, 10)]
    assert fills == ["DDF2E0", "FADBD8", "DDF2E0", "FADBD8", "FFF2CC", "DDF2E0"]  # AB of ABD: partly
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes in ("A2", "D2") and all(cell.font.bold for cell in sheet[1])
    assert responses.freeze_panes == "D2"  # number, name and branch stay in view
    results = workbook["成绩"]
    assert [row[2] for row in results.iter_rows(values_only=True) if row[1] == "S001"] == ["'=HYPERLINK(\"http://x\")"]
    assert results.column_dimensions["C"].width >= len("'=HYPERLINK(\"http://x\")")
    assert results.column_dimensions["A"].width < 10 and responses.column_dimensions["I"].width >= 20
