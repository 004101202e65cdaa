"""Prefect's overhead per task run: one crawl with and without the `fetch-stargazers` task.

`measure` serves a world of small repositories and runs `python -m benchmarks.prefect_overhead
SPEC` with a Prefect home of its own. The child crawls one half of the repositories with
the core `Crawler`, one at a time, and the other half through the project's
`fetch-stargazers` task inside a flow, one task run at a time. It starts Prefect's
ephemeral API with a flow run before the timed part, so the start-up is not counted.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from benchmarks.fakeserver import FakeServerProcess, child_environment

LOGIN = "account-1"
STARGAZERS_PER_REPO = 100
# Prefect's ephemeral API took 12-30 s to start on 2 cores; this leaves room for a loaded CI.
CHILD_TIMEOUT = 600


@dataclass(frozen=True)
class OverheadMeasure:
    """Seconds per repository with the core crawler and with the Prefect task."""

    task_runs: int
    core_seconds: float
    prefect_seconds: float
    api_start_seconds: float

    @property
    def overhead_per_task_run(self) -> float:
        """Seconds that one task run adds to the crawl of one repository."""
        return (self.prefect_seconds - self.core_seconds) / self.task_runs


def measure(task_runs: int) -> OverheadMeasure:
    """Crawl `task_runs` one-page repositories each way and return the timings."""
    with FakeServerProcess([STARGAZERS_PER_REPO] * (2 * task_runs)) as server, tempfile.TemporaryDirectory() as scratch:
        spec = {"url": server.url, "token": server.tokens[LOGIN], "scratch": scratch, "task_runs": task_runs}
        environment = {
            **child_environment(),
            "PREFECT_HOME": str(Path(scratch) / "prefect-home"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
            "PREFECT_LOGGING_LEVEL": "WARNING",
        }
        environment.pop("PREFECT_API_URL", None)
        completed = subprocess.run(
            [sys.executable, "-m", "benchmarks.prefect_overhead", json.dumps(spec)],
            env=environment,
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT,
        )
    if completed.returncode != 0:
        last_lines = completed.stderr.strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(
            f"the Prefect overhead run exited with code {completed.returncode}: {last_lines[0]}"
        )
    return OverheadMeasure(**json.loads(completed.stdout.strip().splitlines()[-1]))


async def _core(spec: dict[str, Any], repos: list[int]) -> float:
    from gitstars.crawler import Crawler
    from gitstars.github.client import GitHubClient
    from gitstars.settings import Settings
    from gitstars.store import Store

    store = await Store.open(Settings(db_url=f"surrealkv://{Path(spec['scratch']) / 'core-db'}"))
    try:
        async with GitHubClient(spec["url"], SecretStr(spec["token"])) as client:
            account = await store.accounts.upsert(await client.get_user(LOGIN))
            async for page in client.iter_starred(LOGIN):
                await store.accounts.sync_starred(account.id, page)
            crawler = Crawler(store, client)
            started = time.perf_counter()
            for github_id in repos:
                await crawler.crawl(github_id)
            return time.perf_counter() - started
    finally:
        await store.close()


def _prefect(spec: dict[str, Any], repos: list[int]) -> tuple[float, float]:
    from prefect import flow

    from gitstars import runtime
    from gitstars.settings import Settings
    from tasks.stargazers import fetch_stargazers

    settings = Settings(
        db_url=f"surrealkv://{Path(spec['scratch']) / 'prefect-db'}",
        github_api_url=spec["url"],
        github_token=SecretStr(spec["token"]),
    )

    @flow(name="benchmark-start-api")
    async def start_api() -> None:
        shared = runtime.current()
        store = await shared.store()
        client = shared.client_for(shared.settings.github_token, LOGIN)
        account = await store.accounts.upsert(await client.get_user(LOGIN))
        async for page in client.iter_starred(LOGIN):
            await store.accounts.sync_starred(account.id, page)

    @flow(name="benchmark-task-runs")
    async def crawl(account_github_id: int) -> float:
        started = time.perf_counter()
        for github_id in repos:
            await fetch_stargazers(github_id, f"{LOGIN}/{github_id}", account_github_id, LOGIN)
        return time.perf_counter() - started

    async def main() -> tuple[float, float]:
        shared = runtime.configure(settings)
        try:
            started = time.perf_counter()
            await start_api()
            api_start = time.perf_counter() - started
            account = await (await shared.store()).accounts.find(LOGIN)
            assert account is not None
            return await crawl(account.id), api_start
        finally:
            await shared.close()

    return asyncio.run(main())


def run(spec: dict[str, Any]) -> dict[str, Any]:
    """Time the core half, then the Prefect half, of the world's repositories."""
    from gitstars.fakegithub.generate import REPO_FIRST_ID

    task_runs = spec["task_runs"]
    ids = [REPO_FIRST_ID + index for index in range(2 * task_runs)]
    core_seconds = asyncio.run(_core(spec, ids[:task_runs]))
    prefect_seconds, api_start = _prefect(spec, ids[task_runs:])
    return {
        "task_runs": task_runs,
        "core_seconds": core_seconds,
        "prefect_seconds": prefect_seconds,
        "api_start_seconds": api_start,
    }


if __name__ == "__main__":
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    print(json.dumps(run(json.loads(sys.argv[1]))))
