"""What some tests need from the machine: Redis, Chromium, poppler's tools, a PostgreSQL server.

A test that needs a missing one is skipped, with the reason, and the rest of the run goes on;
with CI=true it fails instead, never skips.  The run's summary names what was missing.  Each is
found through an environment variable, so a test can point one at nothing:

EXAMHALL_TEST_REDIS_URL     the Redis server (default redis://127.0.0.1:6379; tests pick the database)
EXAMHALL_TEST_CHROMIUM      the Chromium executable (default /usr/bin/chromium)
EXAMHALL_TEST_POPPLER       the folder holding pdfsig, pdftotext... (default: the PATH)
EXAMHALL_TEST_POSTGRES_URL  the PostgreSQL server (read by tests/conftest.py)
"""
from __future__ import annotations

import os
import shutil
from typing import NoReturn
from urllib.parse import urlsplit

import pytest

REDIS_URL = os.environ.get("EXAMHALL_TEST_REDIS_URL", "redis://127.0.0.1:6379")
CHROMIUM = os.environ.get("EXAMHALL_TEST_CHROMIUM", "/usr/bin/chromium")
POPPLER = os.environ.get("EXAMHALL_TEST_POPPLER")  # None: the PATH

# Service -> what was wrong, for the summary at the end of the run.
missing: dict[str, str] = {}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require(service: str, problem: str) -> NoReturn:
    """The current test cannot run without ``service``: skip it, or under CI=true fail it."""
    problem = " ".join(problem.split())  # drivers' messages run over several lines
    missing.setdefault(service, problem)
    if in_ci():
        pytest.fail(f"{service} {problem}; CI=true requires it", pytrace=False)
    pytest.skip(f"{service} {problem}; set CI=true to make this an error")


def redis_url(database: int) -> str:
    """The URL of ``database`` on the test Redis server, which has answered a ping."""
    import redis

    url = urlsplit(REDIS_URL)._replace(path=f"/{database}").geturl()
    try:
        with redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3) as client:
            client.ping()
    except redis.RedisError as exc:
        require("Redis", f"is not reachable at {REDIS_URL} ({exc})")
    return url


def chromium() -> str:
    """The path of the Chromium executable."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        require("Chromium", f"is not installed at {CHROMIUM} (EXAMHALL_TEST_CHROMIUM)")
    return CHROMIUM


def poppler(tool: str) -> str:
    """The path of one of poppler's command-line tools (pdfsig, pdftotext, pdffonts, pdftoppm)."""
    path = shutil.which(tool, path=POPPLER)
    if path is None:
        where = POPPLER or "the PATH"
        require("poppler", f"has no {tool} in {where} (Debian: poppler-utils; EXAMHALL_TEST_POPPLER)")
    return path


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """One line at the end of the run naming the services that were missing, then why."""
    if not missing:
        return
    markup = {"red": True} if in_ci() else {"yellow": True}
    terminalreporter.write_sep("=", f"services missing: {', '.join(sorted(missing))}", bold=True, **markup)
    for service, problem in sorted(missing.items()):
        terminalreporter.write_line(f"{service} {problem}")
