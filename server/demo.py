"""The demo organisation `make run` serves: a head office, two branches, an admin, two
invigilators, 30 trainees and a sample question bank written for this project
(demo_data/demo-bank.txt).  Seeding is idempotent: running it again changes nothing.

Demo accounts share one published password; they are for trying Examhall out, not for real use.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from server.auth import passwords
from server.bank import formats
from server.bank.operations import import_into
from server.branches.util import branch_by_code
from server.extensions import db
from server.models import Branch, BranchKind, Role, User

DEMO_PASSWORD = "examhall-demo"
DEMO_BANK = "示范题库"
DEMO_BANK_FILE = Path(__file__).parent / "demo_data" / "demo-bank.txt"

BRANCHES = [
    # code, name, kind, parent code
    ("HQ", "示范银行总行", BranchKind.HEAD_OFFICE, None),
    ("BJ01", "北京分行", BranchKind.BRANCH, "HQ"),
    ("SH01", "上海分行", BranchKind.BRANCH, "HQ"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
         "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "晓东", "海燕", "志强", "丹", "鹏",
         "婷", "宇"]


@dataclass(frozen=True)
class DemoLogin:
    employee_no: str
    name: str
    role: Role


def demo_people() -> list[tuple[str, str, Role, str]]:
    """(employee_no, name, role, branch code) for every demo account."""
    people = [("admin", "系统管理员", Role.ADMIN, "HQ"),
              ("J1001", "北京监考员", Role.INVIGILATOR, "BJ01"),
              ("J2001", "上海监考员", Role.INVIGILATOR, "SH01")]
    for i in range(30):
        branch = "BJ01" if i < 15 else "SH01"
        number = f"{'1' if i < 15 else '2'}{i % 15 + 1:04d}"
        people.append((f"T{number}", SURNAMES[i % len(SURNAMES)] + GIVEN[i], Role.TRAINEE, branch))
    return people


def seed_demo() -> list[DemoLogin]:
    """Changes: adds whatever demo branches, accounts and bank questions are missing; returns the
    demo logins.  Does not commit (the `demo seed` command does)."""
    for code, name, kind, parent_code in BRANCHES:
        if branch_by_code(code) is None:
            parent = branch_by_code(parent_code) if parent_code else None
            branch = Branch(code=code, name=name, kind=kind.value, parent=parent)
            db.session.add(branch)
            db.session.flush()
            branch.path = (parent.path if parent else "/") + f"{branch.id}/"
    existing = set(db.session.scalars(sa.select(User.employee_no)))
    password_hash = passwords.hash_password(DEMO_PASSWORD)
    for employee_no, name, role, branch_code in demo_people():
        if employee_no not in existing:
            db.session.add(User(employee_no=employee_no, name=name, role=role.value,
                                branch=branch_by_code(branch_code), password_hash=password_hash))
    db.session.flush()
    _seed_bank()
    return [DemoLogin(no, name, role) for no, name, role, _code in demo_people()]


def _seed_bank() -> None:

    result = formats.parse(DEMO_BANK_FILE.read_bytes(), DEMO_BANK_FILE.name, "text")
    import_into(None, DEMO_BANK, branch_by_code("HQ"), result, DEMO_BANK_FILE.name)
