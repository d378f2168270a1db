"""Scripts and styles for a room of thousands loading the exam page at once.

At start-up every file under static/ and the browser libraries of server/vendor.py are copied
into the instance folder under a name that carries a hash of their content (``js/exam.js`` ->
``js/exam.1a2b3c4d5e6f.js``) with a gzip copy beside it.  WhiteNoise serves these ahead of Flask
from a table built once: no per-request work, ``Cache-Control: immutable`` for ten years (a
changed file gets a new name, so a phone fetches each version once) and the gzip copy to every
client that accepts it.  ``url_for('static', ...)`` and ``url_for('vendor.asset', ...)`` produce
the hashed names, so templates need no change.  Files under their plain names are still served
by Flask (source maps, bookmarks), with a short cache.

WhiteNoise answers before Flask, so Talisman's headers are not on these files; the ones that
matter for a script or a stylesheet (nosniff, no framing) are added here.  Pages themselves are
not compressed: they carry CSRF tokens and reflect input, which compression over TLS leaks (BREACH).
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from flask import Flask
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

HASH_LENGTH = 12  # hex digits: 48 bits, plenty to tell one version of a file from another
FOLDER = "static-build"


def hashed_name(name: str, content: bytes) -> str:
    """``js/exam.js`` -> ``js/exam.<hash>.js``: the hash of the content before the last suffix."""
    digest = hashlib.sha256(content).hexdigest()[:HASH_LENGTH]
    path = PurePosixPath(name)
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


class StaticBuild:
    """The hashed copies of one app's files: ``urls[(endpoint, name)]`` is the hashed name to put
    in a URL, ``files[url path]`` the copy on disk that WhiteNoise serves for it."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.names: dict[tuple[str, str], str] = {}
        self.files: dict[str, Path] = {}

    def add(self, endpoint: str, url_prefix: str, name: str, source: Path) -> None:
        content = source.read_bytes()
        hashed = hashed_name(name, content)
        target = self.folder / endpoint / hashed
        if not target.exists():  # content-named: an existing copy is this very content
            _write(target, content)
            if Compressor().should_compress(hashed):
                _write(target.with_name(target.name + ".gz"), Compressor.compress_gzip(content))
        self.names[(endpoint, name)] = hashed
        self.files[f"{url_prefix}/{hashed}"] = target

    def url_defaults(self, endpoint: str, values: dict) -> None:
        """Flask's url_defaults hook: a file we hold is addressed by its hashed name."""
        name = values.get("filename")
        if name is not None:
            values["filename"] = self.names.get((endpoint, name), name)


def _write(target: Path, content: bytes) -> None:
    """Write whole or not at all: other processes of the same server may build at the same time."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".building-")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _static_sources(folder: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            yield path.relative_to(folder).as_posix(), path


def _security_headers(headers, path: str, url: str) -> None:
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"


def init_app(app: Flask) -> StaticBuild:
    """Build the hashed copies, make url_for produce their names, and serve them with WhiteNoise."""
    from server.vendor import ASSETS, NODE_MODULES

    build = StaticBuild(Path(app.instance_path) / FOLDER)
    static_prefix = app.static_url_path.rstrip("/")
    for name, source in _static_sources(Path(app.static_folder)):
        build.add("static", static_prefix, name, source)
    for name, relative in ASSETS.items():
        if not name.endswith(".map") and (NODE_MODULES / relative).is_file():  # maps keep their names
            build.add("vendor.asset", "/vendor", name, NODE_MODULES / relative)
    app.url_defaults(build.url_defaults)
    server = WhiteNoise(app.wsgi_app, allow_all_origins=False, add_headers_function=_security_headers,
                        immutable_file_test=lambda path, url: True)  # every file it holds is content-named
    for url, path in build.files.items():
        server.add_file_to_dictionary(url, str(path))
    app.wsgi_app = server
    app.extensions["static_build"] = build
    return build
