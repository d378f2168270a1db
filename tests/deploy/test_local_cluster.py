"""`make cluster` / `make cluster-stop` (deploy/local/cluster.sh): two server processes and a
document worker behind a real nginx, on PostgreSQL and Redis.  Through nginx's TLS: a sign-in,
the websocket, and each browser kept on one server by its cookie; the stop ends every process
by its pid."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import uuid
from pathlib import Path

import pytest
import requests
import socketio
import sqlalchemy as sa

from tests import services
from tests.conftest import POSTGRES_SERVER, TEST_DATABASE

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "local" / "cluster.sh"
DEMO_PASSWORD = "examhall-demo"


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def _login(base: str, employee_no: str, certificate: Path) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would replace the certificate below
    session.verify = str(certificate)  # the trial cluster's self-signed certificate
    page = session.get(f"{base}/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'<meta name="csrf-token" content="([^"]+)"', page)
    response = session.post(f"{base}/login", allow_redirects=False, headers={"Referer": f"{base}/login"}, data={
        "employee_no": employee_no, "password": DEMO_PASSWORD, "csrf_token": token.group(1)})
    assert response.status_code == 302, response.text[:500]
    return session


@pytest.fixture
def cluster(tmp_path):
    if TEST_DATABASE != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of `make test` (the cluster's database)")
    if shutil.which("nginx") is None and not os.access("/usr/sbin/nginx", os.X_OK):
        services.require("nginx", "is not installed (Debian: apt-get install nginx-light)")
    redis = services.redis_url(0).rsplit("/", 1)[0]
    database = sa.make_url(POSTGRES_SERVER).set(database=f"examhall_cluster_{uuid.uuid4().hex[:8]}")
    first, second, https, http = _free_ports(4)
    if second != first + 1:
        first, second = _free_port_pair()
    env = {**os.environ, "CLUSTER_DIR": str(tmp_path / "cluster"), "CLUSTER_REDIS_URL": redis,
           "CLUSTER_DATABASE_URL": database.render_as_string(hide_password=False),
           "CLUSTER_FIRST_PORT": str(first), "CLUSTER_HTTPS_PORT": str(https), "CLUSTER_HTTP_PORT": str(http)}
    started = subprocess.run([str(SCRIPT), "start", "2"], env=env, capture_output=True, text=True, timeout=300)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        yield {"base": f"https://127.0.0.1:{https}", "dir": tmp_path / "cluster", "ports": (first, second),
               "env": env}
    finally:
        subprocess.run([str(SCRIPT), "stop"], env=env, capture_output=True, text=True, timeout=120)
        admin = sa.create_engine(database.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'drop database if exists "{database.database}" with (force)'))
        admin.dispose()


def _free_port_pair() -> tuple[int, int]:
    for _ in range(50):
        (port,) = _free_ports(1)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port, port + 1
    raise AssertionError("no two free neighbouring ports")


def test_the_local_cluster_serves_through_nginx_and_stops_by_pid(cluster):
    base = cluster["base"]
    certificate = cluster["dir"] / "tls" / "fullchain.pem"
    pids = {path.stem: int(path.read_text()) for path in (cluster["dir"] / "pids").glob("*.pid")}
    assert sorted(pids) == sorted(["nginx", "documents-worker"] + [f"server-{p}" for p in cluster["ports"]])
    assert all(_alive(pid) for pid in pids.values()), pids

    trainee = _login(base, "T10001", certificate)  # through nginx's TLS, on whichever server its cookie picked
    node = trainee.cookies.get("examhall_node")
    assert node, "nginx set no examhall_node cookie"
    for _ in range(5):
        assert trainee.get(f"{base}/").status_code == 200
    log = (cluster["dir"] / "logs" / "nginx-access.log").read_text().splitlines()
    upstreams = {line.split("upstream=")[1].split()[0] for line in log if f"node={node}" in line}
    assert len(upstreams) == 1, upstreams  # one browser, one server

    cookie = "; ".join(f"{name}={value}" for name, value in trainee.cookies.items())
    client = socketio.Client(http_session=trainee)  # its certificate, through nginx's TLS
    client.connect(base, headers={"Cookie": cookie}, namespaces=["/live"], transports=["websocket"],
                   wait_timeout=10)
    try:
        me = client.call("whoami", namespace="/live", timeout=10)
        assert me["ok"] and me["employee_no"] == "T10001"
    finally:
        client.disconnect()

    stopped = subprocess.run([str(SCRIPT), "stop"], env=cluster["env"], capture_output=True, text=True,
                             timeout=120)
    assert stopped.returncode == 0, stopped.stderr
    assert not any(_alive(pid) for pid in pids.values()), {n: p for n, p in pids.items() if _alive(p)}
    assert not list((cluster["dir"] / "pids").glob("*.pid"))
