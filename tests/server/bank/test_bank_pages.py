"""The bank through the CLI, the pages and the JSON API: import with preview, no duplicates,
versions, retiring, filters, export, and who may see what."""
from __future__ import annotations

import io
import json
import re

import sqlalchemy as sa

from server.auth import operations as auth_operations
from server.bank.models import Question, QuestionBank
from server.database import commit, rollback
from server.extensions import db
from server.models import utcnow
from tests.builders import EXPECTED_KEYS, SEED
from tests.conftest import fresh

TOKEN = re.compile(r'name="token" type="hidden" value="([0-9a-f]{32})"')
DEMO_TEXT = "单选题\n1. 人民币的单位是（）A.元 B.镑 答案: A\n2. 利率单位（）A.% B.kg 答案: A\n"


def _bank(name):
    return db.session.scalar(sa.select(QuestionBank).where(QuestionBank.name == name))


def _current(bank):
    return list(db.session.scalars(sa.select(Question).where(
        Question.bank_id == bank.id, Question.is_current.is_(True)).order_by(Question.id)))


def _upload(client, data: bytes, filename: str, fmt="auto"):
    return client.submit("/bank/import", {"file": (io.BytesIO(data), filename), "format": fmt},
                         content_type="multipart/form-data")


# --- command line -------------------------------------------------------------------------------


def test_cli_dry_run_prints_the_report_as_json(app, org):
    result = app.test_cli_runner().invoke(args=["bank", "import", str(SEED), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["questions"] == 99
    assert report["by_type"] == {"judge": 20, "single": 20, "multi": 59}
    assert [(e["line"], e["number"]) for e in report["errors"]] == [(365, "100")]
    assert report["errors"][0]["message"]
    assert [i["answer"] for i in report["items"]] == EXPECTED_KEYS
    first_multi = report["items"][40]
    assert first_multi == {"number": "41", "type": "multi", "stem": "商业银行经营的方针包括()。",
                           "options": {"A": "盈利性", "B": "社会性", "C": "流动性", "D": "安全性"},
                           "answer": "ACD", "line": 123, "explanation": "", "tags": [], "notes": []}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Question)) == 0


def _cli_json(app, *args):
    return json.loads(app.test_cli_runner().invoke(args=["bank", "import", *args, "--json"]).output)


def test_cli_import_twice_does_not_duplicate_and_keeps_sources(app, org):
    first = _cli_json(app, str(SEED), "--bank", "客户经理")
    assert (first["imported"], first["already_in_bank"]) == (99, 0)
    second = _cli_json(app, str(SEED), "--bank", "客户经理")
    assert (second["imported"], second["already_in_bank"]) == (0, 99)
    questions = _current(_bank("客户经理"))
    assert len(questions) == 99
    q23 = next(q for q in questions if q.source_number == "23")
    assert (q23.source_file, q23.source_line, q23.answer) == (SEED.name, 65, "B")


def test_cli_reports_unreadable_files_and_strict_mode(app, org, tmp_path):
    binary = tmp_path / "x.txt"
    binary.write_bytes(b"\x00\x01\x02")
    result = app.test_cli_runner().invoke(args=["bank", "import", str(binary), "--json"])
    assert result.exit_code == 2
    assert json.loads(result.output)["errors"][0]["line"] == 0
    strict = app.test_cli_runner().invoke(args=["bank", "import", str(SEED), "--strict", "--json"])
    assert strict.exit_code == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Question)) == 0


def test_cli_export_and_reimport_round_trip(app, org, tmp_path):
    runner = app.test_cli_runner()
    runner.invoke(args=["bank", "import", str(SEED), "--bank", "原始"])
    for suffix in ("xlsx", "gift"):
        path = tmp_path / f"bank.{suffix}"
        assert runner.invoke(args=["bank", "export", "原始", str(path)]).exit_code == 0
        runner.invoke(args=["bank", "import", str(path), "--bank", f"副本{suffix}"])
        original = [(q.type, q.stem, q.options, q.answer) for q in _current(_bank("原始"))]
        copy = [(q.type, q.stem, q.options, q.answer) for q in _current(_bank(f"副本{suffix}"))]
        assert copy == original and len(copy) == 99
        again = _cli_json(app, str(path), "--bank", "原始")
        assert again["imported"] == 0


# --- pages --------------------------------------------------------------------------------------


def test_upload_preview_then_import_into_a_new_bank(client, auth, people):
    auth.login("J100")
    page = _upload(client, DEMO_TEXT.encode(), "demo.txt").get_data(as_text=True)
    assert "人民币的单位是" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Question)) == 0
    token = TOKEN.search(page).group(1)
    done = client.submit("/bank/import/commit", {"token": token, "format": "auto", "bank_id": 0,
                                                 "new_bank_name": "北京分行题库"})
    assert done.status_code == 200
    bank = _bank("北京分行题库")
    assert bank.branch.code == "BJ" and len(_current(bank)) == 2


def test_a_file_with_unreadable_questions_needs_explicit_consent(client, auth, people):
    auth.login("A001")
    page = _upload(client, SEED.read_bytes(), SEED.name).get_data(as_text=True)
    assert 'id="import-errors"' in page and "365" in page
    token = TOKEN.search(page).group(1)
    form = {"token": token, "format": "auto", "bank_id": 0, "new_bank_name": "客户经理"}
    refused = client.submit("/bank/import/commit", form)
    assert refused.status_code == 400 and _bank("客户经理") is None
    accepted = client.submit("/bank/import/commit", {**form, "accept_errors": "y"})
    assert accepted.status_code == 200
    assert len(_current(_bank("客户经理"))) == 99


def test_unreadable_uploads_get_a_clear_error(client, auth, people):
    auth.login("A001")
    for data, name, expected in [(b"", "a.txt", "文件是空的"), (b"\x00\x00\x00", "a.txt", "不是文本"),
                                 (b"\xd0\xcf\x11\xe0xx", "a.xls", ".xls")]:
        page = _upload(client, data, name).get_data(as_text=True)
        assert expected in page, expected
        assert TOKEN.search(page) is None


def test_an_import_is_committed_by_the_request_not_by_the_operation(app, org):
    from server.bank import formats, operations

    result = formats.parse(DEMO_TEXT.encode(), "t.txt")
    operations.import_into(None, "未提交", org["HQ"], result, "t.txt")
    rollback()
    assert _bank("未提交") is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Question)) == 0


def test_trainees_never_reach_the_bank(client, auth, people):
    auth.login("T100")
    for url in ("/bank/", "/bank/import", "/bank/template.xlsx"):
        assert client.get(url).status_code == 403


def _import(app, name, text=DEMO_TEXT, branch="HQ"):
    from server.bank import formats, operations
    from server.branches.util import branch_by_code

    result = formats.parse(text.encode(), "t.txt")
    bank = operations.import_into(None, name, branch_by_code(branch), result, "t.txt").bank
    commit()
    return bank


def test_invigilators_use_shared_banks_but_manage_only_their_own(app, client, auth, people):
    hq_bank = _import(app, "总行题库")
    sh_bank = _import(app, "上海题库", branch="SH")
    bj_bank = _import(app, "北京题库", branch="BJ")
    auth.login("J100")
    listing = client.get("/bank/").get_data(as_text=True)
    assert "总行题库" in listing and "北京题库" in listing and "上海题库" not in listing
    assert client.get(f"/bank/{sh_bank.id}").status_code == 404
    hq_question = _current(hq_bank)[0]
    assert client.get(f"/bank/questions/{hq_question.id}/edit").status_code == 403
    assert client.get(f"/bank/questions/{_current(bj_bank)[0].id}/edit").status_code == 200


def test_editing_an_unused_question_changes_it_in_place(app, client, auth, people):
    bank = _import(app, "总行题库")
    question = _current(bank)[0]
    auth.login("A001")
    client.submit(f"/bank/questions/{question.id}/edit", {
        "type": "single", "stem": "人民币的基本单位是（）", "option_a": "元", "option_b": "角",
        "answer": "A", "tags": "货币，基础"})
    question = fresh(question)
    assert question.stem == "人民币的基本单位是（）" and question.version == 1
    assert question.options == {"A": "元", "B": "角"} and question.tags == ["基础", "货币"]


def test_editing_a_used_question_makes_a_new_version(app, client, auth, people):
    bank = _import(app, "总行题库")
    question = _current(bank)[0]
    question.used_at = utcnow()  # an exam has used it
    db.session.commit()
    auth.login("A001")
    response = client.submit(f"/bank/questions/{question.id}/edit", {
        "type": "single", "stem": question.stem, "option_a": "元", "option_b": "英镑", "answer": "A"})
    assert response.status_code == 302
    old = fresh(question)
    assert old.options == {"A": "元", "B": "镑"} and not old.is_current
    current = [q for q in _current(bank) if q.family_id == old.family_id]
    assert len(current) == 1 and current[0].version == 2 and current[0].options["B"] == "英镑"


def test_edit_errors_name_the_problem(app, client, auth, people):
    question = _current(_import(app, "总行题库"))[0]
    auth.login("A001")
    response = client.submit(f"/bank/questions/{question.id}/edit", {
        "type": "single", "stem": "x", "option_a": "元", "option_b": "镑", "answer": "C"})
    assert "答案 C 对应的选项是空的" in response.get_data(as_text=True)
    assert fresh(question).answer == "A"


def test_retire_filter_and_search(app, client, auth, people):
    bank = _import(app, "总行题库", DEMO_TEXT + "判断题\n3. 存款保险保护存款人。对\n")
    first = _current(bank)[0]
    auth.login("A001")
    client.submit(f"/bank/questions/{first.id}/retire")
    assert fresh(first).retired
    page = client.get(f"/bank/{bank.id}").get_data(as_text=True)
    assert "人民币的单位是" not in page and "利率单位" in page
    assert "人民币的单位是" in client.get(f"/bank/{bank.id}?retired=1").get_data(as_text=True)
    judge_only = client.get(f"/bank/{bank.id}?type=judge").get_data(as_text=True)
    assert "存款保险" in judge_only and "利率单位" not in judge_only
    assert "利率单位" in client.get(f"/bank/{bank.id}?q=利率").get_data(as_text=True)


def test_exports_download_and_import_back(app, client, auth, people):
    bank = _import(app, "总行题库")
    auth.login("A001")
    xlsx = client.get(f"/bank/{bank.id}/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    page = _upload(client, xlsx.data, "export.xlsx").get_data(as_text=True)
    assert "人民币的单位是" in page
    gift = client.get(f"/bank/{bank.id}/export.gift").get_data(as_text=True)
    assert "{=元 ~镑}" in gift


# --- JSON API -----------------------------------------------------------------------------------


def _bearer(app, user):
    raw, _token = auth_operations.issue_token(user, app.config["API_TOKEN_TTL"])
    commit()
    return {"Authorization": f"Bearer {raw}"}


def test_api_import_dry_run_then_commit(app, client, people):
    headers = _bearer(app, people["admin"])
    dry = client.post("/api/v1/bank/import", headers=headers, data={
        "file": (io.BytesIO(SEED.read_bytes()), SEED.name), "dry_run": "1"})
    assert dry.status_code == 200 and dry.json["questions"] == 99
    done = client.post("/api/v1/bank/import", headers=headers, data={
        "file": (io.BytesIO(SEED.read_bytes()), SEED.name), "bank": "API 题库"})
    assert done.status_code == 201 and done.json["imported"] == 99
    bank_id = done.json["bank"]["id"]
    listed = client.get(f"/api/v1/bank/banks/{bank_id}/questions?type=judge", headers=headers)
    assert len(listed.json["questions"]) == listed.json["total"] == 20
    pages = [client.get(f"/api/v1/bank/banks/{bank_id}/questions?per_page=40&page={n}", headers=headers).json
             for n in (1, 2, 3)]
    assert [len(page["questions"]) for page in pages] == [40, 40, 19] and {p["total"] for p in pages} == {99}
    ids = [q["id"] for page in pages for q in page["questions"]]
    assert len(set(ids)) == 99  # every question once across the pages
    too_many = client.get(f"/api/v1/bank/banks/{bank_id}/questions?per_page=1000", headers=headers)
    assert too_many.status_code == 400 and too_many.json["error"]["field"] == "per_page"


def test_api_errors_keep_the_shape(app, client, people):
    headers = _bearer(app, people["admin"])
    missing = client.post("/api/v1/bank/import", headers=headers, data={})
    assert missing.status_code == 400 and missing.json["error"]["field"] == "file"
    binary = client.post("/api/v1/bank/import", headers=headers, data={
        "file": (io.BytesIO(b"\x00\x01"), "x.bin"), "bank": "x"})
    assert binary.status_code == 422 and binary.json["errors"][0]["message"]
    assert binary.json["error"]["code"] == "binary" and binary.json["error"]["field"] == "file"
    trainee = client.get("/api/v1/bank/banks", headers=_bearer(app, people["t_bj"]))
    assert trainee.status_code == 403 and trainee.json["error"]["code"] == "forbidden"


def test_english_pages_say_true_false_and_rules_without_chinese(client, auth, people, bank):
    """In English the bank shows "Answer: True/False" (not 对/错), the paper form's multiple-choice
    rules carry no Chinese, and sessions say "Exam code" as the join and dashboard pages do."""
    auth.login("J100")
    client.set_cookie("examhall_lang", "en")
    page = client.get(f"/bank/{bank.id}").get_data(as_text=True)
    answers = re.findall(r"Answer: <b>([^<]*)</b>", page)
    assert "True" in answers and "False" in answers and not {"对", "错"} & set(answers)
    form = client.get("/papers/new").get_data(as_text=True)
    rules = re.findall(r'<option value="(?:exact|partial|half|penalty)"[^>]*>([^<]*)</option>', form)
    assert len(rules) == 4 and not any(re.search(r"[\u4e00-\u9fff]", rule) for rule in rules), rules
    sessions = client.get("/sessions/").get_data(as_text=True)
    assert "Exam code" in sessions and "Join code" not in sessions
