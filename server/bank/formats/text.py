"""The exam office's text documents: numbered questions in 判断题/单选题/多选题 sections, keys after
标准答案, mixed with prose, page furniture and scraping noise.

How a document is read:
- Lines are read in order.  A section header (``一、判断题（每题1分）``) sets the type of what follows.
- A question starts at a line ``N:``/``N.``/``N．``/``N、`` (or, inside a line, right after the
  previous question's answer: ``…标准答案: A 23: …``).  Its options are found by looking for the
  markers A, B, C… in order, so ``B:B、比…`` is option B with text ``比…``.
- A question ends at the next question, section header, or the first line that cannot belong
  to it (prose).  Prose is never turned into a question: a numbered paragraph with no options
  and no answer is ignored, unless its number continues the question sequence, in which case
  it is reported as a question that cannot be read.
- Type comes from the section header, else from the shape (options and key length).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from server.bank.formats.common import (
    LETTERS,
    ParsedQuestion,
    ParseIssue,
    ParseResult,
    QuestionType,
    check_choice,
    judge_value,
    letters_value,
    type_from_word,
)

NUMBER = re.compile(r"^\s*[(（]?(\d{1,5})\s*[)）]?\s*[:：.．、](?!\d)\s*")
SECTION = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|[(（][一二三四五六七八九十]+[)）]|第[一二三四五六七八九十]+部分)?\s*"
    r"(判断题|是非题|单选题|单项选择题|多选题|多项选择题|不定项选择题)"
    r"\s*(?:[(（][^)）]*[)）])?\s*[:：]?\s*$"
)
PAGE_NOISE = re.compile(
    r"^\s*(?:第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|-\s*\d+\s*-|\d+\s*/\s*\d+|page\s+\d+(?:\s+of\s+\d+)?)\s*$",
    re.IGNORECASE,
)
KEY_LABEL = re.compile(r"(标准答案|参考答案|正确答案|答案)\s*[:：]?\s*")
KEY_LETTERS = re.compile(r"[A-FＡ-Ｆ](?:[ \t、,，]*[A-FＡ-Ｆ])*(?![A-Za-z])")
KEY_JUDGE = re.compile(r"(?:正确|错误|对|错|√|×|✓|✗|[TF](?![A-Za-z]))")
# An option marker: the letter must not be glued to a preceding Latin letter or digit (ATM, 3D).
OPTION = "(?<![A-Za-z0-9]){letter}\\s*[:：.．、)）]"
OPTION_AT = {letter: re.compile(OPTION.format(letter=letter)) for letter in LETTERS}
ANY_OPTION_START = re.compile(OPTION.format(letter="[A-F]"))
INLINE_NUMBER = re.compile(r"(?<=\s)(\d{1,5})\s*[:：.．、](?!\d)")
MARK_AT_END = re.compile(
    r"(?:[(（【\[]\s*)?(正确|错误|对|错|√|×|✓|✗|(?<![A-Za-z])[TF])(?:\s*[)）】\]])?\s*$"
)
SENTENCE_END = "。！？!?；;"
SEPARATOR_TAIL = re.compile(r"[\s:：_＿]+$")


@dataclass
class _Open:
    number: str
    line: int
    section: QuestionType | None
    parts: list[str] = field(default_factory=list)
    blank_after_stem: bool = False

    @property
    def body(self) -> str:
        return "\n".join(self.parts)


def _options(text: str) -> tuple[str, dict[str, str]]:
    """Split ``text`` into the stem and the options A, B, C… found in order."""
    positions = []
    start = 0
    for letter in LETTERS:
        found = OPTION_AT[letter].search(text, start)
        if not found:
            break
        positions.append((letter, found.start(), found.end()))
        start = found.end()
    if not positions:
        return text.strip(), {}
    stem = text[: positions[0][1]].strip()
    options = {}
    for index, (letter, _begin, end) in enumerate(positions):
        stop = positions[index + 1][1] if index + 1 < len(positions) else len(text)
        options[letter] = _clean_option(letter, text[end:stop])
    return stem, options


def _clean_option(letter: str, text: str) -> str:
    text = " ".join(text.split())
    text = text.strip().lstrip("|｜").strip()
    # Scraped copies sometimes repeat the marker: "B:B、比普通客户优惠50%".
    text = re.sub(rf"^{letter}\s*[:：.．、]\s*", "", text)
    return text.rstrip(";；").strip()


def _answer_mark(stem: str) -> tuple[str, str | None]:
    """The stem without its true/false mark, and the mark as T/F (None without one).

    Noise scraped in before the mark is dropped when it is a short fragment after the last
    sentence end: "…《理财协议申请书》。开立存款证明 错" keeps the stem up to "。".
    """
    found = MARK_AT_END.search(stem)
    if not found:
        return stem, None
    value = judge_value(found.group(1))
    body = SEPARATOR_TAIL.sub("", stem[: found.start()])
    last_end = max(body.rfind(c) for c in SENTENCE_END)
    if 0 <= last_end < len(body) - 1:
        tail = body[last_end + 1 :].strip()
        if tail and len(tail) <= 12 and not re.search(r"[，,。:：()（）]", tail):
            body = body[: last_end + 1]
    return body.strip(), value


def _split_key(body: str) -> tuple[str, str | None, str]:
    """(text before the key, the key as written or None, text after the key)."""
    last = None
    for found in KEY_LABEL.finditer(body):
        rest = body[found.end():]
        value = KEY_LETTERS.match(rest) or KEY_JUDGE.match(rest)
        if value:
            last = (found.start(), value.group(0), found.end() + value.end())
    if last is None:
        return body, None, ""
    return body[: last[0]], last[1], body[last[2]:]


class _TextParser:
    def __init__(self):
        self.result = ParseResult()
        self.section: QuestionType | None = None
        self.current: _Open | None = None
        self.last_number: int | None = None

    # -- reading lines ------------------------------------------------------------------------

    def run(self, text: str) -> ParseResult:
        for line_no, line in enumerate(text.splitlines(), start=1):
            self._line(line_no, line)
        self._finish()
        return self.result

    def _line(self, line_no: int, line: str) -> None:
        text = line.strip().replace("\u3000", " ")
        if not text:
            if self.current and self.current.parts:
                self.current.blank_after_stem = True
            return
        if PAGE_NOISE.match(text):
            return
        section = SECTION.match(text)
        if section:
            self._finish()
            self.section = type_from_word(section.group(1).replace("项选择", "选").replace("是非", "判断"))
            self.last_number = None
            return
        start = NUMBER.match(text)
        if start and self._may_start(int(start.group(1)), text[start.end():]):
            self._finish()
            self.current = _Open(start.group(1), line_no, self.section)
            self._feed(line_no, text[start.end():])
            return
        if self.current and self._belongs(text):
            self._feed(line_no, text)
            return
        self._finish()  # prose: closes any open question, and is itself ignored...
        if _split_key(text)[1] is not None and _options(text)[1]:
            # ...unless it carries options and a key: a question whose start was not recognised.
            self.result.issues.append(ParseIssue(line_no, None, "orphan_key"))

    def _may_start(self, number: int, rest: str) -> bool:
        """A numbered line starts a question unless it is a numbered heading inside prose."""
        if self.current is not None and self.last_number is not None and number == self.last_number + 1:
            return True
        return bool(rest.strip())

    def _belongs(self, text: str) -> bool:
        """Whether a line continues the open question: options, a key, or (before any blank line,
        while no option has been seen) more stem text."""
        _stem, options = _options(self.current.body)
        if ANY_OPTION_START.match(text) or KEY_LABEL.match(text):
            return True
        if options:
            return False
        return not self.current.blank_after_stem and not _answer_mark(self.current.body)[1]

    def _feed(self, line_no: int, text: str) -> None:
        """Add text to the open question; if another question starts inside it (right after this
        one's answer), close this one and start that one."""
        question = self.current
        expected = int(question.number) + 1
        for found in INLINE_NUMBER.finditer(" " + text):
            if int(found.group(1)) != expected:
                continue
            before = (" " + text)[: found.start()].rstrip()
            candidate = question.body + "\n" + before if question.parts else before
            _head, key, after = _split_key(candidate)
            ends_with_answer = (key is not None and not after.strip()) or (
                _options(candidate)[1] == {} and _answer_mark(candidate)[1] is not None)
            if ends_with_answer:
                question.parts.append(before.strip())
                self._finish()
                self.current = _Open(str(expected), line_no, self.section)
                self._feed(line_no, (" " + text)[found.end():].strip())
                return
        question.parts.append(text)

    # -- closing a question -------------------------------------------------------------------

    def _finish(self) -> None:
        question, self.current = self.current, None
        if question is None:
            return
        outcome = self._read(question)
        in_sequence = self.last_number is not None and int(question.number) == self.last_number + 1
        if outcome is None:  # neither options nor an answer: prose, unless it breaks the sequence
            if in_sequence:
                self.result.issues.append(ParseIssue(question.line, question.number, "no_answer"))
                self.last_number = int(question.number)
            return
        self.last_number = int(question.number)
        if isinstance(outcome, ParseIssue):
            self.result.issues.append(outcome)
        else:
            self.result.questions.append(outcome)

    def _read(self, q: _Open) -> ParsedQuestion | ParseIssue | None:
        before_key, raw_key, _after = _split_key(q.body)
        stem, options = _options(before_key)
        stem = " ".join(stem.split())
        if not options:
            stem, mark = _answer_mark(stem)
            if raw_key is not None and judge_value(raw_key):
                mark = judge_value(raw_key)
            if mark is None:
                if raw_key is None:
                    return None
                return ParseIssue(q.line, q.number, "bad_key", {"key": raw_key})
            if q.section not in (None, QuestionType.JUDGE):
                return ParseIssue(q.line, q.number, "one_option", {"letters": "-"})
            if not stem:
                return ParseIssue(q.line, q.number, "empty_stem")
            return ParsedQuestion(q.number, QuestionType.JUDGE, stem, {}, mark, q.line)
        if q.section is QuestionType.JUDGE:
            return ParseIssue(q.line, q.number, "judge_with_options")
        if raw_key is None:
            return ParseIssue(q.line, q.number, "no_answer")
        key = letters_value(raw_key)
        if key is None:
            return ParseIssue(q.line, q.number, "bad_key", {"key": raw_key})
        qtype = q.section or (QuestionType.MULTI if len(key) > 1 else QuestionType.SINGLE)
        problem = check_choice(q.number, q.line, qtype, options, key, raw_key)
        if problem:
            return problem
        if not stem:
            return ParseIssue(q.line, q.number, "empty_stem")
        return ParsedQuestion(q.number, qtype, stem, options, key, q.line)


def parse_text(text: str) -> ParseResult:
    return _TextParser().run(text)
