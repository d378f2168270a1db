"""Certificates rendered with an embedded CJK font and certified with a PAdES signature, checked
by pyHanko and by poppler's tools; tampering is caught."""
from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from asn1crypto import pem, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from pdfs.certificate import render_certificate
from pdfs.fonts import cjk_font
from pdfs.signing import CA_CERT, Signer, ensure_authority
from tests.builders import CERTIFICATE
from tests.pdfs.tampering import flip_byte, pdfsig, pdftotext, rename, strip_signature
from tests.services import poppler

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "pdfs"


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    folder = tmp_path_factory.mktemp("authority")
    ensure_authority(folder, "示范银行")
    return folder


@pytest.fixture(scope="module")
def signed(authority):
    pdf = Signer.from_folder(authority).sign(render_certificate(CERTIFICATE))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "certificate.pdf").write_bytes(pdf)
    return pdf


def _trust(folder: Path) -> ValidationContext:
    return ValidationContext(trust_roots=[x509.Certificate.load(pem.unarmor((folder / CA_CERT).read_bytes())[2])])


def _status(pdf: bytes, folder: Path):
    return validate_pdf_signature(PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0], _trust(folder))


def test_the_keys_are_private_and_created_once(authority):
    modes = {p.name: p.stat().st_mode & 0o777 for p in authority.iterdir()}
    assert modes["authority-key.pem"] == modes["signer-key.pem"] == 0o600
    before = (authority / "signer-key.pem").read_bytes()
    ensure_authority(authority, "示范银行")
    assert (authority / "signer-key.pem").read_bytes() == before


def test_pyhanko_finds_the_signature_intact_valid_trusted_and_covering_everything(signed, authority):
    status = _status(signed, authority)
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE" and status.docmdp_ok


def test_pdfsig_reports_a_valid_signature_over_the_whole_document(signed):
    path = ARTIFACTS / "certificate.pdf"
    report = subprocess.run([poppler("pdfsig"), str(path)], capture_output=True, text=True, check=False).stdout
    assert "Signature is Valid." in report and "Total document signed" in report


def test_the_chinese_name_is_text_in_an_embedded_font(signed):
    path = ARTIFACTS / "certificate.pdf"
    text = subprocess.run([poppler("pdftotext"), str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "欧阳晓明" in text and "北京分行" in text
    fonts = subprocess.run([poppler("pdffonts"), str(path)], capture_output=True, text=True, check=True).stdout
    cjk_rows = [line for line in fonts.splitlines() if "WenQuanYi" in line or "CJK" in line or "ExamhallCJK" in line]
    assert cjk_font().embedded and cjk_rows and all(" yes yes " in row for row in cjk_rows)
    subprocess.run([poppler("pdftoppm"), "-png", "-r", "60", str(path), str(ARTIFACTS / "certificate")], check=True)


def test_a_flipped_byte_is_caught(signed, authority):
    tampered = flip_byte(signed)
    assert not _status(tampered, authority).intact
    report = pdfsig(tampered)
    assert "Signature is Valid." not in report and "Digest Mismatch" in report


def test_an_incremental_update_that_changes_the_name_is_caught(signed, authority):
    renamed = rename(signed, "Zhang San")
    assert "Zhang San" in pdftotext(renamed)  # the page now shows another name...
    status = _status(renamed, authority)
    assert status.intact  # ...the signed bytes themselves are untouched...
    assert status.coverage.name != "ENTIRE_FILE" and not status.docmdp_ok  # ...but the update is caught
    report = pdfsig(renamed)
    assert "Not total document signed" in report and "Total document signed" not in report


def test_a_pdf_signed_by_another_key_is_not_trusted(authority, tmp_path):
    other = tmp_path / "other"
    ensure_authority(other, "冒名银行")
    forged = Signer.from_folder(other).sign(render_certificate(CERTIFICATE))
    status = _status(forged, authority)  # checked against the genuine authority only
    assert status.intact and status.valid and not status.trusted
    report = pdfsig(forged)  # poppler has no trust store with our authority: it shows who signed
    assert "Signer Certificate Common Name: 冒名银行" in report and "Certificate issuer isn't Trusted" in report


def test_a_stripped_signature_leaves_no_signature(signed):
    stripped = strip_signature(signed)
    assert PdfFileReader(io.BytesIO(stripped)).embedded_signatures == []
    assert "欧阳晓明" in pdftotext(stripped)  # the content is all there, unsigned
    assert "does not contain any signatures" in pdfsig(stripped)


def test_pdfs_imports_neither_flask_nor_the_server():
    import ast

    for path in (Path(__file__).resolve().parents[2] / "pdfs").glob("*.py"):
        tree = ast.parse(path.read_text())
        names = {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
        names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not {n for n in names if n.split(".")[0] in {"flask", "server", "sqlalchemy"}}, path
