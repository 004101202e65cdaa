"""Helpers of the reliability tests: seed a store from a fake world, crawl, compare.

The fake GitHub's `World` is the ground truth. These helpers put an account and its
starred repositories into a store the way `gitstars run` would, crawl them with the core
classes (no Prefect), and compare the database with the world.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr

from gitstars.crawler import Crawler, RepoResult
from gitstars.fakegithub import Repo, World
from gitstars.github.client import GitHubClient
from gitstars.models import GitHubUser, Repository, StarredRepository
from gitstars.store import Store

# The GitHub client's page size in these tests, as in production.
PER_PAGE = 100


def timestamp(epoch_seconds: int) -> datetime:
    """Return a world timestamp (epoch seconds) as the aware datetime the store returns."""
    return datetime.fromtimestamp(epoch_seconds, UTC)


def world_stars(repo: Repo) -> list[tuple[int, int]]:
    """Return the repository's stars as `(user_id, starred_at)`, in list order."""
    return repo.stargazers.slice(0, len(repo.stargazers))


def pages_of(size: int, per_page: int = PER_PAGE) -> int:
    """Return the pages a list of `size` items takes; an empty list still takes one."""
    return max(1, -(-size // per_page))


def expected_edges(world: World, repo_ids: Iterable[int]) -> dict[tuple[int, int], datetime]:
    """Return `(user_id, repo_id) -> starred_at` for every star of the given repositories."""
    edges = {}
    for github_id in repo_ids:
        for user_id, starred_at in world_stars(world.repos[github_id]):
            edges[(user_id, github_id)] = timestamp(starred_at)
    return edges


def listed_name(repo: Repo) -> str:
    """Return the name a starred list shows: the old one of a renamed repository."""
    return repo.listed_as or repo.full_name


def starred_item(world: World, repo: Repo) -> StarredRepository:
    """Build the starred-list item of a world repository, as the client would parse it."""
    listed = listed_name(repo)
    owner_login = listed.split("/", 1)[0]
    owner = world.user_by_login(owner_login) or repo.owner
    return StarredRepository(
        starred_at=None,
        repo=Repository(
            id=repo.id,
            full_name=listed,
            owner=GitHubUser(id=owner.id, login=owner.login),
            stargazers_count=len(repo.stargazers),
        ),
    )


async def seed_account(store: Store, world: World, login: str, repo_ids: Iterable[int]) -> int:
    """Store the account `login` and its starred repositories as pending; return its id."""
    user = world.user_by_login(login)
    assert user is not None, f"no user {login!r} in the world"
    await store.accounts.upsert(GitHubUser(id=user.id, login=user.login))
    items = [starred_item(world, world.repos[github_id]) for github_id in repo_ids]
    await store.accounts.sync_starred(user.id, items)
    return user.id


def make_client(url: str, token: str | None, **options: Any) -> GitHubClient:
    """Build a GitHub client for the fake server, with `options` passed on."""
    return GitHubClient(url, SecretStr(token) if token is not None else None, **options)


async def crawl_all(
    crawler: Crawler, repo_ids: Iterable[int], concurrency: int = 8
) -> list[RepoResult | BaseException]:
    """Crawl every repository with at most `concurrency` at once, as the flow does.

    Each crawl runs in its own task, so each gets its own request meter. Errors are
    returned in place of results, so one failing repository does not stop the others.
    """
    slots = asyncio.Semaphore(concurrency)

    async def crawl(github_id: int) -> RepoResult:
        async with slots:
            return await crawler.crawl(github_id)

    return await asyncio.gather(*(crawl(github_id) for github_id in repo_ids), return_exceptions=True)


async def stored_edges(store: Store) -> dict[tuple[int, int], datetime | None]:
    """Return every `starred` edge as `(user_id, repo_id) -> starred_at`."""
    (rows,) = await store.runner.query(
        "SELECT record::id(in) AS user, record::id(out) AS repo, starred_at FROM starred;"
    )
    return {(row["user"], row["repo"]): row.get("starred_at") for row in rows}


async def edge_count(store: Store) -> int:
    """Return the number of `starred` records, counted by the database."""
    (count,) = await store.runner.query("RETURN count(SELECT id FROM starred);")
    return int(count or 0)


async def repo_rows(store: Store) -> dict[int, dict[str, Any]]:
    """Return every `repo` record by GitHub id."""
    (rows,) = await store.runner.query("SELECT *, record::id(id) AS github_id FROM repo;")
    return {row["github_id"]: row for row in rows}


async def user_logins(store: Store) -> dict[int, str]:
    """Return every `github_user` login by GitHub id."""
    (rows,) = await store.runner.query("SELECT record::id(id) AS github_id, login FROM github_user;")
    return {row["github_id"]: row["login"] for row in rows}


def edges_by_repo(edges: Iterable[tuple[int, int]]) -> dict[int, set[int]]:
    """Group `(user_id, repo_id)` pairs into `repo_id -> {user_id}`."""
    grouped: dict[int, set[int]] = {}
    for user, repo in edges:
        grouped.setdefault(repo, set()).add(user)
    return grouped


async def consistency_problems(store: Store) -> list[str]:
    """List what breaks the store's invariants; an empty list means consistent.

    Checked: no repo is left `processing`, the `starred` count matches the distinct
    `(user, repo)` pairs, and each repo's edges match its `stargazers_fetched`. The last
    check assumes no user appears on two pages of one list, which holds for fake worlds
    that do not change during the crawl.
    """
    problems = []
    rows = await repo_rows(store)
    edges = await stored_edges(store)
    if await edge_count(store) != len(edges):
        problems.append(f"{await edge_count(store)} starred records but {len(edges)} distinct pairs")
    grouped = edges_by_repo(edges)
    for github_id, row in sorted(rows.items()):
        if row["status"] == "processing":
            problems.append(f"repo {github_id} ({row['full_name']}) is still processing")
        stored = len(grouped.get(github_id, ()))
        if stored != row["stargazers_fetched"]:
            problems.append(
                f"repo {github_id} ({row['full_name']}) has {stored} edges but "
                f"stargazers_fetched {row['stargazers_fetched']}"
            )
    return problems


def progress_problems(
    world: World, rows: dict[int, dict[str, Any]], edges: Iterable[tuple[int, int]], per_page: int = PER_PAGE
) -> list[str]:
    """List repos whose stored progress is ahead of, or out of step with, their edges.

    A repo whose `next_page` is N must hold exactly the stars of pages 1 to N-1 of the
    world's list: fewer means progress ran ahead of the data, more means a page was
    written in part. A complete repo must hold its whole list.
    """
    grouped = edges_by_repo(edges)
    problems = []
    for github_id, row in sorted(rows.items()):
        stars = world_stars(world.repos[github_id])
        if row["status"] == "complete":
            written = stars
        else:
            written = stars[: (row["next_page"] - 1) * per_page]
        expected = {user for user, _ in written}
        stored = grouped.get(github_id, set())
        missing = expected - stored
        extra = stored - expected
        if missing:
            problems.append(
                f"repo {github_id} at next_page {row['next_page']} ({row['status']}) lacks "
                f"{len(missing)} edges of the pages it marked written"
            )
        if extra:
            problems.append(
                f"repo {github_id} at next_page {row['next_page']} ({row['status']}) has "
                f"{len(extra)} edges of pages it has not marked written"
            )
    return problems


class VirtualClock:
    """Time that moves only when the client sleeps, shared by the client and the server.

    The client's `sleep` records each wait and moves the clock forward at once. The fake
    server reads its clock from `server_time`, so rate-limit windows and `Date` headers
    follow. A one-hour wait thus costs no real time and is still measured exactly.
    """

    def __init__(self, real_clock: Any) -> None:
        self._real_clock = real_clock
        self.offset = 0.0
        self.waits: list[float] = []

    def server_time(self) -> float:
        """Return the current time for the fake server, in epoch seconds."""
        return self._real_clock() + self.offset

    async def sleep(self, seconds: float) -> None:
        """Record a wait and move the clock forward by it, without sleeping."""
        self.waits.append(seconds)
        self.offset += seconds
        await asyncio.sleep(0)


class RecordingHandler(logging.Handler):
    """A logging handler that keeps every record, for assertions on logged values."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self) -> list[str]:
        """Return every record's formatted message."""
        return [record.getMessage() for record in self.records]


@contextmanager
def recording_logger(name: str) -> Iterator[RecordingHandler]:
    """Record every message of the logger `name` until the block ends."""
    logger = logging.getLogger(name)
    handler = RecordingHandler()
    previous_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous_level)
