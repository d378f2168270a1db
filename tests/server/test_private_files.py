"""What the server keeps on disk is its own account's alone: the instance folder 0700, a new
SQLite database 0600, stashed uploads 0600 in 0700 folders; stashes expire after an hour and are
removed on any later access and at start-up."""
from __future__ import annotations

import os
import stat
import time
from pathlib import Path

from server import uploads
from server.extensions import db


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_instance_and_its_database_are_private(make_app, tmp_path):
    old_umask = os.umask(0o022)  # the usual umask: files 0644, folders 0755 unless asked otherwise
    try:
        instance = tmp_path / "fresh" / "instance"
        app = make_app(INSTANCE_PATH=str(instance), SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance / 'exam.sqlite3'}")
        with app.app_context():
            with db.engine.begin() as connection:
                connection.exec_driver_sql("CREATE TABLE probe (id INTEGER)")
            db.engine.dispose()
    finally:
        os.umask(old_umask)
    assert _mode(instance) == 0o700
    assert _mode(instance / "exam.sqlite3") == 0o600
    assert all(_mode(p) == 0o600 for p in instance.glob("exam.sqlite3*"))


def test_stashed_uploads_are_private_and_expire(app):
    old = os.umask(0o022)
    try:
        token = uploads.stash("probe", 1, "roster.xlsx", b"data")
    finally:
        os.umask(old)
    folder = Path(app.instance_path) / "uploads" / "probe"
    files = sorted(folder.iterdir())
    assert len(files) == 2 and all(_mode(p) == 0o600 for p in files)
    assert _mode(folder) == 0o700 and _mode(folder.parent) == 0o700
    assert uploads.load("probe", token, 1) == ("roster.xlsx", b"data")

    hour_ago = time.time() - uploads.MAX_AGE_SECONDS - 1
    for path in files:
        os.utime(path, (hour_ago, hour_ago))
    assert uploads.load("probe", token, 1) is None  # expired, and removed by the access itself
    assert list(folder.iterdir()) == []


def test_expired_stashes_are_removed_at_start_up(make_app, tmp_path):
    instance = tmp_path / "restart"
    app = make_app(INSTANCE_PATH=str(instance))
    with app.app_context():
        uploads.stash("probe", 1, "bank.txt", b"old")
        uploads.stash("probe", 1, "bank.txt", b"new")
    stale, fresh = sorted((instance / "uploads" / "probe").glob("*.bin"), key=lambda p: p.read_bytes() != b"old")
    old = time.time() - uploads.MAX_AGE_SECONDS - 1
    for path in stale.parent.glob(stale.stem + ".*"):
        os.utime(path, (old, old))
    make_app(INSTANCE_PATH=str(instance))  # a restart, without any upload afterwards
    assert not stale.exists() and fresh.exists()
