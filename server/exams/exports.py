"""Results as XLSX and CSV; every cell goes through spreadsheets.neutralise (names are typed
by the people they belong to, and must never run as a formula where the results are opened)."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from grading import Outcome, judge_label
from server.exams.results import SessionResults, answer_grid
from server.spreadsheets import file_name, neutralise_row

HEADER = ["名次", "工号", "姓名", "机构", "得分", "满分", "是否通过", "答题数", "用时(秒)"]
RESULT_WORDS = {"passed": "通过", "failed": "未通过", "absent": "缺考"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RESULT_FORMATS = {"xlsx": XLSX, "csv": "text/csv"}


def _with_bonus(results: SessionResults) -> bool:
    """The speed bonus has a column of its own, only where the paper uses it."""
    return bool(results.session.speed_bonus_points)


def header(results: SessionResults) -> list[str]:
    return HEADER + (["速度加分"] if _with_bonus(results) else [])


def result_rows(results: SessionResults) -> list[list]:
    bonus = _with_bonus(results)
    return [neutralise_row([r.rank if r.rank is not None else "", r.employee_no, r.name, r.branch,
             "" if r.absent else float(r.total), float(r.max_total), RESULT_WORDS[r.result],
             r.answered, round(r.seconds) if r.seconds is not None else "",
             *([float(r.bonus)] if bonus else [])]) for r in results.rows]


TYPE_WORDS = {"judge": "判断", "single": "单选", "multi": "多选"}
WRONG = PatternFill("solid", fgColor="FADBD8")
FILLS = {Outcome.CORRECT: PatternFill("solid", fgColor="DDF2E0"),
         Outcome.PARTIAL: PatternFill("solid", fgColor="FFF2CC")}
WIDEST = 60  # characters: a long stem wraps in its cell rather than making a column a screen wide


def _width(value) -> int:
    """Display width of a cell's text: a CJK character takes two columns."""
    return sum(2 if ord(c) > 0x2E7F else 1 for c in str(value if value is not None else ""))


def _finish(sheet: Worksheet, header: list, rows: list[list], frozen: str = "A2") -> None:
    """Bold header frozen in place, columns as wide as their text (up to WIDEST).  ``rows`` come
    neutralised (result_rows serves the CSV too, and a second pass would add a second apostrophe)."""
    sheet.append(neutralise_row(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for index, column in enumerate(sheet.iter_cols(values_only=True), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(WIDEST, max(map(_width, column)) + 2)
    sheet.freeze_panes = frozen


def _responses(sheet: Worksheet, results: SessionResults) -> None:
    """作答明细: one row per participant, one column per question with the choice she made (对/错
    for true/false), green where right, yellow where partly right, red where wrong; blank where she gave no answer."""
    questions = sorted(results.session.questions, key=lambda q: q.position)
    grid = answer_grid(results.session)
    header = ["工号", "姓名", "机构"] + [
        f"第{q.position}题 {TYPE_WORDS[q.type]} 答案:{_choice(q.type, q.answer)}{' (作废)' if q.void else ''}"
        for q in questions]
    rows = [neutralise_row([r.employee_no, r.name, r.branch] + [
        _choice(q.type, grid[r.participant_id][q.id].choice) if q.id in grid.get(r.participant_id, {}) else ""
        for q in questions]) for r in results.rows]
    _finish(sheet, header, rows, frozen="D2")
    for line, r in enumerate(results.rows, start=2):
        for column, q in enumerate(questions, start=4):
            answer = grid.get(r.participant_id, {}).get(q.id)
            if answer is not None and not q.void:
                sheet.cell(line, column).fill = FILLS.get(answer.outcome, WRONG)


def _choice(question_type: str, choice: str) -> str:
    return judge_label(choice) if question_type == "judge" else choice


def results_xlsx(results: SessionResults) -> bytes:
    """Three sheets, each with a frozen bold header and fitted columns: 成绩 (the results table),
    作答明细 (every participant's answer to every question) and 机构统计 (per branch)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "成绩"
    _finish(sheet, header(results), result_rows(results))
    _responses(workbook.create_sheet("作答明细"), results)
    _finish(workbook.create_sheet("机构统计"), ["机构", "参加人数", "缺考", "通过", "通过率", "平均分"],
            [neutralise_row([branch["branch"], branch["count"], branch["absent"], branch["passed"],
                             round(branch["pass_rate"], 4), round(float(branch["mean"]), 2)])
             for branch in results.by_branch])
    data = io.BytesIO()
    workbook.save(data)
    return data.getvalue()


def results_csv(results: SessionResults) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header(results))
    writer.writerows(result_rows(results))
    return ("\ufeff" + text.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 CSV correctly


def results_file(results: SessionResults, fmt: str) -> tuple[bytes, str, str]:
    """(bytes, media type, download name) of the results in ``fmt`` (one of RESULT_FORMATS), as the
    results page and the API send them."""
    data = results_xlsx(results) if fmt == "xlsx" else results_csv(results)
    return data, RESULT_FORMATS[fmt], file_name(f"{results.session.title}-成绩", f".{fmt}")
