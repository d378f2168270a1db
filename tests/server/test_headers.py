"""Security headers from Flask-Talisman on every page; results, sheets, one-time passwords and
documents are never cached; no template carries inline code the strict policy would refuse."""
from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa

from server.exams.models import Participant
from server.extensions import db
from tests.builders import answer_and_end

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


def test_every_page_gets_a_strict_policy_and_the_other_headers(client, auth, people):
    for response in (client.get("/login"), client.get("/verify"), client.get("/nowhere")):
        policy = _policy(response)
        assert policy["script-src"] == "script-src 'self'" and policy["style-src"] == "style-src 'self'"
        assert policy["frame-ancestors"] == "frame-ancestors 'none'"
        assert "unsafe" not in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
    assert client.get("/login").status_code == 200  # plain HTTP is served, not redirected, by default


def test_results_sheets_and_passwords_are_never_stored(app, started, client, auth, people):
    answer_and_end(started)
    auth.login("J100")
    pages = [f"/sessions/{started.id}/results", f"/sessions/{started.id}/results.csv",
             f"/sessions/{started.id}/results.xlsx"]
    member = db.session.scalars(sa.select(Participant).where(Participant.session_id == started.id)).first()
    pages.append(f"/sessions/{started.id}/participants/{member.id}")
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
    reset = client.submit(f"/users/{people['t_bj'].id}/reset-password")
    assert reset.status_code == 200 and reset.headers["Cache-Control"] == "no-store"
    assert "no-store" not in (client.get("/login").headers.get("Cache-Control") or "")


def test_no_template_has_inline_scripts_handlers_or_styles():
    inline = re.compile(r"<script(?![^>]*(\ssrc=|type=\"application/json\"))[^>]*>|\son[a-z]+=|\sstyle=|<style")
    found = [f"{path.relative_to(TEMPLATES)}: {match.group(0)}" for path in TEMPLATES.rglob("*.html")
             for match in inline.finditer(path.read_text())]
    assert found == []
