"""The group commit grades from plain rows loaded per batch (live/writer.py).  It must agree,
answer for answer, with the reference path that results and regrades use: exams.record_answer
on ORM objects."""
from __future__ import annotations

import sqlalchemy as sa

from live import controls
from live.writer import AnswerJob, commit_answers
from server.bank.models import Question
from server.exams import operations as exams
from server.exams.models import Answer, Participant
from server.extensions import db
from server.papers import operations as papers

# Display letters each trainee sends, per question type: right, wrong, partly right, invalid.
CHOICES = {"judge": ["T", "F", "T", "F", "X", "T"],
           "single": ["A", "B", "C", "D", "AB", "A"],
           "multi": ["ABD", "AB", "A", "ABCD", "CD", "Z"]}


def _stored():
    return {(a.participant_id, a.session_question_id): (a.choice, a.points, a.bonus, a.outcome)
            for a in db.session.scalars(sa.select(Answer))}


def _totals(session_id: int):
    return {p.id: (p.total, p.answered) for p in db.session.scalars(
        sa.select(Participant).where(Participant.session_id == session_id))}


def test_the_group_commit_grades_as_record_answer_does(app, bank, people, make_trainees, clock):
    paper = papers.create_paper(people["inv_bj"], people["inv_bj"].branch, papers.PaperSettings(
        name="乱序限时卷", multi_rule="partial", points_multi="3", shuffle_options=True, paper_seconds=600,
        speed_bonus_points="1", speed_bonus_seconds=60))
    papers.set_questions(paper, list(db.session.scalars(
        sa.select(Question.id).where(Question.bank_id == bank.id).order_by(Question.id))))
    session = exams.create_session(people["inv_bj"], paper, "", "timed", make_trainees(6))
    controls.start(session, clock.now())
    session_id = session.id
    questions = sorted(session.questions, key=lambda q: q.position)
    questions[1].void = "full_points"  # as after a regrade: everyone gets the points
    voided_id = questions[1].id
    db.session.commit()
    clock.advance(5)
    participants = sorted(db.session.scalars(sa.select(Participant).where(Participant.session_id == session.id)),
                          key=lambda p: p.id)
    answers = [(p, q, CHOICES[q.type][n]) for n, p in enumerate(participants) for q in questions]

    # The reference, then thrown away: nothing of it is committed.
    for seq, (participant, question, choice) in enumerate(answers, start=1):
        exams.record_answer(session, participant, question, choice, seq, clock.now())
    db.session.flush()
    expected, expected_totals = _stored(), _totals(session_id)
    db.session.rollback()
    assert _stored() == {}

    jobs = [AnswerJob(session_id, participant.id, question.id, choice, seq, clock.now())
            for seq, (participant, question, choice) in enumerate(answers, start=1)]
    acks, _totals_by_participant = commit_answers(jobs[:20])  # two groups, as the writer would
    more, _ = commit_answers(jobs[20:])
    db.session.remove()

    statuses = [ack.get("status") or ack["error"]["code"] for ack in acks + more]
    assert statuses.count("saved") == len(expected) and set(statuses) <= {"saved", "invalid_choice"}
    assert _stored() == expected
    assert _totals(session_id) == expected_totals
    last_seq = {p.id: p.last_seq for p in db.session.scalars(sa.select(Participant))}
    highest_seq = {}
    for job, ack in zip(jobs, acks + more, strict=True):
        if ack["ok"]:
            highest_seq[job.participant_id] = max(highest_seq.get(job.participant_id, 0), job.seq)
    assert last_seq == highest_seq  # the writer also keeps each trainee's highest accepted number
    outcomes = {outcome for _choice, _points, _bonus, outcome in expected.values()}
    bonuses = {bonus for _choice, _points, bonus, _outcome in expected.values()}
    assert {"correct", "wrong", "partial"} <= outcomes and len(bonuses) > 1  # the cases were all there
    assert all(v[3] == "correct" for (_p, q), v in expected.items() if q == voided_id)


def test_tab_switches_go_through_the_group_commit(app, fixed_paper, people, make_trainees, clock):
    """A page that reports losing focus over and over costs one commit per group, not one per
    event: 120 reports at once from two trainees are counted exactly, in a handful of commits,
    and the attempt is submitted at the paper's limit."""
    import gevent

    from live.writer import FocusJob, writer_for

    fixed_paper.tab_switch_limit = 100
    session = exams.create_session(people["inv_bj"], fixed_paper, "", "timed", make_trainees(2))
    controls.start(session, clock.now())
    db.session.commit()
    first, second = sorted(db.session.scalars(sa.select(Participant.id).where(Participant.session_id == session.id)))
    commits = []

    def count(_connection):
        commits.append(1)

    sa.event.listen(db.engine, "commit", count)
    try:
        writer = writer_for(app)
        jobs = [FocusJob(session.id, who, clock.now()) for who in [first] * 110 + [second] * 10]
        greenlets = gevent.joinall([gevent.spawn(writer.submit, job) for job in jobs], raise_error=True)
    finally:
        sa.event.remove(db.engine, "commit", count)
    acks = [greenlet.value for greenlet in greenlets]
    assert all(ack["ok"] for ack in acks)
    assert len(commits) <= 10, len(commits)
    assert sorted(a["tab_switches"] for a in acks if a.get("submitted") is not None)[-1] == 100
    assert sum(1 for a in acks if a.get("submitted")) == 1  # the 100th of the first trainee
    db.session.expire_all()
    counted = dict(db.session.execute(sa.select(Participant.id, Participant.tab_switches).where(
        Participant.session_id == session.id)).all())
    assert counted == {first: 100, second: 10}
    assert db.session.get(Participant, first).finished_at is not None
