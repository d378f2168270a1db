"""The database the live benchmarks run on: a head office, an invigilator (J0001), ``count``
trainees (T000000, ...) sharing one password hash, and a paced session of the demo bank's
first questions for all of them, in a fresh SQLite file (or
an empty PostgreSQL database)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class Seeded:
    url: str
    staff: object  # server.models.User
    users: list  # the trainees, by id
    session: object  # server.exams.models.LiveSession


@contextmanager
def seeded_exam(folder: str, count: int, password: str, questions: int, question_seconds: int,
                title: str, url: str | None = None) -> Iterator[Seeded]:
    """Seeds, then yields inside the app context (a caller may add rows, e.g. API tokens, and
    commits them); the engine is disposed on the way out.  ``url``: an empty database to seed
    instead of the SQLite file."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from server import create_app
    from server.auth import passwords
    from server.bank import formats
    from server.bank.models import Question
    from server.bank.operations import import_into
    from server.branches.operations import create_branch
    from server.demo import DEMO_BANK_FILE
    from server.exams import operations as exams
    from server.extensions import db
    from server.models import Role, User, utcnow
    from server.papers import operations as papers

    url = url or f"sqlite:///{folder}/bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": folder, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        head = create_branch("HQ", "总行", "head_office", None)
        password_hash = passwords.hash_password(password)
        staff = User(employee_no="J0001", name="监考员", branch=head, role=Role.INVIGILATOR.value,
                     password_hash=password_hash)
        db.session.add(staff)
        db.session.execute(sa.insert(User), [
            {"employee_no": f"T{n:06d}", "name": f"学员{n}", "branch_id": head.id, "role": "trainee",
             "active": True, "password_hash": password_hash, "must_change_password": False,
             "session_version": 1, "created_at": utcnow()} for n in range(count)])
        db.session.commit()
        users = list(db.session.scalars(sa.select(User).where(User.role == "trainee").order_by(User.id)))
        result = formats.parse(DEMO_BANK_FILE.read_bytes(), DEMO_BANK_FILE.name, "text")
        bank = import_into(None, "基准题库", head, result, DEMO_BANK_FILE.name).bank
        paper = papers.create_paper(staff, head, papers.PaperSettings(name="基准卷", question_seconds=question_seconds))
        papers.set_questions(paper, list(db.session.scalars(
            sa.select(Question.id).where(Question.bank_id == bank.id).order_by(Question.id)))[:questions])
        session = exams.create_session(staff, paper, title, "paced", users)
        db.session.commit()
        yield Seeded(url, staff, users, session)
        db.engine.dispose()
