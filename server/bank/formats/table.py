"""The spreadsheet template: columns 题型, 题干, A–F, 答案, 解析, 标签, one question per row.
Row numbers are the ones Excel shows (the header is row 1)."""
from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from server import tables
from server.bank.formats.common import (
    LETTERS,
    FormatError,
    ParsedQuestion,
    ParseIssue,
    ParseResult,
    QuestionType,
    check_choice,
    judge_value,
    letters_value,
    type_from_word,
)

HEADER = ["题型", "题干", *LETTERS, "答案", "解析", "标签"]
TYPE_WORDS = {QuestionType.JUDGE: "判断", QuestionType.SINGLE: "单选", QuestionType.MULTI: "多选"}
_ALIASES = {
    "type": ("题型", "类型", "type"),
    "stem": ("题干", "题目", "试题", "stem", "question"),
    "answer": ("答案", "标准答案", "正确答案", "answer", "key"),
    "explanation": ("解析", "答案解析", "explanation"),
    "tags": ("标签", "tags", "tag"),
    **{letter: (letter, f"选项{letter}") for letter in LETTERS},
}
_TAG_SEPARATORS = str.maketrans({"、": ",", "，": ",", ";": ",", "；": ",", "|": ","})


def read_xlsx(data: bytes) -> ParseResult:
    try:
        rows = tables.xlsx_rows(data)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise FormatError("bad_workbook") from None
    return _read_rows(rows)


def read_csv(text: str) -> ParseResult:
    return _read_rows(tables.csv_rows(text))


def _read_rows(rows: list[list]) -> ParseResult:
    result = ParseResult()
    header_at = tables.header_row(rows)
    if header_at is None:
        raise FormatError("empty")
    columns = tables.find_columns(rows[header_at], _ALIASES)
    missing = [name for name in ("题型", "题干", "答案") if
               {"题型": "type", "题干": "stem", "答案": "answer"}[name] not in columns]
    if missing:
        raise FormatError("missing_columns", columns="、".join(missing))

    def cell(values, key) -> str:
        position = columns.get(key)
        return tables.plain(values[position]) if position is not None and position < len(values) else ""

    count = 0
    for row_number, values in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not any(tables.plain(c) for c in values):
            continue
        count += 1
        number = str(count)
        outcome = _row(number, row_number, {k: cell(values, k) for k in columns})
        (result.issues if isinstance(outcome, ParseIssue) else result.questions).append(outcome)
    return result


def _row(number: str, row: int, cells: dict[str, str]) -> ParsedQuestion | ParseIssue:
    qtype = type_from_word(cells.get("type", ""))
    if qtype is None:
        return ParseIssue(row, number, "bad_type", {"type": cells.get("type", "") or "-"})
    stem = " ".join(cells.get("stem", "").split())
    if not stem:
        return ParseIssue(row, number, "empty_stem")
    raw_key = cells.get("answer", "")
    explanation = cells.get("explanation", "")
    tags = [t.strip() for t in cells.get("tags", "").translate(_TAG_SEPARATORS).split(",") if t.strip()]
    if not raw_key:
        return ParseIssue(row, number, "no_answer")
    if qtype is QuestionType.JUDGE:
        value = judge_value(raw_key)
        if value is None:
            return ParseIssue(row, number, "bad_key", {"key": raw_key})
        return ParsedQuestion(number, qtype, stem, {}, value, row, explanation, tags)
    options = {letter: cells[letter] for letter in LETTERS if cells.get(letter)}
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
    sheet.title = title[:31] or "题库"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    rows = [_as_row(q) for q in questions] or [
        ["判断", "示例：活期存款可以随时支取。", "", "", "", "", "", "", "对", "", "示例"],
        ["多选", "示例：下列属于存款业务的有（）。", "活期存款", "定期存款", "贷款", "通知存款", "", "",
         "ABD", "贷款是资产业务。", "示例,存款"],
    ]
    for row in rows:
        sheet.append(row)
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


def _as_row(question) -> list[str]:
    qtype = QuestionType(question.type)
    answer = ("对" if question.answer == "T" else "错") if qtype is QuestionType.JUDGE else question.answer
    options = [question.options.get(letter, "") for letter in LETTERS]
    return [TYPE_WORDS[qtype], question.stem, *options, answer, question.explanation or "",
            ",".join(question.tags)]
