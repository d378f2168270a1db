"""Migrations run on databases that hold an exam office's data, not only on empty ones: 0006
rebuilds tables (SQLite batch mode) and backfills the settings sessions now keep; nothing may be
lost or cascade away."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from server import create_app
from server.extensions import db
from tests.conftest import POSTGRES_SERVER, TEST_DATABASE


@pytest.fixture
def empty_database(tmp_path):
    """A database of its own (this test migrates it up and down)."""
    if TEST_DATABASE == "sqlite":
        yield f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"
        return
    server = sa.make_url(POSTGRES_SERVER)
    name = f"examhall_upgrade_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _insert(conn, table: str, **values) -> int:
    columns = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    insert = f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING id"  # noqa: S608 (our own names)
    return conn.execute(sa.text(insert), values).scalar()


def _populate_0005(conn) -> dict:
    """A paper with two questions (one shuffled paper, one not), a running session on each, a
    participant with answers, one to a question voided 'remove'."""
    now = "2026-11-30 08:00:00"
    branch = _insert(conn, "branch", code="HQ", name="总行", kind="head_office", path="/1/", created_at=now)
    user = _insert(conn, "\"user\"", employee_no="T1", name="学员", branch_id=branch, role="trainee", active=True,
                   password_hash="x", must_change_password=False, session_version=1, created_at=now)
    bank = _insert(conn, "question_bank", name="题库", description="", branch_id=branch, created_at=now)
    questions = [_insert(conn, "question", bank_id=bank, type="single", stem=f"题{n}", options='{"A": "甲", "B": "乙"}',
                         answer="A", explanation="", fingerprint=f"f{n}", source_file="", source_number=str(n),
                         source_line=n, version=1, is_current=True, retired=False, created_at=now, updated_at=now)
                 for n in range(2)]
    ids = {}
    for shuffled in (True, False):
        paper = _insert(conn, "paper", name=f"卷{shuffled}", branch_id=branch, mode="fixed", points_judge=100,
                        points_single=200, points_multi=200, multi_rule="exact", rounding_step=50, pass_percent=6000,
                        shuffle_questions=False, shuffle_options=shuffled, show_key="after_exam", created_at=now)
        for position, question in enumerate(questions, start=1):
            _insert(conn, "paper_question", paper_id=paper, question_id=question, position=position)
        session = _insert(conn, "live_session", paper_id=paper, title="考试", branch_id=branch, mode="paced",
                          status="running", join_code=f"C{int(shuffled)}", seed=1, multi_rule="exact",
                          rounding_step=50, pass_percent=6000, show_key="after_exam", max_total=400,
                          created_at=now, question_open=False)
        frozen = [_insert(conn, "session_question", session_id=session, question_id=q, position=n, type="single",
                          stem="题", options='{"A": "甲", "B": "乙"}', answer="A", original_answer="A",
                          points=200, explanation="", void="remove" if n == 1 else None)
                  for n, q in enumerate(questions, start=1)]
        participant = _insert(conn, "participant", session_id=session, user_id=user, branch_id=branch,
                              question_order=f"[{frozen[0]}, {frozen[1]}]",
                              option_orders=f'{{"{frozen[0]}": "BA"}}' if shuffled else "{}", total=250,
                              answered=2, removed=False, tab_switches=0, extra_seconds=0, last_seq=2)
        for seq, question in enumerate(frozen, start=1):
            _insert(conn, "answer", participant_id=participant, session_question_id=question, choice="A", seq=seq,
                    points=200, bonus=50 if seq == 2 else 0, outcome="correct", received_at=now)
        ids[shuffled] = {"paper": paper, "session": session, "removed_question": frozen[0]}
    conn.execute(sa.text("UPDATE paper SET shuffle_options = :yes WHERE id = :id"),
                 {"yes": True, "id": ids[False]["paper"]})  # edited after its session started
    return ids


def test_upgrading_a_database_with_papers_sessions_and_answers_keeps_every_row(empty_database, tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "x",
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context():
        upgrade(revision="0005")
        with db.engine.begin() as conn:
            ids = _populate_0005(conn)
        counts_before = _counts()
        upgrade()
        assert _counts() == counts_before  # nothing cascaded away in the table rebuilds
        with db.engine.connect() as conn:
            for shuffled, made in ids.items():
                selection, shuffle_options, pacing = conn.execute(sa.text(
                    "SELECT selection, shuffle_options, pacing FROM live_session WHERE id = :id"),
                    {"id": made["session"]}).one()
                assert (selection, bool(shuffle_options), pacing) == ("fixed", shuffled, "paced")
                # The started sessions keep what they did, whatever their paper says now.
                assert conn.execute(sa.text("SELECT selection FROM paper WHERE id = :id"),
                                    {"id": made["paper"]}).scalar() == "fixed"
                points = conn.execute(sa.text("SELECT points FROM answer WHERE session_question_id = :id"),
                                      {"id": made["removed_question"]}).scalar()
                assert points == 0  # a removed question's answer counts nothing, as grading stores it now
                total, bonus = conn.execute(sa.text("SELECT total, bonus FROM participant WHERE session_id = :id"),
                                            {"id": made["session"]}).one()
                assert (total, bonus) == (200, 50)  # 2.00 knowledge points, 0.50 speed bonus apart
        downgrade(revision="0005")
        assert _counts() == counts_before
        upgrade()
        assert _counts() == counts_before
        db.engine.dispose()


def _counts() -> dict:
    with db.engine.connect() as conn:
        return {table: conn.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar()  # noqa: S608
                for table in ("branch", "user", "question", "paper", "paper_question", "live_session",
                              "session_question", "participant", "answer")}
