"""An absentee (缺考) is issued no document; the session's score sheet lists them as absent and
leaves them out of its statistics."""
from __future__ import annotations

import sqlalchemy as sa

from server.documents.models import IssuedDocument
from server.exams.models import Participant
from server.extensions import db
from tests.builders import ANSWERS, answer_and_end
from tests.pdfs.tampering import pdftotext


def test_an_absentee_gets_no_document_and_the_session_sheet_says_absent(started):
    answer_and_end(started, {number: answers for number, answers in ANSWERS.items() if number != "S002"})
    absentee = db.session.scalar(sa.select(Participant.id).join(Participant.user).where(
        Participant.session_id == started.id, Participant.user.has(employee_no="S002")))
    documents = db.session.scalars(sa.select(IssuedDocument).where(IssuedDocument.session_id == started.id)).all()
    assert {(d.kind, d.participant_id) for d in documents if d.participant_id == absentee} == set()
    assert sorted(d.kind for d in documents) == ["certificate", "certificate", "session_sheet",
                                                 "trainee_sheet", "trainee_sheet", "trainee_sheet"]
    summary = pdftotext(next(d for d in documents if d.kind == "session_sheet").content)
    assert "缺考" in summary and "用户S002" in summary
