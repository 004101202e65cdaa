"""The main job through the CLI, on the recorded world: two runs, then the database."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gitstars.fakegithub.recorded import ACCOUNT_LOGIN, BETAMAX_ID
from gitstars.settings import Settings
from gitstars.store import Store
from gitstars.store.records import repo_id
from tests.e2e.conftest import run_cli

RECORDING = Path(__file__).parent.parent / "data" / "github" / "stargazers-star-json-301-then-5-pages.json.gz"

pytestmark = pytest.mark.e2e


def recorded_betamax_stars() -> dict[int, datetime]:
    """Return user id -> starred_at of the 484 recorded betamax stargazers."""
    recording = json.loads(gzip.decompress(RECORDING.read_bytes()))
    stars = {}
    for exchange in recording["exchanges"]:
        body = exchange["response"]["body"]
        if isinstance(body, list):
            for item in body:
                stars[item["user"]["id"]] = datetime.fromisoformat(item["starred_at"].replace("Z", "+00:00"))
    return stars


def stargazer_requests(server) -> dict[str, int]:
    """Count stargazer-list requests per requested path prefix (without the query)."""
    counts: dict[str, int] = {}
    for request in server.request_log():
        path = request.path.split("?")[0]
        if path.endswith("/stargazers"):
            counts[path] = counts.get(path, 0) + 1
    return counts


@pytest.fixture(scope="module")
def two_runs(recorded_server, prefect_home, tmp_path_factory):
    """Run the main job twice on one database file; keep each run's output and requests."""
    server, world, token = recorded_server
    db_dir = tmp_path_factory.mktemp("db") / "gitstars"
    args = ["run", "--account", ACCOUNT_LOGIN, "--github-api-url", server.url, "--db-url", f"surrealkv://{db_dir}"]
    env = {"GITHUB_TOKEN": token}
    server.reset_counters()
    first = run_cli(args, env=env, prefect_home=prefect_home)
    first_requests = stargazer_requests(server)
    server.reset_counters()
    second = run_cli(args, env=env, prefect_home=prefect_home)
    second_requests = stargazer_requests(server)
    stats = run_cli(["stats", "--db-url", f"surrealkv://{db_dir}"], env={}, prefect_home=prefect_home)
    return {
        "world": world,
        "db_url": f"surrealkv://{db_dir}",
        "first": first,
        "second": second,
        "stats": stats,
        "first_requests": first_requests,
        "second_requests": second_requests,
    }


@pytest.fixture(scope="module")
async def database(two_runs):
    """The database the two runs wrote, opened after both exited."""
    store = await Store.open(Settings(db_url=two_runs["db_url"]))
    yield store
    await store.close()


def test_runs_exit_zero(two_runs):
    assert two_runs["first"].code == 0, two_runs["first"].stderr[-3000:]
    assert two_runs["second"].code == 0, two_runs["second"].stderr[-3000:]
    assert two_runs["stats"].code == 0, two_runs["stats"].stderr[-3000:]


def test_summary_shows_betamax(two_runs):
    assert "484  betamaxpy/betamax" in two_runs["first"].stdout


async def test_betamax_edges_and_starred_at(database):
    (rows,) = await database.runner.query(
        "SELECT record::id(in) AS user, starred_at FROM starred WHERE out = $repo", {"repo": repo_id(BETAMAX_ID)}
    )
    stored = {row["user"]: row["starred_at"] for row in rows}
    recorded = recorded_betamax_stars()
    assert len(rows) == 484
    assert stored == recorded


async def test_betamax_renamed(database):
    (row,) = await database.runner.query("SELECT full_name FROM ONLY $repo", {"repo": repo_id(BETAMAX_ID)})
    assert row["full_name"] == "betamaxpy/betamax"


async def test_unowned_repos_restricted_after_one_request(two_runs, database):
    world = two_runs["world"]
    readable = {repo.id for repo in world.repos.values() if repo.is_member(ACCOUNT_LOGIN)}
    (rows,) = await database.runner.query("SELECT record::id(id) AS id, full_name, status FROM repo")
    restricted = [row for row in rows if row["id"] not in readable]
    assert len(restricted) == 592
    assert {row["status"] for row in restricted} == {"restricted"}
    for row in restricted:
        assert two_runs["first_requests"].get(f"/repos/{row['full_name']}/stargazers") == 1, row["full_name"]


async def test_owned_repos_complete(two_runs, database):
    world = two_runs["world"]
    owned = [repo for repo in world.repos.values() if repo.owner.login == ACCOUNT_LOGIN]
    assert len(owned) == 23
    for repo in owned:
        expected = {user_id for user_id, _ in repo.stargazers.slice(0, len(repo.stargazers))}
        (row,) = await database.runner.query("SELECT status FROM ONLY $repo", {"repo": repo_id(repo.id)})
        (users,) = await database.runner.query(
            "SELECT VALUE record::id(in) FROM starred WHERE out = $repo", {"repo": repo_id(repo.id)}
        )
        assert row["status"] == "complete", repo.full_name
        assert set(users) == expected, repo.full_name


def test_second_run_sends_no_stargazer_request(two_runs):
    assert two_runs["second_requests"] == {}


def test_second_run_writes_nothing(two_runs):
    assert "0 stargazers stored" in two_runs["second"].stdout
    assert "1,295 stargazers stored" in two_runs["second"].stdout


def test_stats_agree_with_summary(two_runs):
    assert "starred edges         1,295" in two_runs["stats"].stdout
    assert "repos complete           24" in two_runs["stats"].stdout
    assert "repos restricted        592" in two_runs["stats"].stdout
