"""`gitstars run --resync` through the CLI, on the recorded world: a cold run, then a re-sync."""

from __future__ import annotations

import pytest

from gitstars.fakegithub.recorded import ACCOUNT_LOGIN, recorded_world
from gitstars.fakegithub.server import FakeGitHub
from tests.e2e.conftest import CliResult, run_cli

pytestmark = pytest.mark.e2e

# The recorded account can list the stargazers of 24 repositories: the 23 it owns and
# betamaxpy/betamax, which it administers.
COMPLETE_REPOS = 24


def stargazer_statuses(server: FakeGitHub) -> list[int]:
    """Return the status of each stargazers request since the last counter reset."""
    return [
        request.status
        for request in server.request_log()
        if request.path.split("?")[0].endswith("/stargazers")
    ]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, object]:
    """Run the main job cold, then with `--resync`, on one database directory."""
    world, token = recorded_world()
    prefect_home = tmp_path_factory.mktemp("prefect-home")
    db_dir = tmp_path_factory.mktemp("db") / "gitstars"
    with FakeGitHub(world) as server:
        args = ["run", "--account", ACCOUNT_LOGIN, "--github-api-url", server.url, "--db-url", f"surrealkv://{db_dir}"]
        env = {"GITHUB_TOKEN": token}
        cold: CliResult = run_cli(args, env=env, prefect_home=prefect_home)
        server.reset_counters()
        resync: CliResult = run_cli([*args, "--resync"], env=env, prefect_home=prefect_home)
        return {"cold": cold, "resync": resync, "statuses": stargazer_statuses(server)}


def test_resync_runs_exit_zero(runs):
    assert runs["cold"].code == 0, runs["cold"].stderr[-3000:]
    assert runs["resync"].code == 0, runs["resync"].stderr[-3000:]


def test_resync_reports_reopened_repos(runs):
    assert f"re-syncing {COMPLETE_REPOS} complete repositories" in runs["resync"].stderr


def test_resync_one_request_per_repo(runs):
    assert len(runs["statuses"]) == COMPLETE_REPOS


def test_resync_requests_all_304(runs):
    assert set(runs["statuses"]) == {304}


def test_resync_stores_nothing_new(runs):
    assert "0 stargazers stored" in runs["resync"].stdout
    assert "1,295 stargazers stored" in runs["resync"].stdout
