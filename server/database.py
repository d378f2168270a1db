"""Connection settings every database connection gets, whatever opened it, and the one place
a transaction is committed (commit / rollback / after_commit)."""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from server.config import SQLITE_BUSY_TIMEOUT_MS, SQLITE_SYNCHRONOUS
from server.extensions import db
from server.unit_of_work import AFTER_COMMIT


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
    cursor.close()


def configure_engine(engine: sa.Engine) -> None:
    """Apply the SQLite pragmas on every new connection (PostgreSQL needs nothing here)."""
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)


# --- the unit of work ---------------------------------------------------------------------------
# Operations change and flush; one place commits: the request (pages, API, CLI) or the event
# handler (Socket.IO, the ticker, the answer writer).  db.session's class (server.unit_of_work)
# runs what after_commit() registered once the commit succeeds, and drops it on rollback.


def after_commit(action: Callable[[], None]) -> None:
    """Run ``action`` once the current transaction has committed (never if it rolls back)."""
    db.session.info.setdefault(AFTER_COMMIT, []).append(action)


def commit() -> None:
    """Commit the current transaction, then run what waited for it, in order."""
    db.session.commit()


def rollback() -> None:
    """Roll back the current transaction and forget what was waiting for its commit."""
    db.session.rollback()
