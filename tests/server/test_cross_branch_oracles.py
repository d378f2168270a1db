"""Nothing tells one branch what another has: a branch code in use is refused without naming its
branch, a bank is imported by name into the importer's own branch whatever other branches have
named theirs (the roster's part is in test_roster_import.py)."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from server.auth.operations import issue_token
from server.bank.models import QuestionBank
from server.branches.operations import create_branch
from server.database import commit
from server.errors import OperationError
from server.extensions import db
from tests.builders import BANK_TEXT


def test_a_code_in_use_is_refused_without_naming_the_branch_that_holds_it(org):
    with pytest.raises(OperationError) as refused:
        create_branch("SH", "新支行", "sub_branch", org["BJ"])
    db.session.rollback()
    assert "SH" in refused.value.message and "上海" not in refused.value.message
    assert refused.value.field == "code"


def _import(client, user, bank_name: str):
    raw, _token = issue_token(user, client.application.config["API_TOKEN_TTL"])
    commit()
    return client.post("/api/v1/bank/import", headers={"Authorization": f"Bearer {raw}"},
                       data={"file": (io.BytesIO(BANK_TEXT.encode()), "bank.txt"), "bank": bank_name})


def test_importing_by_name_answers_alike_for_another_branchs_bank_and_a_missing_one(client, bank, people):
    assert bank.branch.code == "HQ" and bank.name == "测试题库"
    taken = _import(client, people["inv_sh"], "测试题库")  # HQ's bank's name
    free = _import(client, people["inv_sh"], "从未有过的题库")
    assert (taken.status_code, free.status_code) == (201, 201)
    assert taken.get_json().keys() == free.get_json().keys()
    db.session.expire_all()
    same_name = db.session.scalars(sa.select(QuestionBank).where(QuestionBank.name == "测试题库")).all()
    assert sorted(b.branch.code for b in same_name) == ["HQ", "SH"]  # names are unique per branch
    again = _import(client, people["inv_sh"], "测试题库")  # now SH's own: imported into, not duplicated
    assert again.status_code == 201 and again.get_json()["already_in_bank"] > 0
