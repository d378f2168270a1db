"""Exam tickets (准考证): a code signs its trainee into that exam only, until it ends."""
from __future__ import annotations

import io

import segno
import sqlalchemy as sa

from server.exams import operations as exams
from server.extensions import db
from server.models import User
from server.tickets import codes, operations
from server.tickets.models import ExamTicket
from tests.builders import sign_in_by_ticket as _sign_in
from tests.builders import ticket_of as _ticket


def test_codes_have_65_bits_and_forgive_typing():
    code = codes.derive_code("k", "00" * 16, 1, 2)
    assert len(code) == 13 and codes.BITS == 65 and set(code) <= set(codes.ALPHABET)
    assert codes.normalise(codes.display(code).lower()) == code
    assert codes.normalise("ILOU" + code[4:]) == "110V" + code[4:]
    assert codes.normalise("too short") is None
    assert codes.derive_code("k", "00" * 16, 1, 3) != code and codes.derive_code("other", "00" * 16, 1, 2) != code


def test_tickets_are_issued_with_the_session_and_store_no_code(app, started):
    rows = db.session.scalars(sa.select(ExamTicket).where(ExamTicket.session_id == started.id)).all()
    assert len(rows) == 4
    for row in rows:
        code = operations.code_of(row)
        assert code not in (row.nonce, row.lookup) and row.lookup == codes.lookup_hash(app.secret_key, code)


def test_a_ticket_signs_in_to_its_exam_only(client, started, people):
    _ticket_row, code = _ticket(started, "S000")
    response = _sign_in(client, "S000", code)
    assert response.status_code == 302 and response.headers["Location"] == f"/exam/{started.id}"
    assert client.get(f"/exam/{started.id}").status_code == 200
    # Nothing else: no results, no password change, no other pages, no API.
    for page in ("/my/results", "/account/password", "/sessions/", "/users/"):
        assert client.get(page).status_code == 403, page
    assert client.get("/").headers["Location"] == f"/exam/{started.id}"
    assert client.get("/api/v1/me").status_code == 401
    page = client.get(f"/exam/{started.id}").get_data(as_text=True)
    assert 'href="/account/password"' not in page and 'href="/my/results"' not in page


def test_another_sessions_exam_page_is_refused(client, started, fixed_paper, people):
    roster = db.session.scalars(sa.select(User).where(User.employee_no.in_(["S000", "S001"]))).all()
    other = exams.create_session(people["inv_bj"], fixed_paper, "另一场", "paced", roster)
    db.session.commit()
    _row, code = _ticket(started, "S000")
    assert _sign_in(client, "S000", code).status_code == 302
    assert client.get(f"/exam/{other.id}").status_code == 403
    # And the other session's own ticket is that session's only.
    client.submit("/logout")
    _row, other_code = _ticket(other, "S000")
    assert _sign_in(client, "S000", other_code).headers["Location"] == f"/exam/{other.id}"
    assert client.get(f"/exam/{started.id}").status_code == 403


def test_wrong_and_foreign_codes_are_refused_clearly(client, started):
    _row, code = _ticket(started, "S000")
    _row, someone_elses = _ticket(started, "S001")
    for employee_no, typed in (("S000", "AAAA-BBBB-CCCCC"), ("S000", someone_elses), ("S001", code),
                               ("S000", "not a code")):
        response = _sign_in(client, employee_no, typed)
        assert response.status_code == 200
        assert "工号或准考证号不正确" in response.get_data(as_text=True)
    assert client.get(f"/exam/{started.id}").status_code == 302  # still not signed in


def test_an_ended_session_expires_its_tickets_and_their_sign_ins(client, started):
    _row, code = _ticket(started, "S000")
    assert _sign_in(client, "S000", code).status_code == 302
    exams.end_session(started)
    db.session.commit()
    response = client.get(f"/exam/{started.id}", follow_redirects=True)
    assert "本场考试已结束" in response.get_data(as_text=True)
    assert client.get(f"/exam/{started.id}").status_code == 302  # signed out
    response = _sign_in(client, "S000", code)
    assert response.status_code == 200 and "本场考试已结束" in response.get_data(as_text=True)


def test_regenerating_a_ticket_ends_the_old_code_and_its_sign_ins(app, client, auth, started, people):
    row, old = _ticket(started, "S000")
    trainee = app.test_client()
    assert _sign_in(trainee, "S000", old).status_code == 302
    auth.login("J100")
    response = client.submit(f"/sessions/{started.id}/tickets/{row.id}/regenerate")
    assert response.status_code == 302
    db.session.expire_all()
    _row, new = _ticket(started, "S000")
    assert new != old
    assert trainee.get(f"/exam/{started.id}").status_code == 302
    assert _sign_in(trainee, "S000", old).status_code == 200
    assert _sign_in(trainee, "S000", new).status_code == 302


def test_ticket_sign_in_is_throttled_like_the_login(make_app, started):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_PAIR="3 per minute")
    client = app.test_client()
    for _attempt in range(3):
        assert _sign_in(client, "S000", "AAAA-BBBB-CCCCC").status_code == 200
    _row, code = _ticket(started, "S000")
    assert _sign_in(client, "S000", code).status_code == 429


def test_the_invigilator_prints_tickets_with_qr_codes(client, auth, started, people):
    row, code = _ticket(started, "S000")
    auth.login("J100")
    page = client.get(f"/sessions/{started.id}/tickets").get_data(as_text=True)
    assert code in page and "S000" in page and started.title in page
    qr = client.get(f"/sessions/{started.id}/tickets/{row.id}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    # The QR code opens the ticket sign-in with the employee number and the code filled in.
    expected = io.BytesIO()
    segno.make(f"http://localhost/ticket?employee_no=S000&code={code}", error="m").save(
        expected, kind="svg", scale=4, border=2)
    assert qr.data == expected.getvalue()
    # Out of scope: another branch's invigilator, and trainees.
    auth.logout()
    auth.login("J200")
    assert client.get(f"/sessions/{started.id}/tickets").status_code == 404
    assert client.get(f"/sessions/{started.id}/tickets/{row.id}/qr.svg").status_code == 404
    auth.logout()
    auth.login("S000")
    assert client.get(f"/sessions/{started.id}/tickets").status_code == 403


def test_tickets_missing_from_older_sessions_are_issued_on_demand(client, auth, started):
    db.session.execute(sa.delete(ExamTicket).where(ExamTicket.session_id == started.id))
    db.session.commit()
    auth.login("J100")
    assert "4" in client.get(f"/sessions/{started.id}/tickets").get_data(as_text=True)
    assert client.submit(f"/sessions/{started.id}/tickets").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(ExamTicket.id)).where(ExamTicket.session_id == started.id)) == 4
