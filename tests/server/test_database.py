"""The database: connection settings and migrations that match the models."""
from __future__ import annotations

import warnings

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from server.config import SQLITE_BUSY_TIMEOUT_MS
from server.extensions import db


def test_sqlite_pragmas_are_applied_on_every_connection(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas: this run uses PostgreSQL")
    for _ in range(2):  # a fresh connection each time, not a pooled one
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            pragmas = {
                name: cursor.execute(f"PRAGMA {name}").fetchone()[0]
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
        finally:
            raw.invalidate()
        assert pragmas == {
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
            "synchronous": 2,  # FULL
        }


def test_foreign_keys_are_enforced(app):
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO \"user\" (employee_no, name, branch_id, role, active, password_hash, "
            "must_change_password, session_version, created_at) "
            "VALUES ('X1', 'x', 999999, 'trainee', true, 'h', false, 1, CURRENT_TIMESTAMP)"
        ))


def test_postgresql_runs_through_psycopg_3(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL driver: this run uses SQLite")
    assert db.engine.dialect.driver == "psycopg"


def test_migrations_match_the_models(app):
    """Alembic's autogenerate finds nothing to add: every model change has its migration."""
    with db.engine.connect() as conn, warnings.catch_warnings():
        # SQLite cannot reflect expression indexes (uq_issued_document_current); its migration is
        # checked by behaviour in tests/server/documents.
        warnings.filterwarnings("ignore", message=".*expression-based index")
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
