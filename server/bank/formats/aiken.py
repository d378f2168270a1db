"""Moodle's Aiken format: a question line, options ``A.``/``A)`` one per line, then
``ANSWER: B``.  Examhall also reads ``ANSWER: A, C`` as multiple choice, and two options 对/错
(or True/False, 正确/错误) as a true/false question."""
from __future__ import annotations

import re

from server.bank.formats.common import (
    ParsedQuestion,
    ParseIssue,
    ParseResult,
    QuestionType,
    check_choice,
    judge_value,
    letters_value,
)

_OPTION = re.compile(r"^\s*([A-F])\s*[.)．）:：]\s*(.+?)\s*$")
_ANSWER = re.compile(r"^\s*ANSWER\s*[:：]\s*(.+?)\s*$", re.IGNORECASE)


def looks_like_aiken(text: str) -> bool:
    return bool(re.search(r"(?im)^\s*ANSWER\s*[:：]\s*[A-F]", text)) and bool(
        re.search(r"(?m)^\s*[A-F]\s*[.)]\s+\S", text))


def parse_aiken(text: str) -> ParseResult:
    result = ParseResult()
    stem_lines: list[str] = []
    options: dict[str, str] = {}
    start = 0
    count = 0

    def issue(code, **params):
        result.issues.append(ParseIssue(start, str(count), code, params))

    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        option = _OPTION.match(line)
        answer = _ANSWER.match(line)
        if answer and stem_lines:
            count += 1
            result_item = _finish(str(count), start, " ".join(stem_lines), options, answer.group(1))
            (result.issues if isinstance(result_item, ParseIssue) else result.questions).append(result_item)
            stem_lines, options = [], {}
        elif option and stem_lines:
            options[option.group(1)] = option.group(2)
        else:
            if options:  # a new question began without an ANSWER line for the previous one
                count += 1
                issue("aiken_no_answer")
                stem_lines, options = [], {}
            if not stem_lines:
                start = number
            stem_lines.append(line.strip())
    if stem_lines:
        count += 1
        issue("aiken_no_answer")
    return result


def _finish(number, line, stem, options, raw_key) -> ParsedQuestion | ParseIssue:
    key = letters_value(raw_key)
    if key is None:
        return ParseIssue(line, number, "bad_key", {"key": raw_key})
    values = [judge_value(v) for v in options.values()]
    if len(options) == 2 and sorted(v for v in values if v) == ["F", "T"] and len(key) == 1:
        if key not in options:
            return ParseIssue(line, number, "key_not_in_options", {"key": raw_key,
                                                                    "letters": "".join(options)})
        return ParsedQuestion(number, QuestionType.JUDGE, stem, {}, judge_value(options[key]), line)
    qtype = QuestionType.MULTI if len(key) > 1 else QuestionType.SINGLE
    problem = check_choice(number, line, qtype, options, key, raw_key)
    return problem or ParsedQuestion(number, qtype, stem, dict(options), key, line)
