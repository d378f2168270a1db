"""Work that must not run on the live event loop.

One gevent loop carries every websocket of every exam on a process, so anything that can take
more than a few milliseconds of CPU leaves it.  Argon2 (a C library that releases the GIL while
it hashes) runs on gevent's bounded thread pool: the loop keeps serving while a native thread
hashes, and at most ``THREADS`` hashes run at once.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from gevent import get_hub

T = TypeVar("T")

THREADS = 4


def in_thread(function: Callable[..., T], *args, **kwargs) -> T:
    """``function(*args, **kwargs)`` on a native thread; the calling greenlet waits, the loop runs.

    Only for code that releases the GIL (argon2, zlib, hashlib on large inputs): Python code on a
    thread still holds the GIL and stalls the loop as much as it would inline.
    """
    pool = get_hub().threadpool
    if pool.maxsize != THREADS:
        pool.maxsize = THREADS
    return pool.apply(function, args, kwargs)
