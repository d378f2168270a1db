"""Bulk registration: read a roster (XLSX or CSV with columns 工号, 姓名, 机构代码, 角色), check
every row, and report each problem with its spreadsheet row number.  Nothing is written here;
the import is all or nothing (operations.create_users).

Choices: row numbers are the ones Excel shows (the header is row 1); blank rows are skipped;
a blank 角色 means 学员 (trainee); CSV is read as UTF-8 (with or without BOM), else GB18030,
which covers GBK and GB2312 as saved by Excel in China.
"""
from __future__ import annotations

import csv
import unicodedata
import zipfile
from dataclasses import dataclass, field

from flask_babel import gettext as _

from server import tables
from server.access import in_scope
from server.bank.formats.common import FormatError, decode_text
from server.branches.operations import clean_code
from server.branches.util import branch_by_code
from server.models import Branch, Role, User
from server.users.operations import clean_employee_no, employee_no_problem, name_problem
from server.users.util import existing_employee_numbers, roles_assignable_by

MAX_ROWS = 20000

COLUMNS = {
    "employee_no": ("工号", "员工号", "员工编号", "employee_no", "employeeno", "employee number"),
    "name": ("姓名", "名字", "name"),
    "branch_code": ("机构代码", "机构号", "机构编号", "网点代码", "branch_code", "branch code", "branch"),
    "role": ("角色", "role"),
}
REQUIRED = ("employee_no", "name", "branch_code")
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

    @property
    def valid(self) -> bool:
        return not self.issues and bool(self.rows)


def _cell_text(value) -> str:
    return unicodedata.normalize("NFKC", tables.plain(value))


def read_table(filename: str, data: bytes) -> list[list]:
    """The first sheet (or the CSV) as rows of cells.  Raises ValueError with a message to show."""
    if not data.strip():
        raise ValueError(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        try:
            return tables.xlsx_rows(data)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError):
            raise ValueError(_("The file looks like an Excel workbook but cannot be opened. "
                               "Save it again as .xlsx or CSV.")) from None
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValueError(_("Old Excel files (.xls) are not supported. Save it as .xlsx or CSV."))
    if b"\x00" in data[:4096]:
        raise ValueError(_("This is not a text or Excel file. Upload .xlsx or .csv."))
    try:
        return tables.csv_rows(decode_text(data))
    except FormatError:
        raise ValueError(_("The text is neither UTF-8 nor GB18030/GBK. Save the CSV in one of "
                           "those encodings.")) from None
    except csv.Error as exc:
        raise ValueError(_("The CSV cannot be read: %(error)s", error=str(exc))) from None


def parse_roster(filename: str, data: bytes) -> Roster:
    """Read the file into rows, reporting file-level problems (row 0 for the file, 1 for header)."""
    roster = Roster()
    try:
        table = read_table(filename, data)
    except ValueError as exc:
        roster.issues.append(RosterIssue(0, None, str(exc)))
        return roster
    header_index = tables.header_row(table)
    if header_index is None:
        roster.issues.append(RosterIssue(0, None, _("The file has no rows.")))
        return roster
    columns = tables.find_columns(table[header_index], COLUMNS)
    missing = [COLUMNS[key][0] for key in REQUIRED if key not in columns]
    if missing:
        roster.issues.append(RosterIssue(header_index + 1, None, _(
            "Missing column(s): %(columns)s. The first row must name the columns 工号, 姓名, "
            "机构代码 and (optionally) 角色.", columns="、".join(missing))))
        return roster

    def cell(values, key):
        position = columns.get(key)
        return _cell_text(values[position]) if position is not None and position < len(values) else ""

    for index, values in enumerate(table[header_index + 1 :], start=header_index + 2):
        if not any(_cell_text(c) for c in values):
            continue
        roster.rows.append(RosterRow(
            row=index,
            employee_no=clean_employee_no(cell(values, "employee_no")),
            name=cell(values, "name"),
            branch_code=clean_code(cell(values, "branch_code")),
            role_text=cell(values, "role"),
        ))
        if len(roster.rows) > MAX_ROWS:
            roster.issues.append(RosterIssue(index, None, _(
                "The file has more than %(n)d people. Split it into several files.", n=MAX_ROWS)))
            return roster
    if not roster.rows:
        roster.issues.append(RosterIssue(header_index + 1, None, _("The file has a header but no people.")))
    return roster


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
    registered = existing_employee_numbers([r.employee_no for r in roster.rows if r.employee_no])
    branches: dict[str, Branch | None] = {}
    allowed_roles = roles_assignable_by(actor)
    for row in roster.rows:
        def issue(field: str, message: str, row=row) -> None:
            roster.issues.append(RosterIssue(row.row, field, message))

        problem = employee_no_problem(row.employee_no)
        if problem:
            issue("工号", problem)
        elif row.employee_no in first_row:
            issue("工号", _("Duplicate employee number %(no)s: also on row %(row)d.",
                           no=row.employee_no, row=first_row[row.employee_no]))
        elif row.employee_no in registered:
            issue("工号", _("Duplicate employee number %(no)s: already registered.", no=row.employee_no))
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
    return roster
