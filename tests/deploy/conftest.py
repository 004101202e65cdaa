"""A local Prefect server on 127.0.0.1, started once for the deployment tests."""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

PROJECT = Path(__file__).resolve().parents[2]
# `prefect server start` answered its health check after 16-30 s on a 2-core machine.
SERVER_START_TIMEOUT = 180


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PrefectServer:
    """A running Prefect server and the environment that points the CLI at it."""

    api_url: str
    env: dict[str, str]

    def prefect(self, *args: str, timeout: float = 300, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """Run the `prefect` command line against this server, from the project folder."""
        return subprocess.run(
            [sys.executable, "-m", "prefect", *args],
            cwd=PROJECT,
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def python(
        self, code: str, timeout: float = 300, extra_env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess:
        """Run a Python snippet with PREFECT_API_URL set to this server."""
        return subprocess.run(
            [sys.executable, "-c", code],
            cwd=PROJECT,
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def _as_postgres_user(command: list[str]) -> list[str]:
    # initdb refuses to run as root, so root runs it as the `postgres` system user.
    if os.geteuid() != 0:
        return command
    return ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(command)]


@pytest.fixture(scope="session")
def prefect_database_url():
    """A PostgreSQL database for the Prefect server, or None to use SQLite.

    On SQLite, Prefect 3.9.1 answered every tag-limited task run's slot request with one
    "database is locked" 503 and a retry about 1.7 s later, so a crawl of 616 repositories
    took over 15 minutes. PostgreSQL, as Prefect recommends for servers, has no such wait.
    """
    binaries = _postgres_bin()
    if binaries is None:
        yield None
        return
    # pytest's temporary folders are private to root, and the postgres user must reach this one.
    parent = Path(tempfile.mkdtemp(prefix="gitstars-postgres-"))
    parent.chmod(0o755)
    data = parent / "data"
    data.mkdir(mode=0o700)
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
    port = free_port()
    subprocess.run(
        _as_postgres_user([str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]),
        check=True, capture_output=True,
    )
    control = [str(binaries / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log")]
    options = f"-h 127.0.0.1 -p {port} -k {data}"
    subprocess.run(_as_postgres_user([*control, "-o", options, "-w", "start"]), check=True, capture_output=True)
    try:
        subprocess.run(
            [str(binaries / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "prefect"],
            check=True, capture_output=True,
        )
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/prefect"
    finally:
        subprocess.run(_as_postgres_user([*control, "-m", "fast", "stop"]), capture_output=True)
        shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory, prefect_database_url):
    """Start `prefect server start` on a free loopback port; stop it after the session."""
    home = tmp_path_factory.mktemp("prefect-server-home")
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": "INFO",
    }
    env.pop("PREFECT_API_URL", None)
    if prefect_database_url:
        env["PREFECT_API_DATABASE_CONNECTION_URL"] = prefect_database_url
    log = open(home / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    api_url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail(f"Prefect server did not start; see {home / 'server.log'}")
        time.sleep(1)
    try:
        yield PrefectServer(api_url, {**env, "PREFECT_API_URL": api_url})
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
