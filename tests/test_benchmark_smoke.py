"""The benchmark command at its smoke size: it runs every scenario and prints the table.

Speeds are not asserted: CI machines differ and are shared, so only the output's shape is.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The smoke run took about 25 s on the 2-core build machine, half of it Prefect's API start-up.
TIMEOUT = 300


@pytest.fixture(scope="module")
def smoke(tmp_path_factory) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path_factory.mktemp("prefect-home")),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    environment.pop("PREFECT_API_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def test_smoke_exits_zero(smoke) -> None:
    assert smoke.returncode == 0, smoke.stderr[-3000:]


def test_smoke_prints_header(smoke) -> None:
    assert "scenario" in smoke.stdout
    assert "stargazers/s" in smoke.stdout


def test_smoke_prints_every_row(smoke) -> None:
    for scenario in (
        "ours: cold crawl",
        "ours: re-sync of the unchanged world",
        "ours: 100 ms, 8 tokens",
        "peer: Airbyte source-github",
        "ours: peak RSS",
        "ours: Prefect task run overhead",
    ):
        assert scenario in smoke.stdout, scenario


def test_smoke_prints_targets(smoke) -> None:
    assert "Targets:" in smoke.stdout
    assert "requests / minimum" in smoke.stdout
