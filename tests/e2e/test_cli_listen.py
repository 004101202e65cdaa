"""`gitstars listen` on the embedded default: new accounts from the change feed, resumed cursor."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from gitstars.fakegithub.generate import generate_world
from gitstars.fakegithub.server import FakeGitHub
from gitstars.models import GitHubUser, Repository, StarredRepository
from gitstars.settings import Settings
from gitstars.store import Store
from tests.e2e.conftest import run_cli

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def world_server():
    world = generate_world(7, [5, 3, 150, 2], accounts=2)
    with FakeGitHub(world) as server:
        yield world, server


def account_of(world, login: str) -> GitHubUser:
    user = world.user_by_login(login)
    return GitHubUser(id=user.id, login=user.login)


async def sign_in(db_url: str, world, login: str) -> None:
    """Write an account and its starred repositories, as the web app does at sign-in."""
    user = world.user_by_login(login)
    starred = []
    for repo_id, starred_at in world.starred_by(user.id):
        repo = world.repos[repo_id]
        owner = GitHubUser(id=repo.owner.id, login=repo.owner.login)
        starred.append(
            StarredRepository(
                starred_at=datetime.fromtimestamp(starred_at, UTC),
                repo=Repository(id=repo.id, full_name=repo.full_name, owner=owner, stargazers_count=repo.stargazers_count),
            )
        )
    store = await Store.open(Settings(db_url=db_url))
    await store.accounts.upsert(account_of(world, login), token=SecretStr(world.token_for(login)))
    await store.accounts.sync_starred(user.id, starred)
    await store.close()


async def edges_by_repo(db_url: str) -> dict[int, int]:
    store = await Store.open(Settings(db_url=db_url))
    (rows,) = await store.runner.query("SELECT record::id(out) AS repo, count() AS edges FROM starred GROUP BY repo")
    await store.close()
    return {row["repo"]: row["edges"] for row in rows}


def listen_once(server, db_url: str, prefect_home):
    args = ["listen", "--once", "--poll-seconds", "0.2", "--settle-seconds", "0",
            "--github-api-url", server.url, "--db-url", db_url]
    return run_cli(args, env={"GITHUB_TOKEN": ""}, prefect_home=prefect_home)


async def test_listener_crawls_new_accounts(world_server, prefect_home, tmp_path):
    world, server = world_server
    db_url = f"surrealkv://{tmp_path / 'db'}"
    first_login, second_login = "account-1", "account-2"

    await sign_in(db_url, world, first_login)
    first = listen_once(server, db_url, prefect_home)
    assert first.code == 0, first.stderr[-3000:]
    first_repos = {repo_id for repo_id, _ in world.starred_by(world.user_by_login(first_login).id)}
    stored = await edges_by_repo(db_url)
    assert set(stored) == first_repos
    for repo_id in first_repos:
        assert stored[repo_id] == world.repos[repo_id].stargazers_count

    await sign_in(db_url, world, second_login)
    server.reset_counters()
    second = listen_once(server, db_url, prefect_home)
    assert second.code == 0, second.stderr[-3000:]
    logins = {request.login for request in server.request_log()}
    assert logins == {second_login}
    stored = await edges_by_repo(db_url)
    assert len(stored) == len(world.repos)
