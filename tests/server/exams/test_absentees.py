"""缺考: trainees on the roster who never entered the session.  They are not failed participants:
no rank, no pass or fail, in no statistic or item analysis, given nothing by a full-points void,
issued no document; the results, exports and sheets say 缺考."""
from __future__ import annotations

import io
import re
from decimal import Decimal as D

import sqlalchemy as sa
from openpyxl import load_workbook

from grading import Void
from server.database import commit
from server.exams import exports
from server.exams import operations as exams
from server.exams.models import Participant
from server.exams.results import item_analysis, participant_row, regrade_preview, session_results
from server.extensions import db
from tests.builders import ANSWERS, answer_and_end
from tests.conftest import Auth


def _sit(session, absent: set[str]):
    """Everyone but ``absent`` answers as ANSWERS says (and so has entered); then the session ends."""
    answer_and_end(session, {number: answers for number, answers in ANSWERS.items() if number not in absent})


def test_an_absentee_is_kept_out_of_ranks_pass_rate_and_statistics(started):
    _sit(started, absent={"S002"})  # S002 would have scored 0
    results = session_results(started)
    rows = {r.employee_no: r for r in results.rows}
    assert (rows["S002"].absent, rows["S002"].rank, rows["S002"].result) == (True, None, "absent")
    assert [r.employee_no for r in results.rows][-1] == "S002"  # listed after everyone ranked
    assert sorted(r.rank for r in results.sitting) == [1, 2, 3]
    assert results.absent == 1 and len(results.sitting) == 3
    assert results.pass_rate == 2 / 3  # S000 and S001 of the three who sat
    assert results.mean == D(12 + 8 + 7) / 3 and results.lowest == 7
    assert sum(count for _label, count in results.distribution) == 3
    branch = next(b for b in results.by_branch if b["branch"] == "海淀支行")
    assert (branch["count"], branch["absent"], branch["passed"]) == (2, 1, 2)
    assert all(item.participants == 3 for item in item_analysis(started))
    absentee = db.session.scalar(sa.select(Participant).join(Participant.user).where(
        Participant.session_id == started.id, Participant.user.has(employee_no="S002")))
    assert absentee.passed is None and participant_row(started, absentee.id).rank is None


def test_a_full_points_void_gives_an_absentee_nothing(started, people):
    _sit(started, absent={"S002"})
    question = next(q for q in started.questions if q.type == "judge")
    preview = {line.employee_no for line in regrade_preview(started, {}, {question.id: Void.FULL_POINTS})}
    assert "S002" not in preview
    exams.apply_regrade(people["inv_bj"], started, {}, {question.id: Void.FULL_POINTS}, reason="题目有歧义")
    commit()
    rows = {r.employee_no: r for r in session_results(started).rows}
    assert rows["S002"].total == 0 and rows["S002"].absent


def test_exports_and_pages_say_absent(app, client, auth, people, started):
    _sit(started, absent={"S002"})
    auth.login("J100")
    page = client.get(f"/sessions/{started.id}/results").get_data(as_text=True)
    assert 'id="absent-count">1<' in page and "缺考" in page
    table = re.search(r'<table class="table" id="by-branch">(.*?)</table>', page, re.S).group(1)
    header = re.findall(r"<th[^>]*>(.*?)</th>", table)
    cells = {re.findall(r"<td[^>]*>(.*?)</td>", row)[0]: dict(zip(header, re.findall(r"<td[^>]*>(.*?)</td>", row),
                                                                 strict=True))
             for row in re.findall(r"<tr><td>.*?</tr>", table, re.S)}
    assert (cells["海淀支行"]["参加人数"], cells["海淀支行"]["缺考"], cells["海淀支行"]["通过"]) == ("2", "1", "2")
    workbook = load_workbook(io.BytesIO(client.get(f"/sessions/{started.id}/results.xlsx").data))
    rows = {row[1]: row for row in workbook["成绩"].iter_rows(min_row=2, values_only=True)}
    assert rows["S002"][0] in (None, "") and rows["S002"][6] == "缺考" and rows["S000"][6] == "通过"
    csv_text = client.get(f"/sessions/{started.id}/results.csv").data.decode("utf-8-sig")
    assert ",S002," in csv_text and "缺考" in csv_text
    trainee = app.test_client()
    Auth(trainee).login("S002")
    mine = trainee.get("/my/results").get_data(as_text=True)
    assert "缺考" in mine
    assert exports.RESULT_WORDS["absent"] == "缺考"
