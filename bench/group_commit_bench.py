"""Benchmark: PostgreSQL group-commit throughput through the real answer path.  N trainees
answer one question each through live.writer.commit_answers (check, grade, store, commit) in
groups of 1 (one transaction per answer: the baseline), 64 and 512, with synchronous_commit on
(each commit waits for its WAL flush); answers/s and the ratios against the baseline, in one run.
One writer, as in a server process; the network and the dashboard are not in it.

Usage: python bench/group_commit_bench.py [N] [POSTGRES_URL]   (default 2000 trainees,
postgresql+psycopg://127.0.0.1:5432/test; a database examhall_bench_gc is made there and
dropped after).
Prints JSON."""
from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

BATCHES = (1, 64, 512)
DATABASE = "examhall_bench_gc"


def _database(server: str, create: bool) -> str:
    """Drops the benchmark's database on ``server``, and makes it afresh when ``create``."""
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {DATABASE}"))
        if create:
            connection.execute(sa.text(f"CREATE DATABASE {DATABASE}"))
    engine.dispose()
    return sa.make_url(server).set(database=DATABASE).render_as_string(hide_password=False)


def _run(session, question, participants, batch: int) -> float:
    """Open ``question`` and have every trainee answer it, ``batch`` answers per commit."""
    from live.writer import AnswerJob, commit_answers
    from server.extensions import db
    from server.models import utcnow

    now = utcnow()
    session.current_question_id, session.question_open = question.id, True
    session.question_opened_at, session.question_deadline_at = now, now + timedelta(hours=1)
    db.session.commit()
    jobs = [AnswerJob(session.id, participant, question.id, question.answer, 1, now) for participant in participants]
    started = time.perf_counter()
    for first in range(0, len(jobs), batch):
        acks, _totals = commit_answers(jobs[first:first + batch])
        assert all(ack.get("ok") for ack in acks), acks[:1]
    seconds = time.perf_counter() - started
    session.question_open = False
    db.session.commit()
    return len(jobs) / seconds


def main(count: int, server: str) -> dict:
    from bench.seed import seeded_exam
    from server.exams import operations as exams
    from server.exams.models import Participant
    from server.extensions import db
    from server.models import utcnow

    url = _database(server, create=True)
    with tempfile.TemporaryDirectory() as folder, \
            seeded_exam(folder, count, "bench-password", len(BATCHES), 3600, "群提交基准", url=url) as seeded:
        session = seeded.session
        exams.freeze(session)
        session.status, session.started_at = "running", utcnow()
        db.session.commit()
        synchronous = db.session.scalar(sa.text("SHOW synchronous_commit"))
        participants = list(db.session.scalars(
            sa.select(Participant.id).where(Participant.session_id == session.id).order_by(Participant.id)))
        questions = sorted(session.questions, key=lambda q: q.position)
        rates = {batch: _run(session, question, participants, batch)
                 for batch, question in zip(BATCHES, questions, strict=True)}
    _database(server, create=False)
    return {"benchmark": "group_commit", "answers_per_batch_size": count, "synchronous_commit": synchronous,
            "answers_per_second": {str(batch): round(rate) for batch, rate in rates.items()},
            "ratios_vs_one_transaction_per_answer": {str(batch): round(rate / rates[1], 1)
                                                     for batch, rate in rates.items() if batch != 1}}


if __name__ == "__main__":
    args = sys.argv[1:]
    print(json.dumps(main(int(args[0]) if args else 2000,
                          args[1] if len(args) > 1 else "postgresql+psycopg://127.0.0.1:5432/test"), indent=2))
