"""The address printed under a document's signature comes from configuration only: a request's
Host header (the sender's to choose) never reaches a document, over a socket or over HTTP."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from server import config
from server.documents import operations as documents
from server.documents.models import IssuedDocument
from server.extensions import db, socketio
from tests.builders import ANSWERS, answer_and_end
from tests.conftest import CSRF_META, PASSWORD, serving
from tests.pdfs.tampering import pdftotext

EVIL = {"Host": "evil.example"}


@pytest.fixture
def app(make_app):
    """No EXAMHALL_BASE_URL: the single-machine default (this host and port) applies."""
    with serving(make_app(DOCUMENTS_AUTO_ISSUE=True, DOCUMENTS_INLINE=True, EXAMHALL_BASE_URL=None,
                          EXAMHALL_HOST="127.0.0.1", EXAMHALL_PORT=5077)) as app:
        yield app


def _printed_addresses(session) -> list[str]:
    db.session.expire_all()
    certificates = db.session.scalars(sa.select(IssuedDocument).where(
        IssuedDocument.session_id == session.id, IssuedDocument.kind == "certificate"))
    return [pdftotext(c.content).replace("\n", "") for c in certificates]


def test_the_default_address_is_this_machine_and_the_setting_wins():
    assert config.public_base_url({"EXAMHALL_HOST": "127.0.0.1", "EXAMHALL_PORT": 5000}) == "http://127.0.0.1:5000"
    assert config.public_base_url({"EXAMHALL_BASE_URL": "https://exam.example.cn",
                                   "EXAMHALL_HOST": "127.0.0.1", "EXAMHALL_PORT": 5000}) == "https://exam.example.cn"
    everywhere = config.public_base_url({"EXAMHALL_HOST": "::", "EXAMHALL_PORT": 80})
    assert "[::]" not in everywhere and everywhere.endswith(":80")


def test_a_socket_with_a_forged_host_does_not_choose_the_verification_address(app, started, people):
    from live.clock import FakeClock

    app.config.update(LIVE_CLOCK=FakeClock(), LIVE_TICKER=False)
    flask_client = app.test_client()
    _login_at_evil(flask_client, "J100")
    with app.app_context():
        staff = socketio.test_client(app, namespace="/live", flask_test_client=flask_client, headers=EVIL)
    assert staff.is_connected("/live")
    for payload in ({"session_id": started.id, "action": "no-such-action"}, {"session_id": started.id}):
        with app.app_context():
            staff.emit("control", payload, namespace="/live", callback=True)
    # The end comes over the same forged socket: answers first, then "end".
    _answer_all(started)
    with app.app_context():
        answer = staff.emit("control", {"session_id": started.id, "action": "end"}, namespace="/live", callback=True)
    assert answer.get("ok"), answer
    job = documents.latest_job(started)
    assert job is not None and job.state == "done", job and job.error
    assert job.base_url == "http://127.0.0.1:5077"
    printed = _printed_addresses(started)
    assert printed and all("http://127.0.0.1:5077/verify/" in text and "evil" not in text for text in printed)


def test_an_http_request_with_a_forged_host_does_not_choose_it_either(app, started, people, client, auth):
    answer_and_end(started)
    question = next(q for q in started.questions if q.stem.startswith("假币"))
    token = _login_at_evil(client, "J100")
    response = client.post(f"/sessions/{started.id}/regrade", headers=EVIL, data={
        f"key_{question.id}": "C", "reason": "答案印错", "action": "apply", "csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    job = documents.latest_job(started)
    assert job.reason == "regrade" and job.state == "done" and job.base_url == "http://127.0.0.1:5077"
    assert all("evil" not in text for text in _printed_addresses(started))


def _login_at_evil(client, employee_no: str) -> str:
    """Sign in with every request sent to Host: evil.example (its cookies are that host's)."""
    page = client.get("/login", headers=EVIL).get_data(as_text=True)
    token = CSRF_META.search(page).group(1)
    response = client.post("/login", headers=EVIL,
                           data={"employee_no": employee_no, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return CSRF_META.search(client.get("/", headers=EVIL, follow_redirects=True).get_data(as_text=True)).group(1)


def _answer_all(session) -> None:
    from server.exams import operations as exams
    from server.exams.models import Participant

    questions = sorted(session.questions, key=lambda q: q.position)
    for participant in db.session.scalars(sa.select(Participant).where(Participant.session_id == session.id)):
        for seq, (question, choice) in enumerate(zip(questions, ANSWERS.get(participant.user.employee_no, ()),
                                                     strict=False), start=1):
            exams.record_answer(session, participant, question, choice, seq=seq)
    db.session.commit()
