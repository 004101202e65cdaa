"""Run every benchmark scenario and turn the measurements into rows and targets."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from benchmarks import peer, prefect_overhead, rss
from benchmarks.core import CoreRun, CrawlMeasure
from benchmarks.fakeserver import FakeServerProcess
from benchmarks.table import MIB, Row, Target, ratio_target
from benchmarks.worlds import Sizes, interleave, listed_stargazers, minimum_requests
from gitstars.crawler import DEFAULT_PREFETCH

LATENCY = 0.1
TOKENS = (1, 2, 4, 8)
# Repositories crawled at once per token in the rows that compare with the peer, as the
# `concurrency` setting's default does.
CONCURRENCY = 8
T = TypeVar("T")


@dataclass
class Results:
    """Rows in table order, targets, and the scenarios that failed."""

    rows: list[Row] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def _progress(message: str) -> None:
    print(f"benchmark: {message}", file=sys.stderr, flush=True)


def _crawl(
    sizes: list[int], scratch: Path, name: str, *, accounts: int = 1, latency: float = 0.0,
    concurrency: int = CONCURRENCY, prefetch: int = DEFAULT_PREFETCH, resync: bool = False,
) -> tuple[CrawlMeasure, CrawlMeasure | None]:
    """Crawl a world of `sizes` into a new database; with `resync`, re-sync it afterwards."""

    async def main() -> tuple[CrawlMeasure, CrawlMeasure | None]:
        with FakeServerProcess(sizes, accounts=accounts, latency=latency) as server:
            db_url = f"surrealkv://{scratch / name}"
            async with CoreRun(server, db_url, concurrency=concurrency, prefetch=prefetch) as run:
                cold = await run.crawl()
                return cold, (await run.resync() if resync else None)

    return asyncio.run(main())


def _crawl_row(scenario: str, measure: CrawlMeasure, sizes: list[int], note: str = "") -> Row:
    expected = listed_stargazers(sizes)
    if measure.stargazers != expected:
        note = f"{note}; stored {measure.stargazers:,} of {expected:,} listed".lstrip("; ")
    return Row(
        scenario,
        stargazers=measure.stargazers,
        seconds=measure.seconds,
        rate=measure.rate,
        requests=measure.requests,
        per_minimum=measure.requests / minimum_requests(sizes),
        note=note,
    )


def _attempt(results: Results, scenario: str, run: Callable[[], T]) -> T | None:
    _progress(scenario)
    try:
        return run()
    except Exception as error:  # one failed scenario must not hide the others' numbers
        results.failures.append(f"{scenario}: {type(error).__name__}: {error}")
        results.rows.append(Row(scenario, note=f"failed: {type(error).__name__}: {error}"))
        return None


def run_suite(sizes: Sizes, scratch: Path, *, with_peer: bool, peer_venv: Path) -> Results:
    """Run every scenario on the worlds of `sizes`, with databases under `scratch`."""
    results = Results()
    cold = _attempt(results, "cold crawl", lambda: _crawl(sizes.cold, scratch, "cold", resync=True))
    if cold is not None:
        first, resynced = cold
        assert resynced is not None
        results.rows.append(_crawl_row(f"ours: cold crawl, {len(sizes.cold)} repos, 0 ms, 1 token", first, sizes.cold))
        results.rows.append(
            Row(
                "ours: re-sync of the unchanged world",
                stargazers=resynced.stargazers,
                seconds=resynced.seconds,
                requests=resynced.requests,
                note=f"{resynced.not_modified:,} answered 304; quota spent {resynced.quota_spent:,} requests",
            )
        )

    scaling = {}
    for tokens in TOKENS:
        world = interleave(sizes.per_account, tokens)
        measured = _attempt(
            results, f"{tokens} tokens at 100 ms",
            lambda: _crawl(world, scratch, f"tokens-{tokens}", accounts=tokens, latency=LATENCY, concurrency=1, prefetch=1),
        )
        if measured is not None:
            scaling[tokens] = measured[0]
            results.rows.append(
                _crawl_row(f"ours: 100 ms, {tokens} token{'s' if tokens > 1 else ''}, 1 request in flight each", measured[0], world)
            )

    comparison: dict[tuple[str, float], float] = {}
    for latency in (0.0, LATENCY):
        label = f"{latency * 1000:.0f} ms"
        ours = _attempt(results, f"ours on the peer's world at {label}", lambda: _crawl(sizes.peer, scratch, f"peer-world-{label}", latency=latency))
        if ours is not None:
            comparison[("ours", latency)] = ours[0].rate
            results.rows.append(
                _crawl_row(
                    f"ours: {len(sizes.peer)} repos, {label}, {CONCURRENCY} repos x {DEFAULT_PREFETCH} pages ahead",
                    ours[0], sizes.peer, "includes database writes",
                )
            )
        if with_peer:
            _peer_row(results, comparison, sizes, latency, peer_venv)
        else:
            results.rows.append(Row(_peer_scenario(sizes, latency), note="not run: --smoke or --no-peer"))

    sizes_rss = [sizes.small_repo, sizes.large_repo]
    memory = _attempt(results, "peak RSS", lambda: rss.measure(sizes_rss))
    if memory is not None:
        for measure in memory:
            results.rows.append(
                Row(f"ours: peak RSS, one {measure.stargazers:,}-stargazer repo", stargazers=measure.stargazers, peak_rss_bytes=measure.peak_rss_bytes)
            )

    overhead = _attempt(results, "Prefect overhead", lambda: prefect_overhead.measure(sizes.overhead_repos))
    if overhead is not None:
        results.rows.append(
            Row(
                f"ours: Prefect task run overhead, {overhead.task_runs} one-page repos each way",
                seconds=overhead.prefect_seconds,
                note=f"{overhead.overhead_per_task_run * 1000:.1f} ms per task run "
                f"({overhead.core_seconds:.2f} s without Prefect; the ephemeral API took "
                f"{overhead.api_start_seconds:.0f} s to start, not counted)",
            )
        )

    results.targets = _targets(results, sizes, cold, scaling, comparison, memory)
    return results


def _peer_row(results: Results, comparison: dict[tuple[str, float], float], sizes: Sizes, latency: float, venv: Path) -> None:
    scenario = _peer_scenario(sizes, latency)
    _progress(scenario)
    try:
        measured = peer.measure(sizes.peer, latency, venv)
    except peer.PeerUnavailable as error:
        results.rows.append(Row(scenario, note=f"not run: {error}"))
        return
    comparison[("peer", latency)] = measured.rate
    results.rows.append(
        Row(
            scenario,
            stargazers=measured.stargazers,
            seconds=measured.extraction_seconds,
            rate=measured.rate,
            requests=measured.requests,
            per_minimum=measured.requests / minimum_requests(sizes.peer),
            peak_rss_bytes=measured.peak_rss_bytes,
            note=f"extraction only, nothing stored; first request {measured.seconds_to_first_request:.1f} s "
            f"after start; {measured.stargazer_requests:,} of the requests for stargazers",
        )
    )


def _peer_scenario(sizes: Sizes, latency: float) -> str:
    return f"peer: Airbyte source-github, {len(sizes.peer)} repos, {latency * 1000:.0f} ms"


def _targets(
    results: Results,
    sizes: Sizes,
    cold: tuple[CrawlMeasure, CrawlMeasure | None] | None,
    scaling: dict[int, CrawlMeasure],
    comparison: dict[tuple[str, float], float],
    memory: list[rss.RssMeasure] | None,
) -> list[Target]:
    targets = []
    first = cold[0] if cold else None
    resynced = cold[1] if cold else None
    targets.append(ratio_target("cold crawl: requests / minimum", first.requests / minimum_requests(sizes.cold) if first else None, 1.01, at_most=True))
    targets.append(ratio_target("cold crawl, 0 ms: stargazers persisted per second / 3,000", first.rate / 3000 if first else None, 1.0))
    targets.append(ratio_target("re-sync: requests per repo", resynced.requests / len(sizes.cold) if resynced else None, 1.0, at_most=True))
    for latency, required in ((0.0, 2.0), (LATENCY, 3.0)):
        ours, theirs = comparison.get(("ours", latency)), comparison.get(("peer", latency))
        ratio = ours / theirs if ours and theirs else None
        targets.append(ratio_target(f"{latency * 1000:.0f} ms: our rate / the peer's", ratio, required))
    single = scaling.get(1)
    for tokens in TOKENS[1:]:
        measured = scaling.get(tokens)
        ratio = measured.rate / (tokens * single.rate) if measured and single else None
        targets.append(ratio_target(f"100 ms, {tokens} tokens: rate / ({tokens} x one token's rate)", ratio, 0.9))
    if memory is not None and len(memory) == 2:
        growth = (memory[1].peak_rss_bytes - memory[0].peak_rss_bytes) / MIB
        met = growth <= 50
        targets.append(Target(f"peak RSS, {sizes.large_repo:,} - {sizes.small_repo:,} stargazers", f"{growth:.1f} MB (required <= 50 MB)", met))
    else:
        targets.append(Target("peak RSS growth", "not measured", None))
    return targets


def scratch_directory() -> tempfile.TemporaryDirectory[str]:
    """Return a temporary directory for the databases of one run."""
    return tempfile.TemporaryDirectory(prefix="gitstars-benchmark-")
