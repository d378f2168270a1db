"""Command-line tasks: `flask --app wsgi demo seed`, `flask --app wsgi users create-admin`.
Each command commits once, after everything it does has succeeded."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from server import demo
from server.auth import passwords, policy
from server.bank.cli import bank_cli
from server.branches import operations as branch_operations
from server.branches.util import branch_by_code, head_office
from server.database import commit, rollback
from server.documents.cli import documents_cli
from server.errors import OperationError
from server.extensions import db
from server.models import BranchKind, Role, User

demo_cli = AppGroup("demo", help="The demo organisation.")
users_cli = AppGroup("users", help="Accounts.")


@demo_cli.command("seed")
def seed_command():
    """Add the demo branches and accounts (safe to run again)."""
    logins = demo.seed_demo()
    commit()
    click.echo(f"Demo accounts (password for all: {demo.DEMO_PASSWORD}):")
    for login in logins[:4]:
        click.echo(f"  {login.role.value:<12} {login.employee_no:<8} {login.name}")
    click.echo(f"  ... and {len(logins) - 4} more trainees (T10002-T10015, T20001-T20015)")


@users_cli.command("create-admin")
@click.argument("employee_no")
@click.option("--name", required=True, help="Display name.")
@click.option("--branch-code", default="HQ", show_default=True,
              help="Branch code; the head office is created with it if there is none.")
@click.option("--branch-name", default="总行", show_default=True,
              help="Head office name, used only when the head office is created.")
@click.password_option()
def create_admin_command(employee_no, name, branch_code, branch_name, password):
    """Create an administrator account (the first account of a new installation)."""
    try:
        branch = branch_by_code(branch_code)
        if branch is None and head_office() is None:
            branch = branch_operations.create_branch(
                branch_code, branch_name, BranchKind.HEAD_OFFICE.value, None
            )
        if branch is None:
            raise click.ClickException(f"no branch with code {branch_code}")
        if db.session.scalar(db.select(User).where(User.employee_no == employee_no)):
            raise click.ClickException(f"employee number {employee_no} is already registered")
        problem = policy.password_problem(password, employee_no, name)
        if problem:
            raise click.ClickException(problem)
    except OperationError as exc:
        rollback()
        raise click.ClickException(f"{exc.field}: {exc.message}") from None
    except click.ClickException:
        rollback()  # nothing half-made stays behind, not even a new head office
        raise
    db.session.add(User(employee_no=employee_no, name=name, branch=branch, role=Role.ADMIN.value,
                        password_hash=passwords.hash_password(password)))
    commit()
    click.echo(f"Created administrator {employee_no} at {branch.name}.")


def init_app(app: Flask) -> None:

    app.cli.add_command(bank_cli)
    app.cli.add_command(documents_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(users_cli)
