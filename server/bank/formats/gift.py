"""Moodle's GIFT format, for the three question types Examhall runs.

Read: true/false ``{T}``/``{TRUE}``/``{F}``/``{FALSE}``; single choice ``{=right ~wrong …}``;
multiple choice with weights ``{~%50%a ~%50%b ~%-100%c}`` (positive weight = correct; every answer
``~``, as Moodle's "multiple answers allowed", even when only one is right).  Titles
``::Q1::``, comments ``//``, ``$CATEGORY:``, escapes ``\\~ \\= \\# \\{ \\} \\:``, per-answer
feedback ``#…`` and general feedback ``####…`` (kept as the explanation).  Tags are read from
Moodle's comment form ``// [tag:name]``.

The kind of question is Moodle's (qformat_gift::readquestion), never changed: numerical ``{#…}``,
short answer ``{=a =%50%b}``, matching, essay ``{}`` and descriptions (no answer block) are
reported with their line.  A one-answer question (some answer is ``=``) stays single choice, keyed
on its 100% answer; partial credit on the others is a note in the preview.  Missing-word questions
keep their blank as ``_____``.  Format markers ``[html] [moodle] [plain] [markdown]`` are removed
from the text and from each answer; [html] text becomes plain text (server.bank.formats.common.
html_to_plain) with a note naming the tags dropped.
"""
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
    html_to_plain,
    one_line_each,
)

_ESCAPES = {"\\~": "~", "\\=": "=", "\\#": "#", "\\{": "{", "\\}": "}", "\\:": ":", "\\n": "\n",
            "\\\\": "\\"}
_SPECIAL = re.compile(r"\\[~=#{}:n\\]")
_TAG = re.compile(r"\[tag:([^\]]+)\]")
# A backslash always escapes the next character, so ::Esc\: title\::: is the title "Esc: title:".
_TITLE = re.compile(r"^::((?:\\.|[^:\\]|:(?!:))*)::\s*", re.S)
_FORMAT = re.compile(r"^\[(html|moodle|plain|markdown)\]\s*")


def looks_like_gift(text: str) -> bool:
    return bool(re.search(r"\{\s*(?:T|F|TRUE|FALSE)\s*\}|\{\s*[=~#]", text)) or "::" in text[:2000]


def _unescape(text: str) -> str:
    return _SPECIAL.sub(lambda m: _ESCAPES[m.group(0)], text)


def _escape(text: str) -> str:
    for char in "\\~=#{}:":
        text = text.replace(char, "\\" + char)
    # Text that begins like a format marker keeps it as text: the reader strips only the first.
    return ("[plain]" if _FORMAT.match(text) else "") + text.replace("\n", "\\n")


def _split_unescaped(text: str, pattern: str) -> list[tuple[str, str]]:
    """Split on the characters in ``pattern`` that are not escaped; returns (marker, text) pairs."""
    parts, marker, buffer, index = [], "", [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            buffer.append(text[index : index + 2])
            index += 2
            continue
        if char in pattern:
            parts.append((marker, "".join(buffer)))
            marker, buffer = char, []
        else:
            buffer.append(char)
        index += 1
    parts.append((marker, "".join(buffer)))
    return parts


def _find_unescaped(text: str, char: str, start: int = 0) -> int:
    index = start
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == char:
            return index
        index += 1
    return -1


def _blocks(text: str):
    """(first line number, block text, tags from comments) for each blank-line separated block."""
    block, first, tags = [], None, []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            tags.extend(t.strip() for t in _TAG.findall(stripped))
            continue
        if not stripped:
            if block:
                yield first, "\n".join(block), tags
                block, first, tags = [], None, []
            continue
        if first is None:
            first = number
        block.append(line)
    if block:
        yield first, "\n".join(block), tags


def parse_gift(text: str) -> ParseResult:
    result = ParseResult()
    category_tags: list[str] = []
    count = 0
    for line, block, tags in _blocks(text):
        stripped = block.strip()
        if stripped.startswith("$CATEGORY:"):
            category = stripped.split(":", 1)[1].strip().strip("/")
            category_tags = [category.split("/")[-1]] if category else []
            continue
        count += 1
        outcome = _question(block, line, str(count), category_tags + tags)
        (result.issues if isinstance(outcome, ParseIssue) else result.questions).append(outcome)
    return result


def _question(block: str, line: int, number: str, tags: list[str]) -> ParsedQuestion | ParseIssue:
    body = block.strip()
    if body.startswith("::"):
        title = _TITLE.match(body)
        if not title:
            return ParseIssue(line, number, "gift_unclosed_title")
        body = body[title.end():]
        if title.group(1).strip():
            number = _unescape(title.group(1).strip())
    fmt, body = _format_of(body, "moodle")
    opening = _find_unescaped(body, "{")
    if opening < 0:
        return ParseIssue(line, number, "gift_unsupported", {"kind": "description"})
    closing = _find_unescaped(body, "}", opening + 1)
    if closing < 0:
        return ParseIssue(line, number, "gift_unclosed")
    answers = body[opening + 1 : closing].strip()
    explanation_raw = ""
    general = answers.rfind("####")
    if general >= 0:
        explanation_raw = answers[general + 4 :]
        answers = answers[:general].strip()
    kind = _kind(answers)
    if kind:
        return ParseIssue(line, number, "gift_unsupported", {"kind": kind})
    notes: list[ParseNote] = []
    dropped: set[str] = set()
    after = body[closing + 1 :]
    if after.strip():  # Moodle's missing word: the answers stand for a blank in the text
        stem = _plain(body[:opening] + "_____" + after, fmt, dropped)
        notes.append(ParseNote("missing_word"))
    else:
        stem = _plain(body[:opening], fmt, dropped)
    explanation = _marked(explanation_raw, fmt, dropped)
    if not stem:
        return ParseIssue(line, number, "empty_stem")
    judge = _JUDGE.fullmatch(answers)
    if judge:
        question = ParsedQuestion(number, QuestionType.JUDGE, stem, {}, judge.group(1)[0], line,
                                  explanation, tags, notes)
    else:
        question = _choice(answers, fmt, dropped, ParsedQuestion(number, QuestionType.SINGLE, stem, {}, "",
                                                                 line, explanation, tags, notes))
    if isinstance(question, ParsedQuestion) and dropped:
        question.notes.append(ParseNote("markup_removed", {"line": line, "tags": ", ".join(sorted(dropped))}))
    return question


_WEIGHT = re.compile(r"\s*%(-?\d+(?:\.\d+)?)%")
_JUDGE = re.compile(r"(TRUE|FALSE|T|F)(?:\s*#.*)?", re.S)


def _kind(answers: str) -> str | None:
    """The kind of question Moodle would make of an answer block that Examhall does not run, in
    Moodle's own order (qformat_gift::readquestion); None for true/false and multiple choice."""
    if not answers:
        return "essay"
    if answers.startswith("#"):
        return "numerical"
    if _find_unescaped(answers, "~") >= 0:
        return None  # multiple choice, whatever else its answers contain (-> included)
    if _find_unescaped(answers, "=") >= 0 and "->" in answers:
        return "matching"
    if _JUDGE.fullmatch(answers):
        return None
    return "short_answer"  # only = answers, weighted or not: {=red =%50%blue}


def _format_of(text: str, default: str) -> tuple[str, str]:
    """The [html]/[moodle]/[plain]/[markdown] marker at the start of ``text`` (else ``default``)
    and the text without it."""
    marker = _FORMAT.match(text.lstrip())
    return (marker.group(1), text.lstrip()[marker.end():]) if marker else (default, text)


def _plain(raw: str, fmt: str, dropped: set[str]) -> str:
    """GIFT text as the plain text Examhall keeps.  Line breaks in the file are spaces (as they
    were); ``\\n`` and, in [html] text, <br> and <p> are line breaks.  Dropped tags go to ``dropped``."""
    text = _unescape(" ".join(raw.split()))
    if fmt == "html":
        text, tags = html_to_plain(text)
        dropped.update(tags)
    return one_line_each(text)


def _marked(raw: str, default: str, dropped: set[str]) -> str:
    """An answer's or feedback's text, in its own format if it has a marker, else the question's."""
    fmt, text = _format_of(raw, default)
    return _plain(text, fmt, dropped)


def _choice(answers: str, fmt: str, dropped: set[str], question: ParsedQuestion) -> ParsedQuestion | ParseIssue:
    """Moodle's multiple choice: one answer allowed when any answer is marked =, several when
    every answer is ~ (then those with a positive weight are the key)."""
    line, number = question.line, question.number
    pieces = [(m, t) for m, t in _split_unescaped(answers, "=~") if m]
    if len(pieces) > len(LETTERS):
        return ParseIssue(line, number, "too_many_options")
    fractions: dict[str, float] = {}
    for letter, (marker, raw) in zip(LETTERS, pieces, strict=False):
        text = _split_unescaped(raw, "#")[0][1]
        # As Moodle reads them: an = answer is fully right whatever follows; a ~ answer may weigh.
        weight = _WEIGHT.match(text) if marker == "~" else None
        fractions[letter] = float(weight.group(1)) if weight else (100.0 if marker == "=" else 0.0)
        text = text[weight.end():] if weight else text
        question.options[letter] = _marked(text, fmt, dropped)
    single = any(marker == "=" for marker, _text in pieces)
    if single:
        correct = [letter for letter, fraction in fractions.items() if fraction >= 100]
        if len(correct) > 1:
            return ParseIssue(line, number, "gift_single_many_correct", {"key": "".join(correct)})
        partial = [f"{letter} ({_percent(f)}%)" for letter, f in fractions.items() if 0 < f < 100]
        if correct and partial:
            question.notes.append(ParseNote("partial_credit_dropped", {"key": correct[0],
                                                                       "partial": ", ".join(partial)}))
    else:
        correct = [letter for letter, fraction in fractions.items() if fraction > 0]
    if not correct:
        return ParseIssue(line, number, "gift_no_correct")
    question.answer = "".join(correct)
    question.type = QuestionType.SINGLE if single else QuestionType.MULTI
    if not single and len(correct) == 1:
        question.notes.append(ParseNote("multi_one_right", {"key": question.answer}))
    problem = check_choice(number, line, question.type, question.options, question.answer, question.answer)
    return problem or question


def _percent(fraction: float) -> str:
    return f"{fraction:g}"


def _weight(count: int) -> str:
    return f"{100 / count:.5f}".rstrip("0").rstrip(".")


def _single_answer(right: bool, text: str) -> str:
    # A wrong answer whose text begins like a weight (%50%…) is written after an explicit one, as
    # Moodle reads it; a right (=) answer's text is never read as a weight.
    if not right and _WEIGHT.match(text):
        return "~%0%" + text
    return ("=" if right else "~") + text


def write_gift(questions, title: str = "") -> str:
    """GIFT text for ``questions`` (objects with type, stem, options, answer, explanation, tags)."""
    lines = [f"// Examhall export: {title}".rstrip(), ""]
    for number, question in enumerate(questions, start=1):
        tags = " ".join(f"[tag:{t}]" for t in question.tags)
        if tags:
            lines.append(f"// {tags}")
        feedback = f" ####{_escape(question.explanation)}" if question.explanation else ""
        head = f"::Q{number}:: {_escape(question.stem)}"
        qtype = QuestionType(question.type)
        if qtype is QuestionType.JUDGE:
            lines.append(f"{head} {{{'TRUE' if question.answer == 'T' else 'FALSE'}{feedback}}}")
        elif qtype is QuestionType.SINGLE:
            answers = " ".join(_single_answer(k in question.answer, _escape(v))
                               for k, v in question.options.items())
            lines.append(f"{head} {{{answers}{feedback}}}")
        else:
            share = _weight(len(question.answer))
            answers = " ".join(f"~%{share if k in question.answer else '-100'}%{_escape(v)}"
                               for k, v in question.options.items())
            lines.append(f"{head} {{{answers}{feedback}}}")
        lines.append("")
    return "\n".join(lines)
