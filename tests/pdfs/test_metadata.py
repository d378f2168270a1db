"""What a signed document says about itself, as poppler's pdfinfo reads it: when it was made
(not ReportLab's invariant 2000-01-01) and by what (not "anonymous"); the signature still holds."""
from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from pdfs.certificate import render_certificate
from pdfs.score_sheet import (
    SessionSheetData,
    SheetQuestion,
    TraineeSheetData,
    render_session_sheet,
    render_trainee_sheet,
)
from pdfs.signing import Signer, ensure_authority
from tests.builders import CERTIFICATE
from tests.pdfs.tampering import pdfsig
from tests.services import poppler


@pytest.fixture(scope="module")
def signer(tmp_path_factory):
    folder = tmp_path_factory.mktemp("authority")
    ensure_authority(folder, "示范银行")
    return Signer.from_folder(folder)


def _info(pdf: bytes, tmp_path) -> dict[str, str]:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    report = subprocess.run([poppler("pdfinfo"), "-isodates", str(path)], capture_output=True, text=True,
                            check=True).stdout
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in report.splitlines())}


def test_a_signed_certificate_says_when_and_by_what_it_was_made(signer, tmp_path):
    pdf = signer.sign(render_certificate(replace(CERTIFICATE, created=datetime(2026, 11, 29, 8, 30, 5))))
    info = _info(pdf, tmp_path)
    assert info["CreationDate"].startswith("2026-11-29T08:30:05")
    assert info["Creator"] == "Examhall" and info["Producer"].startswith("Examhall (ReportLab ")
    assert info["Subject"] != "unspecified" and info["Author"] == CERTIFICATE.issuer
    report = pdfsig(pdf)
    assert "Signature is Valid." in report and "Total document signed" in report


def _created(info: dict[str, str]) -> datetime:
    return datetime.fromisoformat(info["CreationDate"].replace("Z", "+00:00"))


def test_score_sheets_carry_the_time_they_were_rendered(signer, tmp_path):
    question = SheetQuestion(1, "判断题", "存款保险保护存款人", [], "对", "对", "1", "1", "")
    trainee = TraineeSheetData("EXH-S-1", "欧阳晓明", "T10001", "北京分行", "柜员月度测试", "2026年11月29日",
                               "示范银行总行", "1", "1", 1, 1, True, "20秒", [question], "http://x/verify/1")
    session = SessionSheetData("EXH-T-1", "柜员月度测试", "2026年11月29日", "示范银行总行", "1", "0.6",
                               [("参加人数", "1")], [("0–1", 1)], [], [], [], "http://x/verify/2")
    before = datetime.now(UTC).replace(microsecond=0)
    for pdf in (render_trainee_sheet(trainee), render_session_sheet(session)):
        signed = signer.sign(pdf)
        info = _info(signed, tmp_path)
        assert before <= _created(info) <= datetime.now(UTC) + timedelta(seconds=1)
        assert info["Creator"] == "Examhall" and info["Producer"].startswith("Examhall")
        assert "Signature is Valid." in pdfsig(signed)
