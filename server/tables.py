"""Uploaded tables (the first sheet of an .xlsx workbook, or CSV), read the same way wherever the
exam office uploads one: question banks, bulk registration and a session's roster.

Headers are matched loosely (NFKC, case, spaces and a byte-order mark ignored) against a list
of accepted names per column; the header is the first row with anything in it."""
from __future__ import annotations

import csv
import io
import unicodedata

from openpyxl import load_workbook


def xlsx_rows(data: bytes) -> list[list]:
    """The first sheet's rows of cell values.  Raises what openpyxl raises for a file that is not a
    workbook (zipfile.BadZipFile, KeyError, OSError, ValueError)."""
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def csv_rows(text: str) -> list[list[str]]:
    """Comma- or tab-separated, whichever the first line uses more (Excel's "Unicode text" is tabs)."""
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def plain(value) -> str:
    """A cell as text: None is empty, and Excel's 10023.0 (how it keeps 10023) is 10023."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def header_key(value) -> str:
    return unicodedata.normalize("NFKC", plain(value)).lower().replace(" ", "").replace("\ufeff", "")


def header_row(rows: list[list]) -> int | None:
    """Where the header is: the first row with anything in it."""
    return next((i for i, row in enumerate(rows) if any(plain(c) for c in row)), None)


def find_columns(headers: list, names: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """For each key, the first column whose header is one of its accepted ``names``."""
    keys = [header_key(h) for h in headers]
    columns: dict[str, int] = {}
    for key, accepted in names.items():
        wanted = {header_key(n) for n in accepted}
        position = next((i for i, header in enumerate(keys) if header in wanted), None)
        if position is not None:
            columns[key] = position
    return columns
