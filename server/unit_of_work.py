"""The database session class: work registered to run after the transaction commits.

Operations change and flush; one place commits: the request (pages, API, CLI) or the event
handler (Socket.IO, the ticker, the answer writer).  Work that must happen only once the change
is on disk (emits to browsers, starting a worker process) is registered with
server.database.after_commit and runs right after the commit succeeds, whoever commits; a
rollback, or the end of the session, drops it.  No imports from the app: server.extensions uses
this class for db.session."""
from __future__ import annotations

import logging

from flask_sqlalchemy.session import Session as FlaskSession

log = logging.getLogger(__name__)
AFTER_COMMIT = "examhall_after_commit"


class Session(FlaskSession):
    def commit(self) -> None:
        super().commit()
        # In order; an action may register more (they run in the next round).  An action that
        # fails is logged and the rest still run: the change is already durable.
        while pending := self.info.pop(AFTER_COMMIT, None):
            for action in pending:
                try:
                    action()
                except Exception:
                    log.exception("after-commit action %r failed", action)

    def rollback(self) -> None:
        self.info.pop(AFTER_COMMIT, None)
        super().rollback()

    def close(self) -> None:
        self.info.pop(AFTER_COMMIT, None)
        super().close()
