"""Moodle's Aiken format: a question line, options ``A.``/``A)`` one per line, then
``ANSWER: B``.  Examhall also reads ``ANSWER: A, C`` as multiple choice, and a question whose only
two options are exactly 对/错, 正确/错误 or True/False (either order) as a true/false question;
any other two options stay a single choice.  An option after F is "more than six options"."""
from __future__ import annotations

import re

from server.bank.formats.common import (
    LETTERS,
    ParsedQuestion,
    ParseIssue,
    ParseNote,
    ParseResult,
    QuestionType,
    check_choice,
    letters_value,
)

_OPTION = re.compile(r"^\s*([A-Z])\s*[.)．）:：]\s*(.+?)\s*$")
# The pairs of options that make a true/false question, each as (true, false), compared casefolded.
TRUE_FALSE_PAIRS = (("对", "错"), ("正确", "错误"), ("true", "false"))
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
        if option and option.group(1) not in LETTERS and not _continues(options, option.group(1)):
            option = None  # "I. think" in a question's text, not a seventh option
        answer = _ANSWER.match(line)
        if answer and stem_lines:
            count += 1
            if any(letter not in LETTERS for letter in options):
                result_item = ParseIssue(start, str(count), "too_many_options")
            else:
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


def _continues(options: dict[str, str], letter: str) -> bool:
    """``letter`` is the next option after the last one read (G after F)."""
    return bool(options) and ord(letter) == ord(list(options)[-1]) + 1


def true_false_value(options: dict[str, str], key: str) -> str | None:
    """T or F when the two options are exactly one of TRUE_FALSE_PAIRS (either order) and the key
    names one of them; None otherwise."""
    if len(options) != 2 or key not in options:
        return None
    words = [" ".join(text.split()).casefold() for text in options.values()]
    for pair in TRUE_FALSE_PAIRS:
        if sorted(words) == sorted(pair):
            return "T" if " ".join(options[key].split()).casefold() == pair[0] else "F"
    return None


def _finish(number, line, stem, options, raw_key) -> ParsedQuestion | ParseIssue:
    if not options:
        return ParseIssue(line, number, "aiken_no_options")
    key = letters_value(raw_key)
    if key is None:
        return ParseIssue(line, number, "bad_key", {"key": raw_key})
    value = true_false_value(options, key)
    if value is not None:
        note = ParseNote("two_options_true_false", {"options": " / ".join(options.values())})
        return ParsedQuestion(number, QuestionType.JUDGE, stem, {}, value, line, notes=[note])
    qtype = QuestionType.MULTI if len(key) > 1 else QuestionType.SINGLE
    problem = check_choice(number, line, qtype, options, key, raw_key)
    notes = [ParseNote("two_options_choice")] if len(options) == 2 and qtype is QuestionType.SINGLE else []
    return problem or ParsedQuestion(number, qtype, stem, dict(options), key, line, notes=notes)
