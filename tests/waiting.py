"""Waiting in tests for what the test needs to have happened, not for a fixed time: a fixed sleep
is too short on a busy machine and too long on an idle one."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import gevent

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float = 10.0, message: str = "the condition never held",
               interval: float = 0.01) -> T:
    """Call ``predicate`` until it returns something truthy, and return that; fail the test with
    ``message`` after ``timeout`` seconds.  Between calls it sleeps with gevent, so greenlets the
    test is waiting on (the answer writer, the dashboards' timers) run, and so do threads."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"after {timeout:g} s: {message}")
        gevent.sleep(interval)
