"""Reading and writing question files.  Pure Python: no Flask, no database.

Every reader returns a ParseResult: the questions it could read and an issue for each one it
could not, with the line (or spreadsheet row) and the question number, so nothing is dropped
silently and nothing is guessed.
"""
from __future__ import annotations

from server.bank.formats.common import (
    FORMATS,
    FormatError,
    ParsedQuestion,
    ParseIssue,
    ParseResult,
    QuestionType,
    decode_text,
)

__all__ = ["FORMATS", "FormatError", "ParseIssue", "ParseResult", "ParsedQuestion", "QuestionType",
           "decode_text", "detect_format", "parse"]

MAX_BYTES = 20 * 1024 * 1024


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
        text = decode_text(data)
    except FormatError:
        return "text"
    from server.bank.formats import aiken, gift

    if gift.looks_like_gift(text):
        return "gift"
    if aiken.looks_like_aiken(text):
        return "aiken"
    return "text"


def parse(data: bytes, filename: str = "", fmt: str = "auto") -> ParseResult:
    """Parse ``data`` in format ``fmt`` (auto|text|gift|aiken|xlsx|csv).

    Raises FormatError for a file that cannot be read at all (empty, binary, too large, unknown
    format); problems with single questions are issues in the result instead.
    """
    from server.bank.formats import aiken, gift, table, text

    if len(data) > MAX_BYTES:
        raise FormatError("too_large", limit_mb=MAX_BYTES // (1024 * 1024))
    if not data.strip():
        raise FormatError("empty")
    if fmt == "auto":
        fmt = detect_format(filename, data)
    if fmt not in FORMATS:
        raise FormatError("unknown_format", format=fmt)
    if fmt == "xlsx":
        return _nonempty(table.read_xlsx(data))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FormatError("old_excel")
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FormatError("binary")
    content = decode_text(data)
    readers = {"text": text.parse_text, "gift": gift.parse_gift, "aiken": aiken.parse_aiken,
               "csv": table.read_csv}
    return _nonempty(readers[fmt](content))


def _nonempty(result: ParseResult) -> ParseResult:
    if not result.questions and not result.issues:
        raise FormatError("no_questions")
    return result
