"""`flask --app wsgi documents issue SESSION_ID` as an operator runs it: a real interpreter loading
wsgi.py, with a pool of signing processes, run twice on the same session."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from server.documents.models import IssuedDocument, IssueJob
from server.extensions import db
from tests.builders import answer_and_end

ROOT = Path(__file__).resolve().parents[3]


def _issue(session_id: int, database_url: str, instance: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "EXAMHALL_INSTANCE_PATH": instance,
           "SECRET_KEY": "test-secret-key", "EXAMHALL_BASE_URL": "https://exam.example.cn"}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "documents", "issue", str(session_id),
               "--processes", "2"]  # the pool, whatever the machine's cores: the path that hung
    try:
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"`documents issue {session_id}` still ran after 120 s: {exc.stderr}") from None


def test_issuing_twice_from_the_command_line_ends_and_issues_each_document_once(app, started, migrated):
    app.config.update(DOCUMENTS_AUTO_ISSUE=False)  # the command issues them, not the end
    answer_and_end(started)
    for attempt in ("first", "second"):  # the second finds every document there already
        result = _issue(started.id, migrated, app.instance_path)
        assert result.returncode == 0, (attempt, result.stdout, result.stderr)
        assert "7 of 7 documents issued" in result.stdout, (attempt, result.stdout)
        assert "leaked" not in result.stderr, (attempt, result.stderr)
    db.session.expire_all()
    jobs = db.session.scalars(sa.select(IssueJob).where(IssueJob.session_id == started.id)).all()
    assert [(job.state, job.done, job.total) for job in jobs] == [("done", 7, 7)] * 2
    documents = db.session.scalars(sa.select(IssuedDocument).where(IssuedDocument.session_id == started.id)).all()
    assert len(documents) == 7 and not any(document.revoked for document in documents)
    assert len({(d.kind, d.participant_id) for d in documents}) == 7


def test_the_authority_command_makes_the_signing_folder_once_and_names_it(app):
    folder = Path(app.instance_path) / "signing"
    runner = app.test_cli_runner()
    first = runner.invoke(args=["documents", "authority"])
    assert first.exit_code == 0, first.output
    assert first.output.strip() == str(folder)
    key = (folder / "authority-key.pem").read_bytes()
    assert runner.invoke(args=["documents", "authority"]).output.strip() == str(folder)
    assert (folder / "authority-key.pem").read_bytes() == key  # made once, never replaced
