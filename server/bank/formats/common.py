"""What every format shares: the parsed question, its issues and their texts, answer spellings."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser

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
    "gift_unsupported": _l("Question %(number)s is of a kind Examhall does not run: %(kind)s (only "
                           "true/false, single and multiple choice are); it is not imported."),
    "gift_unclosed": _l("Question %(number)s opens an answer block with { but never closes it; add the "
                        "closing } or write a literal brace as \\{."),
    "gift_unclosed_title": _l("Question %(number)s starts a title with :: but never closes it; end the "
                              "title with :: (a colon inside it is written \\:)."),
    "gift_single_many_correct": _l("Question %(number)s allows one answer but marks %(key)s fully correct "
                                   "(=); mark one answer with = and the others with ~, or use ~%%50%% "
                                   "weights for a question with several right answers."),
    "too_many_options": _l("Question %(number)s has more than six options (A–F), more than the exam "
                           "screens show; shorten it to six."),
    "gift_no_correct": _l("No answer of question %(number)s is marked correct."),
    "aiken_no_answer": _l("Question %(number)s has no ANSWER: line."),
    "aiken_no_options": _l("Question %(number)s has no options before its ANSWER: line."),
    "duplicate_in_file": _l("Question %(number)s repeats question %(first)s of the same file; skipped."),
}

# The kinds of question other formats have and Examhall does not run (the %(kind)s above).
KINDS = {
    "numerical": _l("numerical"),
    "short_answer": _l("short answer"),
    "matching": _l("matching"),
    "description": _l("description (text with no answer block)"),
    "essay": _l("essay"),
}

# What the reader decided about a question it did import, and why: shown beside the question in
# the preview, never a reason to refuse it.
NOTES = {
    "partial_credit_dropped": _l("Single-answer question keyed on %(key)s (the 100%% answer); the partial "
                                 "credit on %(partial)s is not kept: a single-choice question scores "
                                 "all or nothing."),
    "markup_removed": _l("Line %(line)s: HTML formatting was removed (%(tags)s); questions are shown as "
                         "plain text."),
    "two_options_true_false": _l("Read as true/false: its only two options are %(options)s."),
    "two_options_choice": _l("Two options that are not 对/错, 正确/错误 or True/False: kept as a "
                             "single-choice question."),
    "multi_one_right": _l("Multiple-answer question (no answer is marked =) with one right answer, %(key)s: "
                          "kept as multiple choice."),
    "missing_word": _l("Missing-word question: the blank is shown as _____ in the text."),
}


@dataclass(frozen=True)
class ParseNote:
    code: str
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        return str(NOTES[self.code]) % self.params


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
    notes: list[ParseNote] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"number": self.number, "type": self.type.value, "stem": self.stem,
                "options": dict(self.options), "answer": self.answer, "line": self.line,
                "explanation": self.explanation, "tags": list(self.tags),
                "notes": [{"code": n.code, "message": n.message} for n in self.notes]}

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
        params = dict(self.params)
        if "kind" in params:
            params["kind"] = KINDS[params["kind"]]
        return str(ISSUES[self.code]) % {"number": self.number, **params}


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


def one_line_each(text: str) -> str:
    """``text`` with the spaces of each line collapsed and blank lines dropped: line breaks the
    author wrote on purpose (GIFT's ``\\n``, HTML's <br> and <p>, a cell's Alt+Enter) stay."""
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


# Tags that only break lines: turned into a line break without a warning.  Every other tag is
# dropped with its name reported (a link's target, an image, bold: lost in plain text).
_LINE_BREAKS = frozenset({"br", "p", "div"})
_BLOCKS = frozenset({"li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"})
_UNREAD = frozenset({"script", "style"})


class _PlainText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.dropped: set[str] = set()
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _UNREAD:
            self.skipping += 1
        if tag not in _LINE_BREAKS:
            self.dropped.add(tag)
        if tag in _LINE_BREAKS or tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _UNREAD:
            self.skipping = max(0, self.skipping - 1)
        if tag in _LINE_BREAKS or tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_plain(text: str) -> tuple[str, list[str]]:
    """Moodle's [html] text as the plain text Examhall shows everywhere (pages, PDFs, exports):
    tags removed, entities unescaped, <br>/<p>/<div> as line breaks.  Returns the text and the
    names of the tags that were dropped (so the preview can say what was lost)."""
    parser = _PlainText()
    parser.feed(text)
    parser.close()
    return one_line_each("".join(parser.parts)), sorted(parser.dropped)
