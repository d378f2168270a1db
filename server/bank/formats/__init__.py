"""Reading and writing question files.  No app, no database.

Every reader returns a ParseResult: the questions it could read and an issue for each one it
could not, with the line (or spreadsheet row) and the question number, so nothing is dropped
silently and nothing is guessed.  A file that cannot be read at all raises the one error every
upload raises (server.tables.UploadError), and is sniffed and decoded as every upload is.
"""
from __future__ import annotations

from server import tables
from server.bank.formats import aiken, gift, table, text
from server.bank.formats.common import (
    FORMATS,
    ParsedQuestion,
    ParseIssue,
    ParseResult,
    QuestionType,
)
from server.tables import UploadError

__all__ = ["FORMATS", "ParseIssue", "ParseResult", "ParsedQuestion", "QuestionType", "detect_format", "parse"]

MAX_BYTES = 20 * 1024 * 1024
MAX_QUESTIONS = 20000  # per file: a preview of more would be a page no one reads, and costly to build


def detect_format(filename: str, data: bytes) -> str:
    """Guess the format from the content first, the file name second."""
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    name = (filename or "").lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".gift"):
        return "gift"
    if name.endswith(".aiken"):
        return "aiken"
    try:
        text = tables.decode_text(data)
    except UploadError:
        return "text"
    if gift.looks_like_gift(text):
        return "gift"
    if aiken.looks_like_aiken(text):
        return "aiken"
    return "text"


def parse(data: bytes, filename: str = "", fmt: str = "auto") -> ParseResult:
    """Parse ``data`` in format ``fmt`` (auto|text|gift|aiken|xlsx|csv).

    Raises UploadError for a file that cannot be read at all (empty, binary, too large, unknown
    format); problems with single questions are issues in the result instead.
    """

    if len(data) > MAX_BYTES:
        raise UploadError("too_large", limit_mb=MAX_BYTES // (1024 * 1024))
    kind = tables.sniff(data)
    if kind == tables.XLSX:
        fmt = "xlsx"  # a workbook is read as one, whatever was chosen
    elif fmt == "auto":
        fmt = detect_format(filename, data)
    if fmt not in FORMATS:
        raise UploadError("unknown_format", format=fmt)
    if fmt == "xlsx" and kind != tables.XLSX:
        raise UploadError("bad_workbook")
    if fmt in ("xlsx", "csv"):
        return _nonempty(table.read_table(data))
    readers = {"text": text.parse_text, "gift": gift.parse_gift, "aiken": aiken.parse_aiken}
    return _nonempty(readers[fmt](tables.decode_text(data)))


def _nonempty(result: ParseResult) -> ParseResult:
    if not result.questions and not result.issues:
        raise UploadError("no_questions")
    if len(result.questions) + len(result.issues) > MAX_QUESTIONS:
        raise UploadError("too_many_questions", n=MAX_QUESTIONS)
    return result
