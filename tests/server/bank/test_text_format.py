"""The text format's variations, one by one, and a property test over random renderings."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.bank.formats import QuestionType, parse
from server.tables import UploadError


def _parse(text: str):
    return parse(text.encode("utf-8"), "t.txt", "text")


def test_option_markers_numbering_and_punctuation_variants():
    text = """二、单选题（每题2分）
1． 题一（ ）。
A． 甲 B． 乙 C． 丙
答案：B
2、题二（）A、甲 B、乙 C、丙 D、丁 参考答案：D
3．题三()
A) 甲
B) 乙
正确答案 A
4. 题四 A.甲 B.乙 标准答案：Ｂ
"""
    result = _parse(text)
    assert result.issues == []
    assert [(q.number, q.answer, list(q.options)) for q in result.questions] == [
        ("1", "B", ["A", "B", "C"]), ("2", "D", ["A", "B", "C", "D"]), ("3", "A", ["A", "B"]),
        ("4", "B", ["A", "B"])]
    assert all(q.type is QuestionType.SINGLE for q in result.questions)


def test_key_spellings_for_multiple_choice():
    text = "\n".join(
        f"{n}: 题{n} A:甲 B:乙 C:丙 D:丁 标准答案: {key}"
        for n, key in enumerate(["ACD", "A、C、D", "A,C,D", "A C D", "DCA", "ａｃｄ".upper()], start=1))
    result = _parse("多选题\n" + text)
    assert [q.answer for q in result.questions] == ["ACD"] * 6
    assert result.issues == []


def test_true_false_spellings():
    marks = ["对", "错", "√", "×", "(正确)", "（错误）", "T", "F", " : 对", "。 错"]
    lines = [f"{n}. 陈述{n}{mark}" for n, mark in enumerate(marks, start=1)]
    result = _parse("一、判断题\n" + "\n".join(lines) + "\n11. 陈述十一 答案：错\n")
    assert [q.answer for q in result.questions] == ["T", "F", "T", "F", "T", "F", "T", "F", "T", "F", "F"]
    assert all(q.type is QuestionType.JUDGE for q in result.questions)


def test_type_from_shape_without_section_headers():
    result = _parse("1. 甲乙对\n2. 选一个 A.甲 B.乙 答案: A\n3. 选多个 A.甲 B.乙 C.丙 答案: AB\n")
    assert [q.type for q in result.questions] == [QuestionType.JUDGE, QuestionType.SINGLE, QuestionType.MULTI]


def test_unreadable_questions_are_reported_with_number_and_line():
    text = """单选题
1. 好题 A.甲 B.乙 答案: A

2. 没有答案的题 A.甲 B.乙

3. 答案不在选项里 A.甲 B.乙 答案: E
4. 单选却有两个答案 A.甲 B.乙 答案: AB
5. 只有一个选项 A.甲 答案: A
"""
    result = _parse(text)
    assert [q.number for q in result.questions] == ["1"]
    assert [(i.number, i.line, i.code) for i in result.issues] == [
        ("2", 4, "no_answer"), ("3", 6, "key_not_in_options"), ("4", 7, "single_with_many"),
        ("5", 8, "one_option")]


def test_a_true_false_question_without_a_mark_in_sequence_is_an_error():
    result = _parse("判断题\n1. 第一题。对\n2. 第二题没有标记\n3. 第三题。错\n")
    assert [q.number for q in result.questions] == ["1", "3"]
    assert [(i.number, i.code) for i in result.issues] == [("2", "no_answer")]


def test_large_numbers_and_unnumbered_questions_are_not_lost():
    text = "单选题\n99999: 最后一题 A.甲 B.乙 答案: B\n\n说明文字\n没有题号的题 A.甲 B.乙 答案: A\n"
    result = _parse(text)
    assert [q.number for q in result.questions] == ["99999"]
    assert [(i.line, i.code) for i in result.issues] == [(5, "orphan_key")]


def test_page_headers_and_footers_are_skipped():
    text = "多选题\n1. 题目 A.甲\n第 1 页 共 3 页\nB.乙\n- 2 -\nC.丙 答案: AB\n"
    result = _parse(text)
    assert result.questions[0].options == {"A": "甲", "B": "乙", "C": "丙"}


def test_numbered_prose_is_not_a_question():
    text = "一些介绍文字。\n1. 中国工商银行的客户多变性\n客户的需求随之变化。\n2. 建立客户档案\n"
    with pytest.raises(UploadError) as error:
        _parse(text)
    assert error.value.code == "no_questions"
    mixed = _parse(text + "判断题\n1. 存款保险保护存款人。对\n")
    assert [q.stem for q in mixed.questions] == ["存款保险保护存款人。"] and mixed.issues == []


# --- property test: random questions rendered in the format's variations parse back -------------

CHINESE = st.text(alphabet="银行客户经理存款贷款利率理财产品服务柜员现金账户规定业务",
                  min_size=2, max_size=20)
NUMBERING = [":", "：", ".", "．", "、"]
MARKERS = [":", "：", ".", "．", "、", ")"]
LABELS = ["标准答案", "答案", "正确答案", "参考答案"]
SEPARATORS = ["", "、", ",", " "]
JUDGE_MARKS = {"T": ["对", "√", "正确", "T"], "F": ["错", "×", "错误", "F"]}


@st.composite
def questions(draw):
    qtype = draw(st.sampled_from(["judge", "single", "multi"]))
    stem = draw(CHINESE)
    if qtype == "judge":
        return qtype, stem, {}, draw(st.sampled_from("TF"))
    count = draw(st.integers(min_value=2 if qtype == "single" else 3, max_value=6))
    letters = "ABCDEF"[:count]
    options = {letter: draw(CHINESE) for letter in letters}
    size = 1 if qtype == "single" else draw(st.integers(min_value=2, max_value=count))
    answer = "".join(sorted(draw(st.permutations(letters))[:size]))
    return qtype, stem, options, answer


@st.composite
def rendering(draw):
    items = draw(st.lists(questions(), min_size=1, max_size=8))
    headers = draw(st.booleans())
    by_type = {t: [q for q in items if q[0] == t] for t in ("judge", "single", "multi")}
    ordered = by_type["judge"] + by_type["single"] + by_type["multi"] if headers else items
    lines, number, section = [draw(st.sampled_from(["", "考试说明：请认真作答。"]))], 0, None
    for qtype, stem, options, answer in ordered:
        if headers and qtype != section:
            section = qtype
            title = {"judge": "判断题", "single": "单选题", "multi": "多选题"}[qtype]
            lines.append(draw(st.sampled_from([title, f"一、{title}（每题1分）", f"{title}："])))
        number += 1
        head = f"{number}{draw(st.sampled_from(NUMBERING))} {stem}"
        if qtype == "judge":
            lines.append(head + draw(st.sampled_from(["", " "])) + draw(st.sampled_from(JUDGE_MARKS[answer])))
            continue
        marker = draw(st.sampled_from(MARKERS))
        rendered = [f"{letter}{marker}{text}" for letter, text in options.items()]
        separator = draw(st.sampled_from(["\n", " "]))
        key = draw(st.sampled_from(SEPARATORS)).join(answer)
        label = f"{draw(st.sampled_from(LABELS))}{draw(st.sampled_from([':', '：', ': ']))}{key}"
        lines.append(head + ("（）" if draw(st.booleans()) else ""))
        lines.append(separator.join(rendered) + draw(st.sampled_from([" ", "\n", ""])) + label)
    return "\n".join(lines) + "\n", ordered


@settings(max_examples=150, deadline=None)
@given(rendering())
def test_rendered_questions_parse_back(case):
    text, expected = case
    result = _parse(text)
    assert result.issues == []
    got = [(q.type.value, q.stem.removesuffix("（）"), q.options, q.answer) for q in result.questions]
    assert got == [(t, s, o, a) for t, s, o, a in expected]
