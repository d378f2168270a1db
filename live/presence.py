"""Who is connected to which server process, so that the drops of a process killed with
``kill -9`` are still written.  Such a process writes nothing more: a trainee whose browser went
with it would stay "connected" in the database, shown present on the dashboard and waited for by
a paced question until its deadline.

One process (no message queue): nothing to do (``Alone``), the process that held them is the
one restarting.  Several processes (a Redis message queue, ``InRedis``): each process beats every
tick (a key that expires after ``LIVE_PROCESS_TIMEOUT_SECONDS``, and the time of its last beat)
and keeps a hash of the trainees connected to it.  Any process's ticker that finds another's beat
expired takes the cleanup with SET NX (exactly one process does it; if that one dies too, the
claim expires and another does it), marks the dead process's trainees disconnected as of its
last beat, unless they connected again since (elsewhere), tells the dashboards, and only then
deletes the dead process's keys."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

PREFIX = "examhall:presence"
BEATS = f"{PREFIX}:beats"  # process token -> its last beat (ISO time): outlives the beat itself


@dataclass(frozen=True)
class Dead:
    """A process that stopped beating: its last beat and whom it held (session id -> participant ids)."""

    token: str
    last_beat: datetime
    held: dict[int, set[int]]


class Alone:
    """One process: if it dies, nobody is left to mark anyone, and nothing needs to be kept."""

    def held(self, sid: str, session_id: int, participant_id: int) -> None:
        pass

    def released(self, sid: str, session_ids: Iterable[int]) -> None:
        pass

    def beat(self, now: datetime) -> list[Dead]:
        return []

    def forget(self, dead: Dead) -> None:
        pass


class InRedis:
    """This process's heartbeat and connections in Redis, and the cleanup after the others."""

    def __init__(self, url: str, timeout: float):
        import redis

        self._redis = redis.Redis.from_url(url, decode_responses=True)
        self.token = uuid.uuid4().hex
        self._timeout_ms = int(timeout * 1000)

    def held(self, sid: str, session_id: int, participant_id: int) -> None:
        """Connection ``sid`` entered the session as this participant."""
        self._redis.hset(_members(self.token), f"{sid}:{session_id}", f"{session_id}:{participant_id}")

    def released(self, sid: str, session_ids: Iterable[int]) -> None:
        """Connection ``sid`` closed (its process writes the drop itself)."""
        fields = [f"{sid}:{session_id}" for session_id in session_ids]
        if fields:
            self._redis.hdel(_members(self.token), *fields)

    def beat(self, now: datetime) -> list[Dead]:
        """This process is alive at ``now``.  The processes whose beat has expired and whose
        cleanup this process has taken (it writes their drops, then calls ``forget``)."""
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(_alive(self.token), 1, px=self._timeout_ms)
            pipe.hset(BEATS, self.token, now.isoformat())
            # Should every process die, the hash goes by itself.
            pipe.pexpire(_members(self.token), self._timeout_ms * 20)
            pipe.hgetall(BEATS)
            beats = pipe.execute()[-1]
        others = [token for token in beats if token != self.token]
        if not others:
            return []
        with self._redis.pipeline(transaction=False) as pipe:
            for token in others:
                pipe.exists(_alive(token))
            alive = pipe.execute()
        return [self._dead(token, datetime.fromisoformat(beats[token]))
                for token, living in zip(others, alive, strict=True)
                if not living and self._redis.set(_claim(token), self.token, nx=True, px=self._timeout_ms * 10)]

    def _dead(self, token: str, last_beat: datetime) -> Dead:
        held: dict[int, set[int]] = {}
        for value in self._redis.hvals(_members(token)):
            session_id, participant_id = (int(part) for part in value.split(":"))
            held.setdefault(session_id, set()).add(participant_id)
        return Dead(token, last_beat, held)

    def forget(self, dead: Dead) -> None:
        """Its drops are written: its keys go (the claim expires by itself, so that a process that
        read the beats before this cannot claim it again)."""
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.delete(_members(dead.token), _alive(dead.token))
            pipe.hdel(BEATS, dead.token)
            pipe.execute()


def presence_for(app) -> Alone | InRedis:
    """Kept in Redis when the processes share a Redis message queue (as live.pending)."""
    queue = app.config.get("SOCKETIO_MESSAGE_QUEUE")
    if queue and queue.startswith(("redis://", "rediss://")):
        return InRedis(queue, float(app.config.get("LIVE_PROCESS_TIMEOUT_SECONDS", 5)))
    return Alone()


def _alive(token: str) -> str:
    return f"{PREFIX}:{token}:alive"


def _members(token: str) -> str:
    return f"{PREFIX}:{token}:members"


def _claim(token: str) -> str:
    return f"{PREFIX}:{token}:claim"
