"""Re-syncs of complete repositories with conditional requests, against the fake GitHub."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from pydantic import SecretStr

from gitstars.crawler import Crawler
from gitstars.fakegithub import FakeGitHub
from gitstars.fakegithub.stargazers import ExplicitStargazers
from gitstars.fakegithub.world import UserPool, World
from gitstars.github.client import GitHubClient
from gitstars.models import GitHubUser, RepoStatus
from gitstars.store import Store
from gitstars.store.records import repo_id

OWNER_ID = 2_001
OWNER = "owner"
POOL_FIRST_ID = 10_000_000
FIRST_STAR = 1_600_000_000

# The store and client fixtures live in the session's event loop, so the tests run there too.
pytestmark = pytest.mark.asyncio(loop_scope="session")


@dataclass
class Setup:
    """A fake GitHub, a store with the owner's account, and a client and crawler for both."""

    world: World
    fake: FakeGitHub
    store: Store
    client: GitHubClient
    crawler: Crawler

    async def sync(self) -> None:
        """Store the owner's starred repositories, as `gitstars run` does first."""
        await self.store.accounts.upsert(GitHubUser(id=OWNER_ID, login=OWNER))
        async for page in self.client.iter_starred(OWNER):
            await self.store.accounts.sync_starred(OWNER_ID, page)

    async def crawl_all(self) -> dict[int, str]:
        """Crawl every repository of the world once; return each final status."""
        statuses = {}
        for github_id in sorted(self.world.repos):
            statuses[github_id] = (await self.crawler.crawl(github_id)).status
        return statuses

    def stargazer_requests(self) -> list[tuple[str, int]]:
        """Return (path with query, status) of each stargazers request since the last reset."""
        return [
            (request.path, request.status)
            for request in self.fake.request_log()
            if request.path.split("?")[0].endswith("/stargazers")
        ]


def stars(first: int, count: int) -> list[tuple[int, int]]:
    """Return `count` stars of pool users from index `first` on, one minute apart."""
    return [(POOL_FIRST_ID + first + i, FIRST_STAR + 60 * (first + i)) for i in range(count)]


def build_world(sizes: dict[int, int]) -> World:
    """Build a world where the owner owns and stars one repository per entry (id -> size)."""
    world = World()
    world.add_user(OWNER, OWNER_ID)
    world.add_pool(UserPool(first_id=POOL_FIRST_ID, size=100_000))
    for github_id, size in sizes.items():
        world.add_repo(OWNER, f"repo-{github_id}", repo_id=github_id, stargazers=ExplicitStargazers(stars(0, size)))
        world.star(OWNER, github_id, FIRST_STAR)
    world.issue_token(OWNER)
    return world


async def start(world: World, store: Store) -> AsyncIterator[Setup]:
    with FakeGitHub(world) as fake:
        token = SecretStr(world.token_for(OWNER) or "")
        async with GitHubClient(fake.url, token) as client:
            setup = Setup(world, fake, store, client, Crawler(store, client, prefetch=4))
            await setup.sync()
            yield setup


async def repo(store: Store, github_id: int) -> dict:
    (record,) = await store.runner.query("SELECT * FROM ONLY $repo", {"repo": repo_id(github_id)})
    return record


async def count(store: Store, table: str) -> int:
    (number,) = await store.runner.query(f"RETURN count(SELECT id FROM {table});")
    return int(number)


async def latest_user_update(store: Store) -> object:
    (latest,) = await store.runner.query(
        "SELECT VALUE updated_at FROM github_user ORDER BY updated_at DESC LIMIT 1;"
    )
    return latest


# One partial page, one full page, a full last page, a partial last page, many pages.
SIZES = {101: 7, 102: 100, 103: 200, 104: 250, 105: 1_234}


@pytest.fixture
async def crawled(store: Store) -> AsyncIterator[Setup]:
    async for setup in start(build_world(SIZES), store):
        await setup.crawl_all()
        yield setup


async def test_cold_crawl_completes_every_repo(crawled: Setup) -> None:
    for github_id, size in SIZES.items():
        record = await repo(crawled.store, github_id)
        assert record["status"] == RepoStatus.COMPLETE
        assert record["stargazers_fetched"] == size
    assert await count(crawled.store, "starred") == sum(SIZES.values())


async def test_reopen_returns_complete_repos(crawled: Setup) -> None:
    reopened = await crawled.store.repos.reopen_for_resync(OWNER_ID)
    assert reopened == sorted(SIZES)


async def test_reopen_starts_at_last_page(crawled: Setup) -> None:
    await crawled.store.repos.reopen_for_resync(OWNER_ID)
    expected = {101: 1, 102: 1, 103: 2, 104: 3, 105: 13}
    for github_id, page in expected.items():
        record = await repo(crawled.store, github_id)
        assert record["status"] == RepoStatus.PENDING
        assert record["next_page"] == page


async def test_resync_unchanged_one_304_per_repo(crawled: Setup) -> None:
    edges_before = await count(crawled.store, "starred")
    users_updated = await latest_user_update(crawled.store)
    await crawled.store.repos.reopen_for_resync(OWNER_ID)
    crawled.fake.reset_counters()

    statuses = await crawled.crawl_all()

    requests = crawled.stargazer_requests()
    assert len(requests) == len(SIZES)
    assert {status for _, status in requests} == {304}
    assert set(statuses.values()) == {RepoStatus.COMPLETE.value}
    assert await count(crawled.store, "starred") == edges_before
    assert await latest_user_update(crawled.store) == users_updated


async def test_resync_unchanged_keeps_counts(crawled: Setup) -> None:
    before = {github_id: await repo(crawled.store, github_id) for github_id in SIZES}
    await crawled.store.repos.reopen_for_resync(OWNER_ID)
    await crawled.crawl_all()
    for github_id, old in before.items():
        new = await repo(crawled.store, github_id)
        assert new["stargazers_fetched"] == old["stargazers_fetched"]
        assert new["pages_fetched"] == old["pages_fetched"]
        assert new["next_page"] == old["next_page"]
        assert new["requests"] == old["requests"] + 1


async def test_resync_quota_untouched(crawled: Setup) -> None:
    await crawled.store.repos.reopen_for_resync(OWNER_ID)
    remaining_before = crawled.client.rate_limit.remaining
    await crawled.crawl_all()
    # A 304 costs no quota, and the fake server sends the unchanged rate headers with it.
    assert crawled.client.rate_limit.remaining == remaining_before


async def test_resync_appended_fetches_new_pages(crawled: Setup) -> None:
    crawled.world.repos[104].stargazers.add(*stars(5_000, 1)[0])  # 250 -> 251, page 3 changes
    for user_id, starred_at in stars(6_000, 5):
        crawled.world.repos[103].stargazers.add(user_id, starred_at)  # 200 -> 205, new page 3
    crawled.fake.clear_cache()
    await crawled.sync()
    await crawled.store.repos.reopen_for_resync(OWNER_ID)
    crawled.fake.reset_counters()

    await crawled.crawl_all()

    requests = crawled.stargazer_requests()
    assert ("/repos/owner/repo-103/stargazers?per_page=100&page=2", 304) in requests
    assert ("/repositories/103/stargazers?per_page=100&page=3", 200) in requests
    assert ("/repos/owner/repo-104/stargazers?per_page=100&page=3", 200) in requests
    assert len(requests) == len(SIZES) + 1
    assert await count(crawled.store, "starred") == sum(SIZES.values()) + 6


async def test_resync_appended_counts_new_edges(crawled: Setup) -> None:
    for user_id, starred_at in stars(5_000, 120):
        crawled.world.repos[104].stargazers.add(user_id, starred_at)  # 250 -> 370
    crawled.fake.clear_cache()
    await crawled.store.repos.reopen_for_resync(OWNER_ID)

    result = await crawled.crawler.crawl(104)

    record = await repo(crawled.store, 104)
    assert result.stargazers == 120
    assert record["stargazers_fetched"] == 370
    assert record["pages_fetched"] == 4
    assert record["next_page"] == 5
    assert record["status"] == RepoStatus.COMPLETE


async def test_resync_after_unstars_moves_back(crawled: Setup) -> None:
    # 1,234 stars on 13 pages; 35 leave and one arrives, so page 13 is empty and the new
    # star is the last item of page 12.
    listed = crawled.world.repos[105].stargazers.slice(0, 1_234)
    remaining = listed[:500] + listed[535:]
    crawled.world.repos[105].stargazers = ExplicitStargazers(remaining + stars(9_000, 1))
    crawled.fake.clear_cache()
    await crawled.sync()
    await crawled.store.repos.reopen_for_resync(OWNER_ID)
    crawled.fake.reset_counters()

    result = await crawled.crawler.crawl(105)

    requests = crawled.stargazer_requests()
    assert result.status == RepoStatus.COMPLETE.value
    assert result.stargazers == 1
    assert requests == [
        ("/repos/owner/repo-105/stargazers?per_page=100&page=13", 200),
        ("/repos/owner/repo-105/stargazers?per_page=100&page=12", 200),
    ]
    assert (await repo(crawled.store, 105))["next_page"] == 13


async def test_reopen_skips_truncated_and_final(crawled: Setup) -> None:
    await crawled.store.runner.query(
        "UPDATE $truncated SET truncated = true; UPDATE $restricted SET status = 'restricted';",
        {"truncated": repo_id(105), "restricted": repo_id(101)},
    )
    reopened = await crawled.store.repos.reopen_for_resync(OWNER_ID)
    assert reopened == [102, 103, 104]
    assert (await repo(crawled.store, 105))["status"] == RepoStatus.COMPLETE
    assert (await repo(crawled.store, 101))["status"] == RepoStatus.RESTRICTED


async def test_reopen_other_account_untouched(crawled: Setup) -> None:
    reopened = await crawled.store.repos.reopen_for_resync(OWNER_ID + 1)
    assert reopened == []
    assert (await repo(crawled.store, 101))["status"] == RepoStatus.COMPLETE


async def test_no_prefetch_same_requests(store: Store) -> None:
    async for setup in start(build_world({201: 1_234}), store):
        setup.crawler.prefetch = 0
        await setup.crawl_all()
        requests = setup.stargazer_requests()
        assert len(requests) == 13
        assert (await repo(store, 201))["stargazers_fetched"] == 1_234


async def test_prefetch_adds_no_requests(store: Store) -> None:
    async for setup in start(build_world({201: 1_234, 202: 1_200}), store):
        setup.crawler.prefetch = 8
        await setup.crawl_all()
        requests = setup.stargazer_requests()
        assert len(requests) == 13 + 12
        assert len(set(requests)) == len(requests)
        assert await count(store, "starred") == 2_434
