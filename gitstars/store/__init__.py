"""The SurrealDB store: schema, connections, accounts, repo claims and pages, statistics."""

from __future__ import annotations

from gitstars.settings import DatabaseSettings
from gitstars.store.accounts import AccountRepo, Accounts
from gitstars.store.changefeed import AccountChange, AccountFeed
from gitstars.store.connection import QueryRunner, StoreError, open_runner
from gitstars.store.repos import Claim, ClaimLostError, RepoWork
from gitstars.store.schema import apply_schema
from gitstars.store.stats import Stats, account_stats, system_stats


class Store:
    """Everything gitstars reads and writes, over one query runner."""

    def __init__(self, runner: QueryRunner, settings: DatabaseSettings) -> None:
        self.runner = runner
        self.settings = settings
        self.accounts = Accounts(runner)
        self.repos = RepoWork(runner)
        self.feed = AccountFeed(runner)

    @classmethod
    async def open(cls, settings: DatabaseSettings) -> Store:
        """Connect with these settings and apply the schema."""
        runner = await open_runner(settings)
        try:
            await apply_schema(runner)
        except BaseException:
            await runner.close()
            raise
        return cls(runner, settings)

    async def stats(self) -> Stats:
        """Return statistics over the whole database."""
        return await system_stats(self.runner)

    async def account_stats(self, account_github_id: int) -> Stats:
        """Return statistics over the repositories one account starred."""
        return await account_stats(self.runner, account_github_id)

    async def close(self) -> None:
        """Close the connection or pool."""
        await self.runner.close()


__all__ = [
    "AccountChange",
    "AccountFeed",
    "AccountRepo",
    "Accounts",
    "Claim",
    "ClaimLostError",
    "RepoWork",
    "Stats",
    "Store",
    "StoreError",
]
