"""The exam office's real document (shared/seed): exactly 99 questions with the printed keys."""
from __future__ import annotations

import pytest

from server.bank.formats import parse
from tests.builders import EXPECTED_KEYS, SEED


@pytest.fixture(scope="module")
def result():
    if not SEED.exists():
        pytest.fail(f"the real document is missing: {SEED}")
    return parse(SEED.read_bytes(), SEED.name)


def test_exactly_99_questions_in_three_sections(result):
    assert len(result.questions) == 99
    assert result.by_type() == {"judge": 20, "single": 20, "multi": 59}
    assert [q.number for q in result.questions] == [str(n) for n in range(1, 100)]
    assert [q.type.value for q in result.questions] == ["judge"] * 20 + ["single"] * 20 + ["multi"] * 59


def test_every_key_is_as_printed(result):
    assert len(EXPECTED_KEYS) == 99
    assert [q.answer for q in result.questions] == EXPECTED_KEYS


def test_question_100_is_reported_not_dropped_or_guessed(result):
    assert len(result.issues) == 1
    issue = result.issues[0]
    assert (issue.number, issue.line, issue.code) == ("100", 365, "no_answer")
    assert "100" in issue.message


def test_choice_questions_have_options_a_to_d(result):
    for question in result.questions[20:]:
        assert list(question.options) == ["A", "B", "C", "D"], question.number
        assert all(question.options.values()), question.number
        assert "答案" not in question.stem + "".join(question.options.values()), question.number


def test_the_prose_around_the_questions_is_not_read_as_questions(result):
    texts = " ".join(q.stem for q in result.questions)
    for prose in ("中国工商银行的客户多变性", "客户定位不够明确", "绩效考核方法", "参考文献"):
        assert prose not in texts


def test_run_together_questions_are_split(result):
    by_number = {q.number: q for q in result.questions}
    # "…标准答案: A 23: 办理牡丹灵通卡…" and "…标准答案: B 34: …" share lines with their neighbours.
    assert by_number["22"].answer == "A" and by_number["23"].stem.startswith("办理牡丹灵通卡异地存取款业务")
    assert by_number["23"].options["B"] == "1%,0.5%,1,50"
    assert by_number["34"].stem.startswith("根据我行现有业务规定,个人汽车消费贷款")
    assert by_number["94"].stem.startswith("下列卡中") and by_number["93"].options["D"] == "公司盈利水平"


def test_scraping_noise_is_cleaned(result):
    by_number = {q.number: q for q in result.questions}
    assert by_number["40"].options["D"] == "受益人"  # "D:|受益人"
    assert by_number["28"].options["B"] == "比普通客户优惠50%"  # "B:B、比…"
    assert by_number["5"].stem.endswith("《理财协议申请书》。")  # "…。开立存款证明 错"
    assert by_number["17"].stem == "个人外汇买卖业务电话交易的起点金额为100美元"  # "100美元 : 对"
    assert by_number["17"].answer == "T"
    assert by_number["29"].answer == "C"  # "标准答案:C" with no space


def test_the_same_document_in_gb18030_reads_the_same(result):
    again = parse(SEED.read_text(encoding="utf-8").encode("gb18030"), SEED.name)
    assert [q.as_json() for q in again.questions] == [q.as_json() for q in result.questions]
    assert again.issues == result.issues
