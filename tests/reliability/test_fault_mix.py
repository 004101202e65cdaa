"""A mix of GitHub faults against a crawl of 50 repositories: nothing lost, nothing twice.

The fake GitHub serves a generated world with 5% server errors, connection resets and
responses slower than the client's timeout. It adds secondary rate limits with
`Retry-After` in seconds, as an HTTP date and absent, and one primary-limit exhaustion
with a reset. Its `Date` header is 5 minutes ahead of or behind the local clock. The core crawls every
repository (no Prefect), and the database must then equal the world exactly.

Waits run on a virtual clock that the client and the server share (see
`support.VirtualClock`), so GitHub's real wait times apply and cost no real time.
"""

from __future__ import annotations

import time
from collections import Counter
from random import Random

import pytest

from gitstars.crawler import DEFAULT_PREFETCH, Crawler, RepoResult
from gitstars.fakegithub import FakeGitHub, Fault, FaultKind, FaultPlan, RetryAfter, ScriptedFault, World, generate_world
from gitstars.fakegithub.stargazers import ExplicitStargazers
from gitstars.settings import Settings
from gitstars.store import Store
from tests.reliability.support import (
    VirtualClock,
    consistency_problems,
    crawl_all,
    edge_count,
    expected_edges,
    make_client,
    pages_of,
    recording_logger,
    repo_rows,
    seed_account,
    stored_edges,
    user_logins,
    world_stars,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

SEED = 20260701
ACCOUNT = "account-1"
PER_PAGE = 50
CONCURRENCY = 8
RENAMED = 2
EMPTY_REPOS = 2

SERVER_ERROR_RATE = 0.05
RESET_RATE = 0.02
SLOW_RATE = 0.02
SECONDARY_RATE = 0.03
# Chance that a request meets any random fault; the draws are independent, in this order.
FAULT_RATE = 1 - (1 - SERVER_ERROR_RATE) * (1 - RESET_RATE) * (1 - SLOW_RATE) * (1 - SECONDARY_RATE)

CLIENT_TIMEOUT = 2.0
SLOW_SECONDS = 2.5
RETRY_AFTER_SECONDS = 30
SECONDARY_MIN_WAIT = 60.0
EXHAUST_AFTER = 150
EXHAUST_SECONDS = 120.0


class CountingPlan(FaultPlan):
    """A fault plan that also counts the form and status of each secondary limit it injects."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.forms: Counter[RetryAfter] = Counter()
        self.statuses: Counter[int] = Counter()

    def decide(self, path, query, login, kind):  # noqa: ANN001, ANN201 - FaultPlan's signature
        fault = super().decide(path, query, login, kind)
        if fault is not None and fault.kind is FaultKind.SECONDARY_LIMIT:
            with self._lock:
                self.forms[fault.retry_after] += 1
                self.statuses[fault.status] += 1
        return fault


def repo_sizes(seed: int) -> list[int]:
    """Return 48 stargazer counts from 1 to 1,500: page edges first, then a random mix."""
    rng = Random(seed)
    edges = [1, 2, 49, 50, 51, 99, 100, 101, 1499, 1500]
    mixed = [rng.choice((rng.randint(1, 60), rng.randint(60, 400), rng.randint(400, 1500))) for _ in range(38)]
    return edges + mixed


def build_world() -> World:
    """Build 50 repositories of one account: 48 generated (2 renamed) and 2 without stars."""
    world = generate_world(SEED, repo_sizes(SEED), renamed=RENAMED)
    first_free = max(world.repos) + 1
    for index in range(EMPTY_REPOS):
        world.add_repo(ACCOUNT, f"no-stars-{index}", repo_id=first_free + index, stargazers=ExplicitStargazers())
    return world


def build_plan() -> CountingPlan:
    """Random faults on every route, plus one scripted secondary limit of each form and status."""
    scripted = [
        ScriptedFault(f"/repos/{ACCOUNT}/repo-{index}/stargazers", 1, Fault(FaultKind.SECONDARY_LIMIT, status, form))
        for index, (status, form) in enumerate(
            [
                (403, RetryAfter.SECONDS),
                (429, RetryAfter.HTTP_DATE),
                (403, RetryAfter.ABSENT),
                (429, RetryAfter.ABSENT),
            ],
            start=RENAMED,
        )
    ]
    return CountingPlan(
        seed=SEED,
        server_error=SERVER_ERROR_RATE,
        connection_reset=RESET_RATE,
        slow=SLOW_RATE,
        slow_seconds=SLOW_SECONDS,
        secondary_limit=SECONDARY_RATE,
        retry_after=(RetryAfter.SECONDS, RetryAfter.HTTP_DATE, RetryAfter.ABSENT),
        retry_after_seconds=RETRY_AFTER_SECONDS,
        exhaust_after=EXHAUST_AFTER,
        exhaust_seconds=EXHAUST_SECONDS,
        scripted=scripted,
    )


def minimum_requests(world: World) -> int:
    """Return the requests of a crawl without faults: one per page, two more per rename.

    A renamed repository listed under its old name costs a 301 and a `GET
    /repositories/{id}` before its first page.
    """
    pages = sum(pages_of(len(repo.stargazers), PER_PAGE) for repo in world.repos.values())
    renamed = sum(1 for repo in world.repos.values() if repo.listed_as)
    return pages + 2 * renamed


def rate_limit_waits(records) -> list[tuple[str, int, float, int]]:  # noqa: ANN001 - log records
    """Return (kind, status, wait, attempt) of each rate-limit wait the client logged."""
    waits = []
    for record in records:
        if record.msg.startswith("GitHub %s rate limit"):
            kind, _path, status, _request_id, wait, attempt, _max_waits = record.args
            waits.append((kind, status, wait, attempt))
    return waits


@pytest.fixture(scope="module", params=[300.0, -300.0], ids=["date-5min-ahead", "date-5min-behind"])
async def fault_run(request, tmp_path_factory):
    """Crawl the world through the fault plan once, with the server's clock skewed."""
    skew = request.param
    world = build_world()
    token = world.token_for(ACCOUNT)
    plan = build_plan()
    clock = VirtualClock(time.time)
    # One skew runs on the in-memory engine and one on a surrealkv directory.
    db_url = "mem://" if skew > 0 else f"surrealkv://{tmp_path_factory.mktemp('fault-mix') / 'db'}"
    store = await Store.open(Settings(db_url=db_url))
    repo_ids = sorted(world.repos)
    with recording_logger("gitstars.github") as log, FakeGitHub(
        world, faults=plan, clock_skew=skew, clock=clock.server_time
    ) as server:
        await seed_account(store, world, ACCOUNT, repo_ids)
        client = make_client(
            server.url,
            token,
            per_page=PER_PAGE,
            timeout=CLIENT_TIMEOUT,
            secondary_min_wait=SECONDARY_MIN_WAIT,
            sleep=clock.sleep,
        )
        async with client:
            started = time.monotonic()
            results = await crawl_all(Crawler(store, client, lease_seconds=600), repo_ids, CONCURRENCY)
            elapsed = time.monotonic() - started
    run = {
        "world": world,
        "plan": plan,
        "client": client,
        "results": results,
        "waits": rate_limit_waits(log.records),
    }
    print(
        f"\nfault mix, Date {skew:+.0f} s: {minimum_requests(world)} minimum requests, "
        f"{client.requests_sent} sent, faults {dict(sorted(plan.injected_counts().items()))}, "
        f"secondary forms {dict(plan.forms)}, statuses {dict(plan.statuses)}, "
        f"client waits {client.waits}, {clock.offset:.0f} s waited (virtual) in {elapsed:.1f} s"
    )
    yield run, store
    await store.close()


async def test_fault_mix_every_repo_complete(fault_run):
    run, _ = fault_run
    errors = [result for result in run["results"] if not isinstance(result, RepoResult)]
    statuses = Counter(result.status for result in run["results"] if isinstance(result, RepoResult))
    assert errors == []
    assert statuses == {"complete": len(run["world"].repos)}


async def test_fault_mix_edges_equal_world(fault_run):
    run, store = fault_run
    expected = expected_edges(run["world"], run["world"].repos)
    stored = await stored_edges(store)
    assert len(stored) == len(expected)
    assert stored.keys() - expected.keys() == set()
    assert expected.keys() - stored.keys() == set()
    assert stored == expected


async def test_fault_mix_no_duplicate_edges(fault_run):
    run, store = fault_run
    expected = sum(len(repo.stargazers) for repo in run["world"].repos.values())
    assert await edge_count(store) == expected


async def test_fault_mix_users_equal_world(fault_run):
    run, store = fault_run
    world = run["world"]
    expected = {user: world.user_by_id(user).login for repo in world.repos.values() for user, _ in world_stars(repo)}
    assert await user_logins(store) == expected


async def test_fault_mix_store_consistent(fault_run):
    _, store = fault_run
    assert await consistency_problems(store) == []


async def test_fault_mix_renames_followed(fault_run):
    run, store = fault_run
    rows = await repo_rows(store)
    renamed = [repo for repo in run["world"].repos.values() if repo.listed_as]
    assert len(renamed) == RENAMED
    for repo in renamed:
        assert rows[repo.id]["full_name"] == repo.full_name
        assert rows[repo.id]["previous_names"] == [repo.listed_as]


async def test_fault_mix_every_kind_injected(fault_run):
    run, _ = fault_run
    injected = run["plan"].injected_counts()
    assert injected.get("server_error", 0) > 0
    assert injected.get("connection_reset", 0) > 0
    assert injected.get("slow", 0) > 0
    assert injected.get("secondary_limit", 0) > 0
    assert injected.get("primary_limit", 0) == 1
    assert set(run["plan"].forms) == set(RetryAfter)
    assert set(run["plan"].statuses) == {403, 429}


async def test_fault_mix_requests_accounted(fault_run):
    """Every request beyond the minimum retries after one fault, so none is wasted."""
    run, _ = fault_run
    client = run["client"]
    extra = client.waits["transient"] + client.waits["secondary"] + client.waits["primary"]
    injected = run["plan"].injected_counts()
    transient = injected["server_error"] + injected["connection_reset"] + injected["slow"]
    assert client.requests_sent == minimum_requests(run["world"]) + extra
    assert client.waits["transient"] == transient
    assert client.waits["secondary"] == injected["secondary_limit"]


async def test_fault_mix_requests_within_bound(fault_run):
    """Requests stay within minimum * (1 + 2 * fault rate) + the requests in flight.

    A crawl has its current page and `DEFAULT_PREFETCH` pages ahead in flight, and each
    of those can meet the primary limit once before the clock passes its reset.
    """
    run, _ = fault_run
    in_flight = CONCURRENCY * (1 + DEFAULT_PREFETCH)
    bound = minimum_requests(run["world"]) * (1 + 2 * FAULT_RATE) + in_flight
    assert run["client"].requests_sent <= bound
    assert run["client"].waits["primary"] <= in_flight


async def test_fault_mix_stored_requests_match_client(fault_run):
    run, store = fault_run
    rows = await repo_rows(store)
    assert sum(row["requests"] for row in rows.values()) == run["client"].requests_sent


async def test_fault_mix_secondary_waits(fault_run):
    """Retry-After in seconds and as an HTTP date give its wait; without it, 60 s doubling."""
    run, _ = fault_run
    secondary = [(wait, attempt) for kind, _, wait, attempt in run["waits"] if kind == "secondary"]
    forms = run["plan"].forms
    with_header = [wait for wait, _ in secondary if wait == RETRY_AFTER_SECONDS]
    without_header = [(wait, attempt) for wait, attempt in secondary if wait != RETRY_AFTER_SECONDS]
    assert len(with_header) == forms[RetryAfter.SECONDS] + forms[RetryAfter.HTTP_DATE]
    assert len(without_header) == forms[RetryAfter.ABSENT]
    for wait, attempt in without_header:
        assert wait == SECONDARY_MIN_WAIT * 2 ** (attempt - 1)


async def test_fault_mix_primary_wait_uses_server_date(fault_run):
    """The reset wait is measured on the server's Date, so a 5-minute skew changes nothing."""
    run, _ = fault_run
    primary = [wait for kind, _, wait, _ in run["waits"] if kind == "primary"]
    assert primary
    assert max(primary) >= EXHAUST_SECONDS
    assert max(primary) <= EXHAUST_SECONDS + 2
    assert min(primary) >= 1
