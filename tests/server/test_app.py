"""The app factory and its configuration."""
from __future__ import annotations

import os
import stat

from server import create_app
from server.extensions import socketio


def test_socketio_runs_in_gevent_mode_set_explicitly(app):
    assert socketio.async_mode == "gevent"
    assert socketio.server.async_mode == "gevent"


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch, migrated):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = {"SQLALCHEMY_DATABASE_URI": migrated, "INSTANCE_PATH": str(tmp_path)}
    first = create_app(config).config["SECRET_KEY"]
    second = create_app(config).config["SECRET_KEY"]
    key_file = tmp_path / "secret_key"
    assert first == second == key_file.read_text().strip()
    assert len(first) >= 64
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    other = create_app({**config, "INSTANCE_PATH": str(tmp_path / "other")}).config["SECRET_KEY"]
    assert other != first


def test_configuration_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite3")
    monkeypatch.setenv("SOCKETIO_MESSAGE_QUEUE", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("EXAMHALL_BASE_URL", "https://exam.example.cn/")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    from server.config import from_environment

    config = from_environment(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/env.sqlite3"
    assert config["SOCKETIO_MESSAGE_QUEUE"] == "redis://127.0.0.1:6379/0"
    assert config["SECRET_KEY"] == "from-the-environment"
    assert config["EXAMHALL_BASE_URL"] == "https://exam.example.cn"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_SECURE"] is True


def test_defaults_are_safe_on_one_machine(tmp_path, monkeypatch):
    for name in ("DATABASE_URL", "SOCKETIO_MESSAGE_QUEUE", "EXAMHALL_BASE_URL", "SESSION_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    from server.config import from_environment

    config = from_environment(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'examhall.sqlite3'}"
    assert config["SOCKETIO_MESSAGE_QUEUE"] is None
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["SESSION_COOKIE_SECURE"] is False


def test_health_check_touches_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
