"""Managing people one by one: create, deactivate, reset password, list within scope."""
from __future__ import annotations

import re

from server.auth import passwords
from server.database import rollback
from server.extensions import db
from server.models import Role, User
from server.users import operations
from tests.conftest import PASSWORD, Auth, fresh

ONE_TIME = re.compile(r'<code class="password">([^<]+)</code>')


def _user(employee_no):
    return db.session.scalar(db.select(User).where(User.employee_no == employee_no))


def test_admin_creates_a_person_who_must_choose_a_password(app, client, auth, people, org):
    auth.login("A001")
    response = client.submit("/users/new", {"employee_no": "20001", "name": "赵六",
                                            "branch_id": org["SH"].id, "role": "invigilator"})
    page = response.get_data(as_text=True)
    one_time = ONE_TIME.search(page).group(1)
    user = _user("20001")
    assert user.role == "invigilator" and user.must_change_password
    assert passwords.verify_password(user.password_hash, one_time)

    newcomer = Auth(app.test_client())
    newcomer.login("20001", one_time)
    assert newcomer.client.get("/").location == "/account/password"


def test_duplicate_employee_numbers_are_refused_on_the_field(client, auth, people, org):
    auth.login("A001")
    response = client.submit("/users/new", {"employee_no": "T100", "name": "重复",
                                            "branch_id": org["SH"].id, "role": "trainee"})
    assert "工号 T100 已登记" in response.get_data(as_text=True)


def test_invigilators_register_trainees_in_their_subtree_only(client, auth, people, org):
    auth.login("J100")
    ok = client.submit("/users/new", {"employee_no": "30001", "name": "学员甲",
                                      "branch_id": org["BJ-HD"].id, "role": "trainee"})
    assert ok.status_code == 200 and _user("30001") is not None
    other_branch = client.submit("/users/new", {"employee_no": "30002", "name": "学员乙",
                                                "branch_id": org["SH"].id, "role": "trainee"})
    assert "不在您管理的范围内" in other_branch.get_data(as_text=True)
    promoted = client.submit("/users/new", {"employee_no": "30003", "name": "监考丙",
                                            "branch_id": org["BJ"].id, "role": "admin"})
    assert "无权创建该角色" in promoted.get_data(as_text=True)
    assert _user("30002") is None and _user("30003") is None


def test_the_list_shows_only_people_in_scope(client, auth, people):
    auth.login("J100")
    page = client.get("/users/?state=all").get_data(as_text=True)
    assert "T100" in page and "T200" not in page and "A001" not in page
    assert client.get(f"/users/?branch={people['t_sh'].branch_id}").status_code == 404
    found = client.get("/users/?q=T10").get_data(as_text=True)
    assert "T100" in found


def test_deactivation_ends_the_persons_session(app, client, auth, people):
    trainee = Auth(app.test_client())
    trainee.login("T100")
    assert trainee.client.get("/").status_code == 200
    auth.login("J100")
    client.submit(f"/users/{people['t_bj'].id}/deactivate")
    assert not fresh(people["t_bj"]).active
    assert trainee.client.get("/").status_code == 302
    assert "工号或密码错误" in trainee.login("T100").get_data(as_text=True)
    client.submit(f"/users/{people['t_bj'].id}/activate")
    assert trainee.login("T100").status_code == 302


def test_nobody_deactivates_themselves_or_people_outside_their_scope(client, auth, people, org,
                                                                   make_user):
    colleague = make_user("J101", org["BJ-HD"], Role.INVIGILATOR)
    auth.login("A001")
    client.submit(f"/users/{people['admin'].id}/deactivate")
    assert fresh(people["admin"]).active
    auth.logout()
    auth.login("J100")
    assert client.submit(f"/users/{people['t_sh'].id}/deactivate").status_code == 404
    client.submit(f"/users/{people['inv_bj'].id}/deactivate")  # themselves
    page = client.submit(f"/users/{colleague.id}/deactivate", follow_redirects=True)
    assert "您无权修改该账号" in page.get_data(as_text=True)  # invigilators manage trainees only
    assert fresh(people["t_sh"]).active and fresh(people["inv_bj"]).active and fresh(colleague).active


def test_reset_password_replaces_the_old_one(app, client, auth, people):
    auth.login("J100")
    page = client.submit(f"/users/{people['t_bj'].id}/reset-password").get_data(as_text=True)
    one_time = ONE_TIME.search(page).group(1)
    trainee = Auth(app.test_client())
    assert "工号或密码错误" in trainee.login("T100", PASSWORD).get_data(as_text=True)
    assert trainee.login("T100", one_time).status_code == 302
    assert trainee.client.get("/").location == "/account/password"


def test_operations_leave_the_commit_to_their_caller(people, org):
    account = operations.create_user(people["admin"], "20002", "钱七", org["SH"], "trainee")
    operations.reset_password(people["admin"], people["t_sh"])
    operations.set_active(people["admin"], people["t_bj"], False)
    assert account.user.id is not None  # flushed: the database has checked it
    rollback()
    assert _user("20002") is None
    assert fresh(people["t_bj"]).active and passwords.verify_password(fresh(people["t_sh"]).password_hash, PASSWORD)


def test_a_role_change_ends_the_accounts_sessions(app, client, auth, people):
    auth.login("T100")
    assert client.get("/").status_code == 200
    operations.change_role(people["admin"], people["t_bj"], Role.INVIGILATOR.value)
    db.session.commit()
    assert client.get("/").status_code == 302  # signed in as a trainee: that sign-in is over
