"""Score sheets: one trainee's answers question by question, and a whole session's results with
statistics, a histogram, the per-branch breakdown and item analysis.  Tables split across pages
with their header repeated; Chinese text wraps by character.  Plain data in, PDF bytes out."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from pdfs.fonts import cjk_font
from pdfs.metadata import CREATOR, PRODUCER, stamp

ACCENT = colors.HexColor("#b3261e")
RULE = colors.HexColor("#d0d0d0")
HEAD = colors.HexColor("#f3e9e8")


@dataclass(frozen=True)
class SheetQuestion:
    position: int
    type_label: str  # 判断题 / 单选题 / 多选题
    stem: str
    options: list[tuple[str, str]]  # (letter, text); empty for true/false
    choice: str  # as the trainee answered, "" when unanswered
    key: str | None  # None when the paper never shows the key
    points: str
    max_points: str
    note: str = ""  # e.g. 已作废 (voided by a regrade)


@dataclass(frozen=True)
class TraineeSheetData:
    number: str
    name: str
    employee_no: str
    branch: str
    exam_title: str
    date: str
    issuer: str
    total: str
    max_total: str
    rank: int
    ranked: int  # how many were ranked
    passed: bool
    time_taken: str
    questions: list[SheetQuestion]
    verify_url: str
    created: datetime | None = None  # the document's CreationDate (naive: UTC); None: when rendered


@dataclass(frozen=True)
class SessionRow:
    rank: int | None  # None: absent
    name: str
    employee_no: str
    branch: str
    total: str
    passed: bool
    answered: int
    time_taken: str
    absent: bool = False  # 缺考: on the roster, never entered


@dataclass(frozen=True)
class BranchRow:
    branch: str
    count: int
    passed: int
    pass_rate: str
    mean: str


@dataclass(frozen=True)
class ItemRow:
    position: int
    stem: str
    key: str
    facility: str
    discrimination: str
    picked: str
    flags: str


@dataclass(frozen=True)
class SessionSheetData:
    number: str
    exam_title: str
    date: str
    issuer: str
    max_total: str
    threshold: str
    statistics: list[tuple[str, str]]  # (label, value)
    histogram: list[tuple[str, int]]  # (score band, count)
    rows: list[SessionRow]
    branches: list[BranchRow]
    items: list[ItemRow]
    verify_url: str
    notes: list[str] = field(default_factory=list)
    created: datetime | None = None  # the document's CreationDate (naive: UTC); None: when rendered


def _styles() -> dict[str, ParagraphStyle]:
    font = cjk_font().name
    base = ParagraphStyle("base", fontName=font, fontSize=9.5, leading=13.5, wordWrap="CJK")
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11.5),
        "title": ParagraphStyle("title", parent=base, fontSize=17, leading=23, alignment=TA_CENTER,
                                textColor=ACCENT, spaceAfter=2 * mm),
        "h2": ParagraphStyle("h2", parent=base, fontSize=12, leading=16, spaceBefore=4 * mm, spaceAfter=2 * mm,
                             textColor=ACCENT),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _table(rows: list[list], widths: list[float], numeric_from: int | None = None) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    style = [("FONTNAME", (0, 0), (-1, -1), cjk_font().name), ("FONTSIZE", (0, 0), (-1, -1), 8.5),
             ("BACKGROUND", (0, 0), (-1, 0), HEAD), ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
             ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 2.5),
             ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5)]
    if numeric_from is not None:
        style.append(("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"))
    table.setStyle(TableStyle(style))
    return table


class _Footer:
    """Page furniture: the document number, the verification address and "page n"."""

    def __init__(self, number: str, verify_url: str, issuer: str):
        self.number, self.verify_url, self.issuer = number, verify_url, issuer

    def __call__(self, canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(cjk_font().name, 7.5)
        canvas.setFillColor(colors.grey)
        canvas.drawString(doc.leftMargin, 10 * mm, f"{self.issuer} · 编号 {self.number} · 验证 {self.verify_url}")
        canvas.drawRightString(A4[0] - doc.rightMargin, 10 * mm, f"第 {doc.page} 页")
        canvas.restoreState()


def _build(story: list, title: str, author: str, footer: _Footer, created: datetime | None) -> bytes:
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=16 * mm,
                            bottomMargin=18 * mm, title=title, author=author, subject=title, invariant=True)

    def stamped_canvas(*args, **kwargs) -> Canvas:
        canvas = Canvas(*args, **kwargs)
        stamp(canvas, created)
        return canvas

    # The template sets Creator and Producer after making the canvas: give it the same values.
    doc.creator, doc.producer = CREATOR, PRODUCER
    doc.build(story, onFirstPage=footer, onLaterPages=footer, canvasmaker=stamped_canvas)
    return out.getvalue()


def render_trainee_sheet(data: TraineeSheetData) -> bytes:
    s = _styles()
    result = "合格" if data.passed else "不合格"
    story: list = [
        _p(f"{data.exam_title} 个人成绩单", s["title"]),
        _p("Individual score sheet", ParagraphStyle("sub", parent=s["small"], alignment=TA_CENTER)),
        Spacer(0, 4 * mm),
        _table([[_p(label, s["cell"]) for label in ("姓名", "工号", "机构", "得分", "名次", "结果", "用时")],
                [_p(v, s["cell"]) for v in (data.name, data.employee_no, data.branch,
                                            f"{data.total} / {data.max_total}", f"{data.rank} / {data.ranked}",
                                            result, data.time_taken)]],
               [24 * mm, 20 * mm, 40 * mm, 24 * mm, 20 * mm, 18 * mm, 32 * mm]),
        _p("答题明细 Answers", s["h2"]),
    ]
    show_key = any(q.key is not None for q in data.questions)
    header = ["#", "题目", "作答", "答案", "得分"] if show_key else ["#", "题目", "作答", "得分"]
    rows: list[list] = [[_p(h, s["cell"]) for h in header]]
    for q in data.questions:
        body = f"[{q.type_label}] {q.stem}"
        if q.options:
            body += "\n" + "\n".join(f"{letter}. {text}" for letter, text in q.options)
        if q.note:
            body += f"\n（{q.note}）"
        row = [str(q.position), _p(body, s["cell"]), _p(q.choice or "—", s["cell"])]
        if show_key:
            row.append(_p(q.key or "", s["cell"]))
        row.append(f"{q.points} / {q.max_points}")
        rows.append(row)
    widths = [9 * mm, 118 * mm, 16 * mm, 16 * mm, 19 * mm] if show_key else [9 * mm, 134 * mm, 16 * mm, 19 * mm]
    story.append(_table(rows, widths, numeric_from=len(header) - 1))
    story += [Spacer(0, 5 * mm), _p(f"签发：{data.issuer}　日期：{data.date}　编号：{data.number}", s["small"])]
    return _build(story, f"{data.exam_title} 成绩单 {data.name}", data.issuer,
                  _Footer(data.number, data.verify_url, data.issuer), data.created)


def _histogram(bands: list[tuple[str, int]]) -> Drawing:
    drawing = Drawing(170 * mm, 62 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 14 * mm, 12 * mm, 150 * mm, 44 * mm
    chart.data = [[count for _, count in bands] or [0]]
    chart.categoryAxis.categoryNames = [band for band, _ in bands] or [""]
    chart.categoryAxis.labels.fontName = cjk_font().name
    chart.categoryAxis.labels.fontSize = 6.5
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    top = max((count for _, count in bands), default=0)
    chart.valueAxis.valueMax = max(1, top)
    chart.valueAxis.valueStep = max(1, -(-top // 5))
    chart.bars[0].fillColor = ACCENT
    chart.bars[0].strokeColor = None
    drawing.add(chart)
    drawing.add(String(14 * mm, 58 * mm, "人数 / 分数段", fontName=cjk_font().name, fontSize=7))
    return drawing


def render_session_sheet(data: SessionSheetData) -> bytes:
    s = _styles()
    story: list = [
        _p(f"{data.exam_title} 成绩汇总", s["title"]),
        _p("Session score sheet", ParagraphStyle("sub", parent=s["small"], alignment=TA_CENTER)),
        Spacer(0, 3 * mm),
        _table([[_p(label, s["cell"]) for label, _ in data.statistics],
                [_p(value, s["cell"]) for _, value in data.statistics]],
               [178 * mm / max(1, len(data.statistics))] * len(data.statistics)),
        KeepTogether([_p("分数分布 Distribution", s["h2"]), _histogram(data.histogram)]),
        _p("各机构 By branch", s["h2"]),
        _table([[_p(h, s["cell"]) for h in ("机构", "人数", "合格", "合格率", "平均分")]]
               + [[_p(b.branch, s["cell"]), b.count, b.passed, b.pass_rate, b.mean] for b in data.branches],
               [78 * mm, 25 * mm, 25 * mm, 25 * mm, 25 * mm], numeric_from=1),
        _p("成绩表 Results", s["h2"]),
        _table([[_p(h, s["cell"]) for h in ("名次", "姓名", "工号", "机构", "得分", "结果", "作答", "用时")]]
               + [[r.rank if r.rank is not None else "—", _p(r.name, s["cell"]), r.employee_no,
                   _p(r.branch, s["cell"]), r.total,
                   _p("缺考" if r.absent else ("合格" if r.passed else "不合格"), s["cell"]), r.answered,
                   r.time_taken] for r in data.rows],
               [13 * mm, 28 * mm, 22 * mm, 44 * mm, 18 * mm, 17 * mm, 14 * mm, 22 * mm]),
        _p("试题分析 Item analysis", s["h2"]),
        _table([[_p(h, s["cell"]) for h in ("#", "题目", "答案", "答对率", "区分度", "选择分布", "提示")]]
               + [[i.position, _p(i.stem, s["cell"]), i.key, i.facility, i.discrimination,
                   _p(i.picked, s["cell"]), _p(i.flags, s["cell"])] for i in data.items],
               [9 * mm, 70 * mm, 13 * mm, 16 * mm, 15 * mm, 32 * mm, 23 * mm]),  # 答对率 on one line
    ]
    for note in data.notes:
        story.append(_p(note, s["small"]))
    story += [Spacer(0, 5 * mm), _p(f"签发：{data.issuer}　日期：{data.date}　编号：{data.number}"
                                    f"　满分 {data.max_total}，合格线 {data.threshold}", s["small"])]
    return _build(story, f"{data.exam_title} 成绩汇总", data.issuer, _Footer(data.number, data.verify_url, data.issuer),
                  data.created)
