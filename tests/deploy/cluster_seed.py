"""Seeds a paced exam into a running trial cluster's database (deploy/local/cluster.sh has
upgraded and seeded the demo): ``count`` trainees in the head office, an invigilator, an API
token each, and a paced session of the demo bank's first ``questions`` questions.

    python -m tests.deploy.cluster_seed COUNT QUESTIONS QUESTION_SECONDS   (DATABASE_URL etc. set)

prints {"session_id": ..., "staff_token": ..., "tokens": [...]} on stdout."""
from __future__ import annotations

import hashlib
import json
import secrets
import sys


def seed(count: int, questions: int, question_seconds: int) -> dict:
    import sqlalchemy as sa

    from server import create_app
    from server.bank import formats
    from server.bank.models import Question
    from server.bank.operations import import_into
    from server.demo import DEMO_BANK_FILE
    from server.exams import operations as exams
    from server.extensions import db
    from server.models import ApiToken, Branch, Role, User, utcnow
    from server.papers import operations as papers

    app = create_app()
    with app.app_context():
        head = db.session.scalar(sa.select(Branch).where(Branch.kind == "head_office"))
        tag = secrets.token_hex(3).upper()
        staff = User(employee_no=f"J{tag}", name="集群监考", branch=head, role=Role.INVIGILATOR.value,
                     password_hash="!")  # signs in by token only
        db.session.add(staff)
        db.session.execute(sa.insert(User), [
            {"employee_no": f"C{tag}{n:04d}", "name": f"集群学员{n}", "branch_id": head.id, "role": "trainee",
             "active": True, "password_hash": "!", "must_change_password": False, "session_version": 1,
             "created_at": utcnow()} for n in range(count)])
        db.session.flush()
        users = list(db.session.scalars(sa.select(User).where(User.employee_no.like(f"C{tag}%")).order_by(User.id)))
        raw = {u.id: "exh_" + secrets.token_urlsafe(24) for u in [*users, staff]}
        expires = utcnow().replace(year=utcnow().year + 1)
        db.session.execute(sa.insert(ApiToken), [
            {"user_id": uid, "token_hash": hashlib.sha256(token.encode()).hexdigest(), "created_at": utcnow(),
             "expires_at": expires} for uid, token in raw.items()])
        result = formats.parse(DEMO_BANK_FILE.read_bytes(), DEMO_BANK_FILE.name, "text")
        bank = import_into(None, f"集群题库{tag}", head, result, DEMO_BANK_FILE.name).bank
        paper = papers.create_paper(staff, head, papers.PaperSettings(
            name=f"集群卷{tag}", question_seconds=question_seconds))
        papers.set_questions(paper, list(db.session.scalars(
            sa.select(Question.id).where(Question.bank_id == bank.id).order_by(Question.id)))[:questions])
        session = exams.create_session(staff, paper, "集群考试", "paced", users)
        db.session.commit()
        return {"session_id": session.id, "staff_token": raw[staff.id], "tokens": [raw[u.id] for u in users]}


if __name__ == "__main__":
    print(json.dumps(seed(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))))
