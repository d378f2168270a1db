"""The client examples in examples/ run against a real server process, as an integrator would run
them: only the JSON API and the live protocol, three trainees, a certificate at the end."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from tests.conftest import PASSWORD
from tests.live.conftest import ROOT, ServerProcess

TRAINEES = ["S000", "S001", "S002"]


@pytest.fixture
def server(migrated, tmp_path, people, make_trainees):
    make_trainees(len(TRAINEES))
    # Documents are not issued at the end here (ServerProcess turns that off): the examples ask.
    process = ServerProcess(migrated, tmp_path / "instance", {"DOCUMENTS_PROCESSES": "1"})
    yield process
    process.stop()


def _check(summary: dict, tmp_path) -> None:
    assert summary["protocol"] == 1
    assert summary["answered"] == dict.fromkeys(TRAINEES, 3)
    assert all(score["passed"] and score["total"] == "30" for score in summary["scores"].values()), summary
    assert summary["results"] == dict.fromkeys(TRAINEES, "passed")
    assert summary["certificates"] == 3
    certificate = (tmp_path / "out" / summary["certificate"].rsplit("/", 1)[-1]).read_bytes()
    assert certificate.startswith(b"%PDF") and len(certificate) == summary["bytes"]


def _run(command: list[str], tmp_path) -> dict:
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _arguments(server, tmp_path) -> list[str]:
    return ["--url", server.url, "--staff", "J100", "--password", PASSWORD, "--trainees", ",".join(TRAINEES),
            "--out", str(tmp_path / "out")]


def test_the_python_example(server, tmp_path):
    summary = _run([sys.executable, "examples/exam_over_api.py", *_arguments(server, tmp_path)], tmp_path)
    _check(summary, tmp_path)


def test_the_node_example(server, tmp_path):
    node = shutil.which("node")
    assert node, "Node.js is needed (README: Needs)"
    summary = _run([node, "examples/exam_over_api.mjs", *_arguments(server, tmp_path)], tmp_path)
    _check(summary, tmp_path)
