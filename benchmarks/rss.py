"""Peak resident memory of one repository's crawl, in a process of its own.

The parent serves the world and starts `python -m benchmarks.rss SPEC` once per
repository. The child registers the account, stores its starred list, crawls the one
repository into a new `surrealkv` database, and prints what it stored and its own peak
RSS (`VmHWM`), so the fake server's memory is not counted. `ru_maxrss` from `wait4` would
not do: Linux carries the parent's peak into a child started with vfork and exec, and
the parent is large after the other scenarios.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from benchmarks.fakeserver import FakeServerProcess, child_environment
from gitstars.crawler import Crawler
from gitstars.github.client import GitHubClient
from gitstars.settings import Settings
from gitstars.store import Store

LOGIN = "account-1"


@dataclass(frozen=True)
class RssMeasure:
    """Peak RSS of the process that crawled one repository."""

    stargazers: int
    peak_rss_bytes: int


def measure(sizes: list[int]) -> list[RssMeasure]:
    """Crawl each repository of a world of `sizes` in a new process; return each peak RSS."""
    measures = []
    with FakeServerProcess(sizes) as server, tempfile.TemporaryDirectory() as scratch:
        for index in range(len(sizes)):
            spec = {
                "url": server.url,
                "token": server.tokens[LOGIN],
                "full_name": f"{LOGIN}/repo-{index}",
                "db_url": f"surrealkv://{Path(scratch) / f'db-{index}'}",
            }
            child = subprocess.run(
                [sys.executable, "-m", "benchmarks.rss", json.dumps(spec)],
                stdout=subprocess.PIPE,
                env=child_environment(),
                check=False,
            )
            if child.returncode != 0:
                raise RuntimeError(f"the crawl of {spec['full_name']} exited with code {child.returncode}")
            stored = json.loads(child.stdout)
            measures.append(RssMeasure(stored["stargazers"], stored["peak_rss_bytes"]))
    return measures


def peak_rss_bytes(pid: int | str = "self") -> int | None:
    """Return a process's peak resident set size (`VmHWM`), or None once it has exited."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


async def crawl_one(spec: dict[str, str]) -> int:
    """Register the account, sync its starred list, crawl one repository; return its edges."""
    store = await Store.open(Settings(db_url=spec["db_url"]))
    try:
        async with GitHubClient(spec["url"], SecretStr(spec["token"])) as client:
            account = await store.accounts.upsert(await client.get_user(LOGIN))
            async for page in client.iter_starred(LOGIN):
                await store.accounts.sync_starred(account.id, page)
            repos = await store.accounts.repos(account.id, ["pending"])
            (repo,) = [repo for repo in repos if repo.full_name == spec["full_name"]]
            await Crawler(store, client).crawl(repo.github_id)
        return (await store.stats()).edges
    finally:
        await store.close()


if __name__ == "__main__":
    stored = asyncio.run(crawl_one(json.loads(sys.argv[1])))
    print(json.dumps({"stargazers": stored, "peak_rss_bytes": peak_rss_bytes()}))
