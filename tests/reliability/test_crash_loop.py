"""SIGKILL `gitstars run` at random points, run it again, and lose nothing.

Each round starts the main job on a surrealkv directory against the fake GitHub and waits
until a seeded share of the pages left has been served. It then waits a seeded few
milliseconds more, so that some kills land inside a database write, and kills the whole
process group with SIGKILL. After every kill the database must contain whole pages only,
and no repo's progress may be ahead of its edges. A last run without a kill must then leave the
database equal to the world, never fetching a page that an earlier round wrote.

`--crash-rounds N` sets the number of kills (default 3; run 10 or more for the full loop)
and `--crash-seed S` the seed; every round prints its seed and kill point.
"""

from __future__ import annotations

import asyncio
import re
import signal
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from random import Random

import pytest

from gitstars.fakegithub import FakeGitHub, World, generate_world
from gitstars.fakegithub.stargazers import ExplicitStargazers
from gitstars.settings import Settings
from gitstars.store import Store
from tests.reliability.processes import CliProcess, start_cli, stop_group, wait_until
from tests.reliability.support import (
    consistency_problems,
    edge_count,
    expected_edges,
    pages_of,
    progress_problems,
    repo_rows,
    stored_edges,
)

pytestmark = pytest.mark.e2e

ACCOUNT = "account-1"
LEASE_SECONDS = 2.0
LATENCY = 0.01
MAX_KILL_DELAY = 0.08
# A round kills after at most this share of the pages left, so work remains for the next.
MAX_KILL_SHARE = 1 / 3
_PAGE = re.compile(r"/(?:repos/[^/]+/(?P<name>[^/]+)|repositories/(?P<id>\d+))/stargazers\?.*\bpage=(?P<page>\d+)")


def build_world(seed: int, rounds: int) -> World:
    """Build one account's repositories, more of them for more rounds, two without stars."""
    rng = Random(seed)
    sizes = [1500, 1234, 1001, 999, 101, 100, 1] + [rng.randint(1, 1500) for _ in range(15 + 2 * rounds)]
    world = generate_world(seed, sizes)
    first_free = max(world.repos) + 1
    for index in range(2):
        world.add_repo(ACCOUNT, f"no-stars-{index}", repo_id=first_free + index, stargazers=ExplicitStargazers())
        world.star(ACCOUNT, first_free + index, 1_700_000_000 + index)
    return world


def stargazer_pages_served(server: FakeGitHub) -> int:
    """Count the stargazer requests the server served so far, from its uncapped counters."""
    by_route = server.counters()["by_route"]
    return sum(count for (_, kind), count in by_route.items() if kind == "stargazers")


def written_pages(rows: dict[int, dict]) -> dict[int, int]:
    """Return, per repo, how many leading pages the database marks as written."""
    return {github_id: row["next_page"] - 1 for github_id, row in rows.items()}


def requested_pages(world: World, server: FakeGitHub, since: int) -> list[tuple[int, int]]:
    """Return (repo id, page) of each stargazer request in the server's log from index `since`."""
    pages = []
    for entry in server.request_log()[since:]:
        match = _PAGE.search(entry.path)
        if match is None:
            continue
        if match["id"]:
            github_id = int(match["id"])
        else:
            github_id = world.repo_by_name(f"{ACCOUNT}/{match['name']}").id
        pages.append((github_id, int(match["page"])))
    return pages


@dataclass
class Round:
    """One killed run: its seed, where it was killed and what the database held after."""

    number: int
    seed: int
    kill_after_pages: int
    delay_ms: float
    exit_code: int | None
    complete: int
    processing: int
    edges: int

    def describe(self) -> str:
        """Return one line for the test output."""
        return (
            f"round {self.number}: seed {self.seed}, SIGKILL after {self.kill_after_pages} pages "
            f"+ {self.delay_ms:.0f} ms, exit {self.exit_code}; then {self.complete} repos complete, "
            f"{self.processing} processing, {self.edges} edges"
        )


async def read_database(db_url: str) -> tuple[dict[int, dict], dict, int]:
    """Open the database the killed run left behind and return repos, edges and edge count."""
    store = await Store.open(Settings(db_url=db_url))
    try:
        return await repo_rows(store), await stored_edges(store), await edge_count(store)
    finally:
        await store.close()


def start_run(server: FakeGitHub, world: World, db_url: str, home: Path, work: Path, name: str) -> CliProcess:
    """Start `gitstars run` for the account with a short lease."""
    env = {"GITHUB_TOKEN": world.token_for(ACCOUNT), "LEASE_SECONDS": str(LEASE_SECONDS), "CONCURRENCY": "4"}
    args = ["run", "--account", ACCOUNT, "--github-api-url", server.url, "--db-url", db_url]
    return start_cli(args, env=env, prefect_home=home, log_dir=work, name=name)


async def test_crash_loop_loses_nothing(tmp_path_factory, crash_rounds, crash_seed):
    world = build_world(crash_seed, crash_rounds)
    total_pages = sum(pages_of(len(repo.stargazers)) for repo in world.repos.values())
    home = tmp_path_factory.mktemp("prefect-home")
    work = tmp_path_factory.mktemp("crash-loop")
    db_url = f"surrealkv://{work / 'db'}"
    rounds: list[Round] = []
    written: dict[int, int] = {}
    print(f"\ncrash loop: seed {crash_seed}, {len(world.repos)} repos, {total_pages} pages, {crash_rounds} rounds")

    with FakeGitHub(world, latency=LATENCY) as server:
        for number in range(1, crash_rounds + 1):
            round_seed = crash_seed * 1000 + number
            rng = Random(round_seed)
            # The seed fixes the share of the pages left and the delay; the pages left
            # depend on where the earlier kills landed.
            share = rng.uniform(0, MAX_KILL_SHARE)
            remaining = total_pages - sum(written.values())
            target = max(1, round(share * remaining))
            delay = rng.uniform(0, MAX_KILL_DELAY)
            served_before = stargazer_pages_served(server)
            run = start_run(server, world, db_url, home, work, f"round-{number}")
            try:
                reached = wait_until(lambda: stargazer_pages_served(server) - served_before >= target, run)
                if reached:
                    time.sleep(delay)
                    run.kill_group(signal.SIGKILL)
                exit_code = run.wait(timeout=60)
            finally:
                stop_group(run)
            assert reached, f"round {number} (seed {round_seed}) ended before the kill point:\n{run.stderr()[-2000:]}"

            rows, edges, count = await read_database(db_url)
            statuses = [row["status"] for row in rows.values()]
            rounds.append(
                Round(number, round_seed, target, delay * 1000, exit_code, statuses.count("complete"),
                      statuses.count("processing"), len(edges))
            )
            print(rounds[-1].describe())
            assert exit_code == -signal.SIGKILL
            assert progress_problems(world, rows, edges) == [], rounds[-1].describe()
            assert count == len(edges), rounds[-1].describe()
            written = written_pages(rows)

        # Every claim of the killed runs must have expired before the last run starts.
        leases = [row["lease_expires_at"] for row in rows.values() if row.get("lease_expires_at")]
        if leases:
            await asyncio.sleep(max(0.0, (max(leases) - datetime.now(UTC)).total_seconds()) + 0.1)
        log_start = len(server.request_log())
        final = start_run(server, world, db_url, home, work, "final")
        try:
            final_code = final.wait()
        finally:
            stop_group(final)
        refetched = [
            (github_id, page) for github_id, page in requested_pages(world, server, log_start)
            if page <= written.get(github_id, 0)
        ]

    rows, edges, count = await read_database(db_url)
    store = await Store.open(Settings(db_url=db_url))
    try:
        problems = await consistency_problems(store)
    finally:
        await store.close()
    print(f"final run: exit {final_code}, {len(edges)} edges of {len(expected_edges(world, world.repos))}")
    assert final_code == 0, final.stderr()[-3000:]
    assert [row["full_name"] for row in rows.values() if row["status"] != "complete"] == []
    assert edges == expected_edges(world, world.repos)
    assert count == len(edges)
    assert problems == []
    assert refetched == []
