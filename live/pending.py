"""Dashboard updates waiting to go out, and who sends them.  A burst of answers or joins is
gathered for a moment and sent as one event; this module keeps what was gathered and decides
which timer sends it.

One process: a set per session in memory (``InProcess``).  Several processes (a Redis message
queue): what each process gathers goes to Redis and exactly one timer per session and interval,
in whichever process saw the first change, sends it for all of them (``InRedis``).  Kept per
process, every process would send its own partial event each interval: the dashboard would get N
events per interval, each built from one process's view, and their order across the queue is not
guaranteed, so an older count could arrive last and stay on screen."""
from __future__ import annotations

from collections.abc import Iterable

PREFIX = "examhall:pending"


class InProcess:
    shared = False

    def __init__(self):
        self._due: dict[tuple[str, int], set[int]] = {}

    def add(self, kind: str, session_id: int, participant_ids: Iterable[int]) -> bool:
        """Gather ``participant_ids`` for the session's next ``kind`` event ("counts",
        "progress"); True when the caller should start the timer that sends it."""
        key = (kind, session_id)
        first = key not in self._due
        self._due.setdefault(key, set()).update(participant_ids)
        return first

    def take(self, kind: str, session_id: int) -> set[int]:
        """What was gathered, now the timer fires; the next change starts a new timer."""
        return self._due.pop((kind, session_id), set())

    def sessions(self) -> set[int]:
        return {session_id for _kind, session_id in self._due}

    def forget(self, session_id: int) -> None:
        for key in [k for k in self._due if k[1] == session_id]:
            del self._due[key]


class InRedis:
    """The ids in a Redis set per session and kind; the timer is a key taken with SET NX.  The
    key expires after ``lease`` seconds, so when the process holding it is killed before it
    sends, a later change in another process starts a new timer and nothing stays unsent."""
    shared = True

    def __init__(self, url: str, lease: float = 10.0):
        import redis

        self._redis = redis.Redis.from_url(url)
        self._lease_ms = int(lease * 1000)

    def add(self, kind: str, session_id: int, participant_ids: Iterable[int]) -> bool:
        ids, timer = self._keys(kind, session_id)
        with self._redis.pipeline(transaction=False) as pipe:
            members = list(participant_ids)
            if members:
                pipe.sadd(ids, *members)
                pipe.pexpire(ids, self._lease_ms * 6)  # nothing is left behind if every process dies
            pipe.set(timer, 1, nx=True, px=self._lease_ms)
            return bool(pipe.execute()[-1])

    def take(self, kind: str, session_id: int) -> set[int]:
        ids, timer = self._keys(kind, session_id)
        with self._redis.pipeline(transaction=True) as pipe:  # MULTI: no id added in between is lost
            pipe.smembers(ids)
            pipe.delete(ids, timer)
            members = pipe.execute()[0]
        return {int(member) for member in members}

    def sessions(self) -> set[int]:
        return set()  # nothing is held in this process

    def forget(self, session_id: int) -> None:
        self._redis.delete(*(key for kind in ("counts", "progress") for key in self._keys(kind, session_id)))

    @staticmethod
    def _keys(kind: str, session_id: int) -> tuple[str, str]:
        return f"{PREFIX}:{session_id}:{kind}:ids", f"{PREFIX}:{session_id}:{kind}:timer"


def pending_for(message_queue: str | None):
    """Shared through Redis when the processes share a Redis message queue, else in memory.  (A
    non-Redis queue, through kombu, keeps them per process: each process then sends its own.)"""
    if message_queue and message_queue.startswith(("redis://", "rediss://")):
        return InRedis(message_queue)
    return InProcess()
