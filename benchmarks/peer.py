"""The peer: Airbyte's GitHub source reading the `stargazers` stream from the fake GitHub.

`install` puts `airbyte-source-github` into a virtual environment of its own (PyPI is
needed once). `measure` then runs `python -m benchmarks.peer SPEC` inside a new network
namespace with only loopback up, so neither the peer nor the fake server it reads can
reach anything but 127.0.0.1. Inside, the child serves the world, runs `source-github
read` with a catalog of only `stargazers`, counts the RECORD messages it prints, and
reports them with the peer's peak RSS, read from `/proc` while it runs. The peer stores
nothing: its rate is extraction only, while ours includes the database writes.

MeltanoLabs' `tap-github` 1.30.1 cannot take part: it checks each personal token with
`GET https://api.github.com/rate_limit`, a fixed URL whatever `api_url_base` is set to,
so it fails without internet access.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.fakeserver import UNLIMITED, child_environment
from benchmarks.rss import peak_rss_bytes

PACKAGE = "airbyte-source-github==2.7.1"
DEFAULT_VENV = Path(__file__).resolve().parent / ".peer-venv"
INSTALL_TIMEOUT = 1200
RUN_TIMEOUT = 1800
LOGIN = "account-1"


@dataclass(frozen=True)
class PeerMeasure:
    """One run of the peer: records read, timings, requests and peak RSS."""

    stargazers: int
    seconds_to_first_request: float
    extraction_seconds: float
    requests: int
    stargazer_requests: int
    peak_rss_bytes: int

    @property
    def rate(self) -> float:
        """Stargazers read per second, from the peer's first request to its exit."""
        return self.stargazers / self.extraction_seconds if self.extraction_seconds > 0 else 0.0


class PeerUnavailable(RuntimeError):
    """The peer cannot run here; the message gives the reason and the next step."""


def executable(venv: Path) -> Path:
    """Return the `source-github` command of a peer virtual environment."""
    return venv / "bin" / "source-github"


def install(venv: Path = DEFAULT_VENV) -> Path:
    """Create the peer's virtual environment and install the peer, unless it is there.

    Raises:
        PeerUnavailable: the virtual environment or the install failed, for example
            because PyPI cannot be reached.
    """
    command = executable(venv)
    if command.exists():
        return command
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, text=True)
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", PACKAGE],
            check=True,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        shutil.rmtree(venv, ignore_errors=True)
        output = getattr(error, "stderr", None) or ""
        last_line = output.strip().splitlines()[-1] if output.strip() else str(error)
        raise PeerUnavailable(
            f"installing {PACKAGE} into {venv} failed ({last_line}); the peer needs PyPI "
            "once: run `python -m benchmarks --install-peer` where PyPI is reachable"
        ) from error
    return command


def measure(sizes: list[int], latency: float, venv: Path = DEFAULT_VENV) -> PeerMeasure:
    """Run the peer on a world of `sizes` in a loopback-only network namespace.

    Raises:
        PeerUnavailable: the peer is not installed, the namespace cannot be created
            (`unshare` needs root or user namespaces), or the peer failed.
    """
    if not executable(venv).exists():
        raise PeerUnavailable(
            f"the peer is not installed in {venv}: run `python -m benchmarks --install-peer` "
            "where PyPI is reachable"
        )
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        raise PeerUnavailable("`unshare` and `ip` are needed to run the peer in a network namespace")
    spec = {"sizes": sizes, "latency": latency, "venv": str(venv)}
    script = 'ip link set lo up && exec "$0" -m benchmarks.peer "$1"'
    completed = subprocess.run(
        ["unshare", "-n", "sh", "-c", script, sys.executable, json.dumps(spec)],
        env=child_environment(),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    if completed.returncode != 0:
        reason = completed.stderr.strip().splitlines()[-1:] or ["no output"]
        raise PeerUnavailable(f"the peer run failed with code {completed.returncode}: {reason[0]}")
    return PeerMeasure(**json.loads(completed.stdout.strip().splitlines()[-1]))


def _config(url: str, token: str, repositories: list[str]) -> dict[str, Any]:
    return {
        "credentials": {"option_title": "PAT Credentials", "personal_access_token": token},
        "repositories": repositories,
        "api_url": url,
    }


def _catalog() -> dict[str, Any]:
    stream = {"name": "stargazers", "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]}
    return {"streams": [{"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}]}


class _PeakWatcher(threading.Thread):
    """Reads a process's peak RSS every 50 ms until it exits; `peak` is the last value read.

    `VmHWM` only grows, so the value read last misses at most the final 50 ms of growth.
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0

    def run(self) -> None:
        while (peak := peak_rss_bytes(self.pid)) is not None:
            self.peak = max(self.peak, peak)
            time.sleep(0.05)


class _FirstRequest:
    """Wraps the fake server's request counter to note when the first request arrived."""

    def __init__(self, record: Any) -> None:
        self._record = record
        self._lock = threading.Lock()
        self.at: float | None = None

    def __call__(self, *args: Any) -> None:
        with self._lock:
            if self.at is None:
                self.at = time.perf_counter()
        self._record(*args)


def run_inside_namespace(spec: dict[str, Any]) -> dict[str, Any]:
    """Serve the world, run the peer against it, and return what it read and used."""
    from gitstars.fakegithub import FakeGitHub, generate_world

    world = generate_world(1, spec["sizes"], 1)
    repositories = [repo.full_name for repo in world.repos.values() if repo.owner.login == LOGIN]
    command = executable(Path(spec["venv"]))
    with FakeGitHub(world, latency=spec["latency"], rate_limit=UNLIMITED) as server, tempfile.TemporaryDirectory() as scratch:
        first_request = _FirstRequest(server.stats.record)
        server.stats.record = first_request  # type: ignore[method-assign]
        config, catalog = Path(scratch) / "config.json", Path(scratch) / "catalog.json"
        config.write_text(json.dumps(_config(server.url, world.token_for(LOGIN) or "", repositories)))
        catalog.write_text(json.dumps(_catalog()))
        with open(Path(scratch) / "stderr.log", "wb") as stderr:
            started = time.perf_counter()
            peer = subprocess.Popen(
                [str(command), "read", "--config", str(config), "--catalog", str(catalog)],
                stdout=subprocess.PIPE,
                stderr=stderr,
            )
            watcher = _PeakWatcher(peer.pid)
            watcher.start()
            assert peer.stdout is not None
            records = sum(1 for line in peer.stdout if _is_record(line))
            code = peer.wait()
            ended = time.perf_counter()
            watcher.join()
        if code != 0:
            raise RuntimeError(f"source-github exited with code {code}")
        counters = server.counters()
    first = first_request.at if first_request.at is not None else ended
    stargazer_requests = sum(n for (_, kind), n in counters["by_route"].items() if kind == "stargazers")
    return {
        "stargazers": records,
        "seconds_to_first_request": first - started,
        "extraction_seconds": ended - first,
        "requests": counters["total"],
        "stargazer_requests": stargazer_requests,
        "peak_rss_bytes": watcher.peak,
    }


def _is_record(line: bytes) -> bool:
    head = line[:40].replace(b" ", b"")
    return head.startswith(b'{"type":"RECORD"')


if __name__ == "__main__":
    print(json.dumps(run_inside_namespace(json.loads(sys.argv[1]))))
