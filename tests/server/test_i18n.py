"""Every user-facing string is translatable, and the Chinese catalog translates all of them."""
from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "server/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _extracted_ids() -> set[str]:
    method_map = [("server/**.py", "python"), ("live/**.py", "python"), ("templates/**.html", "jinja2")]
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def _catalog():
    return read_po(io.BytesIO(CATALOG.read_bytes()))


def test_every_string_in_the_code_has_a_chinese_translation():
    catalog = _catalog()
    extracted = _extracted_ids()
    assert len(extracted) > 100  # the extraction itself works
    translated = {m.id: m.string for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    missing = sorted(extracted - translated.keys())
    assert missing == [], "run `make translations` and translate: " + "; ".join(missing)


def test_translations_keep_their_placeholders():
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]")
    for message in _catalog():
        if message.id and message.string:
            assert sorted(placeholder.findall(message.id)) == sorted(placeholder.findall(message.string)), \
                message.id


def test_pages_default_to_chinese(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "工号" in page and "Employee number" not in page


def test_validation_messages_follow_the_language(client, people):
    client.set_cookie("examhall_lang", "en")
    page = client.submit("/login", {"employee_no": "T100", "password": "wrong"}).get_data(as_text=True)
    assert "Employee number or password is not correct." in page


def test_the_catalog_compiles_without_errors():
    """What `make install` runs: a translation whose placeholders differ would break it."""
    problems = [(message.id, [str(e) for e in errors]) for message, errors in _catalog().check()]
    assert problems == []
