"""Builders for papers and sessions on the real database (tests/server/exams and documents)."""
from __future__ import annotations

import pytest

from server.bank import formats
from server.bank.operations import import_into
from server.database import commit
from server.exams import operations as exams
from server.papers import operations as papers

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


@pytest.fixture
def bank(app, org):
    result = formats.parse(BANK_TEXT.encode(), "bank.txt")
    bank = import_into(None, "测试题库", org["HQ"], result, "bank.txt").bank
    commit()
    return bank


@pytest.fixture
def fixed_paper(bank, people):
    from server.bank.models import Question
    from server.extensions import db

    paper = papers.create_paper(people["inv_bj"], people["inv_bj"].branch, papers.PaperSettings(
        name="柜员测试", multi_rule="partial", points_judge="1", points_single="2", points_multi="3"))
    ids = list(db.session.scalars(db.select(Question.id).where(Question.bank_id == bank.id).order_by(Question.id)))
    papers.set_questions(paper, ids)
    commit()
    return paper


@pytest.fixture
def make_trainees(org, make_user):
    def make(count: int, branch="BJ-HD", prefix="S"):
        return [make_user(f"{prefix}{n:03d}", org[branch]) for n in range(count)]

    return make


@pytest.fixture
def started(fixed_paper, people, make_trainees):
    """A running paced session of the fixed paper with 4 trainees (3 at BJ-HD, 1 at SH)."""
    from server.extensions import db
    from server.models import utcnow

    roster = make_trainees(3) + make_trainees(1, "SH", "H")
    session = exams.create_session(people["inv_bj"], fixed_paper, "", "paced", roster)
    exams.freeze(session)
    session.status, session.started_at = "running", utcnow()
    db.session.commit()
    return session
