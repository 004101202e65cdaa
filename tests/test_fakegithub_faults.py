"""Tests of fault injection in the fake GitHub server."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from gitstars.fakegithub import (
    FakeGitHub,
    Fault,
    FaultKind,
    FaultPlan,
    RetryAfter,
    ScriptedFault,
    World,
    generate_world,
)

DATA = Path(__file__).parent / "data" / "github"
Serve = Callable[..., FakeGitHub]
STAR = "application/vnd.github.star+json"
STARGAZERS = "/repos/account-1/repo-0/stargazers"


class FakeClock:
    """A clock that tests move by hand."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(9, [250, 40])


@pytest.fixture(scope="module")
def token(world: World) -> str:
    return next(iter(world.tokens))


def open_client(github: FakeGitHub, token: str, timeout: float = 10.0) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}", "Accept": STAR}
    return httpx.Client(base_url=github.url, headers=headers, timeout=timeout)


def scripted(
    kind: FaultKind, path: str = STARGAZERS, nth: int = 1, **fault_fields: Any
) -> FaultPlan:
    fault = Fault(kind, **fault_fields)
    return FaultPlan(scripted=[ScriptedFault(path=path, nth=nth, fault=fault)])


@pytest.fixture
def serve(world: World) -> Iterator[Serve]:
    servers: list[FakeGitHub] = []

    def start(plan: FaultPlan, **options: Any) -> FakeGitHub:
        github = FakeGitHub(world, faults=plan, **options).start()
        servers.append(github)
        return github

    yield start
    for github in servers:
        github.stop()


# Transport faults


def test_scripted_server_error_then_success(serve: Serve, token: str) -> None:
    github = serve(scripted(FaultKind.SERVER_ERROR, nth=2, status=502))
    with open_client(github, token) as http:
        statuses = [http.get(STARGAZERS).status_code for _ in range(3)]
        failed = github.request_log()[1]
    assert statuses == [200, 502, 200]
    assert failed.status == 502
    assert github.counters()["faults"] == {"server_error": 1}


def test_server_error_body(serve: Serve, token: str) -> None:
    github = serve(scripted(FaultKind.SERVER_ERROR, status=500))
    with open_client(github, token) as http:
        response = http.get(STARGAZERS)
    assert response.status_code == 500
    assert response.json() == {"error": "Server Error"}
    assert "x-ratelimit-remaining" in response.headers


def test_scripted_fault_query_match(serve: Serve, token: str) -> None:
    github = serve(scripted(FaultKind.SERVER_ERROR, path=f"{STARGAZERS}?page=2", status=503))
    with open_client(github, token) as http:
        first = http.get(f"{STARGAZERS}?per_page=100&page=1")
        second = http.get(f"{STARGAZERS}?per_page=100&page=2")
    assert first.status_code == 200
    assert second.status_code == 503


def test_connection_reset(serve: Serve, token: str) -> None:
    github = serve(scripted(FaultKind.CONNECTION_RESET))
    with open_client(github, token) as http:
        with pytest.raises(httpx.TransportError) as raised:
            http.get(STARGAZERS)
        retried = http.get(STARGAZERS)
    assert not isinstance(raised.value, httpx.TimeoutException)
    assert retried.status_code == 200
    assert github.request_log()[0].status == 0
    assert github.counters()["faults"] == {"connection_reset": 1}


def test_slow_response_times_out(serve: Serve, token: str) -> None:
    github = serve(
        FaultPlan(slow_seconds=3.0, scripted=[ScriptedFault(STARGAZERS, 1, Fault(FaultKind.SLOW))])
    )
    with open_client(github, token, timeout=0.3) as http:
        started = time.perf_counter()
        with pytest.raises(httpx.ReadTimeout):
            http.get(STARGAZERS)
        waited = time.perf_counter() - started
    assert waited < 2.0
    assert github.counters()["faults"] == {"slow": 1}


@pytest.mark.parametrize("status", [403, 429])
def test_secondary_limit_retry_after_seconds(serve: Serve, token: str, status: int) -> None:
    github = serve(
        scripted(FaultKind.SECONDARY_LIMIT, status=status, retry_after=RetryAfter.SECONDS)
    )
    with open_client(github, token) as http:
        response = http.get(STARGAZERS)
    assert response.status_code == status
    assert response.headers["retry-after"] == "60"
    assert response.json()["message"].startswith(
        "You have exceeded a secondary rate limit. Please wait a few minutes"
    )
    assert "x-ratelimit-remaining" not in response.headers


def test_secondary_limit_retry_after_date(serve: Serve, token: str) -> None:
    clock = FakeClock()
    github = serve(
        scripted(FaultKind.SECONDARY_LIMIT, status=403, retry_after=RetryAfter.HTTP_DATE),
        clock=clock,
    )
    with open_client(github, token) as http:
        response = http.get(STARGAZERS)
    retry_at = parsedate_to_datetime(response.headers["retry-after"]).timestamp()
    assert retry_at == clock.now + 60


def test_secondary_limit_retry_after_absent(serve: Serve, token: str) -> None:
    github = serve(scripted(FaultKind.SECONDARY_LIMIT, status=429, retry_after=RetryAfter.ABSENT))
    with open_client(github, token) as http:
        response = http.get(STARGAZERS)
    assert response.status_code == 429
    assert "retry-after" not in response.headers


def test_secondary_limit_not_counted(serve: Serve, token: str) -> None:
    github = serve(scripted(FaultKind.SECONDARY_LIMIT, nth=2, status=403))
    with open_client(github, token) as http:
        first = http.get(STARGAZERS)
        http.get(STARGAZERS)
        third = http.get(STARGAZERS)
    assert int(third.headers["x-ratelimit-used"]) == int(first.headers["x-ratelimit-used"]) + 1


def test_primary_exhaustion_until_reset(serve: Serve, token: str) -> None:
    clock = FakeClock()
    recorded = json.loads((DATA / "primary-rate-limit-403.json").read_text())
    recorded_message = recorded["exchanges"][1]["response"]["body"]["message"]
    github = serve(FaultPlan(exhaust_after=3, exhaust_seconds=120), clock=clock)
    with open_client(github, token) as http:
        answered = [http.get("/user") for _ in range(3)]
        refused = http.get("/user")
        clock.now += 121
        recovered = http.get("/user")
    assert [response.status_code for response in answered] == [200, 200, 200]
    assert answered[2].headers["x-ratelimit-remaining"] == "0"
    assert int(answered[2].headers["x-ratelimit-reset"]) == int(clock.now - 121 + 120)
    assert refused.status_code == 403
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.json()["message"].split(" for ")[0] == recorded_message.split(" for ")[0]
    assert recovered.status_code == 200
    assert recovered.headers["x-ratelimit-remaining"] == "4999"
    assert github.counters()["faults"] == {"primary_limit": 1}


def test_scripted_primary_limit(serve: Serve, token: str) -> None:
    github = serve(scripted(FaultKind.PRIMARY_LIMIT, path="/user"))
    with open_client(github, token) as http:
        refused = http.get("/user")
        answered = http.get("/user")
    assert refused.status_code == 403
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert answered.status_code == 200


# Bad input


def test_html_page(serve: Serve, token: str) -> None:
    github = serve(scripted(FaultKind.HTML_PAGE))
    with open_client(github, token) as http:
        response = http.get(STARGAZERS)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.startswith("<!DOCTYPE html>")


def test_invalid_json(serve: Serve, token: str) -> None:
    github = serve(scripted(FaultKind.INVALID_JSON))
    with open_client(github, token) as http:
        response = http.get(STARGAZERS)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_empty_page_with_next(serve: Serve, token: str) -> None:
    github = serve(scripted(FaultKind.EMPTY_WITH_NEXT, path=f"{STARGAZERS}?page=3"))
    with open_client(github, token) as http:
        response = http.get(f"{STARGAZERS}?per_page=100&page=3")
    assert response.json() == []
    assert response.links["next"]["url"].endswith("page=4")


def test_null_user(serve: Serve, token: str) -> None:
    github = serve(scripted(FaultKind.NULL_USER, position=0.5))
    with open_client(github, token) as http:
        items = http.get(STARGAZERS).json()
    assert items[15]["user"] is None
    assert sum(item["user"] is None for item in items) == 1


def test_ghost_user(serve: Serve, token: str) -> None:
    github = serve(scripted(FaultKind.GHOST_USER))
    with open_client(github, token) as http:
        items = http.get(STARGAZERS).json()
    assert items[0]["user"]["login"] == "ghost"
    assert items[0]["user"]["id"] == 10137
    assert "starred_at" in items[0]


def test_missing_starred_at(serve: Serve, token: str) -> None:
    github = serve(scripted(FaultKind.MISSING_STARRED_AT))
    with open_client(github, token) as http:
        items = http.get(STARGAZERS).json()
    assert "starred_at" not in items[0]
    assert "starred_at" in items[1]


def test_bad_input_skips_errors(serve: Serve, token: str) -> None:
    github = serve(scripted(FaultKind.NULL_USER, path="/repos/nobody/nothing/stargazers"))
    with open_client(github, token) as http:
        response = http.get("/repos/nobody/nothing/stargazers")
    assert response.status_code == 404
    assert github.counters()["faults"] == {}


def test_bad_input_damaged_page_not_cached(serve: Serve, token: str) -> None:
    github = serve(scripted(FaultKind.NULL_USER))
    with open_client(github, token) as http:
        damaged = http.get(STARGAZERS).json()
        clean = http.get(STARGAZERS).json()
    assert damaged[0]["user"] is None
    assert clean[0]["user"] is not None


# Random faults


def statuses_for(world: World, token: str, plan: FaultPlan) -> list[int]:
    with FakeGitHub(world, faults=plan) as github, open_client(github, token) as http:
        return [
            http.get(f"{STARGAZERS}?per_page=10&page={page}").status_code for page in range(1, 26)
        ]


def test_random_faults_deterministic(world: World, token: str) -> None:
    first = statuses_for(world, token, FaultPlan(seed=4, server_error=0.3, secondary_limit=0.2))
    second = statuses_for(world, token, FaultPlan(seed=4, server_error=0.3, secondary_limit=0.2))
    other = statuses_for(world, token, FaultPlan(seed=5, server_error=0.3, secondary_limit=0.2))
    assert first == second
    assert first != other
    assert set(first) - {200} <= {500, 502, 503, 403, 429}
    assert 200 in first


def test_random_fault_retry_draws_again(world: World, token: str) -> None:
    plan = FaultPlan(seed=1, server_error=0.5)
    with FakeGitHub(world, faults=plan) as github, open_client(github, token) as http:
        statuses = [http.get(STARGAZERS).status_code for _ in range(30)]
    assert 200 in statuses
    assert len(set(statuses)) > 1


def test_random_faults_route_filter(world: World, token: str) -> None:
    plan = FaultPlan(server_error=1.0, routes=frozenset({"stargazers"}))
    with FakeGitHub(world, faults=plan) as github, open_client(github, token) as http:
        user = http.get("/user")
        stargazers = http.get(STARGAZERS)
    assert user.status_code == 200
    assert stargazers.status_code in (500, 502, 503)


def test_random_bad_input_counts(world: World, token: str) -> None:
    plan = FaultPlan(seed=2, ghost_user=1.0)
    with FakeGitHub(world, faults=plan) as github, open_client(github, token) as http:
        for page in range(1, 4):
            http.get(f"{STARGAZERS}?page={page}")
        http.get("/user")
        counts = github.counters()["faults"]
    assert counts == {"ghost_user": 3}
