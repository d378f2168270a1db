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
    monkeypatch.setenv("LIVE_GRACE_SECONDS", "3.5")
    from server.config import from_environment

    config = from_environment(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/env.sqlite3"
    assert config["SOCKETIO_MESSAGE_QUEUE"] == "redis://127.0.0.1:6379/0"
    assert config["SECRET_KEY"] == "from-the-environment"
    assert config["EXAMHALL_BASE_URL"] == "https://exam.example.cn"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_SECURE"] is True
    assert config["LIVE_GRACE_SECONDS"] == 3.5


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


def test_an_unexpected_error_shows_a_generic_page_or_json_never_a_traceback(make_app):
    from flask import Blueprint

    from server.access import public

    app = make_app(TESTING=False)
    broken = Blueprint("broken", __name__)

    @broken.route("/broken")
    @broken.route("/api/v1/broken")
    @public
    def fail():
        raise ValueError("secret internals")

    app.register_blueprint(broken)
    client = app.test_client()
    page = client.get("/broken")
    assert page.status_code == 500
    assert "服务器出错" in page.get_data(as_text=True) and b"secret internals" not in page.data
    api = client.get("/api/v1/broken")
    assert api.status_code == 500
    assert api.json == {"error": {"code": "server_error", "message": api.json["error"]["message"],
                                  "field": None}}


def test_emits_go_through_redis_when_a_message_queue_is_configured(make_app):
    from socketio import RedisManager

    from tests.services import redis_url

    make_app(SOCKETIO_MESSAGE_QUEUE=redis_url(0))
    try:
        assert isinstance(socketio.server.manager, RedisManager)
    finally:
        make_app()
    assert not isinstance(socketio.server.manager, RedisManager)


def test_the_favicon_is_served_to_anyone(client):
    """Every first page view asks for /favicon.ico: it must not be a 404 (nor need a sign-in)."""
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
        assert response.data.startswith(b"<svg")
    assert 'rel="icon"' in client.get("/login").get_data(as_text=True)
