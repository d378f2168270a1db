"""Importer issues in the user's language.  The parsers (pure Python) report codes; this maps
each code to a translatable text with the same placeholders."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from server.bank.formats import FormatError, ParseIssue

TEXTS = {
    "empty": _l("The file is empty."),
    "binary": _l("This is not a text, Excel or CSV file."),
    "old_excel": _l("Old Excel files (.xls) are not supported; save the file as .xlsx."),
    "too_large": _l("The file is larger than %(limit_mb)s MB."),
    "unknown_format": _l("Unknown format %(format)s."),
    "bad_encoding": _l("The text is neither UTF-8 nor GB18030/GBK; save it in one of those encodings."),
    "bad_workbook": _l("The workbook cannot be opened; save it again as .xlsx."),
    "missing_columns": _l("Missing column(s): %(columns)s. The first row must name the columns."),
    "no_questions": _l("No questions were found in the file."),
    "no_answer": _l("Question %(number)s has no answer key (标准答案); it may be cut off."),
    "one_option": _l("Question %(number)s has only option %(letters)s; it may be cut off."),
    "key_not_in_options": _l("The key %(key)s of question %(number)s names an option it does not "
                             "have (options: %(letters)s)."),
    "single_with_many": _l("Question %(number)s is in the single-choice section but its key is %(key)s."),
    "judge_with_options": _l("Question %(number)s is in the true/false section but has options."),
    "orphan_key": _l("This line has options and an answer key but no question number before it."),
    "bad_key": _l("The key %(key)s of question %(number)s cannot be read."),
    "empty_stem": _l("Question %(number)s has no text."),
    "bad_type": _l("Unknown question type %(type)s; use 判断, 单选 or 多选."),
    "gift_unsupported": _l("This GIFT question type is not supported (only true/false, single and "
                           "multiple choice)."),
    "gift_syntax": _l("GIFT syntax error: %(detail)s"),
    "gift_no_correct": _l("No answer of question %(number)s is marked correct."),
    "aiken_no_answer": _l("Question %(number)s has no ANSWER: line."),
    "duplicate_in_file": _l("Question %(number)s repeats question %(first)s of the same file; skipped."),
}


def describe_issue(issue: ParseIssue) -> str:
    return str(TEXTS[issue.code]) % {"number": issue.number, **issue.params}


def describe_format_error(error: FormatError) -> str:
    return str(TEXTS[error.code]) % error.params
