"""Tests of the fake GitHub server over HTTP: shapes, paging, redirects, errors, headers."""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from gitstars.fakegithub import (
    ACCOUNT_LOGIN,
    BETAMAX_ID,
    FakeGitHub,
    World,
    generate_world,
    recorded_world,
)
from gitstars.fakegithub.stargazers import ExplicitStargazers

DATA = Path(__file__).parent / "data" / "github"
STAR = "application/vnd.github.star+json"
STAR_V3 = "application/vnd.github.v3.star+json"
OWNED_REPO = "u4575f3f64e/github3.py"  # 748 stars, owned by the recorded account
FOREIGN_REPO = "requests/requests"  # starred by the account, owned by an organisation


def load(name: str) -> Any:
    raw = (DATA / name).read_bytes()
    return json.loads(gzip.decompress(raw) if name.endswith(".gz") else raw)


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    return load("api.github.com.2022-11-28.stargazer-extract.json")["components"]["schemas"]


@pytest.fixture(scope="module")
def recorded() -> tuple[World, str]:
    return recorded_world()


@pytest.fixture(scope="module")
def server(recorded: tuple[World, str]) -> Iterator[FakeGitHub]:
    with FakeGitHub(recorded[0]) as github:
        yield github


@pytest.fixture
def client(server: FakeGitHub, recorded: tuple[World, str]) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {recorded[1]}", "Accept": STAR}
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as http:
        yield http


def open_client(github: FakeGitHub, token: str, accept: str = STAR) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}", "Accept": accept}
    return httpx.Client(base_url=github.url, headers=headers, timeout=10)


def collect(http: httpx.Client, url: str, **kwargs: Any) -> tuple[list[Any], list[httpx.Response]]:
    items: list[Any] = []
    responses = []
    next_url: str | None = url
    while next_url:
        response = http.get(next_url, **kwargs)
        assert response.status_code == 200, response.text
        responses.append(response)
        items.extend(response.json())
        next_url = response.links.get("next", {}).get("url")
    return items, responses


def missing_fields(value: dict[str, Any], schema: dict[str, Any]) -> set[str]:
    return set(schema["required"]) - set(value)


# Shapes


def test_stargazer_shape(client: httpx.Client, schemas: dict[str, Any]) -> None:
    items = client.get(f"/repos/{OWNED_REPO}/stargazers").json()
    assert len(items) == 30
    assert missing_fields(items[0], schemas["stargazer"]) == set()
    assert missing_fields(items[0]["user"], schemas["simple-user"]) == set()
    assert items[0]["starred_at"].endswith("Z")


def test_plain_stargazer_shape(client: httpx.Client, schemas: dict[str, Any]) -> None:
    items = client.get(
        f"/repos/{OWNED_REPO}/stargazers", headers={"Accept": "application/vnd.github+json"}
    ).json()
    assert "starred_at" not in items[0]
    assert missing_fields(items[0], schemas["simple-user"]) == set()


def test_starred_shape(client: httpx.Client, schemas: dict[str, Any]) -> None:
    items = client.get(f"/users/{ACCOUNT_LOGIN}/starred").json()
    assert missing_fields(items[0], schemas["starred-repository"]) == set()
    assert missing_fields(items[0]["repo"], schemas["repository"]) == set()
    assert missing_fields(items[0]["repo"]["owner"], schemas["simple-user"]) == set()


def test_plain_starred_shape(client: httpx.Client, schemas: dict[str, Any]) -> None:
    items = client.get("/user/starred", headers={"Accept": "application/json"}).json()
    assert missing_fields(items[0], schemas["repository"]) == set()


def test_repo_shape(client: httpx.Client, server: FakeGitHub, schemas: dict[str, Any]) -> None:
    body = client.get(f"/repos/{OWNED_REPO}").json()
    assert missing_fields(body, schemas["repository"]) == set()
    assert body["stargazers_count"] == 748
    assert body["stargazers_url"] == f"{server.url}/repos/{OWNED_REPO}/stargazers"


def test_user_endpoints(client: httpx.Client, schemas: dict[str, Any]) -> None:
    me = client.get("/user").json()
    other = client.get("/users/u003c59faaa")
    assert me["login"] == ACCOUNT_LOGIN
    assert me["public_repos"] == 169
    assert missing_fields(me, schemas["simple-user"]) == set()
    assert other.status_code == 200
    assert other.json()["type"] == "User"
    assert client.get("/users/nobody-here-at-all").status_code == 404


# Recorded world over HTTP


def test_starred_pages_match_recording(client: httpx.Client) -> None:
    recording = load("user-starred-star-json-7-pages.json.gz")
    expected = [
        item for exchange in recording["exchanges"][1:] for item in exchange["response"]["body"]
    ]
    items, responses = collect(client, f"/users/{ACCOUNT_LOGIN}/starred?per_page=100")
    assert len(responses) == 7
    assert len(items) == 616
    assert [item["starred_at"] for item in items] == [item["starred_at"] for item in expected]
    assert [item["repo"]["id"] for item in items] == [item["repo"]["id"] for item in expected]


def test_starred_lists_betamax_under_old_name(client: httpx.Client) -> None:
    items, _ = collect(client, "/user/starred?per_page=100")
    betamax = [item["repo"] for item in items if item["repo"]["id"] == BETAMAX_ID]
    owned = [item for item in items if item["repo"]["owner"]["login"] == ACCOUNT_LOGIN]
    assert betamax[0]["full_name"] == "u4575f3f64e/betamax"
    assert betamax[0]["stargazers_count"] == 484
    # 23 owned repositories, plus betamax under its old owner.
    assert len(owned) == 24


def test_starred_direction_asc(client: httpx.Client) -> None:
    newest = client.get("/user/starred?per_page=5").json()
    oldest = client.get("/user/starred?per_page=5&direction=asc").json()
    assert newest[0]["starred_at"] == "2018-01-04T22:57:12Z"
    assert oldest[0]["starred_at"] == "2010-04-10T04:07:32Z"


def test_betamax_stargazers_via_redirect(client: httpx.Client) -> None:
    recording = load("stargazers-star-json-301-then-5-pages.json.gz")
    expected = [
        item for exchange in recording["exchanges"][2:] for item in exchange["response"]["body"]
    ]
    items, responses = collect(
        client, "/repos/u4575f3f64e/betamax/stargazers?per_page=100", follow_redirects=True
    )
    assert len(responses) == 5
    assert responses[0].history[0].status_code == 301
    assert [(i["user"]["login"], i["starred_at"]) for i in items] == [
        (i["user"]["login"], i["starred_at"]) for i in expected
    ]


def test_owned_repo_stargazers_complete(client: httpx.Client) -> None:
    items, responses = collect(client, f"/repos/{OWNED_REPO}/stargazers?per_page=100")
    times = [item["starred_at"] for item in items]
    assert len(items) == 748
    assert len(responses) == 8
    assert times == sorted(times)
    assert len({item["user"]["id"] for item in items}) == 748


# Paging and links


def test_link_header_first_page(client: httpx.Client, server: FakeGitHub) -> None:
    response = client.get(f"/repos/{OWNED_REPO}/stargazers?per_page=100")
    repo_id = response.links["next"]["url"].split("/")[4]
    base = f"{server.url}/repositories/{repo_id}/stargazers"
    assert response.links["next"]["url"] == f"{base}?per_page=100&page=2"
    assert response.links["last"]["url"] == f"{base}?per_page=100&page=8"
    assert "prev" not in response.links
    assert "first" not in response.links


def test_link_header_middle_page(client: httpx.Client) -> None:
    response = client.get(f"/users/{ACCOUNT_LOGIN}/starred?sort=created&per_page=100&page=3")
    links = response.links
    assert set(links) == {"prev", "next", "last", "first"}
    assert links["prev"]["url"].endswith(
        f"/users/{ACCOUNT_LOGIN}/starred?sort=created&per_page=100&page=2"
    )
    assert links["first"]["url"].endswith("per_page=100&page=1")
    assert links["last"]["url"].endswith("per_page=100&page=7")


def test_link_header_last_page(client: httpx.Client) -> None:
    response = client.get("/user/starred?per_page=100&page=7")
    assert len(response.json()) == 16
    assert set(response.links) == {"prev", "first"}


def test_per_page_clamped(client: httpx.Client) -> None:
    assert len(client.get("/user/starred?per_page=500").json()) == 100
    assert len(client.get("/user/starred?per_page=abc").json()) == 30


def test_page_past_end_empty(client: httpx.Client) -> None:
    response = client.get("/user/starred?per_page=100&page=9")
    assert response.status_code == 200
    assert response.json() == []


def test_page_cap_422() -> None:
    world = generate_world(1, [1000])
    token = next(iter(world.tokens))
    quoted = load("422-stargazers-pagination-limited.json")["response"]["body"]
    with FakeGitHub(world, page_cap=3) as github, httpx.Client(base_url=github.url) as http:
        headers = {"Authorization": f"token {token}"}
        before_cap = http.get(
            "/repos/account-1/repo-0/stargazers?per_page=100&page=2", headers=headers
        )
        capped = http.get("/repos/account-1/repo-0/stargazers?per_page=100&page=3", headers=headers)
        refused = http.get(
            "/repos/account-1/repo-0/stargazers?per_page=100&page=4", headers=headers
        )
    assert before_cap.links["last"]["url"].endswith("page=3")
    assert capped.status_code == 200
    assert "next" not in capped.links
    assert refused.status_code == 422
    assert refused.json() == quoted


# Redirects, errors and restriction


def test_repo_redirect(client: httpx.Client, server: FakeGitHub) -> None:
    response = client.get("/repos/u4575f3f64e/betamax")
    assert response.status_code == 301
    assert response.headers["location"] == f"{server.url}/repositories/{BETAMAX_ID}"
    assert response.json()["message"] == "Moved Permanently"
    assert response.json()["url"] == response.headers["location"]


def test_stargazers_redirect_keeps_query(client: httpx.Client, server: FakeGitHub) -> None:
    response = client.get("/repos/u4575f3f64e/betamax/stargazers?per_page=100")
    assert response.status_code == 301
    assert (
        response.headers["location"]
        == f"{server.url}/repositories/{BETAMAX_ID}/stargazers?per_page=100"
    )


def test_repo_by_id(client: httpx.Client) -> None:
    body = client.get(f"/repositories/{BETAMAX_ID}").json()
    assert body["full_name"] == "betamaxpy/betamax"
    assert body["stargazers_count"] == 484


def test_missing_repo_404(client: httpx.Client) -> None:
    assert client.get("/repos/nobody/nothing").status_code == 404
    assert client.get("/repos/nobody/nothing/stargazers").status_code == 404
    assert client.get("/repositories/1/stargazers").status_code == 404
    assert client.get("/no/such/route").status_code == 404


def test_blocked_repo_451() -> None:
    world = generate_world(1, [3], blocked=1)
    token = next(iter(world.tokens))
    quoted = load("451-repository-access-blocked.json")["response"]["body"]
    with (
        FakeGitHub(world) as github,
        open_client(github, token) as http,
    ):
        repo = http.get("/repos/restricted-org/blocked-0")
        stargazers = http.get("/repos/restricted-org/blocked-0/stargazers")
    assert repo.status_code == 451
    assert stargazers.status_code == 451
    assert repo.json()["message"] == quoted["message"]
    assert set(repo.json()["block"]) == set(quoted["block"])


def test_bad_credentials_401(server: FakeGitHub) -> None:
    with httpx.Client(base_url=server.url) as http:
        unknown = http.get("/user", headers={"Authorization": "Bearer ghp_wrong"})
        malformed = http.get("/user", headers={"Authorization": "Basic abc"})
    assert unknown.status_code == 401
    assert unknown.json()["message"] == "Bad credentials"
    assert unknown.json()["status"] == "401"
    assert "documentation_url" in unknown.json()
    assert malformed.status_code == 401


def test_anonymous_limit_60(server: FakeGitHub) -> None:
    with httpx.Client(base_url=server.url) as http:
        response = http.get(f"/users/{ACCOUNT_LOGIN}")
        requires_auth = http.get("/user")
    assert response.headers["x-ratelimit-limit"] == "60"
    assert requires_auth.status_code == 401


@pytest.mark.parametrize(
    ("restriction", "status", "body"),
    [
        ("404", 404, "Not Found"),
        ("403", 403, "Must have admin rights to Repository."),
        ("empty", 200, []),
    ],
)
def test_restriction_modes(
    recorded: tuple[World, str], restriction: str, status: int, body: Any
) -> None:
    world, token = recorded
    with (
        FakeGitHub(world, restriction=restriction) as github,  # type: ignore[arg-type]
        open_client(github, token) as http,
    ):
        foreign = http.get(f"/repos/{FOREIGN_REPO}/stargazers")
        own = http.get(f"/repos/{OWNED_REPO}/stargazers")
    assert foreign.status_code == status
    assert (foreign.json() if status == 200 else foreign.json()["message"]) == body
    assert own.status_code == 200
    assert len(own.json()) == 30


def test_restriction_none_lists_all(recorded: tuple[World, str]) -> None:
    world, token = recorded
    with FakeGitHub(world, restriction=None) as github, open_client(github, token) as http:
        foreign = http.get(f"/repos/{FOREIGN_REPO}/stargazers?per_page=100")
    assert foreign.status_code == 200
    assert len(foreign.json()) == 100
    assert "last" in foreign.links


def test_restriction_404_body_matches_quote(client: httpx.Client) -> None:
    quoted = load("404-stargazers-after-2026-restriction.json")["response"]["body"]
    response = client.get(f"/repos/{FOREIGN_REPO}/stargazers")
    assert response.status_code == 404
    assert response.json()["message"] == quoted["message"]


def test_private_repo_hidden() -> None:
    world = World()
    world.add_user("owner")
    world.add_user("stranger")
    world.add_repo(
        "owner", "secret", private=True, stargazers=ExplicitStargazers([(1000, 1_600_000_000)])
    )
    owner_token, stranger_token = world.issue_token("owner"), world.issue_token("stranger")
    with FakeGitHub(world) as github, httpx.Client(base_url=github.url) as http:
        seen = http.get("/repos/owner/secret", headers={"Authorization": f"Bearer {owner_token}"})
        hidden = http.get(
            "/repos/owner/secret", headers={"Authorization": f"Bearer {stranger_token}"}
        )
    assert seen.status_code == 200
    assert seen.json()["private"] is True
    assert hidden.status_code == 404


def test_other_methods_404(client: httpx.Client) -> None:
    assert client.post("/user/starred", json={}).status_code == 404
    assert client.head("/user").status_code == 200


# Headers, conditional requests and rate limits


def test_common_headers(client: httpx.Client) -> None:
    first = client.get("/user")
    second = client.get("/user")
    assert first.headers["content-type"].startswith("application/json")
    assert first.headers["x-ratelimit-resource"] == "core"
    assert first.headers["x-github-request-id"] != second.headers["x-github-request-id"]
    assert first.headers["etag"].startswith('W/"')
    assert int(second.headers["x-ratelimit-used"]) == int(first.headers["x-ratelimit-used"]) + 1
    assert int(second.headers["x-ratelimit-remaining"]) == 5000 - int(
        second.headers["x-ratelimit-used"]
    )


def test_media_type_header(client: httpx.Client) -> None:
    star = client.get(f"/repos/{OWNED_REPO}/stargazers", headers={"Accept": STAR_V3})
    assert star.headers["x-github-media-type"] == "github.v3; param=star; format=json"
    assert "starred_at" in star.json()[0]


def test_not_modified_not_counted(client: httpx.Client, server: FakeGitHub) -> None:
    first = client.get(f"/repos/{OWNED_REPO}/stargazers?per_page=100&page=2")
    before = server.counters()["not_modified"]
    again = client.get(
        f"/repos/{OWNED_REPO}/stargazers?per_page=100&page=2",
        headers={"If-None-Match": first.headers["etag"]},
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["x-ratelimit-used"] == first.headers["x-ratelimit-used"]
    assert server.counters()["not_modified"] == before + 1


def test_rate_limit_endpoint(client: httpx.Client) -> None:
    first = client.get("/rate_limit").json()
    second = client.get("/rate_limit").json()
    assert first["rate"]["limit"] == 5000
    assert first["resources"]["core"] == second["resources"]["core"]


def test_rate_limit_exhausted_403() -> None:
    world = generate_world(1, [5])
    token = next(iter(world.tokens))
    with (
        FakeGitHub(world, rate_limit=3) as github,
        open_client(github, token) as http,
    ):
        statuses = [http.get("/user").status_code for _ in range(4)]
        refused = http.get("/user")
    assert statuses == [200, 200, 200, 403]
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.json()["message"].startswith("API Rate Limit Exceeded for")


def test_clock_skew(recorded: tuple[World, str]) -> None:
    world, token = recorded
    skew = 3 * 3600.0
    with FakeGitHub(world, clock_skew=skew) as github, httpx.Client(base_url=github.url) as http:
        before = time.time()
        response = http.get("/user", headers={"Authorization": f"Bearer {token}"})
    server_date = parsedate_to_datetime(response.headers["date"]).timestamp()
    reset = int(response.headers["x-ratelimit-reset"])
    assert abs(server_date - (before + skew)) < 5
    assert abs(reset - (before + skew + 3600)) < 5


# Connections, concurrency, latency and counters


def test_keep_alive_one_connection(recorded: tuple[World, str]) -> None:
    world, token = recorded
    with (
        FakeGitHub(world) as github,
        open_client(github, token) as http,
    ):
        for _ in range(5):
            http.get("/user")
        assert github.counters()["connections"] == 1


def test_concurrent_clients() -> None:
    world = generate_world(3, [2000] * 4, accounts=4)
    results: dict[str, int] = {}

    def crawl(login: str, token: str) -> None:
        with open_client(github, token) as http:
            repo = http.get(f"/users/{login}/starred").json()[0]["repo"]["full_name"]
            items, _ = collect(http, f"/repos/{repo}/stargazers?per_page=100")
            results[login] = len(items)

    with FakeGitHub(world) as github:
        threads = [
            threading.Thread(target=crawl, args=(login, token))
            for token, login in world.tokens.items()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert results == {f"account-{k}": 2000 for k in range(1, 5)}


def test_throughput_pages_per_second() -> None:
    world = generate_world(5, [20_000])
    token = next(iter(world.tokens))
    with (
        FakeGitHub(world) as github,
        open_client(github, token) as http,
    ):
        started = time.perf_counter()
        items, responses = collect(http, "/repos/account-1/repo-0/stargazers?per_page=100")
        elapsed = time.perf_counter() - started
    assert len(items) == 20_000
    # 200 uncached pages. Benchmarks need at least 100 pages per second on 2 cores.
    assert len(responses) / elapsed > 100


def test_latency_only_on_stargazers() -> None:
    world = generate_world(1, [10])
    token = next(iter(world.tokens))
    with (
        FakeGitHub(world, latency=0.3) as github,
        open_client(github, token) as http,
    ):
        started = time.perf_counter()
        http.get("/user")
        plain = time.perf_counter() - started
        started = time.perf_counter()
        http.get("/repos/account-1/repo-0/stargazers")
        delayed = time.perf_counter() - started
    assert plain < 0.25
    assert delayed >= 0.3


def test_counters_and_log(recorded: tuple[World, str]) -> None:
    world, token = recorded
    with (
        FakeGitHub(world) as github,
        open_client(github, token) as http,
    ):
        http.get("/user")
        http.get(f"/repos/{FOREIGN_REPO}/stargazers?per_page=100")
        counters = github.counters()
        log = github.request_log()
        github.reset_counters()
        after = github.counters()
    assert counters["total"] == 2
    assert counters["by_route"] == {(ACCOUNT_LOGIN, "user"): 1, (ACCOUNT_LOGIN, "stargazers"): 1}
    assert counters["by_status"] == {200: 1, 404: 1}
    assert log[1].path == f"/repos/{FOREIGN_REPO}/stargazers?per_page=100"
    assert log[1].login == ACCOUNT_LOGIN
    assert log[1].status == 404
    assert after["total"] == 0


def test_rejects_non_loopback_host() -> None:
    with pytest.raises(ValueError, match="loopback"):
        FakeGitHub(World(), host="0.0.0.0")
