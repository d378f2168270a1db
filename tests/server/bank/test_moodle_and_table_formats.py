"""GIFT and Aiken (examples written from Moodle's format documentation), the spreadsheet
template, and round trips through the exports."""
from __future__ import annotations

import pytest

from server.bank.formats import QuestionType, parse
from server.bank.formats.gift import write_gift
from server.bank.formats.table import write_xlsx
from server.tables import UploadError
from tests.builders import xlsx

GIFT = r"""// true-false
::Q1:: 1+1=2 {T}

// multiple choice with feedback
::Q2:: What's between orange and green in the spectrum?
{ =yellow # right; good! ~red # wrong, it's yellow ~blue # wrong, it's yellow }

// multiple answers with weights
What two people are entombed in Grant's tomb? {
   ~%-100%No one
   ~%50%Grant
   ~%50%Grant's wife
   ~%-100%Grant's father
}

Grant is buried in Grant's tomb.{FALSE}

$CATEGORY: $course$/存款业务

// [tag:基础] [tag:柜面]
活期存款的计息方式是\{按日计息\}吗？{TRUE####按日计息，按季结息。}

Who's buried in Grant's tomb?{=no one =nobody}

Match the following countries with their corresponding capitals. {
   =Canada -> Ottawa
   =Italy  -> Rome
}

When was Ulysses S. Grant born?{#1822}
"""

AIKEN = """What is the correct answer to this question?
A. Is it this one?
B. Maybe this answer?
C. Possibly this one?
D. Must be this one!
ANSWER: D

Which LMS has the most quiz import formats?
A) Moodle
B) ATutor
C) Claroline
D) Blackboard
E) WebCT
F) Ilias
ANSWER: A

下列哪些是存款产品？
A. 活期存款
B. 个人贷款
C. 定期存款
ANSWER: A, C

A question whose answer line is missing
A. one
B. two
"""


def test_gift_true_false_single_and_multiple_choice():
    result = parse(GIFT.encode(), "bank.gift")
    got = [(q.number, q.type, q.answer) for q in result.questions]
    assert got == [("Q1", QuestionType.JUDGE, "T"), ("Q2", QuestionType.SINGLE, "A"),
                   ("3", QuestionType.MULTI, "BC"), ("4", QuestionType.JUDGE, "F"),
                   ("5", QuestionType.JUDGE, "T")]
    q2 = result.questions[1]
    assert q2.options == {"A": "yellow", "B": "red", "C": "blue"}
    escaped = result.questions[4]
    assert escaped.stem == "活期存款的计息方式是{按日计息}吗？"
    assert escaped.explanation == "按日计息，按季结息。"
    assert escaped.tags == ["存款业务", "基础", "柜面"]


def test_gift_types_examhall_does_not_run_are_reported_with_their_line():
    result = parse(GIFT.encode(), "bank.gift")
    assert [(i.code, i.line) for i in result.issues] == [
        ("gift_unsupported", 23), ("gift_unsupported", 25), ("gift_unsupported", 30)]


def test_aiken_with_examhall_extensions():
    result = parse(AIKEN.encode(), "bank.txt")  # detected as Aiken by its ANSWER: lines
    assert [(q.type, q.answer, len(q.options)) for q in result.questions] == [
        (QuestionType.SINGLE, "D", 4), (QuestionType.SINGLE, "A", 6), (QuestionType.MULTI, "AC", 3)]
    assert [(i.number, i.code) for i in result.issues] == [("4", "aiken_no_answer")]


HEADER = ["题型", "题干", "A", "B", "C", "D", "E", "F", "答案", "解析", "标签"]


def test_spreadsheet_template_rows_and_row_numbered_errors():
    rows = [HEADER,
            ["判断", "活期存款随时可取。", None, None, None, None, None, None, "对", "", "存款"],
            ["单选", "选一个", "甲", "乙", None, None, None, None, "B", "因为乙", "a、b"],
            ["多选", "选多个", "甲", "乙", "丙", None, None, None, "A,C", None, None],
            [None] * 11,
            ["多选", "答案越界", "甲", "乙", None, None, None, None, "AD", None, None],
            ["问答", "不支持的题型", None, None, None, None, None, None, "x", None, None],
            ["判断", "没有答案", None, None, None, None, None, None, None, None, None]]
    result = parse(xlsx(rows), "bank.xlsx")
    assert [(q.type.value, q.answer, q.line) for q in result.questions] == [
        ("judge", "T", 2), ("single", "B", 3), ("multi", "AC", 4)]
    assert result.questions[1].tags == ["a", "b"] and result.questions[1].explanation == "因为乙"
    assert [(i.line, i.code) for i in result.issues] == [
        (6, "key_not_in_options"), (7, "bad_type"), (8, "no_answer")]


def test_csv_in_gbk_reads_like_the_workbook():
    text = "题型,题干,A,B,C,D,答案\n单选,人民币的单位是（）,元,美元,,,A\n"
    result = parse(text.encode("gbk"), "bank.csv")
    assert [(q.stem, q.options, q.answer) for q in result.questions] == [
        ("人民币的单位是（）", {"A": "元", "B": "美元"}, "A")]


@pytest.mark.parametrize("data, code", [
    (b"", "empty"), (b"   \n\n", "empty"), (b"\x00\x01binary\x00", "binary"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old_excel"), (b"PK\x03\x04broken", "bad_workbook"),
    ("题型,题干\n单选,x\n".encode(), "missing_columns"), (b"\xff\xfe\xfa\xfb\x81", "bad_encoding"),
])
def test_files_that_cannot_be_read_raise_a_format_error(data, code):
    fmt = "csv" if code == "missing_columns" else "auto"
    with pytest.raises(UploadError) as error:
        parse(data, "upload.csv" if fmt == "csv" else "upload.txt", fmt)
    assert error.value.code == code
    assert str(error.value)


def test_exports_import_back_to_the_same_questions():
    source = parse(GIFT.encode(), "bank.gift").questions + parse(AIKEN.encode(), "a.txt").questions

    def content(questions):
        return [(q.type, q.stem, q.options, q.answer, q.explanation, q.tags) for q in questions]

    assert content(parse(write_xlsx(source), "x.xlsx").questions) == content(source)
    assert content(parse(write_gift(source).encode(), "x.gift").questions) == content(source)
