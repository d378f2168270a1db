"""The branch tree: levels, moves, and who may change what."""
from __future__ import annotations

import pytest

from server.branches import operations
from server.branches.util import subtree_query
from server.database import rollback
from server.errors import OperationError
from server.extensions import db
from server.models import Branch, BranchKind
from tests.conftest import fresh


def _codes(root):
    return [b.code for b in db.session.scalars(subtree_query(root))]


def test_the_tree_has_four_levels_in_order(org, make_branch):
    outlet = make_branch("HD-01", org["BJ-HD"])
    assert outlet.kind == BranchKind.OUTLET
    assert outlet.path == f"{org['BJ-HD'].path}{outlet.id}/"
    assert sorted(_codes(org["BJ"])) == ["BJ", "BJ-HD", "HD-01"]
    with pytest.raises(OperationError) as error:
        operations.create_branch("BAD", "错层", BranchKind.BRANCH.value, org["BJ-HD"])
    assert error.value.field == "parent"


def test_only_one_head_office(org):
    with pytest.raises(OperationError, match="已经有总行"):
        operations.create_branch("HQ2", "第二总行", BranchKind.HEAD_OFFICE.value, None)


def test_codes_are_unique_and_normalised(org):
    with pytest.raises(OperationError) as error:
        operations.create_branch("ＢＪ", "全角代码", BranchKind.BRANCH.value, org["HQ"])
    assert error.value.field == "code" and "BJ" in error.value.message
    with pytest.raises(OperationError):
        operations.create_branch("有 空格", "x", BranchKind.BRANCH.value, org["HQ"])


def test_operations_leave_the_commit_to_their_caller(org):
    operations.create_branch("GZ", "广州分行", BranchKind.BRANCH.value, org["HQ"])
    operations.rename_branch(org["SH"], "SH", "上海分行（改）")
    operations.move_branch(org["BJ-HD"], org["SH"])
    rollback()
    assert db.session.scalar(db.select(Branch).where(Branch.code == "GZ")) is None
    assert fresh(org["SH"]).name == "上海分行" and fresh(org["BJ-HD"]).parent_id == org["BJ"].id


def test_moving_a_branch_moves_everything_below_it(org, make_branch):
    outlet = make_branch("HD-01", org["BJ-HD"])
    operations.move_branch(org["BJ-HD"], org["SH"])
    assert fresh(org["BJ-HD"]).parent_id == org["SH"].id
    assert fresh(outlet).path == f"{org['SH'].path}{org['BJ-HD'].id}/{outlet.id}/"
    assert sorted(_codes(org["SH"])) == ["BJ-HD", "HD-01", "SH"]
    assert _codes(org["BJ"]) == ["BJ"]


def test_a_branch_cannot_move_below_itself(org, make_branch):
    outlet = make_branch("HD-01", org["BJ-HD"])
    with pytest.raises(OperationError):
        operations.move_branch(org["BJ"], outlet)
    with pytest.raises(OperationError):
        operations.move_branch(org["HQ"], org["BJ"])


def test_admin_creates_renames_and_moves_branches_through_the_pages(client, auth, people, org):
    auth.login("A001")
    response = client.submit("/branches/new", {"parent_id": org["SH"].id, "kind": "sub_branch",
                                               "code": "SH-PD", "name": "浦东支行"})
    assert response.status_code == 302
    pudong = db.session.scalar(db.select(Branch).where(Branch.code == "SH-PD"))
    assert pudong.name == "浦东支行" and pudong.parent_id == org["SH"].id

    client.submit(f"/branches/{pudong.id}/edit", {"code": "SH-PD", "name": "浦东新区支行"})
    assert fresh(pudong).name == "浦东新区支行"

    client.submit(f"/branches/{pudong.id}/move", {"parent_id": org["BJ"].id})
    assert fresh(pudong).parent_id == org["BJ"].id

    page = client.get("/branches/").get_data(as_text=True)
    assert "浦东新区支行" in page and "海淀支行" in page


def test_bad_input_is_reported_on_the_field(client, auth, people, org):
    auth.login("A001")
    response = client.submit("/branches/new", {"parent_id": org["HQ"].id, "kind": "branch",
                                               "code": "SH", "name": "重复代码"})
    assert response.status_code == 200
    assert "代码 SH 已被使用" in response.get_data(as_text=True)  # which branch holds it is not said


def test_invigilators_see_and_change_only_their_subtree(client, auth, people, org):
    auth.login("J100")  # invigilator at BJ
    page = client.get("/branches/").get_data(as_text=True)
    assert "海淀支行" in page and "上海分行" not in page
    assert client.get(f"/branches/{org['SH'].id}/edit").status_code == 404
    assert client.get(f"/branches/{org['BJ'].id}/edit").status_code == 403  # their own: admin's job
    assert client.get(f"/branches/{org['BJ-HD'].id}/edit").status_code == 200
    response = client.submit("/branches/new", {"parent_id": org["SH"].id, "kind": "sub_branch",
                                               "code": "SH-X", "name": "越权"})
    assert response.status_code == 404
    response = client.submit(f"/branches/{org['BJ-HD'].id}/move", {"parent_id": org["SH"].id})
    assert response.status_code == 404
    assert fresh(org["BJ-HD"]).parent_id == org["BJ"].id
