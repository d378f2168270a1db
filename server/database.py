"""Connection settings every database connection gets, whatever opened it."""
from __future__ import annotations

import sqlalchemy as sa

from server.config import SQLITE_BUSY_TIMEOUT_MS, SQLITE_SYNCHRONOUS


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
