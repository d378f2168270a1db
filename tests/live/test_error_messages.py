"""Every error code the live protocol can answer (docs/protocol.schema.json) has words for the
person who meets it, in Chinese and in English; the pages hand them to the live scripts, which
never show a code."""
from __future__ import annotations

import json
import re
from pathlib import Path

from flask_babel import force_locale

from live.messages import ERROR_MESSAGES

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "protocol.schema.json"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _codes(node, under_code: bool = False) -> set[str]:
    found = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "enum" and under_code:
                found.update(value)
            found |= _codes(value, under_code or key == "code")
    elif isinstance(node, list):
        for value in node:
            found |= _codes(value, under_code)
    return found


def test_every_protocol_error_code_has_words_in_chinese_and_english(app):
    codes = _codes(json.loads(SCHEMA.read_text()))
    assert {"no_more_questions", "removed", "late"} <= codes  # the walk found the codes
    assert codes - set(ERROR_MESSAGES) == set(), "add these to live/messages.py"
    for code in codes:
        with app.test_request_context(), force_locale("zh_CN"):
            chinese = str(ERROR_MESSAGES[code])
        with app.test_request_context(), force_locale("en"):
            english = str(ERROR_MESSAGES[code])
        assert CJK.search(chinese) and not CJK.search(english) and chinese != english, code


def test_the_live_pages_hand_the_words_to_their_scripts(client, auth, people, started):
    auth.login("J100")
    page = client.get(f"/sessions/{started.id}/live").get_data(as_text=True)
    texts = json.loads(re.search(r'<script type="application/json" id="live-texts">(.*?)</script>', page, re.S)
                       .group(1))
    assert texts["error_no_more_questions"] == "这是最后一题。所有人答完后请结束考试。"
    assert all(f"error_{code}" in texts for code in ERROR_MESSAGES)
