"""Ways a signed PDF gets tampered with, and poppler's pdfsig on the result."""
from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from tests import services


def flip_byte(pdf: bytes) -> bytes:
    tampered = bytearray(pdf)
    tampered[len(pdf) // 3] ^= 0x01  # a third of the way in: inside the first signed byte range
    return bytes(tampered)


def rename(pdf: bytes, name: str = "Zhang San") -> bytes:
    """An incremental update after the signature that paints over the holder's name and writes
    another: the signed bytes stay untouched, the page shows something else."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    font = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Font"),
        generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
        generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica")}))
    resources = page["/Resources"]
    fonts = resources["/Font"]
    fonts[generic.NameObject("/Forged")] = font
    overlay = generic.StreamObject(stream_data=(
        b"q 1 1 1 rg 250 285 340 40 re f Q BT 0 0 0 rg /Forged 24 Tf 360 296 Td (" + name.encode() + b") Tj ET"))
    contents = page["/Contents"]
    parts = list(contents) if isinstance(contents, generic.ArrayObject) else [page.raw_get("/Contents")]
    page[generic.NameObject("/Contents")] = generic.ArrayObject([*parts, writer.add_object(overlay)])
    for container in (resources, fonts):  # they may be objects of their own, or parts of the page
        if getattr(container, "container_ref", None) is not None:
            writer.update_container(container)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def strip_signature(pdf: bytes) -> bytes:
    """The file cut back to its first revision, before the signature was appended."""
    end = pdf.index(b"%%EOF") + len(b"%%EOF")
    return pdf[:end] + b"\n"


def _poppler(tool: str, pdf: bytes, *args: str) -> subprocess.CompletedProcess:
    path = services.poppler(tool)
    with tempfile.TemporaryDirectory() as folder:
        document = Path(folder) / "document.pdf"
        document.write_bytes(pdf)
        return subprocess.run([path, str(document), *args], capture_output=True, text=True, check=False)


def pdfsig(pdf: bytes) -> str:
    result = _poppler("pdfsig", pdf)
    return result.stdout + result.stderr


def pdftotext(pdf: bytes) -> str:
    result = _poppler("pdftotext", pdf, "-")
    result.check_returncode()
    return result.stdout
