"""Crawl a fake GitHub through gitstars' core: `Store`, `GitHubClient` and `Crawler`.

No Prefect here: each account's repositories are crawled with its own token, at most
`concurrency` repositories at once, each with `prefetch` pages requested ahead.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

from pydantic import SecretStr

from benchmarks.fakeserver import FakeServerProcess
from gitstars.crawler import Crawler, RepoResult
from gitstars.github.client import GitHubClient
from gitstars.models import Account, RepoStatus
from gitstars.settings import Settings
from gitstars.store import Store


@dataclass
class CrawlMeasure:
    """Counts and duration of one crawl of every pending repository."""

    stargazers: int
    seconds: float
    requests: int
    not_modified: int
    quota_spent: int
    statuses: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        """Stargazers persisted per second."""
        return self.stargazers / self.seconds if self.seconds > 0 else 0.0


class CoreRun:
    """A store and one GitHub client per account of a fake server, with the accounts synced.

    Use as an async context manager: entering opens the store, registers each account and
    stores its starred repositories, as `gitstars run` does before it crawls.
    """

    def __init__(
        self, server: FakeServerProcess, db_url: str, *, concurrency: int, prefetch: int
    ) -> None:
        self.server = server
        self.db_url = db_url
        self.concurrency = concurrency
        self.prefetch = prefetch
        self.store: Store | None = None
        self.accounts: list[tuple[Account, GitHubClient]] = []

    async def __aenter__(self) -> CoreRun:
        self.store = await Store.open(Settings(db_url=self.db_url))
        for login, token in sorted(self.server.tokens.items()):
            client = GitHubClient(self.server.url, SecretStr(token))
            self.accounts.append((await self._register(client, login), client))
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for _, client in self.accounts:
            await client.aclose()
        if self.store is not None:
            await self.store.close()

    async def _register(self, client: GitHubClient, login: str) -> Account:
        assert self.store is not None
        account = await self.store.accounts.upsert(await client.get_user(login))
        async for page in client.iter_starred(login):
            await self.store.accounts.sync_starred(account.id, page)
        return account

    async def crawl(self) -> CrawlMeasure:
        """Crawl every pending repository of every account; time it and count requests."""
        self.server.reset()
        started = time.perf_counter()
        per_account = await asyncio.gather(
            *(self._crawl_account(account, client) for account, client in self.accounts)
        )
        seconds = time.perf_counter() - started
        results = [result for results in per_account for result in results]
        counters = self.server.counters()
        return CrawlMeasure(
            stargazers=sum(result.stargazers for result in results),
            seconds=seconds,
            requests=counters.stargazers,
            not_modified=counters.not_modified,
            quota_spent=counters.quota_spent,
            statuses=Counter(result.status for result in results),
        )

    async def resync(self) -> CrawlMeasure:
        """Hand every complete repository back at its last page, then crawl again."""
        assert self.store is not None
        for account, _ in self.accounts:
            await self.store.repos.reopen_for_resync(account.id)
        return await self.crawl()

    async def edges(self) -> int:
        """Return the `starred` edges in the database."""
        assert self.store is not None
        return (await self.store.stats()).edges

    async def _crawl_account(self, account: Account, client: GitHubClient) -> list[RepoResult]:
        assert self.store is not None
        crawler = Crawler(self.store, client, prefetch=self.prefetch)
        repos = await self.store.accounts.repos(account.id, [RepoStatus.PENDING.value])
        slots = asyncio.Semaphore(self.concurrency)

        async def crawl(github_id: int) -> RepoResult:
            async with slots:
                return await crawler.crawl(github_id)

        return list(await asyncio.gather(*(crawl(repo.github_id) for repo in repos)))
