"""Results of a session: the table, statistics, per-branch breakdown, one participant's sheet,
item analysis and regrades.  Reads the stored grades; the arithmetic is grading/'s."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from grading import (
    Grade,
    Outcome,
    Response,
    Void,
    analyse_items,
    competition_ranks,
    grade_answer,
    pass_threshold,
    passed,
)
from server.exams.models import Answer, LiveSession, Participant, SessionQuestion
from server.exams.scoring import counted_max, policy_for, snapshot
from server.extensions import db
from server.models import User


@dataclass
class ResultRow:
    participant: Participant
    user: User
    total: Decimal
    max_total: Decimal
    rank: int
    passed: bool
    answered: int
    seconds: float | None


@dataclass
class SessionResults:
    session: LiveSession
    rows: list[ResultRow]
    threshold: Decimal
    pass_rate: float
    mean: Decimal
    highest: Decimal
    lowest: Decimal
    distribution: list[tuple[str, int]]
    by_branch: list[dict] = field(default_factory=list)


def _participants(session: LiveSession) -> list[Participant]:
    return list(db.session.scalars(sa.select(Participant).where(
        Participant.session_id == session.id, Participant.removed.is_(False))))


def _seconds(session: LiveSession, participant: Participant) -> float | None:
    start, end = session.started_at, participant.finished_at or session.ended_at
    return (end - start).total_seconds() if start and end else None


SORT_KEYS = {
    "rank": lambda r: (r.rank, r.user.employee_no),
    "name": lambda r: r.user.name,
    "employee_no": lambda r: r.user.employee_no,
    "branch": lambda r: (r.participant.branch.name, r.rank),
    "total": lambda r: (-r.total, r.user.employee_no),
    "time": lambda r: (r.seconds is None, r.seconds or 0),
}


def session_results(session: LiveSession, sort: str = "rank", bins: int = 10) -> SessionResults:
    questions = list(session.questions)
    participants = _participants(session)
    ranks = competition_ranks({p.id: p.total for p in participants})
    rows = []
    for p in participants:
        maximum = counted_max(questions, p.question_order) if p.question_order else Decimal(0)
        rows.append(ResultRow(p, p.user, p.total, maximum, ranks[p.id],
                              passed(p.total, maximum, session.pass_percent), p.answered, _seconds(session, p)))
    rows.sort(key=SORT_KEYS.get(sort, SORT_KEYS["rank"]))
    maximum = max((r.max_total for r in rows), default=session.max_total)
    totals = [r.total for r in rows]
    width = maximum / bins if maximum else Decimal(1)
    counts = [0] * bins
    for total in totals:
        counts[min(bins - 1, int(total / width))] += 1
    distribution = [(f"{(width * i).normalize():f}–{(width * (i + 1)).normalize():f}", counts[i]) for i in range(bins)]
    branches: dict[str, list[ResultRow]] = {}
    for row in rows:
        branches.setdefault(row.participant.branch.name, []).append(row)
    by_branch = [{"branch": name, "count": len(group),
                  "passed": sum(r.passed for r in group),
                  "pass_rate": sum(r.passed for r in group) / len(group),
                  "mean": sum((r.total for r in group), Decimal(0)) / len(group)}
                 for name, group in sorted(branches.items())]
    return SessionResults(
        session, rows, pass_threshold(maximum, session.pass_percent),
        sum(r.passed for r in rows) / len(rows) if rows else 0.0,
        sum(totals, Decimal(0)) / len(totals) if totals else Decimal(0),
        max(totals, default=Decimal(0)), min(totals, default=Decimal(0)), distribution, by_branch)


@dataclass
class SheetLine:
    position: int
    question: SessionQuestion
    choice: str
    points: Decimal
    outcome: str


def participant_sheet(participant: Participant) -> list[SheetLine]:
    """Every question in the order the participant had it, with their answer, the key and points."""
    by_id = {q.id: q for q in participant.session.questions}
    answers = {a.session_question_id: a for a in db.session.scalars(
        sa.select(Answer).where(Answer.participant_id == participant.id))}
    lines = []
    for position, question_id in enumerate(participant.question_order, start=1):
        answer = answers.get(question_id)
        lines.append(SheetLine(position, by_id[question_id], answer.choice if answer else "",
                               (answer.points + answer.bonus) if answer else Decimal(0),
                               answer.outcome if answer else Outcome.UNANSWERED.value))
    return lines


def _stored(session: LiveSession) -> tuple[list[Participant], dict[int, dict[int, Answer]]]:
    participants = _participants(session)
    answers: dict[int, dict[int, Answer]] = {p.id: {} for p in participants}
    rows = db.session.scalars(sa.select(Answer).join(Participant).where(
        Participant.session_id == session.id, Participant.removed.is_(False)))
    for answer in rows:
        answers[answer.participant_id][answer.session_question_id] = answer
    return participants, answers


def item_analysis(session: LiveSession):
    participants, answers = _stored(session)
    questions = [q for q in session.questions if q.void != "remove"]
    grades = {p.id: {q: Grade(a.points, Outcome(a.outcome), a.bonus) for q, a in answers[p.id].items()}
              for p in participants}
    choices = {p.id: {q: a.choice for q, a in answers[p.id].items()} for p in participants}
    return analyse_items([snapshot(q) for q in questions], grades, choices)


@dataclass(frozen=True)
class RegradeLine:
    participant: Participant
    old_total: Decimal
    new_total: Decimal
    old_passed: bool
    new_passed: bool
    new_max: Decimal
    new_points: dict[int, tuple[Decimal, Decimal, str]]  # answer id -> (points, bonus, outcome)

    @property
    def changed(self) -> bool:
        return self.old_total != self.new_total or self.old_passed != self.new_passed


def regrade_preview(session: LiveSession, keys: dict[int, str], voids: dict[int, Void]) -> list[RegradeLine]:
    """Every participant's stored total and pass/fail against what they would be with the
    corrected keys and voids (on top of earlier regrades).  Nothing is written."""
    participants, answers = _stored(session)
    policy = policy_for(session)
    questions = {q.id: q for q in session.questions}
    void_of = {q.id: (voids[q.id].value if q.id in voids else q.void) for q in questions.values()}
    corrected = {q.id: replace(snapshot(q), answer=keys.get(q.id, q.answer)) for q in questions.values()}
    lines = []
    for participant in participants:
        total, maximum, new_points = Decimal(0), Decimal(0), {}
        for question_id in participant.question_order:
            void = void_of[question_id]
            if void == "remove":
                continue
            question = corrected[question_id]
            maximum += question.points
            answer = answers[participant.id].get(question_id)
            if answer is None:
                total += question.points if void == "full_points" else 0
                continue
            grade = grade_answer(question, Response(question_id, answer.choice, answer.seconds), policy)
            points, outcome = grade.points, grade.outcome.value
            if void == "full_points":
                points, outcome = question.points, Outcome.CORRECT.value
            new_points[answer.id] = (points, grade.bonus, outcome)
            total += points + grade.bonus
        old_max = counted_max(list(questions.values()), participant.question_order)
        lines.append(RegradeLine(participant, participant.total, total,
                                 passed(participant.total, old_max, session.pass_percent),
                                 passed(total, maximum, session.pass_percent), maximum, new_points))
    return lines


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""
