"""Tests of `python -m gitstars.fakegithub serve`."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from gitstars.fakegithub.__main__ import main


def start_serve(*arguments: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "gitstars.fakegithub", "serve", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_serve_generated_prints_json(processes: list[subprocess.Popen[str]]) -> None:
    process = start_serve("--world", "generated", "--seed", "3", "--repos", "2", "--accounts", "2")
    processes.append(process)
    announced = json.loads(process.stdout.readline())  # type: ignore[union-attr]
    token = announced["tokens"]["account-2"]
    response = httpx.get(f"{announced['url']}/user", headers={"Authorization": f"Bearer {token}"})
    process.send_signal(signal.SIGTERM)
    assert announced["url"].startswith("http://127.0.0.1:")
    assert set(announced["tokens"]) == {"account-1", "account-2"}
    assert response.json()["login"] == "account-2"
    assert process.wait(timeout=10) == 0


def test_serve_recorded_restriction(processes: list[subprocess.Popen[str]]) -> None:
    process = start_serve("--world", "recorded", "--restriction", "403", "--latency", "0")
    processes.append(process)
    announced = json.loads(process.stdout.readline())  # type: ignore[union-attr]
    token = announced["tokens"]["u4575f3f64e"]
    response = httpx.get(
        f"{announced['url']}/repos/requests/requests/stargazers",
        headers={"Authorization": f"Bearer {token}"},
    )
    process.send_signal(signal.SIGINT)
    assert response.status_code == 403
    assert process.wait(timeout=10) == 0


def test_serve_rejects_public_host(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--host", "0.0.0.0"])
    assert exited.value.code == 2
    assert "not a loopback address" in capsys.readouterr().err


def test_serve_rejects_invalid_restriction(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--restriction", "451"])
    assert "invalid restriction" in capsys.readouterr().err
