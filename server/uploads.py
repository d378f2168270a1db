"""Uploaded files waiting between preview and commit.

A preview never writes to the database; the file waits in the instance folder under a random
token, bound to the user who uploaded it, and the commit reads and checks it again.
"""
from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path

from flask import current_app

MAX_AGE_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _folder(kind: str) -> Path:
    folder = Path(current_app.instance_path) / "uploads" / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _forget_old(folder: Path) -> None:
    cutoff = time.time() - MAX_AGE_SECONDS
    for path in folder.iterdir():
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def stash(kind: str, user_id: int, filename: str, data: bytes) -> str:
    """Keep ``data`` until commit; returns the token that names it."""
    folder = _folder(kind)
    _forget_old(folder)
    token = secrets.token_hex(16)
    (folder / f"{token}.bin").write_bytes(data)
    (folder / f"{token}.json").write_text(json.dumps({"user_id": user_id, "filename": filename}))
    return token


def load(kind: str, token: str, user_id: int) -> tuple[str, bytes] | None:
    """The (filename, data) stashed under ``token`` by ``user_id``, or None."""
    if not _TOKEN.match(token or ""):
        return None
    folder = _folder(kind)
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
