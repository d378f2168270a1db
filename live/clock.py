"""The server is the only clock.  The live engine asks this module for the time, so tests hand
the app a FakeClock and move time without sleeping."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from server.models import utcnow


class SystemClock:
    def now(self) -> datetime:
        return utcnow()


class FakeClock:
    def __init__(self, start: datetime | None = None):
        self.current = start or utcnow()

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


def now(app=None) -> datetime:
    """The server's time, from ``app``'s clock (the current app's when not given)."""
    return (app or current_app).config.get("LIVE_CLOCK", _SYSTEM).now()


def iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="milliseconds") + "Z" if value else None


_SYSTEM = SystemClock()
