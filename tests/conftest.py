"""Fixtures: a real database (SQLite file, or PostgreSQL with EXAMHALL_TEST_DATABASE=postgresql),
migrated once per run; each test gets its own app and instance folder, and the tables are emptied
after it.  Builders (make_branch, make_user) create real rows through the project's operations.
Services some tests need (PostgreSQL here, Redis, Chromium, poppler) are found by tests/services.py.
"""
from __future__ import annotations

import gc
import os
import re
import uuid
from contextlib import contextmanager

import gevent
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from server import create_app
from server.auth import passwords
from server.bank import formats
from server.bank.operations import import_into
from server.database import commit
from server.exams import operations as exams
from server.extensions import db
from server.models import Branch, BranchKind, Role, User
from server.papers import operations as papers
from tests import services
from tests.builders import BANK_TEXT
from tests.services import pytest_terminal_summary  # noqa: F401  (the hook: which services were missing)

PASSWORD = "correct-horse-7"
TEST_DATABASE = os.environ.get("EXAMHALL_TEST_DATABASE", "sqlite")
POSTGRES_SERVER = os.environ.get("EXAMHALL_TEST_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test")
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if TEST_DATABASE == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'examhall-test.sqlite3'}"
        return
    if TEST_DATABASE != "postgresql":
        pytest.exit(f"unknown EXAMHALL_TEST_DATABASE={TEST_DATABASE!r}", returncode=4)
    server = sa.make_url(POSTGRES_SERVER)
    name = f"examhall_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        # Session scope: the skip (or failure) is remembered, so every test on the database gets it.
        services.require("PostgreSQL", f"is not reachable at {server.render_as_string()} ({exc.orig or exc})")
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated(database_url, tmp_path_factory):
    """The schema, built by the Alembic migrations (not create_all), once per run."""
    from flask_migrate import upgrade

    app = create_app(_test_config(database_url, tmp_path_factory.mktemp("migrate")))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


def fresh(obj):
    """``obj`` reloaded from the database (requests run in their own sessions)."""
    db.session.refresh(obj)
    return obj


def _test_config(database_url: str, instance) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret-key",
        # Sessions that end in other tests issue no PDFs; tests/server/documents turns this on.
        "DOCUMENTS_AUTO_ISSUE": False,
    }


class Client(FlaskClient):
    """A test client that fills in the CSRF token the way a browser form would.

    Each request runs in its own app context, as in production: ``g`` and the database session
    are not shared with the test's own context (which holds the builders' objects).
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        page = self.get("/login", follow_redirects=True).get_data(as_text=True)
        match = CSRF_META.search(page)
        assert match, "no csrf-token meta tag on the page"
        return match.group(1)

    def submit(self, url: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data["csrf_token"] = self.csrf_token()
        return self.post(url, data=data, **kwargs)


@pytest.fixture
def make_app(migrated, tmp_path):
    """Build extra apps on the test database (``overrides`` on top of the test config); their
    connections are closed when the test ends."""
    apps = []

    def make(**overrides):
        app = create_app({**_test_config(migrated, tmp_path / f"instance-{len(apps)}"), **overrides})
        app.test_client_class = Client
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def _stop_greenlets() -> None:
    """Stop the greenlets a test left behind: the answer writer, the dashboards' delayed counts and
    progress, the deadline ticker.  Left running they act in the next test, whose app shares the
    one Socket.IO server and whose sessions reuse the same ids."""
    if not gevent.get_hub().loop.activecnt:  # nothing scheduled: an idle writer waits for nothing
        return
    gevent.killall([g for g in gc.get_objects() if isinstance(g, gevent.Greenlet) and not g.dead], timeout=10)


@contextmanager
def serving(app):
    """``app``'s context for one test; afterwards its greenlets are stopped and the tables emptied."""
    with app.app_context():
        yield app
        _stop_greenlets()
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def app(make_app):
    with serving(make_app()) as app:
        yield app


@pytest.fixture
def client(app) -> Client:
    return app.test_client()


@pytest.fixture
def make_branch(app):
    def make(code: str, parent: Branch | None = None, kind: BranchKind | None = None,
             name: str | None = None) -> Branch:
        from server.branches.operations import create_branch
        from server.database import commit

        if kind is None:
            kind = BranchKind.HEAD_OFFICE if parent is None else list(BranchKind)[parent.kind_enum.rank + 1]
        branch = create_branch(code, name or f"{code} 机构", kind.value, parent)
        commit()  # operations flush; requests in the test run in their own sessions
        return branch

    return make


@pytest.fixture
def org(make_branch):
    """Head office HQ with branches BJ (sub-branch BJ-HD) and SH."""
    hq = make_branch("HQ", name="总行")
    bj = make_branch("BJ", hq, name="北京分行")
    sh = make_branch("SH", hq, name="上海分行")
    haidian = make_branch("BJ-HD", bj, name="海淀支行")
    return {"HQ": hq, "BJ": bj, "SH": sh, "BJ-HD": haidian}


@pytest.fixture
def make_user(app):
    def make(employee_no: str, branch: Branch, role: Role = Role.TRAINEE, password: str = PASSWORD,
             name: str | None = None, must_change_password: bool = False, active: bool = True) -> User:
        user = User(employee_no=employee_no, name=name or f"用户{employee_no}", branch=branch,
                    role=role.value, password_hash=passwords.hash_password(password),
                    must_change_password=must_change_password, active=active)
        db.session.add(user)
        db.session.commit()
        return user

    return make


class Auth:
    def __init__(self, client: Client):
        self.client = client

    def login(self, employee_no: str, password: str = PASSWORD, **kwargs):
        return self.client.submit("/login", {"employee_no": employee_no, "password": password}, **kwargs)

    def logout(self):
        return self.client.submit("/logout")


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


@pytest.fixture
def people(org, make_user):
    """An admin at HQ, an invigilator at BJ and one at SH, trainees at BJ-HD and SH."""
    return {
        "admin": make_user("A001", org["HQ"], Role.ADMIN),
        "inv_bj": make_user("J100", org["BJ"], Role.INVIGILATOR),
        "inv_sh": make_user("J200", org["SH"], Role.INVIGILATOR),
        "t_bj": make_user("T100", org["BJ-HD"]),
        "t_sh": make_user("T200", org["SH"]),
    }


# --- papers and sessions (tests/server, tests/live, tests/browser) -----------------------------------


@pytest.fixture
def bank(app, org):
    result = formats.parse(BANK_TEXT.encode(), "bank.txt")
    bank = import_into(None, "测试题库", org["HQ"], result, "bank.txt").bank
    commit()
    return bank


@pytest.fixture
def fixed_paper(bank, people):
    from server.bank.models import Question
    from server.extensions import db

    paper = papers.create_paper(people["inv_bj"], people["inv_bj"].branch, papers.PaperSettings(
        name="柜员测试", multi_rule="partial", points_judge="1", points_single="2", points_multi="3"))
    ids = list(db.session.scalars(db.select(Question.id).where(Question.bank_id == bank.id).order_by(Question.id)))
    papers.set_questions(paper, ids)
    commit()
    return paper


@pytest.fixture
def make_trainees(org, make_user):
    def make(count: int, branch="BJ-HD", prefix="S"):
        return [make_user(f"{prefix}{n:03d}", org[branch]) for n in range(count)]

    return make


@pytest.fixture
def started(fixed_paper, people, make_trainees):
    """A running paced session of the fixed paper with 4 trainees (3 at BJ-HD, 1 at SH)."""
    from server.extensions import db
    from server.models import utcnow

    roster = make_trainees(3) + make_trainees(1, "SH", "H")
    session = exams.create_session(people["inv_bj"], fixed_paper, "", "paced", roster)
    exams.freeze(session)
    session.status, session.started_at = "running", utcnow()
    db.session.commit()
    return session
