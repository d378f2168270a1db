"""How much one connection may ask of the live server: a token bucket per connection, one for
answers and one for every other event.  A person never comes near these numbers (a trainee
answers a few times a minute; a page that reconnects resends at most a paper's worth of
answers at once); a script that floods the server is refused with `too_fast` after the first
burst, before anything is read from or written to the database, so one connection cannot slow
the group commit for everyone else.  Plain arithmetic, no I/O: a few microseconds per event."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

# Largest id, sequence number or count a client may send: PostgreSQL's integer.  (The page
# counts its sequence numbers from 1; JavaScript counts exactly far beyond this.)
MAX_INT = 2**31 - 1
# Open /live connections per account in one server process: a trainee with a phone and a PC,
# and a reload or two in between; not hundreds.
MAX_CONNECTIONS_PER_USER = 6


@dataclass(frozen=True)
class Rate:
    burst: float  # events allowed at once
    per_second: float  # and then this many per second


ANSWERS = Rate(burst=200, per_second=10)  # a whole paper resent after a reconnect fits in the burst
OTHER = Rate(burst=30, per_second=3)  # enter, sync, focus_lost, watch, control...


@dataclass
class Bucket:
    rate: Rate
    tokens: float = -1.0
    at: float = field(default_factory=time.monotonic)

    def take(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if self.tokens < 0:
            self.tokens = self.rate.burst
        self.tokens = min(self.rate.burst, self.tokens + (now - self.at) * self.rate.per_second)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class ConnectionLimits:
    """Every open connection's buckets, by Socket.IO sid; dropped when it disconnects.  The rates
    are the app's LIVE_ANSWER_RATE and LIVE_EVENT_RATE when set (tests make them small)."""

    def __init__(self):
        self._buckets: dict[str, tuple[Bucket, Bucket]] = {}

    def allow(self, sid: str, event: str, config) -> bool:
        buckets = self._buckets.get(sid)
        if buckets is None:
            buckets = self._buckets[sid] = (Bucket(config.get("LIVE_ANSWER_RATE", ANSWERS)),
                                            Bucket(config.get("LIVE_EVENT_RATE", OTHER)))
        return buckets[0 if event == "answer" else 1].take()

    def forget(self, sid: str) -> None:
        self._buckets.pop(sid, None)

    def __len__(self) -> int:
        return len(self._buckets)
