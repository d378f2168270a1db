"""The time each trainee really took, as results, exports and sheets show it (not the time from
the start to the end that everyone shares)."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from server.database import commit
from server.exams import operations as exams
from server.exams.models import Participant
from server.exams.results import session_results
from server.extensions import db
from server.models import utcnow


def _participants(session) -> dict[str, Participant]:
    return {p.user.employee_no: p for p in db.session.scalars(
        sa.select(Participant).where(Participant.session_id == session.id))}


def test_a_timed_paper_times_each_trainee_to_hand_in_or_last_answer(fixed_paper, people, make_trainees):
    session = exams.create_session(people["inv_bj"], fixed_paper, "计时卷", "timed", make_trainees(4))
    exams.freeze(session)
    start = utcnow() - timedelta(minutes=30)
    session.status, session.started_at = "running", start
    at = {minutes: start + timedelta(minutes=minutes) for minutes in range(-5, 31)}
    who = _participants(session)
    first = sorted(session.questions, key=lambda q: q.position)[0]
    # S000 was waiting in the lobby and handed in (交卷) after 5 minutes.
    who["S000"].joined_at = at[-5]
    exams.record_answer(session, who["S000"], first, "T", seq=1, now=at[3])
    who["S000"].finished_at = at[5]
    # S001 never handed in: timed to the last saved answer, 7 minutes in.
    who["S001"].joined_at = at[0]
    exams.record_answer(session, who["S001"], first, "T", seq=1, now=at[2])
    exams.record_answer(session, who["S001"], first, "F", seq=2, now=at[7])
    # S002 came 2 minutes late and handed in at 4: two minutes of work.
    who["S002"].joined_at = at[2]
    exams.record_answer(session, who["S002"], first, "T", seq=1, now=at[3])
    who["S002"].finished_at = at[4]
    # S003 never came (缺考): no time at all.
    exams.end_session(session, now=at[30])  # everyone else's attempt closes at the same moment
    commit()

    seconds = {r.employee_no: r.seconds for r in session_results(session).rows}
    assert seconds == {"S000": 300, "S001": 420, "S002": 120, "S003": None}


def test_a_paced_paper_times_each_answer_from_its_question_opening(fixed_paper, people, make_trainees):
    session = exams.create_session(people["inv_bj"], fixed_paper, "逐题", "paced", make_trainees(2))
    exams.freeze(session)
    start = utcnow() - timedelta(minutes=10)
    session.status, session.started_at = "running", start
    who = _participants(session)
    for participant in who.values():
        participant.joined_at = start
    one, two = sorted(session.questions, key=lambda q: q.position)[:2]
    for question, opened, taken in ((one, 0, {"S000": 4, "S001": 20}), (two, 60, {"S000": 6, "S001": 25})):
        session.current_question_id, session.question_opened_at = question.id, start + timedelta(seconds=opened)
        for number, seconds in taken.items():
            exams.record_answer(session, who[number], question, "T", seq=question.position,
                                now=start + timedelta(seconds=opened + seconds))
    exams.end_session(session, now=start + timedelta(minutes=5))
    commit()

    seconds = {r.employee_no: r.seconds for r in session_results(session).rows}
    assert seconds == {"S000": 10, "S001": 45}
