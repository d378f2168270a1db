"""A bank written out as a file (GIFT text or the import template's .xlsx): one place for the
Bank page's export links and the API, so both give the same bytes, type and name."""
from __future__ import annotations

from dataclasses import dataclass

from server.bank.formats.gift import write_gift
from server.bank.formats.table import write_xlsx
from server.bank.models import QuestionBank
from server.bank.util import questions_query
from server.extensions import db
from server.spreadsheets import file_name

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GIFT = "text/plain; charset=utf-8"
EXPORT_FORMATS = ("gift", "xlsx")


@dataclass(frozen=True)
class ExportFile:
    data: bytes
    mimetype: str
    download_name: str


def export_bank(bank: QuestionBank, fmt: str) -> ExportFile:
    """The bank's current, unretired questions in ``fmt`` (one of EXPORT_FORMATS)."""
    questions = list(db.session.scalars(questions_query(bank)))
    if fmt == "xlsx":
        return ExportFile(write_xlsx(questions, bank.name), XLSX, file_name(bank.name, ".xlsx"))
    if fmt == "gift":
        return ExportFile(write_gift(questions, bank.name).encode("utf-8"), GIFT, file_name(bank.name, ".gift.txt"))
    raise ValueError(fmt)
