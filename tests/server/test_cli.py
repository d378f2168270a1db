"""Command-line tasks: the demo seed and the first administrator."""
from __future__ import annotations

import sqlalchemy as sa

from server.auth import passwords
from server.extensions import db
from server.models import Branch, User


def _counts():
    users = dict(db.session.execute(sa.select(User.role, sa.func.count()).group_by(User.role)).all())
    return db.session.scalar(sa.select(sa.func.count()).select_from(Branch)), users


def test_demo_seed_is_complete_and_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "examhall-demo" in first.output and "admin" in first.output
    assert _counts() == (3, {"admin": 1, "invigilator": 2, "trainee": 30})
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0
    assert _counts() == (3, {"admin": 1, "invigilator": 2, "trainee": 30})
    admin = db.session.scalar(sa.select(User).where(User.employee_no == "admin"))
    assert passwords.verify_password(admin.password_hash, "examhall-demo")


def test_demo_logins_work(app, client):
    app.test_cli_runner().invoke(args=["demo", "seed"])
    token = client.csrf_token()
    response = client.post("/login", data={"employee_no": "J1001", "password": "examhall-demo",
                                           "csrf_token": token})
    assert response.status_code == 302
    assert "北京分行" in client.get("/branches/").get_data(as_text=True)


def test_create_admin_makes_the_head_office_on_a_new_installation(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create-admin", "0001", "--name", "张管理", "--branch-code", "ZH",
              "--branch-name", "某某银行总行"],
        input="s3cret-pass-1\ns3cret-pass-1\n",
    )
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(sa.select(User).where(User.employee_no == "0001"))
    assert admin.role == "admin" and admin.branch.name == "某某银行总行"
    again = app.test_cli_runner().invoke(
        args=["users", "create-admin", "0001", "--name", "x", "--branch-code", "ZH"],
        input="s3cret-pass-1\ns3cret-pass-1\n",
    )
    assert again.exit_code != 0 and "already registered" in again.output


def test_a_refused_create_admin_leaves_nothing_behind(app):
    """The head office it would create is part of the same transaction as the account."""
    result = app.test_cli_runner().invoke(
        args=["users", "create-admin", "0001", "--name", "张管理", "--branch-code", "ZH"],
        input="short\nshort\n",
    )
    assert result.exit_code != 0 and "至少 8 位" in result.output  # server.auth.policy, in the default language
    assert _counts() == (0, {})
