"""Uploaded files waiting between preview and commit.

A preview never writes to the database; the file waits in the instance folder under a random
token, bound to the user who uploaded it, and the commit reads and checks it again.  Stashes are
the uploader's alone (folders 0700, files 0600) and live an hour: expired ones are removed on any
later stash or load, and when the app starts.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path

from flask import current_app

MAX_AGE_SECONDS = 3600
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _folder(kind: str) -> Path:
    root = Path(current_app.instance_path) / "uploads"
    folder = root / kind
    for path in (root, folder):
        path.mkdir(mode=0o700, exist_ok=True)
    return folder


def _forget_old(folder: Path) -> None:
    cutoff = time.time() - MAX_AGE_SECONDS
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except FileNotFoundError:  # removed meanwhile by another request or process
            pass


def forget_expired(instance_path: str) -> None:
    """Remove every expired stash (at start-up: a preview never committed leaves its file)."""
    root = Path(instance_path) / "uploads"
    if root.is_dir():
        for folder in root.iterdir():
            if folder.is_dir():
                _forget_old(folder)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def stash(kind: str, user_id: int, filename: str, data: bytes) -> str:
    """Keep ``data`` until commit; returns the token that names it."""
    folder = _folder(kind)
    _forget_old(folder)
    token = secrets.token_hex(16)
    _write_private(folder / f"{token}.bin", data)
    _write_private(folder / f"{token}.json", json.dumps({"user_id": user_id, "filename": filename}).encode())
    return token


def load(kind: str, token: str, user_id: int) -> tuple[str, bytes] | None:
    """The (filename, data) stashed under ``token`` by ``user_id``, or None."""
    if not _TOKEN.match(token or ""):
        return None
    folder = _folder(kind)
    _forget_old(folder)
    meta_path, data_path = folder / f"{token}.json", folder / f"{token}.bin"
    if not meta_path.exists() or not data_path.exists():
        return None
    meta = json.loads(meta_path.read_text())
    if meta.get("user_id") != user_id:
        return None
    return meta["filename"], data_path.read_bytes()


def discard(kind: str, token: str) -> None:
    if _TOKEN.match(token or ""):
        folder = _folder(kind)
        (folder / f"{token}.bin").unlink(missing_ok=True)
        (folder / f"{token}.json").unlink(missing_ok=True)
