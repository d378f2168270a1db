"""Results as XLSX and CSV; every cell goes through spreadsheets.neutralise (names are typed
by the people they belong to, and must never run as a formula where the results are opened)."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from server.exams.results import SessionResults
from server.spreadsheets import neutralise_row

HEADER = ["名次", "工号", "姓名", "机构", "得分", "满分", "是否通过", "答题数", "用时(秒)"]
RESULT_WORDS = {"passed": "通过", "failed": "未通过", "absent": "缺考"}


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


def results_xlsx(results: SessionResults) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "成绩"
    sheet.append(header(results))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in result_rows(results):
        sheet.append(row)
    summary = workbook.create_sheet("机构统计")
    summary.append(["机构", "参加人数", "缺考", "通过", "通过率", "平均分"])
    for branch in results.by_branch:
        summary.append(neutralise_row([branch["branch"], branch["count"], branch["absent"], branch["passed"],
                                       round(branch["pass_rate"], 4), round(float(branch["mean"]), 2)]))
    data = io.BytesIO()
    workbook.save(data)
    return data.getvalue()


def results_csv(results: SessionResults) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header(results))
    writer.writerows(result_rows(results))
    return ("\ufeff" + text.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 CSV correctly
