"""From stored results to the plain data pdfs/ renders.  Documents are printed in Chinese: they
are official papers of a Chinese bank, whatever language the invigilator's screen uses."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app

from grading import QuestionType, Void, judge_label, points_text
from pdfs.certificate import CertificateData
from pdfs.score_sheet import BranchRow, ItemRow, SessionRow, SessionSheetData, SheetQuestion, TraineeSheetData
from server.exams.models import LiveSession
from server.exams.results import ResultRow, SessionResults, SheetLine, item_analysis
from server.models import utcnow

TYPE_LABELS = {"judge": "判断题", "single": "单选题", "multi": "多选题"}
FLAG_LABELS = {"negative_discrimination": "区分度为负", "nearly_all_right": "几乎全对",
               "nearly_all_wrong": "几乎全错", "key_suspect": "请核对答案"}
VOID_LABELS = {Void.FULL_POINTS: "已作废，全员得分", Void.REMOVE: "已作废，不计分"}


def number(points: Decimal) -> str:
    return points_text(points)


def local(moment: datetime | None) -> datetime:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return (moment or utcnow()).replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)


def chinese_date(moment: datetime | None) -> str:
    day = local(moment)
    return f"{day.year}年{day.month}月{day.day}日"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}分{rest:02d}秒" if minutes else f"{rest}秒"


def answer_text(kind: str, answer: str) -> str:
    return judge_label(answer) if kind == QuestionType.JUDGE else answer


def document_number(prefix: str, session: LiveSession, participant_id: int | None, version: int) -> str:
    year = local(session.ended_at).year
    tail = f"-{participant_id:06d}" if participant_id else ""
    return f"{prefix}{year}-{session.id:04d}{tail}" + (f"-V{version}" if version > 1 else "")


def certificate_data(results: SessionResults, row: ResultRow, number_: str, issuer: str, url: str) -> CertificateData:
    session = results.session
    return CertificateData(number_, row.name, row.employee_no, row.branch, session.title,
                           number(row.total), number(row.max_total), row.passed, chinese_date(session.ended_at),
                           issuer, url)


def trainee_sheet_data(results: SessionResults, row: ResultRow, lines: list[SheetLine], number_: str, issuer: str,
                       url: str) -> TraineeSheetData:
    session = results.session
    show_key = session.show_key != "never"
    questions = []
    for line in lines:
        q = line.question
        options = [(letter, text) for letter, text in sorted(q.options.items())] if q.type != "judge" else []
        questions.append(SheetQuestion(line.position, TYPE_LABELS.get(q.type, q.type), q.stem, options,
                                       answer_text(q.type, line.choice),
                                       answer_text(q.type, q.answer) if show_key else None,
                                       number(line.points), number(q.points), VOID_LABELS.get(q.void or "", "")))
    return TraineeSheetData(number_, row.name, row.employee_no, row.branch, session.title,
                            chinese_date(session.ended_at), issuer, number(row.total), number(row.max_total),
                            row.rank, len(results.rows), row.passed, duration(row.seconds), questions, url)


def session_sheet_data(results: SessionResults, number_: str, issuer: str, url: str) -> SessionSheetData:
    session = results.session
    rows = results.rows
    maximum = max((r.max_total for r in results.sitting), default=session.max_total)
    sitting = results.sitting
    statistics = [("参加人数", str(len(sitting))), ("缺考人数", str(results.absent)),
                  ("合格人数", str(sum(r.passed for r in sitting))),
                  ("合格率", f"{results.pass_rate:.0%}"), ("平均分", f"{results.mean:.1f}"),
                  ("最高分", number(results.highest)), ("最低分", number(results.lowest))]
    questions = {q.id: q for q in session.questions}
    items = []
    for item in item_analysis(session):
        q = questions[item.question_id]
        picked = " ".join(f"{answer_text(q.type, letter)}:{count}" for letter, count in item.option_counts.items())
        if item.unanswered:
            picked += f" 未答:{item.unanswered}"
        items.append(ItemRow(q.position, q.stem, answer_text(q.type, q.answer), f"{item.facility:.0%}",
                             f"{item.discrimination:.2f}", picked,
                             "、".join(FLAG_LABELS.get(f, f) for f in item.flags)))
    notes = [f"第 {q.position} 题{VOID_LABELS[q.void]}。" for q in session.questions if q.void in VOID_LABELS]
    return SessionSheetData(
        number_, session.title, chinese_date(session.ended_at), issuer, number(maximum), number(results.threshold),
        statistics, results.distribution,
        [SessionRow(r.rank, r.name, r.employee_no, r.branch, "—" if r.absent else number(r.total), r.passed,
                    r.answered, duration(r.seconds), r.absent) for r in rows],
        [BranchRow(b["branch"], b["count"], b["passed"], f"{b['pass_rate']:.0%}", f"{b['mean']:.1f}")
         for b in results.by_branch],
        items, url, notes)
