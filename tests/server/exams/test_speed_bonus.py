"""The speed bonus is kept apart from knowledge points: a score never reads above full marks,
pass or fail never depends on speed, and the bonus is shown beside the score only where the
paper uses it."""
from __future__ import annotations

import io
from decimal import Decimal as D

import sqlalchemy as sa
from openpyxl import load_workbook

from server.database import commit
from server.exams import operations as exams
from server.exams.models import Participant
from server.exams.results import participant_sheet, session_results
from server.extensions import db
from server.models import utcnow
from server.papers import operations as papers


def _fast_exam(people, bank, make_trainees):
    """Six questions worth 12; 1 bonus point per question, falling to 0 over 60 s.  S000 answers
    everything right at once; S001 gets 7 of 12 right at once (60% of 12 is 7.2)."""
    paper = papers.create_paper(people["inv_bj"], people["inv_bj"].branch, papers.PaperSettings(
        name="抢答卷", points_judge="1", points_single="2", points_multi="3", speed_bonus_points="1",
        speed_bonus_seconds=60, multi_rule="exact"))
    papers.set_questions(paper, [q for q in db.session.scalars(sa.text(
        "SELECT id FROM question WHERE bank_id = :bank ORDER BY id"), {"bank": bank.id})])
    session = exams.create_session(people["inv_bj"], paper, "", "timed", make_trainees(2))
    exams.freeze(session)
    session.status, session.started_at = "running", utcnow()
    commit()
    right = {"S000": ("T", "F", "A", "B", "ABD", "ACD"), "S001": ("T", "F", "A", "C", "ABD", "B")}  # 12; 7
    questions = sorted(session.questions, key=lambda q: q.position)
    for participant in db.session.scalars(sa.select(Participant).where(Participant.session_id == session.id)):
        for seq, (question, choice) in enumerate(zip(questions, right[participant.user.employee_no],
                                                     strict=True), start=1):
            exams.record_answer(session, participant, question, choice, seq, session.started_at)
    exams.end_session(session)
    commit()
    return session


def test_the_score_never_reads_above_full_marks_and_pass_does_not_depend_on_speed(people, bank, make_trainees):
    session = _fast_exam(people, bank, make_trainees)
    rows = {r.employee_no: r for r in session_results(session).rows}
    assert (rows["S000"].total, rows["S000"].max_total, rows["S000"].bonus) == (D(12), D(12), D(6))
    assert (rows["S001"].total, rows["S001"].bonus) == (D(7), D(4))  # 11 with the bonus: still below 7.2
    assert rows["S000"].passed and not rows["S001"].passed
    for row in rows.values():
        lines = participant_sheet(db.session.get(Participant, row.participant_id))
        assert all(line.points <= line.question.points for line in lines)
        assert sum(line.points for line in lines) == row.total and sum(line.bonus for line in lines) == row.bonus


def test_pages_and_exports_show_the_bonus_apart(client, auth, people, bank, make_trainees):
    session = _fast_exam(people, bank, make_trainees)
    auth.login("J100")
    page = client.get(f"/sessions/{session.id}/results").get_data(as_text=True)
    assert "速度加分" in page and "12 / 12" in page and "18 / 12" not in page
    workbook = load_workbook(io.BytesIO(client.get(f"/sessions/{session.id}/results.xlsx").data))
    sheet = workbook["成绩"]
    header = [cell.value for cell in sheet[1]]
    rows = {row[1]: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert (rows["S000"]["得分"], rows["S000"]["满分"], rows["S000"]["速度加分"]) == (12, 12, 6)
    assert rows["S001"]["是否通过"] == "未通过"


def test_a_paper_without_the_bonus_shows_no_bonus_column(client, auth, people, started):
    from tests.builders import answer_and_end

    answer_and_end(started)
    auth.login("J100")
    assert "速度加分" not in client.get(f"/sessions/{started.id}/results").get_data(as_text=True)
