"""Examhall's Flask application: create_app() builds it, and nothing runs at import time."""
from __future__ import annotations

import importlib
import os
from pathlib import Path

from flask import Flask
from werkzeug.routing import IntegerConverter

from server import config as config_module
from server.types import MAX_ROW_ID

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MODEL_MODULES = ("server.models", "server.bank.models", "server.papers.models", "server.exams.models",
                 "server.documents.models", "server.tickets.models")


def create_app(config: dict | None = None) -> Flask:
    """Build the app.  ``config`` overrides what the environment says (tests use this).

    The factory imports the features when it builds an app, not at the top of this module:
    every module of the package imports ``server`` first, and most features import each other's
    models through it (flaskr's and microblog's factories do the same)."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("EXAMHALL_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    if config and config.get("INSTANCE_PATH"):
        app.instance_path = config["INSTANCE_PATH"]
    # The instance folder holds the database, keys and uploads: the server's account's alone.
    Path(app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)
    app.config.from_mapping(config_module.from_environment(app.instance_path))
    if config:
        app.config.from_mapping(config)
    _private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    from server import uploads

    uploads.forget_expired(app.instance_path)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(__file__).parent / "translations")
    from server.sessions import SessionInterface

    app.session_interface = SessionInterface()

    _init_extensions(app)
    app.url_map.converters["int"] = RowIdConverter
    _register_blueprints(app)
    proxies = app.config["EXAMHALL_PROXIES"]
    if proxies:
        # Behind a reverse proxy: take the client address (rate limits) and scheme from it.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    from server import access, cli, errors, headers, i18n, offload, static_files
    from server.api import inputs as api_inputs

    offload.configure(offload.Limits.from_config(app.config))

    headers.init_app(app)
    static_files.init_app(app)  # outermost: a hashed script or stylesheet never reaches Flask
    i18n.init_app(app)
    errors.init_app(app)
    access.init_app(app)
    # After the access check: a request's body is read only once its sender may make it.
    api_inputs.init_app(app)
    cli.init_app(app)
    return app


class RowIdConverter(IntegerConverter):
    """``<int:…>`` in every route: at most MAX_ROW_ID, so a larger number is a 404 like any other
    missing row, not an overflow (a 500)."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_ROW_ID, signed=False):
        super().__init__(url_map, fixed_digits, min, max, signed)


def _private_sqlite_file(url: str) -> None:
    """Create a SQLite database file 0600 before SQLite does (it would follow the umask, 0644
    mostly); its journal and WAL files take the database file's permissions."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return
    path = Path(parsed.database)
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def _init_extensions(app: Flask) -> None:
    for module in MODEL_MODULES:  # every table joins db.metadata before the app uses it
        importlib.import_module(module)
    from server.database import configure_engine
    from server.extensions import csrf, db, limiter, login_manager, migrate, socketio

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    from server.auth import loaders

    loaders.init_app(login_manager)
    csrf.init_app(app)
    limiter.init_app(app)
    origin = app.config["EXAMHALL_BASE_URL"]
    socketio.init_app(
        app,
        # Passed explicitly (None = in-process) so that no earlier app's queue is inherited.
        client_manager=_client_manager(app.config["SOCKETIO_MESSAGE_QUEUE"]),
        # None means same-origin only (Origin must match Host); behind a proxy that rewrites Host,
        # EXAMHALL_BASE_URL names the one origin allowed.
        cors_allowed_origins=[origin] if origin else None,
        # A larger message closes its connection (no live event needs more than a few hundred bytes).
        max_http_buffer_size=app.config["LIVE_MAX_MESSAGE_BYTES"],
    )


def _client_manager(url: str | None):
    """The Socket.IO client manager (live.emit: in-process, or a message queue between processes)."""
    from live.emit import client_manager

    return client_manager(url)


def _register_blueprints(app: Flask) -> None:
    from server.api.docs import bp as api_docs_bp
    from server.api.exams import bp as exam_api_bp
    from server.api.people import bp as people_api_bp
    from server.api.results import bp as results_api_bp
    from server.auth.api import bp as auth_api_bp
    from server.auth.controllers import bp as auth_bp
    from server.bank.api import bp as bank_api_bp
    from server.bank.controllers import bp as bank_bp
    from server.branches.controllers import bp as branches_bp
    from server.documents.controllers import bp as documents_bp
    from server.exams.controllers import bp as exams_bp
    from server.exams.live_pages import bp as live_pages_bp
    from server.home import bp as home_bp
    from server.papers.controllers import bp as papers_bp
    from server.tickets.controllers import bp as tickets_bp
    from server.users.controllers import bp as users_bp
    from server.vendor import bp as vendor_bp

    app.register_blueprint(home_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(auth_api_bp)
    app.register_blueprint(branches_bp)
    app.register_blueprint(bank_bp)
    app.register_blueprint(bank_api_bp)
    app.register_blueprint(papers_bp)
    app.register_blueprint(exams_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(live_pages_bp)
    app.register_blueprint(users_bp)
    app.register_blueprint(tickets_bp)
    app.register_blueprint(exam_api_bp)
    app.register_blueprint(people_api_bp)
    app.register_blueprint(results_api_bp)
    app.register_blueprint(api_docs_bp)
    app.register_blueprint(vendor_bp)
    import live

    live.init_app(app)
