"""Data and steps that tests in several packages share: the answers that give a session known
results, and one certificate's data.  Fixtures stay in conftest.py files; a test module never
imports another test module (tests/test_layout.py checks), so shared things live here.
"""
from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

import sqlalchemy as sa
from openpyxl import Workbook

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
    """Every trainee answers as ``answers`` (by employee number) says, then the session ends.  A
    trainee missing from ``answers`` never comes (缺考)."""
    questions = sorted(session.questions, key=lambda q: q.position)
    for participant in db.session.scalars(sa.select(Participant).where(Participant.session_id == session.id)):
        if participant.user.employee_no not in answers:
            continue
        for seq, (question, choice) in enumerate(zip(questions, answers[participant.user.employee_no],
                                                     strict=True), start=1):
            exams.record_answer(session, participant, question, choice, seq=seq)
    db.session.commit()
    exams.end_session(session)
    db.session.commit()


# One passed certificate, for the PDF rendering and signing tests.
CERTIFICATE = CertificateData("EXH-2026-000001", "欧阳晓明", "T10001", "北京分行", "柜员月度测试", "42.5", "50", True,
                              "2026年11月29日", "示范银行总行", "http://127.0.0.1:5000/verify/7Q2XK4MP9D")


# The exam office's real document (shared/seed; CI always has it) and its keys as printed.
SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "bank-customer-manager-exam.txt"

# The keys as printed in the document, questions 1 to 99 (judge: 对 = T, 错 = F).
EXPECTED_KEYS = [
    *"F F T F F F F T T F T F T F T F T F F T".split(),
    *"A A B A B D D C C C D B B B A B C D B B".split(),
    *"ACD ACD BD BC BC ABC ABC ABCD ABC ABCD ABC AB ABCD ABCD ABCD BD BCD ABD ABC ACD".split(),
    *"ABD ACD ABCD BD ABC BD ABCD ACD ABD ABC CD AB ABCD CD ABD ACD ACD CD ABC ABD".split(),
    *"AC ACD ABD AD AC ABC ABCD ABCD ABCD AC ABCD AB ABC ABC ABD ACD AB BC ABCD".split(),
]

# A small bank in the exam office's text format: two of each question type.
BANK_TEXT = """判断题
1. 存款保险保护存款人。对
2. 柜员可以代客户设置密码。错
单选题
3. 人民币的单位是（）A.元 B.镑 C.美元 D.日元 答案: A
4. 假币应当（）A.退还 B.收缴 C.销毁 D.使用 答案: B
多选题
5. 属于存款的有（）A.活期 B.定期 C.贷款 D.通知存款 答案: ABD
6. 柜员应当（）A.双人复核 B.泄露信息 C.保管印章 D.轧账 答案: ACD
"""


def xlsx(rows: Sequence[Sequence], merged: Sequence[str] = ()) -> bytes:
    """A workbook whose first sheet holds ``rows``, as an office would upload it; ``merged`` are
    cell ranges ("A1:K1") merged as an office merges a title across the table."""
    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    for cells in merged:
        workbook.active.merge_cells(cells)
    data = io.BytesIO()
    workbook.save(data)
    return data.getvalue()


def ticket_of(session, employee_no: str):
    """(the ExamTicket, its code as printed) of ``employee_no`` on ``session``."""
    from server.models import User
    from server.tickets import codes
    from server.tickets import operations as tickets
    from server.tickets.models import ExamTicket

    ticket = db.session.scalar(sa.select(ExamTicket).join(Participant).join(User, User.id == Participant.user_id)
                               .where(ExamTicket.session_id == session.id, User.employee_no == employee_no))
    return ticket, codes.display(tickets.code_of(ticket))


def sign_in_by_ticket(client, employee_no: str, code: str, **kwargs):
    return client.submit("/ticket", {"employee_no": employee_no, "code": code}, **kwargs)
