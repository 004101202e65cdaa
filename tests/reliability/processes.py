"""Run `gitstars` in a subprocess that a test can signal or kill, as a user or a crash would.

Each process starts in a new session, so it leads its own process group: Prefect's
ephemeral API server, which the command starts as a child, belongs to that group. A
crash is a SIGKILL to the whole group; a terminal's Ctrl+C is a SIGINT to the group.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# The first flow call of a process starts Prefect's ephemeral API: 8-30 s on 2 cores.
START_TIMEOUT = 240.0
EXIT_TIMEOUT = 120.0


def cli_env(prefect_home: Path, extra: dict[str, str]) -> dict[str, str]:
    """Return the environment of a `gitstars` run with its own Prefect home, offline."""
    env = {
        **os.environ,
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        **extra,
    }
    env.pop("PREFECT_API_URL", None)
    # The test process's own credentials must not leak into the run under test.
    for name in ("GITHUB_TOKEN", "DB_PASS", "DB_USER"):
        if name not in extra:
            env.pop(name, None)
    return env


@dataclass
class CliProcess:
    """A running `gitstars` command whose output goes to files."""

    process: subprocess.Popen[bytes]
    stdout_path: Path
    stderr_path: Path

    @property
    def pid(self) -> int:
        """The process id, which is also its process group id."""
        return self.process.pid

    def stdout(self) -> str:
        """Return everything the command wrote to stdout so far."""
        return self.stdout_path.read_text(errors="replace")

    def stderr(self) -> str:
        """Return everything the command wrote to stderr so far."""
        return self.stderr_path.read_text(errors="replace")

    def wait(self, timeout: float = EXIT_TIMEOUT) -> int:
        """Wait for the command to exit and return its exit code."""
        return self.process.wait(timeout)

    def kill_group(self, number: int = signal.SIGKILL) -> None:
        """Send a signal to the command's whole process group, if it still exists."""
        try:
            os.killpg(self.pid, number)
        except ProcessLookupError:
            pass

    def send(self, number: int) -> None:
        """Send a signal to the command's process only."""
        self.process.send_signal(number)


def start_cli(args: list[str], *, env: dict[str, str], prefect_home: Path, log_dir: Path, name: str) -> CliProcess:
    """Start `python -m gitstars.cli ARGS` in a new session, with output to `log_dir`."""
    log_dir.mkdir(parents=True, exist_ok=True)
    stdout_path = log_dir / f"{name}.stdout"
    stderr_path = log_dir / f"{name}.stderr"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "gitstars.cli", *args],
            env=cli_env(prefect_home, env),
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    return CliProcess(process, stdout_path, stderr_path)


def wait_until(condition: Callable[[], bool], process: CliProcess, timeout: float = START_TIMEOUT) -> bool:
    """Poll `condition` every 2 ms until it holds; False if the process exited first.

    Raises:
        TimeoutError: Neither happened within `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if process.process.poll() is not None:
            return condition()
        time.sleep(0.002)
    raise TimeoutError(f"gitstars (pid {process.pid}) did not reach the condition within {timeout:.0f} s")


def stop_group(process: CliProcess) -> None:
    """Kill what is left of a command's process group and reap the command."""
    process.kill_group(signal.SIGKILL)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
