"""Results, item analysis and regrades on a session with known answers."""
from __future__ import annotations

from decimal import Decimal as D

import pytest
import sqlalchemy as sa

from grading import Void
from server.errors import OperationError
from server.exams import operations as exams
from server.exams.models import AuditEntry, Participant
from server.exams.results import item_analysis, participant_sheet, regrade_preview, session_results
from server.extensions import db
from tests.builders import ANSWERS, answer_and_end
from tests.conftest import fresh


@pytest.fixture
def answered(started):
    """The session ended with the results ANSWERS gives: S000 12, S001 8, H000 7, S002 0."""
    answer_and_end(started)
    return started


def _rows(results):
    return {row.employee_no: row for row in results.rows}


def test_results_table_ranks_pass_and_breakdown(answered):
    results = session_results(answered)
    rows = _rows(results)
    assert {k: r.total for k, r in rows.items()} == {"S000": 12, "S001": 8, "S002": 0, "H000": 7}
    assert [r.employee_no for r in results.rows] == ["S000", "S001", "H000", "S002"]
    assert rows["S000"].rank == 1 and rows["S002"].rank == 4
    assert results.threshold == D("7.2")  # 60% of 12: 7.0 fails
    assert [k for k, r in rows.items() if r.passed] == ["S000", "S001"]
    assert results.pass_rate == 0.5 and results.highest == 12 and results.lowest == 0
    assert sum(count for _label, count in results.distribution) == 4
    branches = {b["branch"]: b for b in results.by_branch}
    assert branches["上海分行"]["count"] == 1 and branches["海淀支行"]["passed"] == 2
    assert [r.employee_no for r in session_results(answered, sort="name").rows] == sorted(
        ANSWERS, key=lambda no: f"用户{no}")


def test_a_participants_sheet_has_every_question_answer_key_and_points(answered):
    row = next(r for r in session_results(answered).rows if r.employee_no == "S001")
    participant = db.session.get(Participant, row.participant_id)
    sheet = participant_sheet(participant)
    assert [(line.choice, line.question.answer, line.points) for line in sheet] == [
        ("T", "T", 1), ("T", "F", 0), ("A", "A", 2), ("C", "B", 0), ("AB", "ABD", 2), ("ACD", "ACD", 3)]


def test_item_analysis_reports_each_question(answered):
    items = {i.question_id: i for i in item_analysis(answered)}
    assert len(items) == 6
    first = items[sorted(answered.questions, key=lambda q: q.position)[0].id]
    assert first.facility == 0.75 and first.option_counts == {"F": 1, "T": 3}


def test_regrade_dry_run_then_apply_with_audit_and_idempotence(answered, people):
    question = next(q for q in answered.questions if q.stem.startswith("假币"))  # key B; S001, S002, H000 chose C
    preview = {line.employee_no: line for line in regrade_preview(answered, {question.id: "C"}, {})}
    assert (preview["H000"].old_total, preview["H000"].new_total) == (D(7), D(9))
    assert (preview["H000"].old_passed, preview["H000"].new_passed) == (False, True)
    assert (preview["S000"].old_total, preview["S000"].new_total) == (D(12), D(10))
    assert fresh(question).answer == "B"  # the dry run wrote nothing

    with pytest.raises(OperationError):
        exams.apply_regrade(people["inv_bj"], answered, {question.id: "C"}, {}, reason="")
    regraded = exams.apply_regrade(people["inv_bj"], answered, {question.id: "C"}, {}, reason="答案印错")
    assert regraded.applied
    changed = regraded.changed
    assert {line.employee_no for line in changed} == {"S000", "S001", "S002", "H000"}
    rows = _rows(session_results(answered))
    assert rows["H000"].total == 9 and rows["H000"].passed
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "regrade"))
    assert entry.actor_id == people["inv_bj"].id and entry.reason == "答案印错"
    assert {c["employee_no"] for c in entry.details["changes"]} == {"S000", "S001", "S002", "H000"}

    again = exams.apply_regrade(people["inv_bj"], answered, {question.id: "C"}, {}, reason="再来一次")
    assert again == exams.Regraded(applied=False, changed=[])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 1
    assert _rows(session_results(answered))["H000"].total == 9


def test_voiding_a_question(answered, people):
    question = next(q for q in answered.questions if q.stem.startswith("假币"))
    exams.apply_regrade(people["admin"], answered, {}, {question.id: Void.FULL_POINTS}, reason="题目有歧义")
    rows = _rows(session_results(answered))
    assert rows["S002"].total == 2 and rows["S000"].total == 12
    exams.apply_regrade(people["admin"], answered, {}, {question.id: Void.REMOVE}, reason="删除此题")
    rows = _rows(session_results(answered))
    assert rows["S000"].total == 10 and rows["S000"].max_total == 10
