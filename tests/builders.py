"""Data and steps that tests in several packages share: the answers that give a session known
results, and one certificate's data.  Fixtures stay in conftest.py files; a test module never
imports another test module (tests/test_layout.py checks), so shared things live here.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

import sqlalchemy as sa

from pdfs.certificate import CertificateData
from server.exams import operations as exams
from server.exams.models import Participant
from server.extensions import db

# Per trainee of the `started` session: answers to the fixed paper's six questions (judge T/F,
# single, multi) in bank order.  Read-only: a test that needs more trainees passes its own mapping.
ANSWERS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "S000": ("T", "F", "A", "B", "ABD", "ACD"),  # all right: 12
    "S001": ("T", "T", "A", "C", "AB", "ACD"),   # 1 + 0 + 2 + 0 + 2 + 3 = 8
    "S002": ("F", "T", "B", "C", "C", "B"),      # 0
    "H000": ("T", "F", "A", "C", "ABD", "ABC"),  # 1 + 1 + 2 + 0 + 3 + 0 = 7
})


def answer_and_end(session, answers: Mapping[str, Sequence[str]] = ANSWERS) -> None:
    """Every trainee answers as ``answers`` (by employee number) says, then the session ends."""
    questions = sorted(session.questions, key=lambda q: q.position)
    for participant in db.session.scalars(sa.select(Participant).where(Participant.session_id == session.id)):
        for seq, (question, choice) in enumerate(zip(questions, answers[participant.user.employee_no],
                                                     strict=True), start=1):
            exams.record_answer(session, participant, question, choice, seq=seq)
    db.session.commit()
    exams.end_session(session)
    db.session.commit()


# One passed certificate, for the PDF rendering and signing tests.
CERTIFICATE = CertificateData("EXH-2026-000001", "欧阳晓明", "T10001", "北京分行", "柜员月度测试", "42.5", "50", True,
                              "2026年11月29日", "示范银行总行", "http://127.0.0.1:5000/verify/7Q2XK4MP9D")
