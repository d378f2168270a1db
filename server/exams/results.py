"""Results of a session: the table, statistics, per-branch breakdown, one participant's row and
sheet, item analysis and the regrade preview.  Reads the stored grades in a fixed number of
queries whatever the roster's size; the arithmetic is grading/'s.

An ended session's table is kept per process, keyed by the session's ``results_version``, which
ending and every regrade move on: a process never serves a table another one has outdated."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from grading import (
    Attempt,
    Outcome,
    Response,
    Void,
    analyse_items,
    competition_ranks,
    grade_answer,
    histogram,
    pass_threshold,
    passed,
    points_text,
    regrade,
)
from grading.model import Grade
from server.exams.models import Answer, LiveSession, Participant, SessionQuestion, SessionStatus, is_absent, sat_exam
from server.exams.scoring import counted_max, policy_for, snapshot
from server.extensions import db
from server.models import Branch, User

CACHED_SESSIONS = 16  # ended sessions' tables kept per process


@dataclass(frozen=True)
class ResultRow:
    """One participant's result, as plain data (rows outlive the database session in the cache).
    An absentee (缺考: on the roster, never entered the session) has no rank and no pass or fail,
    and counts in no statistic."""

    participant_id: int
    employee_no: str
    name: str
    branch: str
    total: Decimal
    max_total: Decimal
    rank: int | None
    passed: bool
    answered: int
    seconds: float | None
    absent: bool = False
    bonus: Decimal = Decimal(0)  # the speed bonus: shown apart, never in total, pass or rank

    @property
    def result(self) -> str:
        return "absent" if self.absent else ("passed" if self.passed else "failed")


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

    absent: int = 0

    def row(self, participant_id: int) -> ResultRow | None:
        return next((r for r in self.rows if r.participant_id == participant_id), None)

    @property
    def sitting(self) -> list[ResultRow]:
        """The rows of those who sat the exam (absentees left out)."""
        return [r for r in self.rows if not r.absent]


def time_taken(session: LiveSession, joined_at: datetime | None, finished_at: datetime | None,
               last_answer_at: datetime | None, answer_seconds: float | None) -> float | None:
    """How long this trainee really took, in seconds.

    Paced: the invigilator sets the pace, so it is the time the trainee took to answer, summed
    over the questions they answered (each from the moment it opened).  Timed: from when they
    could start (the start, or their first entry if they came later) to when they handed in
    (交卷, or submitted at the tab-switch limit); one who never handed in is timed to their last
    saved answer, not to the end everyone shares."""
    if session.paced:
        return answer_seconds
    start = max(filter(None, (session.started_at, joined_at)), default=None)
    handed_in = finished_at is not None and (session.ended_at is None or finished_at < session.ended_at)
    end = finished_at if handed_in else last_answer_at
    return max(0.0, (end - start).total_seconds()) if start and end else None


SORT_KEYS = {
    "rank": lambda r: (r.absent, r.rank or 0, r.employee_no),
    "name": lambda r: r.name,
    "employee_no": lambda r: r.employee_no,
    "branch": lambda r: (r.branch, r.rank),
    "total": lambda r: (r.absent, -r.total, r.employee_no),
    "time": lambda r: (r.seconds is None, r.seconds or 0),
}


def _roster(session: LiveSession, only: int | None = None):
    """Participants (not removed) with their name, number, branch and when they answered: one query."""
    timing = (sa.select(Answer.participant_id, sa.func.max(Answer.received_at).label("last_answer_at"),
                        sa.func.sum(Answer.seconds).label("answer_seconds"))
              .join(Participant, Participant.id == Answer.participant_id)
              .where(Participant.session_id == session.id, *([Participant.id == only] if only is not None else []))
              .group_by(Answer.participant_id).subquery())
    query = (sa.select(Participant.id, Participant.total, Participant.bonus, Participant.answered,
                       Participant.question_order,
                       Participant.finished_at, Participant.joined_at, User.employee_no, User.name,
                       Branch.name.label("branch"), timing.c.last_answer_at, timing.c.answer_seconds)
             .join(User, User.id == Participant.user_id).join(Branch, Branch.id == Participant.branch_id)
             .outerjoin(timing, timing.c.participant_id == Participant.id)
             .where(Participant.session_id == session.id, Participant.removed.is_(False)))
    if only is not None:
        query = query.where(Participant.id == only)
    return db.session.execute(query).all()


def _row(session: LiveSession, questions: list[SessionQuestion], p, rank: int | None) -> ResultRow:
    maximum = counted_max(questions, p.question_order) if p.question_order else Decimal(0)
    absent = is_absent(p.joined_at, p.answered)
    return ResultRow(p.id, p.employee_no, p.name, p.branch, p.total, maximum, None if absent else rank,
                     not absent and passed(p.total, maximum, session.pass_percent), p.answered,
                     None if absent else time_taken(session, p.joined_at, p.finished_at, p.last_answer_at,
                                                    p.answer_seconds), absent, p.bonus or Decimal(0))


def _build(session: LiveSession, bins: int) -> SessionResults:
    questions = list(session.questions)
    people = _roster(session)
    ranks = competition_ranks({p.id: p.total for p in people if not is_absent(p.joined_at, p.answered)})
    all_rows = sorted((_row(session, questions, p, ranks.get(p.id)) for p in people), key=SORT_KEYS["rank"])
    rows = [r for r in all_rows if not r.absent]  # statistics: those who sat the exam
    maximum = max((r.max_total for r in rows), default=session.max_total)
    totals = [r.total for r in rows]
    distribution = [(f"{points_text(low)}–{points_text(high)}", count)
                     for low, high, count in histogram(totals, maximum, bins)]
    branches: dict[str, list[ResultRow]] = {}
    for row in rows:
        branches.setdefault(row.branch, []).append(row)
    absent: dict[str, int] = {}
    for row in all_rows:
        if row.absent:
            absent[row.branch] = absent.get(row.branch, 0) + 1
            branches.setdefault(row.branch, [])
    by_branch = [{"branch": name, "count": len(group), "absent": absent.get(name, 0),
                  "passed": sum(r.passed for r in group),
                  "pass_rate": sum(r.passed for r in group) / len(group) if group else 0.0,
                  "mean": sum((r.total for r in group), Decimal(0)) / len(group) if group else Decimal(0)}
                 for name, group in sorted(branches.items())]
    return SessionResults(
        session, all_rows, pass_threshold(maximum, session.pass_percent),
        sum(r.passed for r in rows) / len(rows) if rows else 0.0,
        sum(totals, Decimal(0)) / len(totals) if totals else Decimal(0),
        max(totals, default=Decimal(0)), min(totals, default=Decimal(0)), distribution, by_branch,
        absent=len(all_rows) - len(rows))


def _cache() -> OrderedDict:
    return current_app.extensions.setdefault("examhall_results", OrderedDict())


def session_results(session: LiveSession, sort: str = "rank", bins: int = 10) -> SessionResults:
    """The whole table in two queries (the questions, the roster with names and branches); an
    ended session's comes from this process's cache while its results_version stands."""
    cacheable = session.status == SessionStatus.ENDED and bins == 10
    key = (session.id, session.results_version)
    cache = _cache() if cacheable else None
    results = cache.get(key) if cache is not None else None
    if results is None:
        results = _build(session, bins)
        if cache is not None:
            cache[key] = replace(results, session=None)
            while len(cache) > CACHED_SESSIONS:
                cache.popitem(last=False)
    elif cache is not None:
        cache.move_to_end(key)
    ordered = sorted(results.rows, key=SORT_KEYS.get(sort, SORT_KEYS["rank"]))
    return replace(results, session=session, rows=ordered)


def forget_results(session: LiveSession) -> None:
    """Changes: moves the session's results_version on, so that every process builds its table
    again (call after anything that changes results: the end, a regrade)."""
    session.results_version = (session.results_version or 0) + 1


def participant_row(session: LiveSession, participant_id: int) -> ResultRow | None:
    """One participant's row without building the table: their rank is one count of those
    ahead (competition ranking, as the table's)."""
    found = _roster(session, participant_id)
    if not found:
        return None
    p = found[0]
    ahead = 0 if is_absent(p.joined_at, p.answered) else db.session.scalar(
        sa.select(sa.func.count()).select_from(Participant).where(_sitting(session), Participant.total > p.total))
    return _row(session, list(session.questions), p, ahead + 1)


def present_ranks(session_id: int) -> dict[int, int]:
    """Every participant's rank among those present (sitting: not removed, not absent), ranked as
    the results table ranks them, from one query of the totals."""
    totals = dict(db.session.execute(sa.select(Participant.id, Participant.total).where(
        Participant.session_id == session_id, Participant.removed.is_(False), sat_exam())).all())
    return competition_ranks(totals)


@dataclass
class SheetLine:
    position: int
    question: SessionQuestion
    choice: str
    points: Decimal  # knowledge points, out of the question's
    outcome: str
    bonus: Decimal = Decimal(0)  # the speed bonus, apart


def _lines(order: list[int], by_id: dict[int, SessionQuestion], answers: dict[int, Answer],
           policy) -> list[SheetLine]:
    """A sheet's lines; a question left unanswered is worth what grading says no answer is worth
    (its points, when it was voided with full points), so the lines add up to the total."""
    lines = []
    for position, question_id in enumerate(order, start=1):
        answer, question = answers.get(question_id), by_id[question_id]
        points = answer.points if answer else grade_answer(snapshot(question), None, policy).points
        lines.append(SheetLine(position, question, answer.choice if answer else "", points,
                               answer.outcome if answer else Outcome.UNANSWERED.value,
                               answer.bonus if answer else Decimal(0)))
    return lines


def participant_sheet(participant: Participant) -> list[SheetLine]:
    """Every question in the order the participant had it, with their answer, the key and points."""
    by_id = {q.id: q for q in participant.session.questions}
    answers = {a.session_question_id: a for a in db.session.scalars(
        sa.select(Answer).where(Answer.participant_id == participant.id))}
    return _lines(participant.question_order, by_id, answers, policy_for(participant.session))


def participant_sheets(session: LiveSession) -> dict[int, list[SheetLine]]:
    """Every participant's sheet (participant id -> lines) in three queries, for issuing."""
    by_id = {q.id: q for q in session.questions}
    orders = dict(db.session.execute(sa.select(Participant.id, Participant.question_order).where(
        Participant.session_id == session.id, Participant.removed.is_(False))).all())
    answers: dict[int, dict[int, Answer]] = {pid: {} for pid in orders}
    for answer in _answers(session):
        answers[answer.participant_id][answer.session_question_id] = answer
    policy = policy_for(session)
    return {pid: _lines(order, by_id, answers[pid], policy) for pid, order in orders.items()}


def _answers(session: LiveSession):
    return db.session.scalars(sa.select(Answer).join(Participant).where(
        Participant.session_id == session.id, Participant.removed.is_(False)))


def answer_grid(session: LiveSession) -> dict[int, dict[int, Answer]]:
    """Every participant's answers by session question id, keyed by participant id: one query."""
    grid: dict[int, dict[int, Answer]] = {}
    for answer in _answers(session):
        grid.setdefault(answer.participant_id, {})[answer.session_question_id] = answer
    return grid


def _sitting(session: LiveSession):
    """Participants who sat the exam: on the roster, not removed, and not absent (is_absent)."""
    return sa.and_(Participant.session_id == session.id, Participant.removed.is_(False), sat_exam())


def item_analysis(session: LiveSession):
    questions = [q for q in map(snapshot, session.questions) if q.counts]
    grades: dict[int, dict[int, Grade]] = {pid: {} for pid in db.session.scalars(
        sa.select(Participant.id).where(_sitting(session)))}  # absentees would read as wrong answers
    choices: dict[int, dict[int, str]] = {pid: {} for pid in grades}
    for a in _answers(session):
        if a.participant_id not in grades:
            continue
        grades[a.participant_id][a.session_question_id] = Grade(a.points, Outcome(a.outcome), a.bonus)
        choices[a.participant_id][a.session_question_id] = a.choice
    return analyse_items(questions, grades, choices)


@dataclass(frozen=True)
class RegradeLine:
    participant: Participant
    employee_no: str
    name: str
    old_total: Decimal
    new_total: Decimal
    old_passed: bool
    new_passed: bool
    new_max: Decimal
    new_points: dict[int, tuple[Decimal, Decimal, str]]  # answer id -> (points, bonus, outcome)
    changed: bool
    new_bonus: Decimal = Decimal(0)


def regrade_preview(session: LiveSession, keys: dict[int, str], voids: dict[int, Void]) -> list[RegradeLine]:
    """Every participant's stored total and pass/fail against what they would be with the
    corrected keys and voids, on top of earlier regrades (grading.regrade, fed from storage in
    three queries).  Nothing is written."""
    people = list(db.session.execute(
        sa.select(Participant, User.employee_no, User.name).join(User, User.id == Participant.user_id)
        .where(_sitting(session))).all())  # absentees keep no score: a full-points void gives them nothing
    responses: dict[int, dict[int, Response]] = {p.id: {} for p, _no, _name in people}
    answer_ids: dict[tuple[int, int], int] = {}
    for a in _answers(session):
        if a.participant_id not in responses:
            continue
        responses[a.participant_id][a.session_question_id] = Response(a.session_question_id, a.choice, a.seconds)
        answer_ids[(a.participant_id, a.session_question_id)] = a.id
    attempts = {p.id: Attempt(responses[p.id], p.question_order, p.total) for p, _no, _name in people}
    changes = {c.participant: c for c in regrade([snapshot(q) for q in session.questions], attempts,
                                                  policy_for(session), session.pass_percent, keys, voids)}
    lines = []
    for participant, employee_no, name in people:
        change = changes[participant.id]
        new_points = {answer_ids[(participant.id, q)]: (g.points, g.bonus, g.outcome.value)
                      for q, g in change.grades.items()}
        lines.append(RegradeLine(participant, employee_no, name, change.old_total, change.new_total,
                                 change.old_passed, change.new_passed, change.new_max, new_points, change.changed,
                                 change.new_bonus))
    return lines


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""

