"""Configuration read from the environment, with defaults that are safe on one machine.

Nothing secret lives in this file: SECRET_KEY is generated once into the instance folder.
"""
from __future__ import annotations

import ipaddress
import os
import secrets
import socket
from datetime import timedelta
from pathlib import Path

# SQLite's synchronous level.  FULL makes every commit reach the disk before it returns, so an
# acknowledged answer survives a power cut as well as a crash of the process.  Live answers are
# committed in groups (one fsync per group), which keeps FULL affordable.
SQLITE_SYNCHRONOUS = "FULL"
SQLITE_BUSY_TIMEOUT_MS = 5000


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path) -> str:
    """Return SECRET_KEY from the environment, else from instance/secret_key (made on first use)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def _listens_everywhere(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def public_base_url(config) -> str:
    """Where the links printed in documents point: EXAMHALL_BASE_URL, else http://HOST:PORT of
    this machine (a host that listens on every interface is named by the machine's name).

    Configuration only: a request's Host header is the sender's to choose, and a document issued
    in the background for one branch must not carry an address another user's request sent."""
    if config.get("EXAMHALL_BASE_URL"):
        return config["EXAMHALL_BASE_URL"]
    host = config.get("EXAMHALL_HOST") or "127.0.0.1"
    if _listens_everywhere(host):
        host = socket.gethostname()
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{config.get('EXAMHALL_PORT') or 5000}"


def from_environment(instance_path: str) -> dict:
    """Build the app's configuration from environment variables."""
    instance = Path(instance_path)
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'examhall.sqlite3'}"
    secure_cookies = _flag("SESSION_COOKIE_SECURE", False)
    return {
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SOCKETIO_MESSAGE_QUEUE": os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None,
        # The public address: verification links printed in documents point there (unset: this
        # machine's own address, public_base_url), and it is then the only websocket origin.
        "EXAMHALL_BASE_URL": (os.environ.get("EXAMHALL_BASE_URL") or "").rstrip("/") or None,
        # Where `python wsgi.py` listens; also the single-machine default of the public address.
        "EXAMHALL_HOST": os.environ.get("EXAMHALL_HOST") or "127.0.0.1",
        "EXAMHALL_PORT": int(os.environ.get("EXAMHALL_PORT") or "5000"),
        # How many reverse proxies in front are trusted for X-Forwarded-For/-Proto/-Host.
        "EXAMHALL_PROXIES": int(os.environ.get("EXAMHALL_PROXIES", "0")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": os.environ.get("SESSION_COOKIE_SAMESITE", "Lax"),
        "SESSION_COOKIE_SECURE": secure_cookies,
        # Redirect HTTP to HTTPS and send Strict-Transport-Security (server/headers.py).
        "EXAMHALL_FORCE_HTTPS": _flag("EXAMHALL_FORCE_HTTPS", False),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=int(os.environ.get("SESSION_HOURS", "12"))),
        "API_TOKEN_TTL": timedelta(hours=int(os.environ.get("API_TOKEN_HOURS", "24"))),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        # Failed logins (server/auth/limits.py): per account and address, per account from
        # anywhere, per address for every account.  An empty value turns that limit off.
        "LOGIN_LIMIT_PER_PAIR": os.environ.get("LOGIN_LIMIT_PER_PAIR", "5 per minute;20 per hour"),
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "100 per hour;300 per day"),
        "LOGIN_LIMIT_PER_ADDRESS": os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "300 per 10 minutes;1000 per hour"),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_MB", "10")) * 1024 * 1024,
        # The live exam: grace after a deadline, how long answers gather into one commit, and
        # how often dashboards get fresh counts while many trainees join.
        "LIVE_GRACE_SECONDS": float(os.environ.get("LIVE_GRACE_SECONDS", "2")),
        "LIVE_GROUP_COMMIT_SECONDS": float(os.environ.get("LIVE_GROUP_COMMIT_SECONDS", "0.02")),
        "LIVE_GROUP_COMMIT_MAX": int(os.environ.get("LIVE_GROUP_COMMIT_MAX", "512")),
        "LIVE_COUNTS_SECONDS": float(os.environ.get("LIVE_COUNTS_SECONDS", "0.5")),
        "LIVE_PROGRESS_SECONDS": float(os.environ.get("LIVE_PROGRESS_SECONDS", "0.5")),
        "LIVE_RECONNECT_GRACE_SECONDS": float(os.environ.get("LIVE_RECONNECT_GRACE_SECONDS", "10")),
        # With several processes: one that has not beaten (every tick) for this long is taken for
        # dead, and its trainees who did not come back elsewhere are marked disconnected.
        "LIVE_PROCESS_TIMEOUT_SECONDS": float(os.environ.get("LIVE_PROCESS_TIMEOUT_SECONDS", "5")),
        # How often, at most, a process re-reads an account to check that a live connection's
        # sign-in still stands (changes made in this process are seen at once).
        "LIVE_IDENTITY_SECONDS": float(os.environ.get("LIVE_IDENTITY_SECONDS", "1")),
        # A Socket.IO message larger than this closes its connection (docs/protocol.md).
        "LIVE_MAX_MESSAGE_BYTES": int(os.environ.get("LIVE_MAX_MESSAGE_BYTES", str(64 * 1024))),
        # Issued PDFs: the organisation printed on them (default: the head office's name), an
        # organisation's own signing identity (PKCS#12; else the instance makes its own authority),
        # a timestamp server for PAdES B-T, and how many processes render and sign a batch.
        "EXAMHALL_ISSUER": os.environ.get("EXAMHALL_ISSUER") or None,
        "EXAMHALL_SIGNING_PKCS12": os.environ.get("EXAMHALL_SIGNING_PKCS12") or None,
        "EXAMHALL_SIGNING_PASSPHRASE": os.environ.get("EXAMHALL_SIGNING_PASSPHRASE") or None,
        "EXAMHALL_TSA_URL": os.environ.get("EXAMHALL_TSA_URL") or None,
        "DOCUMENTS_PROCESSES": int(os.environ.get("DOCUMENTS_PROCESSES") or 0) or None,
        "DOCUMENTS_INLINE": _flag("DOCUMENTS_INLINE", False),
        "DOCUMENTS_AUTO_ISSUE": _flag("DOCUMENTS_AUTO_ISSUE", True),  # when a session ends or is regraded
        # One machine: the server starts a document worker process when it queues a job.  A cluster
        # runs `flask --app wsgi documents worker` services instead and sets this false.
        "DOCUMENTS_START_WORKER": _flag("DOCUMENTS_START_WORKER", True),
        # A worker holds a job while its heartbeat (every few documents) is younger than this;
        # after it, another worker takes the job over.  How often an idle worker looks for jobs.
        "DOCUMENTS_LEASE_SECONDS": float(os.environ.get("DOCUMENTS_LEASE_SECONDS") or 90),
        "DOCUMENTS_POLL_SECONDS": float(os.environ.get("DOCUMENTS_POLL_SECONDS") or 2),
        # Parsing strangers' files runs in worker processes (server/offload.py): how many at once,
        # and each job's wall-time and memory limit.
        "EXAMHALL_OFFLOAD_WORKERS": int(os.environ.get("EXAMHALL_OFFLOAD_WORKERS") or 2),
        "EXAMHALL_OFFLOAD_SECONDS": float(os.environ.get("EXAMHALL_OFFLOAD_SECONDS") or 20),
        "EXAMHALL_OFFLOAD_MEMORY_MB": int(os.environ.get("EXAMHALL_OFFLOAD_MEMORY_MB") or 512),
        "VERIFY_LIMIT": os.environ.get("VERIFY_LIMIT", "30 per minute;300 per hour"),
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("EXAMHALL_TIMEZONE", "Asia/Shanghai"),
        "WTF_CSRF_TIME_LIMIT": None,
    }
