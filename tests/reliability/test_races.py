"""Races in one process: two crawls of one account, claimers on one repo, a lease takeover.

The embedded engine of surrealdb 2.0 let concurrent conditional UPDATEs both succeed in
a few percent of rounds, so these tests repeat the races many times on the real engine.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest

from gitstars.crawler import CLAIM_LOST, NOT_CLAIMED, Crawler
from gitstars.fakegithub import FakeGitHub, generate_world
from gitstars.settings import Settings
from gitstars.store import RepoWork, Store
from gitstars.store.records import repo_id
from tests.reliability.support import (
    consistency_problems,
    crawl_all,
    edge_count,
    expected_edges,
    make_client,
    seed_account,
    stored_edges,
)


ACCOUNT = "account-1"
CLAIM_ROUNDS = 1000
CLAIMERS = 8
LOCK_ROUNDS = 200

_RESET_REPO = """
UPDATE $repo SET status = 'pending', claim_owner = NONE, claim_token = NONE,
    lease_expires_at = NONE RETURN NONE;
"""


def stargazer_requests(server: FakeGitHub) -> Counter[str]:
    """Count the stargazer-page requests the server served, by path and query."""
    return Counter(entry.path for entry in server.request_log() if "/stargazers" in entry.path)


@pytest.fixture
async def kv_store(tmp_path):
    """A store on a surrealkv directory, the engine `gitstars run` uses by default."""
    opened = await Store.open(Settings(db_url=f"surrealkv://{tmp_path / 'db'}"))
    yield opened
    await opened.close()


@pytest.mark.parametrize("second_order", ["same", "reversed"])
async def test_two_crawls_fetch_each_page_once(kv_store, second_order):
    world = generate_world(11, [1, 99, 100, 101, 250, 430, 777, 64, 5, 1200, 310, 58])
    repo_ids = sorted(world.repos)
    other_ids = repo_ids if second_order == "same" else list(reversed(repo_ids))
    with FakeGitHub(world, latency=0.005) as server:
        await seed_account(kv_store, world, ACCOUNT, repo_ids)
        token = world.token_for(ACCOUNT)
        async with make_client(server.url, token) as first, make_client(server.url, token) as second:
            first_results, second_results = await asyncio.gather(
                crawl_all(Crawler(kv_store, first), repo_ids, concurrency=4),
                crawl_all(Crawler(kv_store, second), other_ids, concurrency=4),
            )
        requests = stargazer_requests(server)

    by_repo: dict[int, list[str]] = {}
    for result in [*first_results, *second_results]:
        by_repo.setdefault(result.github_id, []).append(result.status)
    assert {github_id: sorted(statuses) for github_id, statuses in by_repo.items()} == {
        github_id: ["complete", NOT_CLAIMED] for github_id in repo_ids
    }
    assert sum(requests.values()) == sum(max(1, -(-len(world.repos[i].stargazers) // 100)) for i in repo_ids)
    assert [path for path, count in requests.items() if count > 1] == []
    assert await stored_edges(kv_store) == expected_edges(world, repo_ids)
    assert await consistency_problems(kv_store) == []


async def test_claim_race_one_winner_per_round(kv_store):
    world = generate_world(12, [3])
    (github_id,) = world.repos
    await seed_account(kv_store, world, ACCOUNT, [github_id])
    # Two workers in one process, as two flow runs would be, on one shared connection.
    workers = [RepoWork(kv_store.runner, owner="worker-a"), RepoWork(kv_store.runner, owner="worker-b")]
    winners_per_round = Counter()
    wrong_token_rounds = []
    started = time.monotonic()
    for round_number in range(CLAIM_ROUNDS):
        await kv_store.runner.query(_RESET_REPO, {"repo": repo_id(github_id)})
        claims = await asyncio.gather(
            *(workers[index % 2].claim(github_id, 60) for index in range(CLAIMERS))
        )
        winners = [claim for claim in claims if claim is not None]
        winners_per_round[len(winners)] += 1
        (row,) = await kv_store.runner.query("SELECT claim_token FROM ONLY $repo;", {"repo": repo_id(github_id)})
        if winners and row["claim_token"] != winners[0].token:
            wrong_token_rounds.append(round_number)
    print(f"\n{CLAIM_ROUNDS} claim rounds of {CLAIMERS} claimers in {time.monotonic() - started:.1f} s: {dict(winners_per_round)}")
    assert winners_per_round == {1: CLAIM_ROUNDS}
    assert wrong_token_rounds == []


async def test_account_lock_race_one_winner(kv_store):
    world = generate_world(13, [2])
    account_id = await seed_account(kv_store, world, ACCOUNT, list(world.repos))
    winners_per_round = Counter()
    for _ in range(LOCK_ROUNDS):
        owners = await asyncio.gather(
            *(kv_store.accounts.lock(account_id, 60, owner=f"run-{index}") for index in range(CLAIMERS))
        )
        winners = [owner for owner in owners if owner is not None]
        winners_per_round[len(winners)] += 1
        await kv_store.accounts.unlock(account_id, winners[0])
    assert winners_per_round == {1: LOCK_ROUNDS}


async def test_expired_lease_takeover_fenced(kv_store):
    """A crawl whose lease expired cannot write once another crawl took the repo over."""
    world = generate_world(14, [640])
    (github_id,) = world.repos
    token = world.token_for(ACCOUNT)
    with FakeGitHub(world) as server:
        await seed_account(kv_store, world, ACCOUNT, [github_id])
        async with make_client(server.url, token) as taker_client:
            taker = Crawler(kv_store, taker_client, lease_seconds=60)
            taken_over: list = []
            stalled_requests = 0

            async def stall_second_request() -> None:
                # The slow crawl waits here for a page until its lease expired and the other
                # crawl took the repo over and finished it.
                nonlocal stalled_requests
                stalled_requests += 1
                if stalled_requests != 2:
                    return
                for _ in range(200):
                    await asyncio.sleep(0.05)
                    result = await taker.crawl(github_id)
                    if result.status != NOT_CLAIMED:
                        taken_over.append(result)
                        return

            async with make_client(server.url, token, before_request=stall_second_request) as slow_client:
                slow = await Crawler(kv_store, slow_client, lease_seconds=0.2).crawl(github_id)

    (row,) = await kv_store.runner.query("SELECT status, next_page FROM ONLY $repo;", {"repo": repo_id(github_id)})
    assert slow.status == CLAIM_LOST
    assert [result.status for result in taken_over] == ["complete"]
    assert row["status"] == "complete"
    assert await stored_edges(kv_store) == expected_edges(world, [github_id])
    assert await edge_count(kv_store) == 640
    assert await consistency_problems(kv_store) == []
