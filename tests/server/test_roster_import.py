"""Bulk roster import: preview first, every bad row reported, nothing written unless all is valid."""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from server.auth.operations import issue_token
from server.database import commit
from server.extensions import db
from server.models import User
from server.tables import UploadError
from tests.builders import xlsx
from tests.conftest import Auth

TOKEN = re.compile(r'name="token" type="hidden" value="([0-9a-f]{32})"')


def _csv(rows, encoding="utf-8") -> bytes:
    return "\r\n".join(",".join(str(c) for c in row) for row in rows).encode(encoding)


def _upload(client, data: bytes, filename="roster.xlsx"):
    return client.submit("/users/import", {"file": (io.BytesIO(data), filename)},
                         content_type="multipart/form-data")


def _user_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def _issues(page: str) -> list[tuple[str, str, str]]:
    table = page.split('id="roster-issues"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", table)
    return [tuple(c) for c in cells]


HEADER = ["工号", "姓名", "机构代码", "角色"]


def test_a_valid_xlsx_is_previewed_then_committed(client, auth, people):
    auth.login("A001")
    before = _user_count()
    rows = [HEADER, [50001, "陈一", "BJ-HD", "学员"], ["50002", "林二", "SH", ""],
            ["50003", "黄三", "BJ", "监考员"]]
    preview = _upload(client, xlsx(rows))
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "全部 3 行均无误" in page and "陈一" in page and "海淀支行" in page
    assert _user_count() == before  # the preview writes nothing

    token = TOKEN.search(page).group(1)
    done = client.submit("/users/import/commit", {"token": token}).get_data(as_text=True)
    assert "已登记 3 人" in done
    assert _user_count() == before + 3
    chen = db.session.scalar(sa.select(User).where(User.employee_no == "50001"))
    assert chen.branch.code == "BJ-HD" and chen.role == "trainee" and chen.must_change_password
    lin = db.session.scalar(sa.select(User).where(User.employee_no == "50002"))
    assert lin.role == "trainee"  # blank role means trainee
    assert len(re.findall(r'<code class="password">', done)) == 3

    again = client.submit("/users/import/commit", {"token": token}, follow_redirects=True)
    assert "已过期" in again.get_data(as_text=True)  # a token commits once
    assert _user_count() == before + 3


def test_gbk_csv_from_excel_is_read(client, auth, people):
    auth.login("A001")
    rows = [HEADER, ["60001", "欧阳锋", "SH", "学员"], ["60002", "諸葛亮", "SH", "学员"]]
    page = _upload(client, _csv(rows, "gbk"), "名单.csv").get_data(as_text=True)
    assert "欧阳锋" in page and "全部 2 行均无误" in page
    client.submit("/users/import/commit", {"token": TOKEN.search(page).group(1)})
    names = set(db.session.scalars(sa.select(User.name).where(User.employee_no.in_(["60001", "60002"]))))
    assert names == {"欧阳锋", "諸葛亮"}


def test_utf8_csv_with_bom_is_read(client, auth, people):
    auth.login("A001")
    data = b"\xef\xbb\xbf" + _csv([HEADER, ["60003", "王五", "SH", "学员"]])
    assert "全部 1 行均无误" in _upload(client, data, "roster.csv").get_data(as_text=True)


def test_every_bad_row_is_reported_with_its_row_number_and_nothing_is_written(client, auth, people):
    auth.login("A001")
    before = _user_count()
    rows = [
        HEADER,
        ["70001", "好人", "SH", "学员"],       # row 2: fine
        ["70002", "无名机构", "NOPE", "学员"],  # row 3: unknown branch
        ["70001", "重号", "SH", "学员"],        # row 4: duplicate of row 2
        ["T100", "老员工", "SH", "学员"],        # row 5: already registered
        ["70005", "", "SH", "学员"],            # row 6: missing name
        ["70006", "乱角色", "SH", "校长"],       # row 7: bad role
        [None, None, None, None],              # row 8: blank, skipped
        ["70 08", "空格工号", "SH", "学员"],     # row 9: bad employee number
    ]
    response = _upload(client, xlsx(rows))
    page = response.get_data(as_text=True)
    issues = _issues(page)
    assert [(row, column) for row, column, _message in issues] == [
        ("3", "机构代码"), ("4", "工号"), ("5", "工号"), ("6", "姓名"), ("7", "角色"), ("9", "工号")]
    messages = {row: message for row, _column, message in issues}
    assert "NOPE" in messages["3"] and "未知的机构代码" in messages["3"]
    assert "第 2 行" in messages["4"]
    assert "已登记" in messages["5"]
    assert "缺少姓名" in messages["6"]
    assert "校长" in messages["7"]
    assert "发现 6 处问题" in page and "未保存任何数据" in page
    assert TOKEN.search(page) is None  # no way to commit
    assert _user_count() == before


def test_files_that_are_not_rosters_get_a_clear_error(client, auth, people):
    auth.login("A001")
    cases = {
        b"": "文件是空的",
        b"\x00\x01\x02binary\x00": "不是文本、Excel 或 CSV 文件",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old": ".xls",
        b"PK\x03\x04not really a zip": "无法打开",
        _csv([["编号", "名字"], ["1", "x"]]): "缺少列",
        _csv([HEADER]): "只有表头",
        "工号,姓名,机构代码\n1,\udcff".encode("utf-8", "surrogateescape") + b"\xff\xfe\xfa": "编码",
    }
    for data, expected in cases.items():
        page = _upload(client, data, "upload.csv").get_data(as_text=True)
        assert expected in page, expected
        assert TOKEN.search(page) is None


def test_uploads_over_the_size_limit_are_refused(app, client, auth, people):
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    auth.login("A001")
    response = _upload(client, b"x" * 60_000, "big.csv")
    assert response.status_code == 413
    assert "超过" in response.get_data(as_text=True)


def test_commit_checks_the_file_again(client, auth, people, org, make_user):
    auth.login("A001")
    page = _upload(client, xlsx([HEADER, ["80001", "甲", "SH", "学员"], ["80002", "乙", "SH", "学员"]]))
    token = TOKEN.search(page.get_data(as_text=True)).group(1)
    make_user("80002", org["SH"])  # registered by someone else meanwhile
    before = _user_count()
    response = client.submit("/users/import/commit", {"token": token})
    assert response.status_code == 409
    assert "工号 80002 重复" in response.get_data(as_text=True)
    assert _user_count() == before


def test_an_upload_can_be_committed_only_by_its_uploader(app, client, auth, people, org, make_user):
    make_user("A002", org["HQ"], role=people["admin"].role_enum)
    auth.login("A001")
    page = _upload(client, xlsx([HEADER, ["81001", "甲", "SH", "学员"]])).get_data(as_text=True)
    token = TOKEN.search(page).group(1)
    other = Auth(app.test_client())
    other.login("A002")
    other.client.submit("/users/import/commit", {"token": token})
    assert db.session.scalar(sa.select(User).where(User.employee_no == "81001")) is None


def test_invigilators_import_trainees_into_their_subtree_only(client, auth, people):
    auth.login("J100")
    rows = [HEADER, ["90001", "本行", "BJ-HD", "学员"], ["90002", "他行", "SH", "学员"],
            ["90003", "提权", "BJ", "管理员"]]
    issues = _issues(_upload(client, xlsx(rows)).get_data(as_text=True))
    assert [(row, column) for row, column, _m in issues] == [("3", "机构代码"), ("4", "角色")]


def test_hundreds_of_trainees_register_at_once(client, auth, people):
    auth.login("A001")
    before = _user_count()
    rows = [HEADER] + [[f"9{n:05d}", f"学员{n}", "SH" if n % 2 else "BJ-HD", "学员"] for n in range(500)]
    page = _upload(client, xlsx(rows)).get_data(as_text=True)
    assert "全部 500 行均无误" in page
    client.submit("/users/import/commit", {"token": TOKEN.search(page).group(1)})
    assert _user_count() == before + 500


def test_the_templates_download(client, auth, people):
    auth.login("J100")
    xlsx = client.get("/users/import/template.xlsx")
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    csv = client.get("/users/import/template.csv")
    assert csv.data.decode("utf-8-sig").startswith("工号,姓名,机构代码,角色")
    assert "BJ" in csv.data.decode("utf-8-sig")  # examples use the invigilator's own branch code


def test_an_unreadable_line_is_named(client, auth, people):
    auth.login("A001")
    data = "工号,姓名,机构代码\n60001,欧阳锋,SH\n".encode("gbk") + b"60002,\xff\xff,SH\n"
    page = _upload(client, data, "名单.csv").get_data(as_text=True)
    assert "编码" in page and "（第 3 行）" in page
    assert TOKEN.search(page) is None


BROKEN_WORKBOOK = b"PK\x03\x04" + b"\x00not a workbook" * 20
BROKEN_WORKBOOK_TEXT = "无法打开该工作簿，请重新另存为 .xlsx。"


def test_a_broken_workbook_is_the_same_coded_error_for_every_upload(app, client, auth, people, fixed_paper):
    """Question bank, bulk registration and a session's roster read files with one reader, and say
    what is wrong with one error: the same code, where and text on every page and in the API."""
    from server.bank import formats
    from server.users import roster

    with pytest.raises(UploadError) as bank_error:
        formats.parse(BROKEN_WORKBOOK, "题库.xlsx")
    with pytest.raises(UploadError) as session_error:
        roster.employee_numbers_in_file(BROKEN_WORKBOOK)
    registration_error = roster.parse_roster(BROKEN_WORKBOOK).error
    assert {(e.code, e.row, e.line, e.column) for e in (bank_error.value, session_error.value, registration_error)} \
        == {("bad_workbook", None, None, None)}

    auth.login("J100")
    pages = {
        "bank": client.submit("/bank/import", {"file": (io.BytesIO(BROKEN_WORKBOOK), "题库.xlsx"), "format": "auto"},
                              content_type="multipart/form-data"),
        "registration": _upload(client, BROKEN_WORKBOOK, "名单.xlsx"),
        "session": client.submit("/sessions/new", {
            "paper_id": fixed_paper.id, "branch_id": people["t_bj"].branch_id,
            "employee_numbers": "", "roster_file": (io.BytesIO(BROKEN_WORKBOOK), "名单.xlsx")},
            content_type="multipart/form-data"),
    }
    for name, response in pages.items():
        assert response.status_code in (200, 400), name  # the form again, never a 500
        assert BROKEN_WORKBOOK_TEXT in response.get_data(as_text=True), name

    raw, _token = issue_token(people["inv_bj"], app.config["API_TOKEN_TTL"])
    commit()
    api = client.post("/api/v1/bank/import", headers={"Authorization": f"Bearer {raw}"},
                      data={"file": (io.BytesIO(BROKEN_WORKBOOK), "题库.xlsx"), "bank": "x"})
    assert api.status_code == 422
    assert api.json["error"] == {"code": "bad_workbook", "message": BROKEN_WORKBOOK_TEXT, "field": "file"}


def test_a_roster_says_already_registered_only_of_people_the_importer_manages(client, auth, people):
    auth.login("J100")  # invigilator at BJ
    rows = [HEADER, ["T100", "海淀老员工", "BJ-HD", "学员"],  # row 2: BJ-HD, theirs
            ["T200", "上海老员工", "BJ-HD", "学员"],           # row 3: registered at SH
            ["99999", "没人用过", "BJ-HD", "学员"]]            # row 4: free
    page = _upload(client, xlsx(rows)).get_data(as_text=True)
    messages = {row: message for row, _column, message in _issues(page)}
    assert "已登记" in messages["2"]
    assert "3" in messages and not any(word in messages["3"] for word in ("已登记", "上海", "SH"))
    assert "4" not in messages
