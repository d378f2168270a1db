"""What the live exam keeps in a server process, in one object with a lifecycle: the answer
writer, the deadline ticker, the heartbeat, each session's leaderboard, which session a frozen question belongs
to, and the dashboard updates waiting to go out (live.pending: with several processes, in Redis).
Everything else lives in the database.

A session's entries are dropped when it ends (``forget``); a session another process ended is
noticed by the ticker (``forget_ended``).  Nothing here outlives the app: it is the app's
``extensions["examhall_live"]``."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from flask import Flask

from grading import Leaderboard
from live.limits import ConnectionLimits
from live.pending import pending_for
from live.presence import presence_for
from live.principal import Identities

EXTENSION = "examhall_live"


class Runtime:
    def __init__(self, app: Flask):
        self.app = app
        self.writer = None  # live.writer.AnswerWriter, made on first use
        self.ticker = None  # the deadline ticker's greenlet, started with the first connection
        self.boards: dict[int, Leaderboard] = {}  # session id -> leaderboard
        self.question_sessions: dict[int, int] = {}  # frozen question id -> session id
        # Dashboard updates gathered to go out: in memory, or in Redis with several processes.
        self.pending = pending_for(app.config.get("SOCKETIO_MESSAGE_QUEUE"))
        # Who is connected to this process, and its heartbeat (in Redis with several processes).
        self.presence = presence_for(app)
        self.answer_paths: Counter = Counter()  # "fast" / "request": which way answers came in
        self.limits = ConnectionLimits()  # each open connection's event budget
        self.identities = Identities()  # whose sign-in still stands (checked on every event)

    def sessions(self) -> set[int]:
        """Sessions this process holds anything for."""
        return set(self.boards) | set(self.question_sessions.values()) | self.pending.sessions()

    def forget(self, session_id: int) -> None:
        """Drop everything kept for a session (it has ended)."""
        self.boards.pop(session_id, None)
        self.pending.forget(session_id)
        for question_id in [q for q, s in self.question_sessions.items() if s == session_id]:
            del self.question_sessions[question_id]

    def forget_ended(self, ended: Iterable[int]) -> None:
        for session_id in ended:
            self.forget(session_id)


def runtime_for(app: Flask) -> Runtime:
    runtime = app.extensions.get(EXTENSION)
    if runtime is None:
        runtime = app.extensions[EXTENSION] = Runtime(app)
    return runtime
