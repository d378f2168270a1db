"""The trial cluster of deploy/local/cluster.sh for the deploy tests: N server processes and a
document worker behind a real nginx on a fresh PostgreSQL database and Redis.  It runs in the
PostgreSQL pass; nginx or Redis missing skips it, or under CI=true fails it (tests/services.py)."""
from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests import services
from tests.conftest import POSTGRES_SERVER, TEST_DATABASE

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "local" / "cluster.sh"


def _free_port_run(count: int) -> int:
    """The first of ``count`` free neighbouring ports (the script numbers its servers so), below
    the kernel's ephemeral range so that no outgoing connection takes one meanwhile."""
    for _ in range(200):
        first = random.randrange(20000, 32000 - count)
        probes = [socket.socket() for _ in range(count)]
        try:
            for offset, probe in enumerate(probes):
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind
                probe.bind(("127.0.0.1", first + offset))
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
        return first
    raise AssertionError(f"no {count} free neighbouring ports")


class Cluster:
    """A started trial cluster: its address, folder, server ports and the script's environment."""

    def __init__(self, base: str, folder: Path, ports: list[int], env: dict, database: sa.URL):
        self.base, self.dir, self.ports, self.env, self.database = base, folder, ports, env, database
        self.certificate = folder / "tls" / "fullchain.pem"

    def script(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
        return subprocess.run([str(SCRIPT), *args], env=self.env, capture_output=True, text=True, timeout=timeout)

    def pid(self, name: str) -> int:
        return int((self.dir / "pids" / f"{name}.pid").read_text())

    def server_env(self) -> dict:
        """The servers' settings, for a command run against the cluster's database."""
        return {**os.environ, "DATABASE_URL": self.database.render_as_string(hide_password=False),
                "EXAMHALL_INSTANCE_PATH": str(self.dir), "SECRET_KEY": (self.dir / "secret_key").read_text().strip(),
                "DOCUMENTS_START_WORKER": "false"}


@pytest.fixture
def start_cluster(tmp_path):
    """start_cluster(N) -> Cluster; everything it started is stopped by pid and its database
    dropped afterwards."""
    started: list[Cluster] = []

    def start(count: int) -> Cluster:
        if TEST_DATABASE != "postgresql":
            pytest.skip("runs in the PostgreSQL pass of `make test` (the cluster's database)")
        if shutil.which("nginx") is None and not os.access("/usr/sbin/nginx", os.X_OK):
            services.require("nginx", "is not installed (Debian: apt-get install nginx-light)")
        redis = services.redis_url(0).rsplit("/", 1)[0]
        database = sa.make_url(POSTGRES_SERVER).set(database=f"examhall_cluster_{uuid.uuid4().hex[:8]}")
        first = _free_port_run(count + 2)  # the servers', then nginx's https and http ports: none twice
        https, http = first + count, first + count + 1
        folder = tmp_path / f"cluster{len(started)}"
        env = {**os.environ, "CLUSTER_DIR": str(folder), "CLUSTER_REDIS_URL": redis,
               "CLUSTER_DATABASE_URL": database.render_as_string(hide_password=False),
               "CLUSTER_FIRST_PORT": str(first), "CLUSTER_HTTPS_PORT": str(https), "CLUSTER_HTTP_PORT": str(http)}
        cluster = Cluster(f"https://127.0.0.1:{https}", folder, [first + i for i in range(count)], env, database)
        started.append(cluster)
        result = cluster.script("start", str(count), timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        return cluster

    yield start
    for cluster in started:
        cluster.script("stop", timeout=120)
        admin = sa.create_engine(cluster.database.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'drop database if exists "{cluster.database.database}" with (force)'))
        admin.dispose()
