"""SIGINT and SIGTERM during `gitstars run`: whole pages, released claims, statistics, 130/143.

Each case starts the main job against the fake GitHub, waits until stargazer pages are
being fetched, sends the signal, and then reads the database the run left behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from gitstars.fakegithub import FakeGitHub, generate_world
from gitstars.settings import Settings
from gitstars.store import Store
from tests.reliability.processes import start_cli, stop_group, wait_until
from tests.reliability.support import consistency_problems, progress_problems, repo_rows, stored_edges

pytestmark = pytest.mark.e2e

ACCOUNT = "account-1"
SIZES = [1500] * 10 + [300] * 4
# Stargazer pages served before the signal: the crawl is well under way by then.
PAGES_BEFORE_SIGNAL = 12
# Seconds a stopping run may take: the pages in flight, the summary and Prefect's exit.
STOP_TIMEOUT = 90.0


def stargazer_pages_served(server: FakeGitHub) -> int:
    """Count the stargazer pages the server served so far."""
    return sum(1 for entry in server.request_log() if "/stargazers" in entry.path)


@pytest.fixture(scope="module")
def world():
    """Fourteen repositories of one account, 162 pages in all."""
    return generate_world(61, SIZES)


@pytest.mark.parametrize(
    ("signal_number", "to_group", "exit_code"),
    [
        (signal.SIGINT, False, 130),
        (signal.SIGTERM, False, 143),
        (signal.SIGINT, True, 130),
    ],
    ids=["sigint-to-process", "sigterm-to-process", "ctrl-c-to-process-group"],
)
async def test_signal_stops_cleanly(world, tmp_path_factory, signal_number, to_group, exit_code):
    home = tmp_path_factory.mktemp("prefect-home")
    work = tmp_path_factory.mktemp("shutdown")
    db_url = f"surrealkv://{work / 'db'}"
    with FakeGitHub(world, latency=0.02) as server:
        env = {"GITHUB_TOKEN": world.token_for(ACCOUNT), "CONCURRENCY": "4"}
        args = ["run", "--account", ACCOUNT, "--github-api-url", server.url, "--db-url", db_url]
        run = start_cli(args, env=env, prefect_home=home, log_dir=work, name="run")
        try:
            crawling = wait_until(lambda: stargazer_pages_served(server) >= PAGES_BEFORE_SIGNAL, run)
            assert crawling, run.stderr()[-3000:]
            if to_group:
                run.kill_group(signal_number)
            else:
                run.send(signal_number)
            sent_at = time.monotonic()
            try:
                code = run.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                pytest.fail(f"gitstars did not exit within {STOP_TIMEOUT:.0f} s of the signal:\n{run.stderr()[-3000:]}")
            stop_seconds = time.monotonic() - sent_at
        finally:
            stop_group(run)

    stdout, stderr = run.stdout(), run.stderr()
    print(f"\n{signal.Signals(signal_number).name} to {'group' if to_group else 'process'}: exit {code} after {stop_seconds:.1f} s")
    assert code == exit_code, stderr[-3000:]
    assert f"{signal.Signals(signal_number).name}: stopping after the pages in flight are written" in stderr
    assert f"account {ACCOUNT}" in stdout
    assert "this run:" in stdout
    assert "interrupted" in stdout
    assert "TerminationSignal" not in stderr
    assert "Crash detected" not in stderr
    with pytest.raises(ProcessLookupError):
        os.killpg(run.pid, 0)

    store = await Store.open(Settings(db_url=db_url))
    try:
        rows = await repo_rows(store)
        edges = await stored_edges(store)
        problems = await consistency_problems(store)
    finally:
        await store.close()
    statuses = {row["status"] for row in rows.values()}
    resumable = [row for row in rows.values() if row["status"] == "pending" and row["next_page"] > 1]
    assert statuses <= {"pending", "complete"}
    assert [row["full_name"] for row in rows.values() if row.get("claim_token")] == []
    assert resumable
    assert progress_problems(world, rows, edges) == []
    assert problems == []
