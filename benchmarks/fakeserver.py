"""The fake GitHub in a process of its own, so that serving pages does not share our GIL.

`python -m benchmarks.fakeserver '{"seed": 1, "sizes": [100], "accounts": 1, "latency": 0}'`
builds a generated world, serves it on 127.0.0.1 and prints one JSON line with its URL and
tokens. It then reads commands on standard input, one per line, and replies to each with
a JSON line: `counters` (requests by route kind and status), `reset` (counters to zero) and
`quit`. `FakeServerProcess` runs it and sends the commands.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitstars.fakegithub import FakeGitHub, generate_world

# The folder that contains `benchmarks` and `gitstars`, for the child's import path.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Large enough that the primary rate limit never interferes with a measurement; the quota
# a run spends is counted from the requests instead.
UNLIMITED = 1_000_000_000


@dataclass(frozen=True)
class Counters:
    """Requests the server responded to since the last reset."""

    total: int
    stargazers: int
    not_modified: int
    by_status: dict[int, int]

    @property
    def quota_spent(self) -> int:
        """Requests that count against GitHub's primary limit: all but the 304s."""
        return self.total - self.not_modified


class FakeServerProcess:
    """A fake GitHub serving a generated world from a child process.

    Args:
        sizes: stargazer count of each repository.
        accounts: number of accounts; repository `i` belongs to account `i % accounts + 1`.
        latency: seconds added to each stargazers response.
        seed: seed of the generated world.
    """

    def __init__(self, sizes: list[int], *, accounts: int = 1, latency: float = 0.0, seed: int = 1) -> None:
        self.spec = {"seed": seed, "sizes": sizes, "accounts": accounts, "latency": latency}
        self._process: subprocess.Popen[str] | None = None
        self.url = ""
        self.tokens: dict[str, str] = {}

    def __enter__(self) -> FakeServerProcess:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.fakeserver", json.dumps(self.spec)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=child_environment(),
        )
        started = self._read()
        self.url, self.tokens = started["url"], started["tokens"]
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._process is None:
            return
        try:
            self._send("quit")
            self._process.wait(timeout=10)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            self._process.kill()
            self._process.wait()
        self._process = None

    def counters(self) -> Counters:
        """Return the request counters of the server."""
        answer = self._send("counters")
        return Counters(
            total=answer["total"],
            stargazers=answer["stargazers"],
            not_modified=answer["not_modified"],
            by_status={int(status): number for status, number in answer["by_status"].items()},
        )

    def reset(self) -> None:
        """Set the server's request counters to zero."""
        self._send("reset")

    def _send(self, command: str) -> dict[str, Any]:
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.write(command + "\n")
        self._process.stdin.flush()
        return self._read()

    def _read(self) -> dict[str, Any]:
        assert self._process is not None and self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the fake GitHub process exited with code {self._process.wait()}")
        return json.loads(line)


def child_environment() -> dict[str, str]:
    """Return this process's environment with the project on the import path."""
    paths = [str(PROJECT_ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def _counters(server: FakeGitHub) -> dict[str, Any]:
    snapshot = server.counters()
    stargazers = sum(number for (_, kind), number in snapshot["by_route"].items() if kind == "stargazers")
    return {
        "total": snapshot["total"],
        "stargazers": stargazers,
        "not_modified": snapshot["not_modified"],
        "by_status": {str(status): number for status, number in snapshot["by_status"].items()},
    }


def serve(spec: dict[str, Any]) -> None:
    """Serve the world of `spec` and run commands from standard input until `quit`."""
    world = generate_world(spec["seed"], spec["sizes"], spec["accounts"])
    tokens = {login: token for token, login in world.tokens.items()}
    with FakeGitHub(world, latency=spec["latency"], rate_limit=UNLIMITED) as server:
        print(json.dumps({"url": server.url, "tokens": tokens}), flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "counters":
                answer: dict[str, Any] = _counters(server)
            elif command == "reset":
                server.reset_counters()
                answer = {}
            elif command == "quit":
                print("{}", flush=True)
                return
            else:
                answer = {"error": f"unknown command {command!r}: use counters, reset or quit"}
            print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    serve(json.loads(sys.argv[1]))
