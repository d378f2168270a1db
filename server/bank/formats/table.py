"""The spreadsheet template: columns 题型, 题干, A–F, 答案, 解析, 标签, one question per row.
Read by the one upload reader (server/tables.py); row numbers are the ones Excel shows."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from grading import judge_label
from server import tables
from server.bank.formats.common import (
    LETTERS,
    ParsedQuestion,
    ParseIssue,
    ParseResult,
    QuestionType,
    check_choice,
    judge_value,
    letters_value,
    one_line_each,
    type_from_word,
)
from server.spreadsheets import neutralise_row

HEADER = ["题型", "题干", *LETTERS, "答案", "解析", "标签"]
TYPE_WORDS = {QuestionType.JUDGE: "判断", QuestionType.SINGLE: "单选", QuestionType.MULTI: "多选"}
# Cells keep their text as typed (no NFKC): a stem's full-width punctuation stays.
COLUMNS = {
    "type": tables.Column(("题型", "类型", "type"), required=True),
    "stem": tables.Column(("题干", "题目", "试题", "stem", "question"), required=True),
    "answer": tables.Column(("答案", "标准答案", "正确答案", "answer", "key"), required=True),
    "explanation": tables.Column(("解析", "答案解析", "explanation")),
    "tags": tables.Column(("标签", "tags", "tag")),
    **{letter: tables.Column((letter, f"选项{letter}")) for letter in LETTERS},
}
_NOT_IN_SHEET_TITLES = str.maketrans({c: " " for c in "\\/?*[]:"})
MAX_ROWS = 20000  # questions per file
_TAG_SEPARATORS = str.maketrans({"、": ",", "，": ",", ";": ",", "；": ",", "|": ","})


def read_table(data: bytes) -> ParseResult:
    """The questions of an .xlsx or CSV file in the template's columns.  Raises UploadError for a
    file that cannot be read or lacks 题型, 题干 or 答案."""
    result = ParseResult()
    for count, row in enumerate(tables.read_table(data, COLUMNS, max_rows=MAX_ROWS).rows, start=1):
        outcome = _row(str(count), row.number, row.cells)
        (result.issues if isinstance(outcome, ParseIssue) else result.questions).append(outcome)
    return result


def _row(number: str, row: int, cells: dict[str, str]) -> ParsedQuestion | ParseIssue:
    qtype = type_from_word(cells["type"])
    if qtype is None:
        return ParseIssue(row, number, "bad_type", {"type": cells["type"] or "-"})
    stem = one_line_each(cells["stem"])
    if not stem:
        return ParseIssue(row, number, "empty_stem")
    raw_key = cells["answer"]
    explanation = cells["explanation"]
    tags = [t.strip() for t in cells["tags"].translate(_TAG_SEPARATORS).split(",") if t.strip()]
    if not raw_key:
        return ParseIssue(row, number, "no_answer")
    if qtype is QuestionType.JUDGE:
        value = judge_value(raw_key)
        if value is None:
            return ParseIssue(row, number, "bad_key", {"key": raw_key})
        return ParsedQuestion(number, qtype, stem, {}, value, row, explanation, tags)
    options = {letter: cells[letter] for letter in LETTERS if cells[letter]}
    key = letters_value(raw_key)
    if key is None:
        return ParseIssue(row, number, "bad_key", {"key": raw_key})
    problem = check_choice(number, row, qtype, options, key, raw_key)
    return problem or ParsedQuestion(number, qtype, stem, options, key, row, explanation, tags)


def write_xlsx(questions, title: str = "题库") -> bytes:
    """The template filled with ``questions`` (objects with type, stem, options, answer,
    explanation, tags); an empty list gives the blank template with two example rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(title) or "题库"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    rows = [_as_row(q) for q in questions] or [
        ["判断", "示例：活期存款可以随时支取。", "", "", "", "", "", "", "对", "", "示例"],
        ["多选", "示例：下列属于存款业务的有（）。", "活期存款", "定期存款", "贷款", "通知存款", "", "",
         "ABD", "贷款是资产业务。", "示例,存款"],
    ]
    for row in rows:
        sheet.append(neutralise_row(row))
    widths = {"A": 8, "B": 60, "I": 8, "J": 30, "K": 16}
    for column in "CDEFGH":
        widths[column] = 24
    for column, width in widths.items():
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    data = io.BytesIO()
    workbook.save(data)
    return data.getvalue()


def sheet_title(title: str) -> str:
    """``title`` as Excel allows a sheet's name: at most 31 characters, none of \\ / ? * [ ] :"""
    return title.translate(_NOT_IN_SHEET_TITLES).strip("'").strip()[:31]


def _as_row(question) -> list[str]:
    qtype = QuestionType(question.type)
    answer = judge_label(question.answer) if qtype is QuestionType.JUDGE else question.answer
    options = [question.options.get(letter, "") for letter in LETTERS]
    return [TYPE_WORDS[qtype], question.stem, *options, answer, question.explanation or "",
            ",".join(question.tags)]
