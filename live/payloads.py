"""What is sent to whom.  Trainee payloads never carry a key, another trainee's answer, or a
distribution before the question closes; everything that does is built in one place here."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from grading import Outcome, QuestionType
from live.clock import iso
from server.exams.models import Answer, LiveSession, Participant, SessionQuestion, SessionStatus
from server.exams.results import present_ranks
from server.extensions import db
from server.papers import draw
from server.papers.models import ShowKey


def remaining(deadline: datetime | None, now: datetime, session: LiveSession, extra: int = 0) -> float | None:
    if session.paused_at is not None:  # the clock stands still: what was left, and this trainee's own extra
        return None if session.remaining_seconds is None else session.remaining_seconds + extra
    if deadline is None:
        return None
    return max(0.0, (deadline - now).total_seconds() + extra)


def timing(deadline: datetime | None, now: datetime, session: LiveSession, extra: int = 0) -> dict:
    """The clock part of an event: the server's time, the absolute deadline, and the seconds
    left including ``extra`` (a trainee's own extra time)."""
    return {"server_time": iso(now), "deadline": iso(deadline),
            "remaining": remaining(deadline, now, session, extra)}


def question_for_trainee(question: SessionQuestion, participant: Participant) -> dict:
    """The question as this trainee sees it: options relabelled A, B, C… in their shuffled order."""
    order = (participant.option_orders or {}).get(str(question.id)) or "".join(sorted(question.options))
    options = [{"letter": chr(ord("A") + i), "text": question.options[canonical]}
               for i, canonical in enumerate(order)] if question.options else []
    position = participant.question_order.index(question.id) + 1 if question.id in participant.question_order else None
    return {"id": question.id, "position": position, "total": len(participant.question_order),
            "type": question.type, "stem": question.stem, "options": options, "points": str(question.points)}


def revealed(question: SessionQuestion, participant: Participant | None, counts: dict | None) -> dict:
    """What is shown after a question closes: the key in the trainee's letters, and how many
    picked each option."""
    order = (participant.option_orders or {}).get(str(question.id)) if participant else None
    judge = question.type == QuestionType.JUDGE
    payload = {"question_id": question.id, "key": question.answer if judge else draw.to_display(order, question.answer)}
    if counts is not None:
        payload["distribution"] = {k if judge else draw.to_display(order, k): v for k, v in counts.items()}
    if question.explanation:
        payload["explanation"] = question.explanation
    return payload


def ranks(session: LiveSession):
    """Each trainee's rank among those present, ``{"rank", "of"}``; None for every trainee when
    the session does not show trainees their rank (then no payload carries one).  The totals are
    read in one query the first time it is asked."""
    session_id, shown, loaded = session.id, session.show_ranks, None

    def build(participant: Participant) -> dict | None:
        nonlocal loaded
        if not shown:
            return None
        if loaded is None:
            loaded = present_ranks(session_id)
        return {"rank": loaded[participant.id], "of": len(loaded)} if participant.id in loaded else None

    return build


def question_result(question: SessionQuestion, participant: Participant, answer: Answer | None,
                    rank: dict | None = None) -> dict:
    """How this trainee did on a closed question: right, partly right, wrong or unanswered, the
    points it won, the running total (knowledge points) and, when the paper shows ranks, her
    rank.  Only for a closed question whose key the paper shows after each question."""
    result = {"question_id": question.id, "outcome": answer.outcome if answer else Outcome.UNANSWERED,
              "points": str(answer.points if answer else 0), "total": str(participant.total)}
    if rank:
        result["rank"] = rank
    return result


def question_results(question: SessionQuestion):
    """``question_result`` for each trainee who has the question in their paper (None for the
    others), the answers read in one query the first time it is asked."""
    answers: dict[int, Answer] = {}
    loaded = False
    rank = ranks(question.session)

    def build(participant: Participant) -> dict | None:
        nonlocal loaded
        if question.id not in (participant.question_order or []):
            return None
        if not loaded:
            answers.update((a.participant_id, a) for a in db.session.scalars(
                sa.select(Answer).where(Answer.session_question_id == question.id)))
            loaded = True
        return question_result(question, participant, answers.get(participant.id), rank(participant))

    return build


def summaries(session: LiveSession):
    """Each trainee's per-question outcomes at the end (✓/✗ in their own order), the session's
    answers read in one query the first time it is asked."""
    outcomes: dict[int, dict[int, str]] = {}
    loaded = False

    def build(participant: Participant) -> list[dict]:
        nonlocal loaded
        if not loaded:
            rows = db.session.execute(sa.select(Answer.participant_id, Answer.session_question_id, Answer.outcome)
                                      .join(Participant).where(Participant.session_id == session.id))
            for participant_id, question_id, outcome in rows:
                outcomes.setdefault(participant_id, {})[question_id] = outcome
            loaded = True
        mine = outcomes.get(participant.id, {})
        return [{"position": n, "outcome": mine.get(question_id, Outcome.UNANSWERED)}
                for n, question_id in enumerate(participant.question_order or [], start=1)]

    return build


def score(participant: Participant, rank: dict | None) -> dict:
    """A trainee's final score and pass or fail, with her rank when the paper shows ranks."""
    result = {"total": str(participant.total), "passed": participant.passed}
    if rank:
        result["rank"] = rank
    return result


def ended(session: LiveSession):
    """The ``ended`` payload for each trainee: score and pass or fail (and rank, when the paper
    shows ranks), and, when the paper shows keys at all, the per-question outcomes."""
    summary, rank = summaries(session), ranks(session)

    def build(participant: Participant) -> dict:
        if session.show_key == ShowKey.NEVER:
            return {}
        return {"score": score(participant, rank(participant)), "summary": summary(participant)}

    return build


def saved_answers(participant: Participant) -> dict:
    rows = db.session.scalars(sa.select(Answer).where(Answer.participant_id == participant.id))
    result = {}
    for answer in rows:
        order = (participant.option_orders or {}).get(str(answer.session_question_id))
        result[str(answer.session_question_id)] = {"choice": draw.to_display(order, answer.choice), "seq": answer.seq,
                                                   "final": answer.final}
    return result


def trainee_state(session: LiveSession, participant: Participant, now: datetime) -> dict:
    """The full snapshot a (re)connecting trainee gets."""
    state = {
        "session": {"id": session.id, "title": session.title, "mode": session.pacing, "status": session.status,
                    "show_key": session.show_key},
        "server_time": iso(now),
        "participant_id": participant.id,
        "finished": participant.finished_at is not None or participant.removed,
        "answers": saved_answers(participant),
        "last_seq": participant.last_seq,
        "question": None, "questions": [], "deadline": None, "remaining": None, "question_open": False,
    }
    by_id = {q.id: q for q in session.questions}
    in_progress = session.status in (SessionStatus.RUNNING, SessionStatus.PAUSED)
    if in_progress and session.paced and session.current_question_id:
        question = by_id[session.current_question_id]
        state["question"] = question_for_trainee(question, participant)
        state["question_open"] = session.question_open
        state["deadline"] = iso(session.deadline)  # none once the question has closed: no clock runs
        state["remaining"] = remaining(session.deadline, now, session, participant.extra_seconds)
        if not session.question_open and session.show_key == ShowKey.AFTER_QUESTION:
            state["revealed"] = revealed(question, participant, None)
            if question.id in participant.question_order:
                answer = db.session.scalar(sa.select(Answer).where(
                    Answer.participant_id == participant.id, Answer.session_question_id == question.id))
                state["result"] = question_result(question, participant, answer, ranks(session)(participant))
    elif in_progress and not session.paced:
        state["questions"] = [question_for_trainee(by_id[i], participant) for i in participant.question_order]
        state["deadline"] = iso(session.deadline_at)
        state["remaining"] = remaining(session.deadline_at, now, session, participant.extra_seconds)
    if session.status == SessionStatus.ENDED:
        state["score"] = score(participant, ranks(session)(participant))
        if session.show_key != ShowKey.NEVER:
            state["summary"] = summaries(session)(participant)
    return state
