"""A missing service (Redis, Chromium, poppler, PostgreSQL) skips only the tests that need it,
saying why, and the run goes on; with CI=true those tests fail.  Shown by running pytest on a
small generated test file with every service pointed at nothing."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

TESTS = '''
from tests import services


def test_needs_redis():
    services.redis_url(0)


def test_needs_chromium():
    services.chromium()


def test_needs_poppler():
    services.poppler("pdfsig")


def test_needs_postgresql(database_url):
    pass


def test_needs_postgresql_too(database_url):
    pass


def test_needs_nothing():
    assert 1 + 1 == 2
'''
# The real fixture and the real summary hook, as tests/conftest.py provides them.
CONFTEST = "from tests.conftest import database_url, pytest_terminal_summary  # noqa: F401\n"
NEEDY = ["test_needs_redis", "test_needs_chromium", "test_needs_poppler", "test_needs_postgresql",
         "test_needs_postgresql_too"]


@pytest.fixture(scope="module")
def closed_port():
    """A port bound but not listening: connecting to it is refused, and nobody else can take it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def _run(tmp_path: Path, port: int, ci: bool) -> tuple[subprocess.CompletedProcess, dict[str, tuple[str, str]]]:
    """pytest on the generated tests with nothing available: its output, and per test its
    outcome (passed, skipped, error, failure) with the message."""
    (tmp_path / "test_generated.py").write_text(TESTS)
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "no-poppler").mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    env.update(PYTHONPATH=str(ROOT), EXAMHALL_TEST_REDIS_URL=f"redis://127.0.0.1:{port}",
               EXAMHALL_TEST_CHROMIUM=str(tmp_path / "no-chromium"), EXAMHALL_TEST_POPPLER=str(tmp_path / "no-poppler"),
               EXAMHALL_TEST_DATABASE="postgresql", EXAMHALL_TEST_POSTGRES_URL=f"postgresql+psycopg://127.0.0.1:{port}/t")
    if ci:
        env["CI"] = "true"
    report = tmp_path / "report.xml"
    run = subprocess.run([sys.executable, "-m", "pytest", "-ra", "-W", "error", "-p", "no:cacheprovider",
                          f"--rootdir={tmp_path}", f"--junitxml={report}", str(tmp_path / "test_generated.py")],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    outcomes = {}
    for case in ET.parse(report).getroot().iter("testcase"):  # noqa: S314 (pytest wrote it, just now)
        outcome = next(((c.tag, c.get("message", "")) for c in case if c.tag in ("skipped", "error", "failure")),
                       ("passed", ""))
        outcomes[case.get("name")] = outcome
    return run, outcomes


def test_outside_ci_a_missing_service_skips_the_tests_that_need_it_and_the_run_goes_on(tmp_path, closed_port):
    run, outcomes = _run(tmp_path, closed_port, ci=False)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert outcomes["test_needs_nothing"] == ("passed", ""), output  # the run did not end early
    assert {name: outcomes[name][0] for name in NEEDY} == dict.fromkeys(NEEDY, "skipped"), output
    reasons = {name: outcomes[name][1] for name in NEEDY}
    assert f"Redis is not reachable at redis://127.0.0.1:{closed_port}" in reasons["test_needs_redis"]
    assert f"Chromium is not installed at {tmp_path / 'no-chromium'}" in reasons["test_needs_chromium"]
    assert "poppler has no pdfsig" in reasons["test_needs_poppler"]
    assert "PostgreSQL is not reachable" in reasons["test_needs_postgresql"] == reasons["test_needs_postgresql_too"]
    assert all(reason.endswith("set CI=true to make this an error") for reason in reasons.values()), reasons
    assert "SKIPPED" in output and "Redis is not reachable" in output  # -ra lists each reason
    assert "services missing: Chromium, PostgreSQL, Redis, poppler" in output


def test_with_ci_a_missing_service_fails_the_tests_that_need_it(tmp_path, closed_port):
    run, outcomes = _run(tmp_path, closed_port, ci=True)
    output = run.stdout + run.stderr
    assert run.returncode == 1, output  # tests failed: not 0, and not an early exit
    assert outcomes["test_needs_nothing"] == ("passed", ""), output
    # Missing inside the test: a failure; missing in a fixture: an error in its setup.  Never a skip.
    assert {name: outcomes[name][0] for name in NEEDY} == {
        "test_needs_redis": "failure", "test_needs_chromium": "failure", "test_needs_poppler": "failure",
        "test_needs_postgresql": "error", "test_needs_postgresql_too": "error"}, output
    assert all("CI=true requires it" in message for _outcome, message in outcomes.values() if message), outcomes
    assert "services missing: Chromium, PostgreSQL, Redis, poppler" in output
