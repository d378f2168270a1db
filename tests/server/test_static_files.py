"""Scripts and styles under content-hashed names, cached for good and sent compressed, through the
real app: what a room of phones loading the exam page at once fetches (server/static_files.py)."""
from __future__ import annotations

import gzip
import re
from pathlib import Path

from flask import url_for

from server.static_files import StaticBuild, hashed_name
from server.vendor import ASSETS, NODE_MODULES

STATIC = Path(__file__).resolve().parents[2] / "static"
ASSET_URL = re.compile(r'(?:src|href)="(/(?:static|vendor)/[^"]+)"')


def _source(url: str) -> Path:
    """The file in the project a hashed URL stands for."""
    prefix, _, name = url.lstrip("/").partition("/")
    plain = re.sub(r"\.[0-9a-f]{12}(\.[a-z]+)$", r"\1", name)
    return STATIC / plain if prefix == "static" else NODE_MODULES / ASSETS[plain]


def _get(client, url: str, **kwargs):
    """The whole response, its file closed (a file response keeps it open until then)."""
    with client.get(url, **kwargs) as response:
        response.get_data()
        return response


def _exam_page(client, auth, started) -> str:
    auth.login("S000")
    response = client.get(f"/exam/{started.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_exam_page_names_every_script_and_style_by_its_content(client, auth, started):
    urls = ASSET_URL.findall(_exam_page(client, auth, started))
    assert {Path(_source(url)).name for url in urls} == {"examhall.css", "page.js", "socket.io.min.js",
                                                                    "exam.js", "favicon.svg"}
    for url in urls:
        source = _source(url)
        assert url.endswith("/" + Path(hashed_name(source.name, source.read_bytes())).name), url


def test_hashed_files_are_cached_for_good_and_sent_gzipped(client, auth, started):
    for url in ASSET_URL.findall(_exam_page(client, auth, started)):
        original = _source(url).read_bytes()
        zipped = _get(client, url, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert zipped.status_code == 200, url
        assert zipped.headers["Cache-Control"] == "max-age=315360000, public, immutable", url
        assert zipped.headers["Content-Encoding"] == "gzip" and zipped.headers["Vary"] == "Accept-Encoding"
        assert gzip.decompress(zipped.data) == original, url
        assert len(zipped.data) < len(original) / 2 or len(original) < 1024, url  # a tiny icon gains little
        assert zipped.headers["X-Content-Type-Options"] == "nosniff"
        kind = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}[Path(url).suffix]
        assert zipped.headers["Content-Type"].startswith(kind), url
        assert "Access-Control-Allow-Origin" not in zipped.headers

        plain = _get(client, url)  # a client that does not accept gzip gets the file itself
        assert "Content-Encoding" not in plain.headers and plain.data == original
        again = _get(client, url, headers={"If-None-Match": zipped.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""

    # Plain names (source maps, old bookmarks) are still served, by Flask, without "immutable".
    response = _get(client, "/static/js/exam.js")
    assert response.status_code == 200 and response.data == (STATIC / "js/exam.js").read_bytes()
    assert "immutable" not in (response.headers.get("Cache-Control") or "")
    assert _get(client, "/static/js/nothing.0123456789ab.js").status_code == 404
    assert _get(client, "/vendor/socket.io.min.js").status_code == 200


def test_a_changed_file_gets_a_new_name_and_both_versions_stay(tmp_path, app):
    source = tmp_path / "a.js"
    build = StaticBuild(tmp_path / "build")
    source.write_text("one();")
    build.add("static", "/static", "js/a.js", source)
    first = build.names[("static", "js/a.js")]
    source.write_text("two();")
    build.add("static", "/static", "js/a.js", source)
    second = build.names[("static", "js/a.js")]
    assert first != second and first.startswith("js/a.") and first.endswith(".js")
    assert (tmp_path / "build/static" / first).read_text() == "one();"  # a page rendered before still loads
    assert (tmp_path / "build/static" / second).read_text() == "two();"
    with app.test_request_context():
        assert url_for("static", filename="js/unknown.js") == "/static/js/unknown.js"
        assert url_for("static", filename="js/exam.js") != "/static/js/exam.js"
