"""Issue 17's promises on the real topology: three server processes behind nginx on PostgreSQL
and Redis (deploy/local/cluster.sh), lean trainees spread over them by their cookies, the
invigilator's dashboard on one.  An exam runs through; then one server is killed (-9) in the
middle of a question; then each server is restarted in turn during the exam.  Each time: every
trainee gets every question, 0 acknowledged answers lost, 0 duplicates, each question closed
once, the dashboard sees every answer and the exam goes on."""
from __future__ import annotations

import os
import signal

import pytest

from tests.deploy.exam_run import ExamRun, check_promises
from tests.waiting import wait_until

TRAINEES = 150
QUESTIONS = 3
QUESTION_SECONDS = 120  # never reached: each question closes once everyone present answered


@pytest.fixture
def exam(start_cluster):
    cluster = start_cluster(3)
    runs = []

    def run(spread: float) -> ExamRun:
        runs.append(ExamRun(cluster, TRAINEES, QUESTIONS, QUESTION_SECONDS, spread))
        return runs[-1]

    yield cluster, run
    for started in runs:
        started.stop()


def test_an_exam_through_nginx_over_three_servers(exam):
    cluster, run = exam
    exam_run = run(spread=2)
    wait_until(lambda: exam_run.dashboard.connected == TRAINEES, 60, "the dashboard never counted every trainee")
    assert exam_run.dashboard.control("start")["ok"]
    questions = exam_run.questions()  # frozen by the start
    assert len(questions) == QUESTIONS
    for question in questions:
        exam_run.play(question)
    report = exam_run.finish()
    check_promises(exam_run, report, questions)
    servers = {f"127.0.0.1:{port}" for port in cluster.ports}
    upstreams = exam_run.websocket_upstreams(report)
    assert set().union(*(upstreams[node] for node in exam_run.nodes)) == servers  # spread over all three


def test_a_server_killed_mid_question(exam):
    cluster, run = exam
    exam_run = run(spread=6)
    staff_server = exam_run.upstream_of(exam_run.dashboard.node)
    victim = next(port for port in cluster.ports if f"127.0.0.1:{port}" != staff_server)
    pid = cluster.pid(f"server-{victim}")
    wait_until(lambda: exam_run.dashboard.connected == TRAINEES, 60, "the dashboard never counted every trainee")
    assert exam_run.dashboard.control("start")["ok"]
    questions = exam_run.questions()  # frozen by the start
    assert len(questions) == QUESTIONS

    def kill():
        exam_run.wait_answered(questions[0], TRAINEES // 5)  # some answers in, most still to come
        os.kill(pid, signal.SIGKILL)
    exam_run.play(questions[0], during=kill)
    for question in questions[1:]:
        exam_run.play(question)
    report = exam_run.finish()
    check_promises(exam_run, report, questions)

    # The victim's trainees came back through nginx to another server and resumed there with
    # their answers and the question's remaining time.
    upstreams = exam_run.websocket_upstreams(report)
    moved = [t for t in report if f"127.0.0.1:{victim}" in upstreams[t["node"]]]
    assert len(moved) >= TRAINEES // 10, len(moved)
    for trainee in moved:
        assert trainee["connects"] >= 2 and trainee["resumed"], trainee
        assert upstreams[trainee["node"]] - {f"127.0.0.1:{victim}"}, trainee
        first = trainee["resumed"][0]
        assert first["question_id"] == questions[0] and first["question_open"], first
        assert 0 < first["remaining"] <= QUESTION_SECONDS, first
        assert {int(q): c for q, c in first["answers"].items()}.items() <= \
            {int(q): c for q, c in trainee["acked"].items()}.items(), trainee


def test_a_rolling_restart_during_an_exam(exam):
    cluster, run = exam
    exam_run = run(spread=6)
    wait_until(lambda: exam_run.dashboard.connected == TRAINEES, 60, "the dashboard never counted every trainee")
    assert exam_run.dashboard.control("start")["ok"]
    questions = exam_run.questions()  # frozen by the start
    assert len(questions) == QUESTIONS
    for question, port in zip(questions, cluster.ports, strict=True):
        def restart(question=question, port=port):
            exam_run.wait_answered(question, TRAINEES // 5)
            restarted = cluster.script("restart", str(port))
            assert restarted.returncode == 0, restarted.stdout + restarted.stderr
        exam_run.play(question, during=restart)
    report = exam_run.finish()
    check_promises(exam_run, report, questions)
    assert sum(t["connects"] >= 2 for t in report) >= TRAINEES // 2  # each server's trainees moved once
