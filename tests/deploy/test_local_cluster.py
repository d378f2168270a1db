"""`make cluster` / `make cluster-stop` (deploy/local/cluster.sh): two server processes and a
document worker behind a real nginx, on PostgreSQL and Redis.  Through nginx's TLS: a sign-in,
the websocket, and each browser kept on one server by its cookie; the stop ends every process
by its pid."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import requests
import socketio

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "local" / "cluster.sh"
DEMO_PASSWORD = "examhall-demo"


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
def cluster(start_cluster):
    started = start_cluster(2)
    return {"base": started.base, "dir": started.dir, "ports": tuple(started.ports), "env": started.env}


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
