"""Hostile files, made by code (clearer than committed binaries): each is small to send and
expensive to read naively.  Used by the upload tests in-process and by tests/live/test_hostile_files.py
against a real server.  Every generator returns bytes; sizes are the ones the issue (#14) measured."""
from __future__ import annotations

import io
import re
import zipfile

from tests.builders import BANK_TEXT, xlsx

ROSTER_HEADER = ["工号", "姓名", "机构代码", "角色"]


def xlsx_declaring(ref: str = "A1:XFD3000", rows: int = 3000) -> bytes:
    """A small roster whose sheet claims to span ``ref`` (16,384 columns): openpyxl's read-only
    reader padded every row to the declared width (1.6 KB of file, +393 MB and 5.7 s of CPU)."""
    source = xlsx([ROSTER_HEADER, *([f"9{n:05d}", "某", "BJ", ""] for n in range(rows - 1))])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>'.encode(), data)
            new.writestr(item, data)
    return out.getvalue()


def xlsx_wide_row(column: int = 300) -> bytes:
    """A roster with one cell far to the right: a row as wide as that is refused, not padded."""
    return xlsx([ROSTER_HEADER, ["50001", "陈一", "BJ", "学员", *([None] * (column - 5)), "x"]])


def roster_csv(rows: int = 200_000) -> bytes:
    """An ordinary-looking roster CSV of 200k rows (2.9 MB): it froze live exams for seconds."""
    lines = [",".join(ROSTER_HEADER)] + [f"{700000 + n},学员{n},BJ,学员" for n in range(rows)]
    return "\r\n".join(lines).encode()


def question_text(megabytes: int = 8) -> bytes:
    """A question file in the plain-text format, ``megabytes`` long (the default upload limit is 10 MB)."""
    block = BANK_TEXT.encode()
    return block * (megabytes * 1024 * 1024 // len(block))


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF with these objects (1 is the catalogue), a correct xref table and trailer."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def acroform_pdf(fields: int = 100_000) -> bytes:
    """A 7.5 MB PDF whose form has 100,000 fields: checking its signatures took 16-17 s of CPU."""
    first = 4
    references = b" ".join(b"%d 0 R" % (first + n) for n in range(fields))
    objects = [b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [" + references + b"] >> >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
    objects += [b"<< /FT /Tx /T (f%d) /V (x) >>" % n for n in range(fields)]
    return _pdf(objects)


def nested_pdf(depth: int = 200_000) -> bytes:
    """A PDF whose form's field list is an array nested 200,000 deep: a recursive reader overflows
    (it was a 500: RecursionError)."""
    nested = b"[" * depth + b"]" * depth
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields " + nested + b" >> >>",
                 b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"])


# Names that must not steer where an archive's entries land, or how they show.
HOSTILE_NAMES = ["../../etc/passwd", "/abs/olute", "C:\\Windows\\evil", "a\r\nb", "CON", "a<b>c:d\"e|f?g*h",
                 "\x00\x07bell", "." * 5, "名" * 300]
