"""Hostile uploads get a clear answer, never a 500 and never a server stuck reading them: rows and
columns are limited as they are read (a workbook's declared size is not trusted), and a PDF
nested deeper than any real one, or with 100,000 form fields, is "not issued by us".
The files come from tests/hostile.py; tests/live/test_hostile_files.py measures the event loop."""
from __future__ import annotations

import io
import re

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from server import tables
from server.tables import UploadError
from server.users import roster
from tests import hostile


def _post_file(client, url: str, field: str, data: bytes, filename: str):
    """A multipart POST built in memory (the test client spools a large body to a temporary file
    that it never closes)."""
    fields = {"csrf_token": client.csrf_token(), field: FileStorage(io.BytesIO(data), filename)}
    boundary, body = encode_multipart(fields)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _upload(client, data: bytes, filename: str):
    return _post_file(client, "/users/import", "file", data, filename)


def test_a_declared_sheet_size_is_not_trusted():
    data = hostile.xlsx_declaring("A1:XFD3000", rows=50)
    assert max(len(row) for row in tables.raw_rows(data)) == 4  # not 16,384
    assert len(tables.read_table(data, roster.COLUMNS).rows) == 49


def test_a_row_wider_than_the_limit_is_refused_with_where_and_how_to_fix_it(client, auth, people):
    with pytest.raises(UploadError) as raised:
        tables.read_table(hostile.xlsx_wide_row(300), roster.COLUMNS)
    assert (raised.value.code, raised.value.row, raised.value.params) == ("too_many_columns", 2, {"n": 256})
    with pytest.raises(UploadError) as raised:
        tables.read_table(("a," * 300).encode() + b"\n1,2", roster.COLUMNS)
    assert (raised.value.code, raised.value.line) == ("too_many_columns", 1)
    auth.login("A001")
    page = _upload(client, hostile.xlsx_wide_row(300), "wide.xlsx").get_data(as_text=True)
    assert "超过 256 列" in page and "第 2 行" in page


def test_rows_are_counted_as_they_are_read(client, auth, people):
    rows = iter(hostile.roster_csv(200_000).decode().splitlines())
    taken = []

    def counting():
        for line in rows:
            taken.append(line)
            yield line.split(",")

    with pytest.raises(UploadError) as raised:
        tables.table_from_rows(counting(), roster.COLUMNS, max_rows=roster.MAX_ROWS)
    assert raised.value.code == "too_many_rows" and len(taken) == roster.MAX_ROWS + 2
    auth.login("A001")
    page = _upload(client, hostile.roster_csv(200_000), "big.csv").get_data(as_text=True)
    assert "20000" in page


def _verify(client, data: bytes):
    response = _post_file(client, "/verify", "document", data, "certificate.pdf")
    status = re.search(r'data-status="(\w+)"', response.get_data(as_text=True))
    return response.status_code, status and status.group(1), response.get_data(as_text=True)


def test_a_deeply_nested_pdf_is_not_issued_by_us_not_a_500(client):
    status_code, status, _ = _verify(client, hostile.nested_pdf(200_000))
    assert (status_code, status) == (200, "unknown")


def test_a_pdf_too_costly_to_read_is_not_issued_by_us(client):
    status_code, status, page = _verify(client, hostile.acroform_pdf(100_000))
    assert (status_code, status) == (200, "unknown")
    assert "无法读取" in page
