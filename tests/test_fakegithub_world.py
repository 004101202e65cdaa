"""Tests of the fake GitHub world model, the recorded world and generated worlds."""

from __future__ import annotations

import gzip
import json
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from gitstars.fakegithub import (
    ACCOUNT_ID,
    ACCOUNT_LOGIN,
    BETAMAX_ID,
    generate_world,
    recorded_world,
)
from gitstars.fakegithub.render import parse_timestamp
from gitstars.fakegithub.stargazers import ExplicitStargazers, GeneratedStargazers
from gitstars.fakegithub.world import UserPool, World

DATA = Path(__file__).parent / "data" / "github"


def load_recording(name: str) -> dict[str, Any]:
    raw = (DATA / name).read_bytes()
    return json.loads(gzip.decompress(raw) if name.endswith(".gz") else raw)


@pytest.fixture(scope="module")
def recorded() -> tuple[World, str]:
    return recorded_world()


@pytest.fixture(scope="module")
def starred_items() -> list[dict[str, Any]]:
    recording = load_recording("user-starred-star-json-7-pages.json.gz")
    return [
        item for exchange in recording["exchanges"][1:] for item in exchange["response"]["body"]
    ]


@pytest.fixture(scope="module")
def stargazer_items() -> list[dict[str, Any]]:
    recording = load_recording("stargazers-star-json-301-then-5-pages.json.gz")
    return [
        item for exchange in recording["exchanges"][2:] for item in exchange["response"]["body"]
    ]


# Stargazer lists


def test_generated_stargazers_distinct_ascending() -> None:
    stars = GeneratedStargazers(
        count=5000,
        first_user_id=100,
        population=6000,
        start=0,
        end=10**8,
        seed=3,
        pinned=[(1, 50), (2, 10**8 - 5)],
    ).slice(0, 10_000)
    users = [user for user, _ in stars]
    times = [starred_at for _, starred_at in stars]
    assert len(stars) == 5000
    assert len(set(users)) == 5000
    assert all(earlier < later for earlier, later in zip(times, times[1:], strict=False))
    assert {1, 2} <= set(users)


def test_generated_stargazers_slice_matches_whole() -> None:
    stars = GeneratedStargazers(
        count=300,
        first_user_id=1,
        population=300,
        start=0,
        end=10**6,
        seed=1,
        pinned=[(9999, 500_000)],
    )
    whole = stars.slice(0, 300)
    assert stars.slice(100, 200) == whole[100:200]
    assert stars.slice(290, 400) == whole[290:]


def test_generated_stargazers_population_too_small() -> None:
    with pytest.raises(ValueError, match="population"):
        GeneratedStargazers(count=11, first_user_id=1, population=10, start=0, end=100, seed=0)


def test_explicit_stargazers_add_keeps_order() -> None:
    stars = ExplicitStargazers([(1, 30), (2, 10)])
    stars.add(3, 20)
    assert stars.slice(0, 10) == [(2, 10), (3, 20), (1, 30)]


# World


def test_pool_login_round_trip() -> None:
    pool = UserPool(first_id=1000, size=50, prefix="stargazer-")
    assert pool.index_of_login("stargazer-7") == 7
    assert pool.index_of_login("Stargazer-7") == 7
    assert pool.index_of_login("stargazer-07") is None
    assert pool.index_of_login("stargazer-50") is None
    assert pool.index_of_id(1049) == 49
    assert pool.user(3).login == "stargazer-3"


def test_world_lookups_case_insensitive() -> None:
    world = World()
    world.add_user("Octo", 5)
    repo = world.add_repo("octo", "Hello", repo_id=9)
    assert world.user_by_login("OCTO").id == 5
    assert world.repo_by_name("OCTO/hello") is repo


def test_world_rejects_clashing_user() -> None:
    world = World()
    world.add_user("octo", 5)
    assert world.add_user("octo", 5).id == 5
    with pytest.raises(ValueError):
        world.add_user("other", 5)


def test_world_tokens_deterministic() -> None:
    first, second = World(), World()
    for world in (first, second):
        world.add_user("octo")
    token = first.issue_token("octo")
    assert token == second.issue_token("octo")
    assert first.login_for_token(token) == "octo"
    assert first.token_for("OCTO") == token
    assert first.login_for_token("ghp_unknown") is None


def test_repo_membership() -> None:
    world = World()
    for login in ("owner", "admin", "helper", "stranger"):
        world.add_user(login)
    repo = world.add_repo("owner", "r", private=True, admins=["Admin"], collaborators=["helper"])
    assert repo.is_member("owner")
    assert repo.is_member("admin")
    assert repo.is_member("helper")
    assert not repo.is_member("stranger")
    assert not repo.is_member(None)
    assert not repo.is_visible_to("stranger")


# Recorded world


def test_recorded_account_starred_count(recorded: tuple[World, str]) -> None:
    world, token = recorded
    assert world.login_for_token(token) == ACCOUNT_LOGIN
    assert len(world.starred_by(ACCOUNT_ID)) == 616


def test_recorded_starred_times_match(
    recorded: tuple[World, str], starred_items: list[dict[str, Any]]
) -> None:
    world, _ = recorded
    expected = [
        (item["repo"]["id"], parse_timestamp(item["starred_at"]))
        for item in reversed(starred_items)
    ]
    assert world.starred_by(ACCOUNT_ID) == expected


def test_recorded_owned_repos(
    recorded: tuple[World, str], starred_items: list[dict[str, Any]]
) -> None:
    world, _ = recorded
    owned = {repo.id: repo for repo in world.repos.values() if repo.owner.login == ACCOUNT_LOGIN}
    recorded_counts = {
        item["repo"]["id"]: item["repo"]["stargazers_count"]
        for item in starred_items
        if item["repo"]["owner"]["login"] == ACCOUNT_LOGIN
    }
    assert len(owned) == 23
    assert {repo_id: repo.stargazers_count for repo_id, repo in owned.items()} == recorded_counts


def test_recorded_owned_stargazers_plausible(recorded: tuple[World, str]) -> None:
    world, _ = recorded
    owned = [repo for repo in world.repos.values() if repo.owner.login == ACCOUNT_LOGIN]
    seen_in: dict[int, int] = {}
    for repo in owned:
        stars = repo.stargazers.slice(0, len(repo.stargazers))
        times = [starred_at for _, starred_at in stars]
        assert len({user for user, _ in stars}) == len(stars), repo.full_name
        assert all(a < b for a, b in zip(times, times[1:], strict=False)), repo.full_name
        assert ACCOUNT_ID in {user for user, _ in stars}, repo.full_name
        for user, _ in stars:
            seen_in[user] = seen_in.get(user, 0) + 1
    several = [user for user, count in seen_in.items() if count > 1 and user != ACCOUNT_ID]
    assert several


def test_recorded_owned_stargazers_deterministic() -> None:
    first, _ = recorded_world(seed=0)
    second, _ = recorded_world(seed=0)
    other, _ = recorded_world(seed=1)
    repo_id = 3710711  # u4575f3f64e/github3.py, 748 stars
    assert first.repos[repo_id].stargazers.slice(0, 100) == second.repos[repo_id].stargazers.slice(
        0, 100
    )
    assert first.repos[repo_id].stargazers.slice(0, 100) != other.repos[repo_id].stargazers.slice(
        0, 100
    )


def test_recorded_betamax_stargazers(
    recorded: tuple[World, str], stargazer_items: list[dict[str, Any]]
) -> None:
    world, _ = recorded
    betamax = world.repos[BETAMAX_ID]
    expected = [
        (item["user"]["id"], parse_timestamp(item["starred_at"])) for item in stargazer_items
    ]
    assert betamax.stargazers_count == 484
    assert betamax.stargazers.slice(0, 1000) == expected
    assert world.user_by_id(expected[0][0]).login == stargazer_items[0]["user"]["login"]


def test_recorded_betamax_rename(recorded: tuple[World, str]) -> None:
    world, _ = recorded
    betamax = world.repos[BETAMAX_ID]
    assert betamax.full_name == "betamaxpy/betamax"
    assert betamax.listed_as == "u4575f3f64e/betamax"
    assert world.renamed_repo("u4575f3f64e/betamax") is betamax
    assert betamax.is_member(ACCOUNT_LOGIN)


def test_recorded_other_repos_restricted(
    recorded: tuple[World, str], starred_items: list[dict[str, Any]]
) -> None:
    world, _ = recorded
    others = [
        repo
        for repo in world.repos.values()
        if repo.owner.login != ACCOUNT_LOGIN and repo.id != BETAMAX_ID
    ]
    counts = {item["repo"]["id"]: item["repo"]["stargazers_count"] for item in starred_items}
    assert len(others) == 592
    assert not any(repo.is_member(ACCOUNT_LOGIN) for repo in others)
    assert all(repo.stargazers_count == counts[repo.id] for repo in others)


# Generated world


def test_generated_world_counts() -> None:
    world = generate_world(7, [5, 10, 20], accounts=2, restricted_sizes=[4], blocked=1)
    sizes = sorted(
        repo.stargazers_count for repo in world.repos.values() if repo.owner.type == "User"
    )
    assert sizes == [5, 10, 20]
    assert len(world.tokens) == 2
    assert len(world.starred_by(world.user_by_login("account-1").id)) == 2 + 1 + 1
    assert len(world.starred_by(world.user_by_login("account-2").id)) == 1 + 1 + 1


def test_generated_world_accounts_star_own_repos() -> None:
    world = generate_world(7, [5, 10, 20], accounts=2)
    for repo in world.repos.values():
        stars = repo.stargazers.slice(0, len(repo.stargazers))
        assert repo.owner.id in {user for user, _ in stars}
        assert repo.is_member(repo.owner.login)


def test_generated_world_deterministic() -> None:
    first = generate_world(11, [300, 40], accounts=2, renamed=1)
    second = generate_world(11, [300, 40], accounts=2, renamed=1)
    third = generate_world(12, [300, 40], accounts=2, renamed=1)

    def snapshot(world: World) -> list[Any]:
        return [(repo.full_name, repo.stargazers.slice(0, 500)) for repo in world.repos.values()]

    assert snapshot(first) == snapshot(second)
    assert snapshot(first) != snapshot(third)
    assert first.tokens == second.tokens


def test_generated_world_rejects_small_repo() -> None:
    with pytest.raises(ValueError, match="at least"):
        generate_world(1, [1], accounts=2, star_others=True)


def test_generated_world_large_repos_compact() -> None:
    tracemalloc.start()
    started = time.perf_counter()
    world = generate_world(1, [45_000] * 4, accounts=2)
    built = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    repo = next(iter(world.repos.values()))
    started = time.perf_counter()
    last_page = repo.stargazers.slice(44_900, 45_000)
    sliced = time.perf_counter() - started
    assert built < 2.0
    assert peak < 5 * 1024 * 1024
    assert len(last_page) == 100
    assert sliced < 0.05
