"""What every format shares: the parsed question, its issues and their texts, answer spellings."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from grading import QuestionType, judge_value, key_letters  # noqa: F401 (the formats take these names from here)

FORMATS = ("text", "gift", "aiken", "xlsx", "csv")
LETTERS = "ABCDEF"


# What is wrong with one question, in the user's language (English outside a request).  What is
# wrong with the whole file is an UploadError (server/tables.py), as for every other upload.
ISSUES = {
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


@dataclass
class ParsedQuestion:
    number: str
    type: QuestionType
    stem: str
    options: dict[str, str]
    answer: str
    line: int
    explanation: str = ""
    tags: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"number": self.number, "type": self.type.value, "stem": self.stem,
                "options": dict(self.options), "answer": self.answer, "line": self.line,
                "explanation": self.explanation, "tags": list(self.tags)}

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.stem, self.options)


@dataclass(frozen=True)
class ParseIssue:
    line: int
    number: str | None
    code: str
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        return str(ISSUES[self.code]) % {"number": self.number, **self.params}


@dataclass
class ParseResult:
    questions: list[ParsedQuestion] = field(default_factory=list)
    issues: list[ParseIssue] = field(default_factory=list)

    def by_type(self) -> dict[str, int]:
        counts = {t.value: 0 for t in QuestionType}
        for question in self.questions:
            counts[question.type.value] += 1
        return counts


def letters_value(text: str) -> str | None:
    """Sorted option letters for keys written ``ACD``, ``A、C、D``, ``A,C,D`` or ``A C D``
    (grading.key_letters), within A–F."""
    letters = key_letters(text)
    return letters if letters is not None and all(c in LETTERS for c in letters) else None


_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize_stem(text: str) -> str:
    """Stem text for duplicate detection: NFKC, case-folded, without spaces or punctuation."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


def fingerprint(stem: str, options: dict[str, str]) -> str:
    """SHA-256 of the normalized stem and options together: the real bank has different
    questions sharing one stem (下列说法正确的是()), so the stem alone does not identify one."""
    parts = [normalize_stem(stem)] + [f"{k}{normalize_stem(v)}" for k, v in sorted(options.items())]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def type_from_word(word: str) -> QuestionType | None:
    word = unicodedata.normalize("NFKC", str(word or "")).strip().lower()
    table = {
        QuestionType.JUDGE: ("判断", "判断题", "是非", "是非题", "judge", "truefalse", "true/false", "tf"),
        QuestionType.SINGLE: ("单选", "单选题", "单项选择", "单项选择题", "single", "单"),
        QuestionType.MULTI: ("多选", "多选题", "多项选择", "多项选择题", "multi", "multiple", "多",
                             "不定项", "不定项选择题"),
    }
    for qtype, words in table.items():
        if word in words:
            return qtype
    return None


def check_choice(number: str, line: int, qtype: QuestionType, options: dict[str, str], key: str,
                 raw_key: str) -> ParseIssue | None:
    """The problem with a choice question's options and key, or None."""
    letters = "".join(options)
    if len(options) < 2:
        return ParseIssue(line, number, "one_option", {"letters": letters or "-"})
    missing = [c for c in key if c not in options]
    if missing:
        return ParseIssue(line, number, "key_not_in_options", {"key": raw_key, "letters": letters})
    if qtype is QuestionType.SINGLE and len(key) != 1:
        return ParseIssue(line, number, "single_with_many", {"key": raw_key})
    return None
