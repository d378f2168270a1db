"""Rosters: bulk registration (XLSX or CSV with columns 工号, 姓名, 机构代码, 角色: check every
row and report each problem with its spreadsheet row number) and a session's list of employee
numbers (pasted, or the 工号 column of an uploaded file).  Nothing is written here; the import is
all or nothing (operations.create_users).

Files are read by the one upload reader (server/tables.py): a file it cannot read is one
UploadError, shown the same way as the bank's.  Row numbers are the ones Excel shows (the header
is row 1); blank rows are skipped; cells are NFKC-normalised (full-width １００２３ is 10023); a
blank 角色 means 学员 (trainee).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from server import offload, tables
from server.access import in_scope
from server.branches.operations import clean_code
from server.branches.util import branch_by_code
from server.models import Branch, Role, User
from server.tables import Column, UploadError
from server.users.operations import clean_employee_no, employee_no_problem, name_problem
from server.users.util import registered_branches, roles_assignable_by

MAX_ROWS = 20000
CHECK_SLICE = 250  # rows checked between pauses that let the live loop serve others

EMPLOYEE_NO = Column(("工号", "员工号", "员工编号", "employee_no", "employeeno", "employee number"),
                     required=True, nfkc=True)
COLUMNS = {
    "employee_no": EMPLOYEE_NO,
    "name": Column(("姓名", "名字", "name"), required=True, nfkc=True),
    "branch_code": Column(("机构代码", "机构号", "机构编号", "网点代码", "branch_code", "branch code", "branch"),
                          required=True, nfkc=True),
    "role": Column(("角色", "role"), nfkc=True),
}
TEMPLATE_HEADER = ["工号", "姓名", "机构代码", "角色"]

ROLE_WORDS = {
    Role.TRAINEE: ("学员", "员工", "考生", "trainee", "student"),
    Role.INVIGILATOR: ("监考员", "监考", "监考老师", "invigilator"),
    Role.ADMIN: ("管理员", "admin", "administrator"),
}


@dataclass
class RosterRow:
    row: int
    employee_no: str
    name: str
    branch_code: str
    role_text: str
    role: Role | None = None
    branch: Branch | None = None


@dataclass(frozen=True)
class RosterIssue:
    row: int
    field: str | None
    message: str


@dataclass
class Roster:
    rows: list[RosterRow] = field(default_factory=list)
    issues: list[RosterIssue] = field(default_factory=list)
    error: UploadError | None = None  # the file could not be read: no rows, no issues

    @property
    def bad_rows(self) -> set[int]:
        """The rows with an issue (a set: the preview asks for every row, 20,000 at most)."""
        return {issue.row for issue in self.issues}

    @property
    def valid(self) -> bool:
        return self.error is None and not self.issues and bool(self.rows)


def parse_roster(data: bytes) -> Roster:
    """Read the file into rows; a file that cannot be read is the roster's ``error``."""
    roster = Roster()
    try:
        table = tables.in_worker(tables.read_table, data, COLUMNS, max_rows=MAX_ROWS)
    except UploadError as error:
        roster.error = error
        return roster
    roster.rows = [RosterRow(row=row.number, employee_no=clean_employee_no(row["employee_no"]),
                             name=row["name"], branch_code=clean_code(row["branch_code"]),
                             role_text=row["role"]) for row in table.rows]
    return roster


_NUMBER_SEPARATORS = re.compile(r"[\s,，、;；]+")


def pasted_employee_numbers(text: str) -> list[str]:
    """Employee numbers typed or pasted into a form, one per line or separated by commas."""
    return [number for number in map(clean_employee_no, _NUMBER_SEPARATORS.split(text or "")) if number]


def employee_numbers_in_file(data: bytes) -> list[str]:
    """The 工号 column of an uploaded roster (any header bulk registration accepts), cleaned as
    bulk registration cleans them.  Raises UploadError when the file cannot be read, has no 工号
    column, or has a row without one: a person is never left out silently."""
    numbers = []
    for row in tables.in_worker(tables.read_table, data, {"employee_no": EMPLOYEE_NO}, max_rows=MAX_ROWS).rows:
        number = clean_employee_no(row["employee_no"])
        if not number:
            raise UploadError("empty_cell", row=row.number, column=EMPLOYEE_NO.names[0])
        numbers.append(number)
    return numbers


def role_from_text(text: str) -> Role | None:
    word = text.strip().lower()
    if not word:
        return Role.TRAINEE
    for role, words in ROLE_WORDS.items():
        if word in words:
            return role
    return None


def check_roster(roster: Roster, actor: User) -> Roster:
    """Check every row against the database and ``actor``'s rights; adds issues, fills branch/role."""
    first_row: dict[str, int] = {}
    offload.pause()  # after reading the file
    registered = registered_branches([r.employee_no for r in roster.rows if r.employee_no])
    branches: dict[str, Branch | None] = {}
    allowed_roles = roles_assignable_by(actor)
    for number, row in enumerate(roster.rows):
        if number % CHECK_SLICE == 0:
            offload.pause()  # thousands of rows: live exams on this process keep being served

        def issue(field: str, message: str, row=row) -> None:
            roster.issues.append(RosterIssue(row.row, field, message))

        problem = employee_no_problem(row.employee_no)
        if problem:
            issue("工号", problem)
        elif row.employee_no in first_row:
            issue("工号", _("Duplicate employee number %(no)s: also on row %(row)d.",
                           no=row.employee_no, row=first_row[row.employee_no]))
        elif row.employee_no in registered and in_scope(actor, registered[row.employee_no]):
            issue("工号", _("Duplicate employee number %(no)s: already registered.", no=row.employee_no))
        elif row.employee_no in registered:
            # Someone outside the importer's branches: who, or where, is not theirs to know.
            issue("工号", _("Employee number %(no)s cannot be registered from here. Check the number; if it "
                           "is right, ask the exam office above your branch.", no=row.employee_no))
        if row.employee_no:
            first_row.setdefault(row.employee_no, row.row)

        problem = name_problem(row.name)
        if problem:
            issue("姓名", problem)

        if not row.branch_code:
            issue("机构代码", _("The branch code is missing."))
        else:
            if row.branch_code not in branches:
                branches[row.branch_code] = branch_by_code(row.branch_code)
            row.branch = branches[row.branch_code]
            if row.branch is None:
                issue("机构代码", _("Unknown branch code %(code)s.", code=row.branch_code))
            elif not in_scope(actor, row.branch):
                issue("机构代码", _("Branch %(code)s is outside the branches you manage.",
                                 code=row.branch_code))

        row.role = role_from_text(row.role_text)
        if row.role is None:
            issue("角色", _("Unknown role %(role)s. Use 学员, 监考员 or 管理员.", role=row.role_text))
        elif row.role not in allowed_roles:
            issue("角色", _("You may not register people with the role %(role)s.", role=row.role.label))
    roster.issues.sort(key=lambda i: i.row)
    offload.pause()  # before the preview is rendered
    return roster
