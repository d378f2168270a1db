"""The certificate: A4 landscape, the trainee's name in Chinese, the result, and a QR code
with the verification address."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from pdfs.fonts import cjk_font
from pdfs.metadata import stamp


@dataclass(frozen=True)
class CertificateData:
    number: str  # certificate number printed on it
    name: str
    employee_no: str
    branch: str
    exam_title: str
    score: str
    max_score: str
    passed: bool
    date: str  # as printed, e.g. 2026年11月29日
    issuer: str
    verify_url: str
    created: datetime | None = None  # the document's CreationDate (naive: UTC); None: when rendered


def render_certificate(data: CertificateData) -> bytes:
    font = cjk_font().name
    width, height = landscape(A4)
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(width, height), invariant=True)
    pdf.setTitle(f"{data.exam_title} 合格证书 {data.number}")
    pdf.setAuthor(data.issuer)
    pdf.setSubject("合格证书 Certificate")
    stamp(pdf, data.created)
    pdf.setStrokeColor(colors.HexColor("#b3261e"))
    pdf.setLineWidth(3)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    pdf.setLineWidth(0.8)
    pdf.rect(16 * mm, 16 * mm, width - 32 * mm, height - 32 * mm)
    pdf.setFillColor(colors.HexColor("#b3261e"))
    pdf.setFont(font, 34)
    pdf.drawCentredString(width / 2, height - 50 * mm, "合 格 证 书")
    pdf.setFillColor(colors.black)
    pdf.setFont(font, 14)
    pdf.drawCentredString(width / 2, height - 60 * mm, "Certificate of Achievement")
    pdf.setFont(font, 22)
    pdf.drawCentredString(width / 2, height - 82 * mm, data.name)
    pdf.setFont(font, 13)
    pdf.drawCentredString(width / 2, height - 91 * mm, f"工号 {data.employee_no} · {data.branch}")
    pdf.setFont(font, 15)
    result = "成绩合格" if data.passed else "未达到合格标准"
    pdf.drawCentredString(width / 2, height - 108 * mm,
                          f"参加“{data.exam_title}”，得分 {data.score} / {data.max_score}，{result}。")
    pdf.setFont(font, 12)
    pdf.drawString(30 * mm, 34 * mm, f"证书编号：{data.number}")
    pdf.drawString(30 * mm, 27 * mm, f"颁发日期：{data.date}")
    pdf.setFont(font, 9)
    pdf.drawString(30 * mm, 20 * mm, f"验证网址：{data.verify_url}")
    pdf.drawRightString(width - 70 * mm, 34 * mm, data.issuer)
    qr = QrCodeWidget(data.verify_url)
    left, bottom, right, top = qr.getBounds()
    size = 34 * mm
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.add(qr)
    renderPDF.draw(drawing, pdf, width - 62 * mm, 22 * mm)
    pdf.setFont(font, 8)
    pdf.drawCentredString(width - 45 * mm, 19 * mm, "扫码验证真伪")
    pdf.showPage()
    pdf.save()
    return out.getvalue()
