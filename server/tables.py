"""Uploaded files, read the same way wherever the exam office uploads one: question banks, bulk
registration and a session's roster.  One reader (read_table) and one error (UploadError).

A file is sniffed by its content: an .xlsx workbook (its first sheet), else text in UTF-8 (with
or without BOM), UTF-16 with BOM, or GB18030 (which covers GBK and GB2312 as Excel saves them in
China); text tables are comma- or tab-separated.  The header is the first of the first ten rows
that names every required column, so an office's title, subtitle and blank rows above it are
skipped; columns are matched loosely (NFKC, case, spaces and a byte-order mark ignored) against
the names each column accepts.  Rows are numbered as Excel shows them (the header of a plain
table is row 1); blank rows are skipped.

Rows are streamed and the limits hold as they are read: at most MAX_COLUMNS columns and the
caller's max_rows; a workbook's declared size (<dimension ref="A1:XFD3000"/>) is not trusted, as
openpyxl pads every row to it.  Reading runs in a worker process (``in_worker``: server/offload.py),
never on the live event loop, and a file that takes too long or too much memory is an UploadError.

Nothing here knows a request or the database.  Messages are lazy translations: English outside a
request, the user's language inside one.
"""
from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook

from server.offload import LimitExceeded, in_process
from server.spreadsheets import restore

XLSX, TEXT = "xlsx", "text"
MAX_COLUMNS = 256  # as old Excel; the templates have at most 12
T = TypeVar("T")

# What went wrong with a whole file, and how to fix it; where is said apart (UploadError.where).
MESSAGES = {
    "empty": _l("The file is empty."),
    "too_large": _l("The file is larger than %(limit_mb)s MB."),
    "binary": _l("This is not a text, Excel or CSV file."),
    "old_excel": _l("Old Excel files (.xls) are not supported; save the file as .xlsx."),
    "bad_workbook": _l("The workbook cannot be opened; save it again as .xlsx."),
    "bad_encoding": _l("The text is neither UTF-8 nor GB18030/GBK; save it in one of those encodings."),
    "bad_csv": _l("The CSV cannot be read: %(error)s"),
    "unknown_format": _l("Unknown format %(format)s."),
    "no_rows": _l("The file has no rows."),
    "missing_columns": _l("Missing column(s): %(columns)s. One of the first %(n)d rows must be the "
                          "header row, naming at least the columns %(required)s."),
    "no_data": _l("The file has a header but nothing below it."),
    "too_many_rows": _l("The file has more than %(n)d rows. Split it into several files."),
    "too_many_columns": _l("This row has more than %(n)d columns. Delete the columns to the right of the "
                           "table (or copy the table into a new sheet) and upload it again."),
    "too_complex": _l("The file could not be read within the %(limit)s limit. Split it into smaller files."),
    "too_many_questions": _l("The file has more than %(n)d questions. Split it into several files."),
    "empty_cell": _l("This cell is empty; fill it in or delete the row."),
    "no_questions": _l("No questions were found in the file."),
}


class UploadError(Exception):
    """An uploaded file that cannot be used as a whole: ``code`` says what is wrong (one of
    MESSAGES), ``row`` (a table's row) or ``line`` (a text's line) and ``column`` say where."""

    def __init__(self, code: str, *, row: int | None = None, line: int | None = None,
                 column: str | None = None, **params):
        if code not in MESSAGES:
            raise KeyError(code)
        super().__init__(code)
        self.code, self.row, self.line, self.column, self.params = code, row, line, column, params

    @property
    def message(self) -> str:
        """What is wrong and how to fix it, in the user's language."""
        return str(MESSAGES[self.code]) % self.params

    @property
    def where(self) -> str:
        """The row or line and the column, in words ("" for the file as a whole)."""
        if self.row is not None and self.column is not None:
            return _("row %(n)d, column %(column)s", n=self.row, column=self.column)
        if self.row is not None:
            return _("row %(n)d", n=self.row)
        if self.line is not None:
            return _("line %(n)d", n=self.line)
        return ""

    def __str__(self) -> str:
        """How every page and the API show it: the message, then where."""
        where = self.where
        return _("%(message)s (%(where)s)", message=self.message, where=where) if where else self.message


# --- bytes to rows ------------------------------------------------------------------------------

_OLE = b"\xd0\xcf\x11\xe0"  # .xls, .doc: the old Office container
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def sniff(data: bytes) -> str:
    """XLSX or TEXT by the content; UploadError for an empty, old-Excel or binary file."""
    if not data.strip():
        raise UploadError("empty")
    if data.startswith(b"PK\x03\x04"):
        return XLSX
    if data.startswith(_OLE):
        raise UploadError("old_excel")
    if b"\x00" in data[:4096] and not data.startswith(_UTF16_BOMS):
        raise UploadError("binary")
    return TEXT


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM, or UTF-16 with BOM), else GB18030 (a superset of GBK/GB2312).
    UploadError("bad_encoding") names the line where the encoding that read furthest stopped."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = [("utf-8", data[3:])]
    elif data.startswith(_UTF16_BOMS):
        candidates = [("utf-16", data)]
    else:
        candidates = [("utf-8", data), ("gb18030", data)]
    furthest: tuple[int, str, bytes] | None = None
    for encoding, payload in candidates:
        try:
            return payload.decode(encoding)
        except UnicodeDecodeError as error:
            if furthest is None or error.start > furthest[0]:
                furthest = (error.start, encoding, payload)
    start, encoding, payload = furthest
    line = payload[:start].decode(encoding, errors="replace").count("\n") + 1
    raise UploadError("bad_encoding", line=line)


def xlsx_rows(data: bytes) -> Iterator[list]:
    """The first sheet's rows of cell values, as they are read; UploadError("bad_workbook") for a
    broken workbook.  Trailing empty cells are dropped; a row wider than MAX_COLUMNS stops the read."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError, TypeError):
        raise UploadError("bad_workbook") from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the declared size is the file's claim; rows are as wide as their cells
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            width = len(values)
            while width and values[width - 1] is None:
                width -= 1
            if width > MAX_COLUMNS:
                raise UploadError("too_many_columns", row=number, n=MAX_COLUMNS)
            yield list(values[:width])
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError, TypeError):
        raise UploadError("bad_workbook") from None
    finally:
        workbook.close()


def csv_rows(text: str) -> Iterator[list[str]]:
    """Comma- or tab-separated, whichever the first line uses more (Excel's "Unicode text" is tabs)."""
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for values in reader:
            if len(values) > MAX_COLUMNS:
                raise UploadError("too_many_columns", line=reader.line_num, n=MAX_COLUMNS)
            yield values
    except csv.Error as error:
        raise UploadError("bad_csv", line=reader.line_num, error=str(error)) from None


def raw_rows(data: bytes) -> Iterator[list]:
    """The file's rows of cells, whatever it is, as they are read."""
    return xlsx_rows(data) if sniff(data) == XLSX else csv_rows(decode_text(data))


def in_worker(function: Callable[..., T], *args, **kwargs) -> T:
    """``function`` (a reader of uploads) in a worker process, off the live event loop.  A file
    that needs more than the worker's time or memory is UploadError("too_complex")."""
    try:
        return in_process(function, *args, **kwargs)
    except LimitExceeded as exceeded:
        raise UploadError("too_complex", limit=exceeded.detail) from None


# --- rows to a table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column an upload may have: the header ``names`` it accepts (the first is how messages
    name it), whether it must be there, and whether its cells are NFKC-normalised (codes, numbers
    and names: full-width ＡＢ１ is AB1; not a question's text, whose full-width punctuation stays)."""

    names: tuple[str, ...]
    required: bool = False
    nfkc: bool = False


@dataclass(frozen=True)
class Row:
    number: int  # as Excel shows it
    cells: dict[str, str]  # column key -> text; "" when blank or when the file has no such column

    def __getitem__(self, key: str) -> str:
        return self.cells[key]


@dataclass(frozen=True)
class Table:
    header_row: int
    columns: dict[str, int]  # the keys found, with their position
    rows: list[Row]


def plain(value) -> str:
    """A cell as text: None is empty, and Excel's 10023.0 (how it keeps 10023) is 10023."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def header_key(value) -> str:
    return unicodedata.normalize("NFKC", plain(value)).lower().replace(" ", "").replace("\ufeff", "")


def read_table(data: bytes, columns: dict[str, Column], *, max_rows: int | None = None) -> Table:
    """The uploaded file as rows of the wanted ``columns``.  Raises UploadError when the file
    cannot be read, has no header, lacks a required column, has no rows, more than ``max_rows``
    or a row wider than MAX_COLUMNS.  CPU-heavy: call it through ``in_worker`` on the server."""
    return table_from_rows(raw_rows(data), columns, max_rows=max_rows)


HEADER_SEARCH_ROWS = 10  # an office's title, subtitle and blank rows above the header fit in these


def _columns_in(row: list, columns: dict[str, Column]) -> dict[str, int]:
    headers = [header_key(h) for h in row]
    found: dict[str, int] = {}
    for key, column in columns.items():
        wanted = {header_key(name) for name in column.names}
        position = next((i for i, header in enumerate(headers) if header in wanted), None)
        if position is not None:
            found[key] = position
    return found


def find_header(rows: Iterator[list], columns: dict[str, Column]) -> tuple[int, dict[str, int]]:
    """The header: the first of the first HEADER_SEARCH_ROWS rows that names every required
    column (an exam office puts a merged title, a subtitle and blank rows above it).  Returns its
    index and the columns found in it; ``rows`` is left just below it.  Raises UploadError
    (no_rows, or missing_columns naming what the first non-blank row lacks)."""
    required = [key for key, column in columns.items() if column.required]
    first: tuple[int, dict[str, int]] | None = None
    for index in range(HEADER_SEARCH_ROWS):
        row = next(rows, None)
        if row is None:
            break
        if not any(plain(c) for c in row):
            continue
        found = _columns_in(row, columns)
        if all(key in found for key in required):
            return index, found
        first = first or (index, found)
    if first is None:
        raise UploadError("no_rows")
    index, found = first
    missing = [columns[key].names[0] for key in required if key not in found]
    raise UploadError("missing_columns", row=index + 1, columns="、".join(missing),
                      required="、".join(columns[key].names[0] for key in required),
                      n=HEADER_SEARCH_ROWS)


def table_from_rows(rows: Iterable[list], columns: dict[str, Column], *, max_rows: int | None = None) -> Table:
    rows = iter(rows)
    header_at, found = find_header(rows, columns)

    def text(values: list, key: str) -> str:
        position = found.get(key)
        # Our own exports neutralise formula-like text (server/spreadsheets.py): undone here.
        value = restore(plain(values[position])) if position is not None and position < len(values) else ""
        return unicodedata.normalize("NFKC", value).strip() if columns[key].nfkc else value

    table = Table(header_at + 1, found, [])
    for number, values in enumerate(rows, start=header_at + 2):
        if not any(plain(c) for c in values):
            continue
        if max_rows is not None and len(table.rows) == max_rows:
            raise UploadError("too_many_rows", row=number, n=max_rows)
        table.rows.append(Row(number, {key: text(values, key) for key in columns}))
    if not table.rows:
        raise UploadError("no_data", row=header_at + 1)
    return table
