"""Repo claims, page writes and progress on the real embedded engine."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from gitstars.models import GitHubUser, RepoStatus, Repository, Stargazer, StarredRepository
from gitstars.store import ClaimLostError
from gitstars.store.records import repo_id

OWNER = GitHubUser(id=6, login="octo-org")


def starred(github_id: int, stars: int = 3, name: str | None = None) -> StarredRepository:
    return StarredRepository(
        starred_at=datetime(2024, 1, 1, tzinfo=UTC),
        repo=Repository(id=github_id, full_name=name or f"octo-org/r{github_id}", owner=OWNER, stargazers_count=stars),
    )


def stargazers(first: int, count: int) -> list[Stargazer]:
    return [
        Stargazer(starred_at=datetime(2020, 1, 1 + i % 28, tzinfo=UTC), user=GitHubUser(id=first + i, login=f"user-{first + i}"))
        for i in range(count)
    ]


async def repo(store, github_id: int) -> dict:
    (rows,) = await store.runner.query("SELECT * FROM ONLY $repo", {"repo": repo_id(github_id)})
    return rows


@pytest.fixture
async def account(store):
    await store.accounts.upsert(GitHubUser(id=5, login="alice"))
    await store.accounts.sync_starred(5, [starred(100), starred(101), starred(102)])
    return 5


async def test_claim_single_winner(store, account):
    first = await store.repos.claim(100, 60)
    second = await store.repos.claim(100, 60)
    assert first is not None
    assert second is None


async def test_claim_race_one_winner(store, account):
    claims = await asyncio.gather(*(store.repos.claim(101, 60) for _ in range(20)))
    assert sum(claim is not None for claim in claims) == 1


async def test_claim_expired_lease_reclaimable(store, account):
    stale = await store.repos.claim(100, 0.001)
    await asyncio.sleep(0.01)
    fresh = await store.repos.claim(100, 60)
    assert fresh is not None
    assert fresh.token != stale.token


async def test_write_page_stores_users_edges_progress(store, account):
    claim = await store.repos.claim(100, 60)
    written = await store.repos.write_page(claim, 1, stargazers(1000, 3), next_page=2, requests=1)
    record = await repo(store, 100)
    assert written == 3
    assert record["next_page"] == 2
    assert record["pages_fetched"] == 1
    assert record["status"] == "processing"
    assert (await store.stats()).edges == 3


async def test_last_page_completes_and_releases(store, account):
    claim = await store.repos.claim(100, 60)
    await store.repos.write_page(claim, 1, stargazers(1000, 2), next_page=None, requests=1)
    record = await repo(store, 100)
    assert record["status"] == RepoStatus.COMPLETE
    assert record.get("claim_token") is None
    assert record["requests"] == 1


async def test_lost_claim_writes_nothing(store, account):
    stale = await store.repos.claim(100, 0.001)
    await asyncio.sleep(0.01)
    await store.repos.claim(100, 60)
    with pytest.raises(ClaimLostError):
        await store.repos.write_page(stale, 1, stargazers(1000, 3), next_page=2, requests=1)
    assert (await store.stats()).edges == 0
    assert (await store.stats()).users == 0


async def test_page_written_twice_rejected(store, account):
    claim = await store.repos.claim(100, 60)
    await store.repos.write_page(claim, 1, stargazers(1000, 3), next_page=2, requests=1)
    claim.next_page = 1
    with pytest.raises(ClaimLostError):
        await store.repos.write_page(claim, 1, stargazers(2000, 3), next_page=2, requests=1)
    assert (await store.stats()).edges == 3


async def test_rewritten_edges_not_duplicated(store, account):
    claim = await store.repos.claim(100, 60)
    await store.repos.write_page(claim, 1, stargazers(1000, 3), next_page=2, requests=1)
    await store.repos.release(claim)
    again = await store.repos.claim(100, 60)
    again.next_page = 1
    await store.runner.query("UPDATE $repo SET next_page = 1", {"repo": repo_id(100)})
    await store.repos.write_page(again, 1, stargazers(1000, 3), next_page=None, requests=1)
    assert (await store.stats()).edges == 3


async def test_release_resumes_at_next_page(store, account):
    claim = await store.repos.claim(100, 60)
    await store.repos.write_page(claim, 1, stargazers(1000, 3), next_page=2, requests=1)
    await store.repos.release(claim, requests=0)
    resumed = await store.repos.claim(100, 60)
    assert resumed.next_page == 2


async def test_finish_restricted_is_final(store, account):
    claim = await store.repos.claim(102, 60)
    await store.repos.finish(claim, RepoStatus.RESTRICTED, requests=1, error="404", error_kind="restricted")
    assert (await repo(store, 102))["status"] == "restricted"
    assert await store.repos.claim(102, 60) is None


async def test_reap_hands_back_expired(store, account):
    await store.repos.claim(100, 0.001)
    await store.repos.claim(101, 60)
    await asyncio.sleep(0.01)
    assert await store.repos.reap_expired() == 1
    assert (await repo(store, 100))["status"] == "pending"
    assert (await repo(store, 101))["status"] == "processing"


async def test_sync_keeps_status_of_known_repo(store, account):
    claim = await store.repos.claim(100, 60)
    await store.repos.write_page(claim, 1, stargazers(1000, 1), next_page=None, requests=1)
    await store.accounts.sync_starred(5, [starred(100, stars=9, name="octo-org/renamed")])
    record = await repo(store, 100)
    assert record["status"] == "complete"
    assert record["full_name"] == "octo-org/renamed"
    assert record["stargazers_count"] == 9


@pytest.mark.parametrize("login", ["a.b", "a-b", "12345", "o'brien", 'quo"te', "SELECT", "x; DELETE repo; --", "ünï"])
async def test_odd_logins_stored_verbatim(store, login):
    await store.accounts.upsert(GitHubUser(id=77, login=login))
    found = await store.accounts.find(login)
    assert found is not None
    assert found.login == login
    assert (await store.stats()).repos == 0


async def test_rename_survives_stale_starred_list(store, account):
    claim = await store.repos.claim(100, 60)
    claim.full_name = "new-owner/r100"
    await store.repos.write_page(claim, 1, stargazers(1000, 1), next_page=None, requests=2)
    await store.accounts.sync_starred(5, [starred(100)])
    record = await repo(store, 100)
    assert record["full_name"] == "new-owner/r100"
    assert record["owner_login"] == "new-owner"
    assert record["previous_names"] == ["octo-org/r100"]
