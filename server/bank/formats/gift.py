"""Moodle's GIFT format, for the three question types Examhall runs.

Read: true/false ``{T}``/``{TRUE}``/``{F}``/``{FALSE}``; single choice ``{=right ~wrong …}``;
multiple choice with weights ``{~%50%a ~%50%b ~%-100%c}`` (positive weight = correct).  Titles
``::Q1::``, comments ``//``, ``$CATEGORY:``, escapes ``\\~ \\= \\# \\{ \\} \\:``, per-answer
feedback ``#…`` and general feedback ``####…`` (kept as the explanation).  Tags are read from
Moodle's comment form ``// [tag:name]``.  Other GIFT types are reported, not skipped silently.
"""
from __future__ import annotations

import re

from server.bank.formats.common import (
    LETTERS,
    ParsedQuestion,
    ParseIssue,
    ParseResult,
    QuestionType,
    check_choice,
)

_ESCAPES = {"\\~": "~", "\\=": "=", "\\#": "#", "\\{": "{", "\\}": "}", "\\:": ":", "\\n": "\n",
            "\\\\": "\\"}
_SPECIAL = re.compile(r"\\[~=#{}:n\\]")
_TAG = re.compile(r"\[tag:([^\]]+)\]")
_TITLE = re.compile(r"^::((?:\\.|[^:]|:(?!:))*)::\s*", re.S)
_FORMAT = re.compile(r"^\[(?:html|moodle|plain|markdown)\]\s*")


def looks_like_gift(text: str) -> bool:
    return bool(re.search(r"\{\s*(?:T|F|TRUE|FALSE)\s*\}|\{\s*[=~]", text)) or "::" in text[:2000]


def _unescape(text: str) -> str:
    return _SPECIAL.sub(lambda m: _ESCAPES[m.group(0)], text)


def _escape(text: str) -> str:
    for char in "\\~=#{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


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
    title = _TITLE.match(block.strip())
    body = block.strip()[title.end():] if title else block.strip()
    if title and title.group(1).strip():
        number = _unescape(title.group(1).strip())
    body = _FORMAT.sub("", body)
    opening = _find_unescaped(body, "{")
    closing = _find_unescaped(body, "}", opening + 1) if opening >= 0 else -1
    if opening < 0 or closing < 0:
        return ParseIssue(line, number, "gift_syntax", {"detail": "no {…} answer block"})
    stem = " ".join(_unescape(body[:opening] + " " + body[closing + 1 :]).split())
    answers = body[opening + 1 : closing].strip()
    explanation = ""
    general = answers.find("####")
    if general >= 0:
        explanation = _unescape(answers[general + 4 :]).strip()
        answers = answers[:general].strip()
    if not stem:
        return ParseIssue(line, number, "empty_stem")
    judge = re.fullmatch(r"(TRUE|FALSE|T|F)(?:\s*#.*)?", answers, re.S)
    if judge:
        return ParsedQuestion(number, QuestionType.JUDGE, stem, {}, judge.group(1)[0], line,
                              explanation, tags)
    return _choice(answers, stem, line, number, explanation, tags)


def _choice(answers, stem, line, number, explanation, tags) -> ParsedQuestion | ParseIssue:
    pieces = [(m, t) for m, t in _split_unescaped(answers, "=~") if m]
    weighted_answers = any(re.match(r"\s*%-?\d", t) for _m, t in pieces)
    # No wrong answer and no weights: {=a =b} is a short-answer question; -> is matching.
    if not pieces or "->" in answers or (all(m == "=" for m, _t in pieces) and not weighted_answers):
        return ParseIssue(line, number, "gift_unsupported")
    if len(pieces) > len(LETTERS):
        return ParseIssue(line, number, "gift_syntax", {"detail": f"more than {len(LETTERS)} answers"})
    options, correct, weighted = {}, [], False
    for letter, (marker, raw) in zip(LETTERS, pieces, strict=False):
        text = _split_unescaped(raw, "#")[0][1]
        weight = re.match(r"\s*%(-?\d+(?:\.\d+)?)%", text)
        if weight:
            weighted = True
            text = text[weight.end():]
            if float(weight.group(1)) > 0:
                correct.append(letter)
        elif marker == "=":
            correct.append(letter)
        options[letter] = " ".join(_unescape(text).split())
    if len(options) == 1:  # {=answer}: a short-answer question
        return ParseIssue(line, number, "gift_unsupported")
    if not correct:
        return ParseIssue(line, number, "gift_no_correct")
    key = "".join(correct)
    qtype = QuestionType.MULTI if weighted and len(correct) > 1 else QuestionType.SINGLE
    if not weighted and len(correct) > 1:
        qtype = QuestionType.MULTI
    problem = check_choice(number, line, qtype, options, key, key)
    if problem:
        return problem
    return ParsedQuestion(number, qtype, stem, options, key, line, explanation, tags)


def _weight(count: int) -> str:
    return f"{100 / count:.5f}".rstrip("0").rstrip(".")


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
            answers = " ".join(("=" if k in question.answer else "~") + _escape(v)
                               for k, v in question.options.items())
            lines.append(f"{head} {{{answers}{feedback}}}")
        else:
            share = _weight(len(question.answer))
            answers = " ".join(f"~%{share if k in question.answer else '-100'}%{_escape(v)}"
                               for k, v in question.options.items())
            lines.append(f"{head} {{{answers}{feedback}}}")
        lines.append("")
    return "\n".join(lines)
