"""Fixtures for end-to-end runs of the `gitstars` command against the fake GitHub."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from gitstars.fakegithub.recorded import ACCOUNT_LOGIN, recorded_world
from gitstars.fakegithub.server import FakeGitHub

# Each CLI run starts Prefect's ephemeral API, which can take 30 s on a loaded machine.
CLI_TIMEOUT = 600


@dataclass
class CliResult:
    """Exit code and output of one `gitstars` run."""

    code: int
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def prefect_home(tmp_path_factory) -> Path:
    """A Prefect home of its own, so runs start from an empty ephemeral database."""
    return tmp_path_factory.mktemp("prefect-home")


@pytest.fixture(scope="session")
def recorded_server():
    """The fake GitHub serving the recorded world, and the account's token."""
    world, token = recorded_world()
    with FakeGitHub(world) as server:
        yield server, world, token


def run_cli(args: list[str], *, env: dict[str, str], prefect_home: Path) -> CliResult:
    """Run `gitstars ARGS` in a subprocess, as a user would."""
    full_env = {
        **os.environ,
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        **env,
    }
    full_env.pop("PREFECT_API_URL", None)
    completed = subprocess.run(
        [sys.executable, "-m", "gitstars.cli", *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
    )
    return CliResult(completed.returncode, completed.stdout, completed.stderr)


__all__ = ["ACCOUNT_LOGIN", "CliResult", "run_cli"]
