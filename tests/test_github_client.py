"""Tests of `GitHubClient` against recorded GitHub responses served by httpx.MockTransport.

No test opens a socket: `FakeGitHub` serves every request from queued replies, keyed
by URL path and `page` parameter, and `RecordingSleep` records waits instead of sleeping.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from gitstars.github import (
    BadCredentialsError,
    GitHubClient,
    GitHubError,
    InvalidResponseError,
    NotFoundError,
    PaginationLimitError,
    RateLimitError,
    RepositoryGoneError,
    RestrictedError,
    TransientError,
)
from gitstars.models import StargazerPage

DATA = Path(__file__).parent / "data" / "github_client"
API = "https://api.github.com"
GHES = "https://ghe.example/api/v3"
TOKEN = "ghp_FakeTokenForTests0123456789abcdefXYZ"
STAR_JSON = "application/vnd.github.star+json"

# Headers that described the recorded transfer, not the decoded body stored in the file.
TRANSFER_HEADERS = {"status", "content-length", "content-encoding", "transfer-encoding"}

SECONDARY_MESSAGE = b'{"message": "You have exceeded a secondary rate limit. Please wait a few minutes."}'
USER = {"login": "u67e2db6fb7", "id": 906808283, "type": "User", "site_admin": False}


# ---------------------------------------------------------------------------------------
# Fake GitHub


@dataclass
class Reply:
    """One queued reply: a response, or a transport error raised instead of one."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    content: bytes = b""
    error: type[httpx.TransportError] | None = None


def json_reply(status: int, body: Any, headers: Sequence[tuple[str, str]] = ()) -> Reply:
    all_headers = [("Content-Type", "application/json; charset=utf-8"), *headers]
    return Reply(status, all_headers, json.dumps(body).encode())


def load(name: str) -> dict[str, Any]:
    raw = (DATA / name).read_bytes()
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
    return json.loads(raw)


def recorded_reply(name: str, index: int) -> Reply:
    response = load(name)["exchanges"][index]["response"]
    headers = [(n, v) for n, v in response["headers"] if n.lower() not in TRANSFER_HEADERS]
    body = response["body"]
    content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    return Reply(response["status"], headers, content)


def quoted_reply(name: str, headers: Sequence[tuple[str, str]] = ()) -> Reply:
    response = load(f"quoted/{name}")["response"]
    return json_reply(response["status"], response["body"], headers)


def modern_headers(**overrides: str) -> list[tuple[str, str]]:
    """Return the header set of the recorded `GET /rate_limit`, with some values replaced.

    Its Date is Mon, 15 May 2023 22:59:22 GMT and its reset 3479 s later.
    """
    headers = dict(recorded_reply("rate-limit-endpoint.json", 0).headers)
    headers.update(overrides)
    return list(headers.items())


def route_key(url: httpx.URL) -> str:
    page = url.params.get("page")
    return f"{url.path}?page={page}" if page else url.path


class FakeGitHub:
    """Serves queued replies by route key. The last reply of a route repeats."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[httpx.Request] = []

    def route(self, key: str, *replies: Reply) -> None:
        self.routes.setdefault(key, []).extend(replies)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = route_key(request.url)
        queue = self.routes.get(key)
        if not queue:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        if reply.error is not None:
            raise reply.error("simulated transport failure", request=request)
        return httpx.Response(reply.status, headers=reply.headers, content=reply.content)

    @property
    def keys(self) -> list[str]:
        return [route_key(request.url) for request in self.requests]


class RecordingSleep:
    """An injected `sleep` that records each wait in seconds and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def fake() -> FakeGitHub:
    return FakeGitHub()


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


def make_client(fake: FakeGitHub, sleep: RecordingSleep, base_url: str = API, **options: Any) -> GitHubClient:
    return GitHubClient(
        base_url,
        SecretStr(TOKEN),
        sleep=sleep,
        transport=httpx.MockTransport(fake.handle),
        **options,
    )


async def collect(client: GitHubClient, full_name: str = "o/r", repo_id: int = 1, **options: Any) -> list[StargazerPage]:
    return [page async for page in client.iter_stargazer_pages(full_name, repo_id, **options)]


def route_renamed_repository(fake: FakeGitHub) -> None:
    """Route the recorded 301 of `u4575f3f64e/betamax`, its repository and 5 pages."""
    name = "stargazers-star-json-301-then-5-pages.json.gz"
    fake.route("/repos/u4575f3f64e/betamax/stargazers?page=1", recorded_reply(name, 0))
    fake.route("/repositories/11439734", recorded_reply(name, 1))
    for number in range(1, 6):
        fake.route(f"/repositories/11439734/stargazers?page={number}", recorded_reply(name, 1 + number))


def single_page() -> Reply:
    return recorded_reply("stargazers-star-json-single-page.json", 2)


def recorded_user() -> Reply:
    return recorded_reply("rate-limit-endpoint.json", 1)


# ---------------------------------------------------------------------------------------
# Stargazer pages


async def test_stargazers_redirect_then_five_pages(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    route_renamed_repository(fake)
    async with make_client(fake, sleep) as client:
        pages = await collect(client, "u4575f3f64e/betamax", 11439734)

    assert [page.number for page in pages] == [1, 2, 3, 4, 5]
    assert [page.next_page for page in pages] == [2, 3, 4, 5, None]
    assert sum(len(page.stargazers) for page in pages) == 484
    assert [page.renamed_to for page in pages] == ["betamaxpy/betamax"] * 5
    assert all(page.skipped == 0 for page in pages)
    assert all(not page.not_modified for page in pages)
    assert pages[0].etag == 'W/"e4897e84b1cd17ccd26a8f80ebb2191455c8a52c0610a9fe187cc30599dcf6cf"'
    assert pages[0].stargazers[0].user.login == "u552966b658"
    assert fake.keys == [
        "/repos/u4575f3f64e/betamax/stargazers?page=1",
        "/repositories/11439734",
        *[f"/repositories/11439734/stargazers?page={number}" for number in range(1, 6)],
    ]
    assert client.requests_sent == 7
    assert sleep.waits == []


async def test_stargazers_request_headers(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    route_renamed_repository(fake)
    async with make_client(fake, sleep, user_agent="gitstars-test/1") as client:
        await collect(client, "u4575f3f64e/betamax", 11439734)

    first, repository = fake.requests[0], fake.requests[1]
    assert first.url.params["per_page"] == "100"
    assert first.url.params["page"] == "1"
    assert first.headers["Accept"] == STAR_JSON
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"
    assert first.headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert first.headers["User-Agent"] == "gitstars-test/1"
    assert repository.headers["Accept"] == "application/vnd.github+json"
    assert "If-None-Match" not in first.headers


async def test_stargazers_rate_limit_state(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    route_renamed_repository(fake)
    async with make_client(fake, sleep) as client:
        await collect(client, "u4575f3f64e/betamax", 11439734)

    assert client.rate_limit is not None
    assert client.rate_limit.remaining == 39
    assert client.rate_limit.used == 21
    assert client.rate_limit.resource == "core"


async def test_stargazers_resume_at_page_three(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    route_renamed_repository(fake)
    fake.route("/repos/betamaxpy/betamax/stargazers?page=3", fake.routes["/repositories/11439734/stargazers?page=3"][0])
    async with make_client(fake, sleep) as client:
        pages = await collect(client, "betamaxpy/betamax", 11439734, start_page=3)

    assert [page.number for page in pages] == [3, 4, 5]
    assert fake.keys[0] == "/repos/betamaxpy/betamax/stargazers?page=3"
    assert all(page.renamed_to is None for page in pages)
    assert sum(len(page.stargazers) for page in pages) == 284


async def test_stargazers_ghes_base_url(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/api/v3/repos/o/r/stargazers?page=1", single_page())
    async with make_client(fake, sleep, base_url=GHES) as client:
        pages = await collect(client)

    assert fake.requests[0].url.host == "ghe.example"
    assert len(pages[0].stargazers) == 6
    assert pages[0].next_page is None


async def test_stargazers_per_page_option(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/repos/o/r/stargazers?page=1", single_page())
    async with make_client(fake, sleep, per_page=30) as client:
        await collect(client)

    assert fake.requests[0].url.params["per_page"] == "30"


async def test_stargazers_invalid_full_name(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    async with make_client(fake, sleep) as client:
        with pytest.raises(ValueError, match="'octocat'"):
            client.iter_stargazer_pages("octocat", 1)
    assert fake.requests == []


async def test_stargazers_invalid_start_page(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    async with make_client(fake, sleep) as client:
        with pytest.raises(ValueError, match="start_page"):
            client.iter_stargazer_pages("o/r", 1, start_page=0)


async def test_stargazers_null_user_skipped(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    body = [
        {"starred_at": "2020-01-01T00:00:00Z", "user": USER},
        {"starred_at": "2020-01-02T00:00:00Z", "user": None},
        {"user": USER | {"id": 7, "login": "u7"}},
    ]
    fake.route("/repos/o/r/stargazers?page=1", json_reply(200, body))
    async with make_client(fake, sleep) as client:
        pages = await collect(client)

    page = pages[0]
    assert [s.user.id for s in page.stargazers] == [906808283, 7]
    assert page.stargazers[1].starred_at is None
    assert page.skipped == 1
    assert page.problems == ["item 1: skipped, user is null or missing", "item 2: starred_at is missing"]


async def test_stargazers_not_modified_last_page(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/repos/o/r/stargazers?page=1", Reply(304, [("ETag", 'W/"abc"')]))
    async with make_client(fake, sleep) as client:
        pages = await collect(client, etags={1: 'W/"abc"'})

    assert fake.requests[0].headers["If-None-Match"] == 'W/"abc"'
    assert len(pages) == 1
    assert pages[0].not_modified
    assert pages[0].stargazers == []
    assert pages[0].etag == 'W/"abc"'
    assert pages[0].next_page is None
    assert client.not_modified == 1
    assert client.requests_sent == 1


async def test_stargazers_not_modified_known_later_page(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/repos/o/r/stargazers?page=1", Reply(304))
    fake.route("/repos/o/r/stargazers?page=2", Reply(304))
    async with make_client(fake, sleep) as client:
        pages = await collect(client, etags={1: '"one"', 2: '"two"'})

    assert [page.next_page for page in pages] == [2, None]
    assert [page.etag for page in pages] == ['"one"', '"two"']
    assert fake.requests[1].headers["If-None-Match"] == '"two"'
    assert fake.requests[1].url.params["per_page"] == "100"
    assert client.not_modified == 2


async def test_stargazers_not_modified_count_shows_more(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/repos/o/r/stargazers?page=1", Reply(304))
    fake.route("/repos/o/r/stargazers?page=2", single_page())
    async with make_client(fake, sleep) as client:
        pages = await collect(client, stargazers_count=106, etags={1: '"one"'})

    assert [page.number for page in pages] == [1, 2]
    assert pages[0].next_page == 2
    assert "If-None-Match" not in fake.requests[1].headers
    assert len(pages[1].stargazers) == 6


async def test_stargazers_not_modified_with_link(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    link = f'<{API}/repositories/1/stargazers?per_page=100&page=2>; rel="next"'
    fake.route("/repos/o/r/stargazers?page=1", Reply(304, [("Link", link)]))
    fake.route("/repositories/1/stargazers?page=2", single_page())
    async with make_client(fake, sleep) as client:
        pages = await collect(client, etags={1: '"one"'})

    assert [page.number for page in pages] == [1, 2]


async def test_stargazers_empty_pages_stop_after_three(
    fake: FakeGitHub, sleep: RecordingSleep, caplog: pytest.LogCaptureFixture
) -> None:
    for number in range(1, 6):
        link = f'<{API}/repos/o/r/stargazers?per_page=100&page={number + 1}>; rel="next"'
        fake.route(f"/repos/o/r/stargazers?page={number}", json_reply(200, [], [("Link", link)]))
    async with make_client(fake, sleep) as client:
        with caplog.at_level(logging.WARNING, logger="gitstars.github"):
            pages = await collect(client)

    assert [page.number for page in pages] == [1, 2, 3]
    assert [page.next_page for page in pages] == [2, 3, None]
    assert "after 3 empty pages" in caplog.text


async def test_stargazers_empty_first_page_count_zero(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/repos/o/r/stargazers?page=1", json_reply(200, []))
    async with make_client(fake, sleep) as client:
        pages = await collect(client, stargazers_count=0)

    assert len(pages) == 1
    assert pages[0].stargazers == []
    assert pages[0].next_page is None


async def test_stargazers_empty_first_page_restricted(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/repos/o/r/stargazers?page=1", json_reply(200, []))
    async with make_client(fake, sleep) as client:
        with pytest.raises(RestrictedError, match="has 12 stargazers"):
            await collect(client, stargazers_count=12)


async def test_stargazers_first_page_404_restricted(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/repos/o/r/stargazers?page=1", quoted_reply("404-stargazers-after-2026-restriction.json"))
    async with make_client(fake, sleep) as client:
        with pytest.raises(RestrictedError) as caught:
            await collect(client)

    assert caught.value.status == 404
    assert caught.value.path == "/repos/o/r/stargazers?per_page=100&page=1"
    assert client.requests_sent == 1


async def test_stargazers_resumed_first_page_404_restricted(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/repos/o/r/stargazers?page=4", quoted_reply("404-stargazers-after-2026-restriction.json"))
    async with make_client(fake, sleep) as client:
        with pytest.raises(RestrictedError):
            await collect(client, start_page=4)


async def test_stargazers_403_restricted(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    reply = json_reply(403, {"message": "Must have admin rights to Repository."}, modern_headers())
    fake.route("/repos/o/r/stargazers?page=1", reply)
    async with make_client(fake, sleep) as client:
        with pytest.raises(RestrictedError, match="Must have admin rights") as caught:
            await collect(client)

    assert caught.value.request_id == "E2A7:0C53:962B79:9A9281:6462B949"
    assert sleep.waits == []


async def test_stargazers_later_page_404_gone(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    link = f'<{API}/repositories/1/stargazers?per_page=100&page=2>; rel="next"'
    first = json_reply(200, [{"starred_at": "2020-01-01T00:00:00Z", "user": USER}], [("Link", link)])
    fake.route("/repos/o/r/stargazers?page=1", first)
    fake.route("/repositories/1/stargazers?page=2", json_reply(404, {"message": "Not Found"}))
    async with make_client(fake, sleep) as client:
        pages: list[StargazerPage] = []
        with pytest.raises(RepositoryGoneError) as caught:
            async for page in client.iter_stargazer_pages("o/r", 1):
                pages.append(page)

    assert [page.number for page in pages] == [1]
    assert caught.value.reason == "not found"


async def test_stargazers_451_gone_with_reason(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/repos/o/r/stargazers?page=1", quoted_reply("451-repository-access-blocked.json"))
    async with make_client(fake, sleep) as client:
        with pytest.raises(RepositoryGoneError) as caught:
            await collect(client)

    assert caught.value.reason == "dmca"
    assert caught.value.status == 451


async def test_stargazers_422_pagination_limit(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/repos/o/r/stargazers?page=401", quoted_reply("422-stargazers-pagination-limited.json"))
    async with make_client(fake, sleep) as client:
        with pytest.raises(PaginationLimitError, match="pagination is limited") as caught:
            await collect(client, start_page=401)

    assert caught.value.path == "/repos/o/r/stargazers?per_page=100&page=401"


async def test_stargazers_html_invalid(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    reply = Reply(200, [("Content-Type", "text/html"), ("X-GitHub-Request-Id", "AB:CD")], b"<html>Unicorn</html>")
    fake.route("/repos/o/r/stargazers?page=1", reply)
    async with make_client(fake, sleep) as client:
        with pytest.raises(InvalidResponseError) as caught:
            await collect(client)

    assert "/repos/o/r/stargazers?per_page=100&page=1" in str(caught.value)
    assert "AB:CD" in str(caught.value)
    assert client.requests_sent == 1


async def test_stargazers_object_body_invalid(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/repos/o/r/stargazers?page=1", json_reply(200, {"items": []}))
    async with make_client(fake, sleep) as client:
        with pytest.raises(InvalidResponseError, match="JSON array"):
            await collect(client)


async def test_stargazers_next_link_other_host(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    link = f'<{API}/repositories/1/stargazers?per_page=100&page=2>; rel="next"'
    fake.route("/api/v3/repos/o/r/stargazers?page=1", json_reply(200, [{"user": USER}], [("Link", link)]))
    async with make_client(fake, sleep, base_url=GHES) as client:
        with pytest.raises(InvalidResponseError, match="not under the base URL"):
            await collect(client)

    assert len(fake.requests) == 1


async def test_stargazers_next_link_backwards(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    link = f'<{API}/repositories/1/stargazers?per_page=100&page=1>; rel="next"'
    fake.route("/repos/o/r/stargazers?page=2", json_reply(200, [{"user": USER}], [("Link", link)]))
    async with make_client(fake, sleep) as client:
        with pytest.raises(InvalidResponseError, match="points back to page 1 from page 2"):
            await collect(client, start_page=2)

async def test_stargazers_redirect_other_repository(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/repos/o/r/stargazers?page=1", Reply(301, [("Location", f"{API}/repositories/99")]))
    async with make_client(fake, sleep) as client:
        with pytest.raises(InvalidResponseError, match="repository id 99"):
            await collect(client, repo_id=1)


async def test_stargazers_redirect_unknown_form(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/repos/o/r/stargazers?page=1", Reply(301, [("Location", f"{API}/repos/x/y/stargazers")]))
    async with make_client(fake, sleep) as client:
        with pytest.raises(InvalidResponseError, match="not /repositories"):
            await collect(client)


# ---------------------------------------------------------------------------------------
# Rate limits


async def test_primary_limit_waits_reset_minus_date(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    limited = json_reply(403, {"message": "API rate limit exceeded"}, modern_headers(**{"X-RateLimit-Remaining": "0"}))
    fake.route("/repos/o/r/stargazers?page=1", limited, single_page())
    async with make_client(fake, sleep) as client:
        pages = await collect(client)

    # The recorded Date is in 2023, so a wait computed from the local clock would be 1 s.
    assert sleep.waits == [3480.0]
    assert client.waits["primary"] == 1
    assert client.wait_seconds["primary"] == 3480.0
    assert len(pages[0].stargazers) == 6
    assert client.requests_sent == 2


async def test_primary_limit_without_reset(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/users/ub7b3889d95", recorded_reply("primary-rate-limit-403.json", 1), recorded_user())
    async with make_client(fake, sleep) as client:
        await client.get_user("ub7b3889d95")

    assert sleep.waits == [60.0]


async def test_primary_limit_wait_too_long(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    limited = json_reply(403, {"message": "API rate limit exceeded"}, modern_headers(**{"X-RateLimit-Remaining": "0"}))
    fake.route("/users/x", limited)
    async with make_client(fake, sleep, max_rate_limit_wait=600) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.get_user("x")

    assert sleep.waits == []
    assert caught.value.wait_seconds == 3480.0
    assert caught.value.kind == "primary"
    assert "E2A7:0C53:962B79:9A9281:6462B949" in str(caught.value)


async def test_secondary_retry_after_seconds(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    limited = recorded_reply("secondary-rate-limit-403-retry-after.json.gz", 1)
    fake.route("/users/ub9d7ec59da", limited, recorded_user())
    async with make_client(fake, sleep) as client:
        user = await client.get_user("ub9d7ec59da")

    assert user.id == 912179436
    assert sleep.waits == [60.0]
    assert client.waits["secondary"] == 1


async def test_secondary_retry_after_http_date(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    headers = [("Date", "Tue, 23 Oct 2018 06:16:56 GMT"), ("Retry-After", "Tue, 23 Oct 2018 06:18:26 GMT")]
    limited = Reply(403, headers, SECONDARY_MESSAGE)
    fake.route("/users/ub9d7ec59da", limited, recorded_user())
    async with make_client(fake, sleep) as client:
        await client.get_user("ub9d7ec59da")

    assert sleep.waits == [90.0]


async def test_secondary_without_headers_backs_off(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    limited = Reply(403, [], SECONDARY_MESSAGE)
    fake.route("/users/ub9d7ec59da", limited, limited, limited, recorded_user())
    async with make_client(fake, sleep) as client:
        await client.get_user("ub9d7ec59da")

    assert sleep.waits == [60.0, 120.0, 240.0]
    assert client.wait_seconds["secondary"] == 420.0


async def test_secondary_backoff_bounded(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/users/x", Reply(429, [], SECONDARY_MESSAGE))
    async with make_client(fake, sleep) as client:
        with pytest.raises(RateLimitError, match="after 10 waits") as caught:
            await client.get_user("x")

    assert sleep.waits == [60.0, 120.0, 240.0, 480.0] + [900.0] * 6
    assert client.requests_sent == 11
    assert caught.value.kind == "secondary"


async def test_secondary_min_wait_option(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    limited = Reply(403, [], SECONDARY_MESSAGE)
    fake.route("/users/ub9d7ec59da", limited, limited, recorded_user())
    async with make_client(fake, sleep, secondary_min_wait=5.0) as client:
        await client.get_user("ub9d7ec59da")

    assert sleep.waits == [5.0, 10.0]


# ---------------------------------------------------------------------------------------
# Transient failures


async def test_transient_500_then_200(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    name = "server-error-500-then-200.json"
    fake.route("/repositories/3544490", recorded_reply(name, 0), recorded_reply(name, 1))
    async with make_client(fake, sleep) as client:
        repository = await client.get_repository(3544490)

    assert repository.full_name == "PyGithub/PyGithub"
    assert sleep.waits == [0.5]
    assert client.requests_sent == 2
    assert client.waits["transient"] == 1


async def test_transient_502_repeated(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/repositories/3544490", recorded_reply("server-error-502-repeated.json", 0))
    async with make_client(fake, sleep) as client:
        with pytest.raises(TransientError) as caught:
            await client.get_repository(3544490)

    assert client.requests_sent == 5
    assert sleep.waits == [0.5, 1.0, 2.0, 4.0]
    assert caught.value.status == 502
    assert caught.value.request_id == "F9D6:235E:3C00DD:772BC6:5BD2AE02"
    assert "5 attempts" in str(caught.value)


async def test_transient_attempts_and_backoff_options(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/repositories/3544490", recorded_reply("server-error-502-repeated.json", 0))
    async with make_client(fake, sleep, max_transient_attempts=4, transient_backoff=(1.0, 3.0)) as client:
        with pytest.raises(TransientError):
            await client.get_repository(3544490)

    assert client.requests_sent == 4
    assert sleep.waits == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("error", [httpx.ReadTimeout, httpx.ConnectError, httpx.RemoteProtocolError])
async def test_transport_error_retried(
    fake: FakeGitHub, sleep: RecordingSleep, error: type[httpx.TransportError]
) -> None:
    fake.route("/users/ub9d7ec59da", Reply(error=error), recorded_user())
    async with make_client(fake, sleep) as client:
        user = await client.get_user("ub9d7ec59da")

    assert user.login == "ub9d7ec59da"
    assert sleep.waits == [0.5]
    assert client.requests_sent == 2


async def test_transport_error_repeated(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/users/x", Reply(error=httpx.ConnectError))
    async with make_client(fake, sleep, max_transient_attempts=3) as client:
        with pytest.raises(TransientError, match="ConnectError") as caught:
            await client.get_user("x")

    assert caught.value.status is None
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert client.requests_sent == 3


async def test_before_request_awaited_per_request(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    name = "server-error-500-then-200.json"
    fake.route("/repositories/3544490", recorded_reply(name, 0), recorded_reply(name, 1))
    calls: list[int] = []

    async def before_request() -> None:
        calls.append(len(fake.requests))

    async with make_client(fake, sleep, before_request=before_request) as client:
        await client.get_repository(3544490)

    # Each call happens before its request reaches the server.
    assert calls == [0, 1]


# ---------------------------------------------------------------------------------------
# Users, repositories and starred repositories


async def test_authenticated_user(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/user", recorded_reply("repo-not-found-404.json", 0))
    async with make_client(fake, sleep) as client:
        user = await client.get_authenticated_user()

    assert user.login == "ub7b3889d95"
    assert user.id == 912039048


async def test_authenticated_user_bad_credentials(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/user", json_reply(401, {"message": "Bad credentials"}))
    async with make_client(fake, sleep) as client:
        with pytest.raises(BadCredentialsError, match="Sign in to gitstars again") as caught:
            await client.get_authenticated_user()

    assert caught.value.status == 401
    assert client.requests_sent == 1


async def test_user_not_found(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/users/ThisUserShouldReallyNotExist", recorded_reply("user-not-found-404.json", 0))
    async with make_client(fake, sleep) as client:
        with pytest.raises(NotFoundError):
            await client.get_user("ThisUserShouldReallyNotExist")


async def test_user_redirect_followed(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/users/old-name", Reply(301, [("Location", "/users/ub9d7ec59da")]))
    fake.route("/users/ub9d7ec59da", recorded_user())
    async with make_client(fake, sleep) as client:
        user = await client.get_user("old-name")

    assert user.login == "ub9d7ec59da"


async def test_user_redirect_other_host_rejected(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/users/x", Reply(301, [("Location", "https://evil.example/users/x")]))
    async with make_client(fake, sleep) as client:
        with pytest.raises(InvalidResponseError, match="outside the base URL"):
            await client.get_user("x")

    assert len(fake.requests) == 1


async def test_user_wrong_shape_invalid(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/users/x", json_reply(200, {"login": "x"}))
    async with make_client(fake, sleep) as client:
        with pytest.raises(InvalidResponseError, match="GitHubUser: id"):
            await client.get_user("x")


async def test_repository_not_found_gone(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/repositories/5", recorded_reply("repo-not-found-404.json", 1))
    async with make_client(fake, sleep) as client:
        with pytest.raises(RepositoryGoneError) as caught:
            await client.get_repository(5)

    assert caught.value.reason == "not found"


async def test_starred_seven_recorded_pages(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    name = "user-starred-star-json-7-pages.json.gz"
    fake.route("/users/u4575f3f64e/starred?page=1", recorded_reply(name, 1))
    for number in range(2, 8):
        fake.route(f"/user/904552179/starred?page={number}", recorded_reply(name, number))
    async with make_client(fake, sleep) as client:
        pages = [page async for page in client.iter_starred("u4575f3f64e")]

    assert [len(page) for page in pages] == [100] * 6 + [16]
    assert pages[0][0].repo.full_name == "u4575f3f64e/github3.py"
    assert pages[0][0].starred_at is not None
    assert fake.requests[0].headers["Accept"] == STAR_JSON
    assert fake.requests[0].url.params["per_page"] == "100"
    assert client.requests_sent == 7


async def test_starred_authenticated_user(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    repo = {"id": 1, "full_name": "o/r", "owner": USER, "stargazers_count": 3}
    fake.route("/user/starred?page=1", json_reply(200, [{"starred_at": "2020-01-01T00:00:00Z", "repo": repo}]))
    async with make_client(fake, sleep) as client:
        pages = [page async for page in client.iter_starred()]

    assert [[item.repo.full_name for item in page] for page in pages] == [["o/r"]]


async def test_starred_unknown_user(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/users/ghost/starred?page=1", json_reply(404, {"message": "Not Found"}))
    async with make_client(fake, sleep) as client:
        with pytest.raises(NotFoundError):
            async for _ in client.iter_starred("ghost"):
                pass


# ---------------------------------------------------------------------------------------
# Construction, logging and secrets


@pytest.mark.parametrize("base_url", ["ftp://api.github.com", "https://api.github.com/?x=1", "api.github.com"])
def test_client_rejects_base_url(base_url: str) -> None:
    with pytest.raises(ValueError, match="invalid GitHub base URL"):
        GitHubClient(base_url, None)


@pytest.mark.parametrize("per_page", [0, 101])
def test_client_rejects_per_page(per_page: int) -> None:
    with pytest.raises(ValueError, match="per_page"):
        GitHubClient(API, None, per_page=per_page)


async def test_client_without_token(fake: FakeGitHub, sleep: RecordingSleep) -> None:
    fake.route("/users/ub9d7ec59da", recorded_user())
    async with GitHubClient(API, None, sleep=sleep, transport=httpx.MockTransport(fake.handle)) as client:
        await client.get_user("ub9d7ec59da")

    assert "Authorization" not in fake.requests[0].headers


async def test_debug_log_per_request(
    fake: FakeGitHub, sleep: RecordingSleep, caplog: pytest.LogCaptureFixture
) -> None:
    fake.route("/users/ub9d7ec59da", recorded_user())
    async with make_client(fake, sleep) as client:
        with caplog.at_level(logging.DEBUG, logger="gitstars.github"):
            await client.get_user("ub9d7ec59da")

    messages = [record.getMessage() for record in caplog.records if record.name == "gitstars.github"]
    assert messages == ["GET /users/ub9d7ec59da -> 200 ok (request id B550:0DD9:769114:7A48FE:6462B94A)"]


async def test_token_never_in_errors_or_logs(
    fake: FakeGitHub, sleep: RecordingSleep, caplog: pytest.LogCaptureFixture
) -> None:
    limited = json_reply(403, {"message": "API rate limit exceeded"}, modern_headers(**{"X-RateLimit-Remaining": "0"}))
    fake.route("/user", json_reply(401, {"message": "Bad credentials"}))
    fake.route("/users/timeout", Reply(error=httpx.ReadTimeout))
    fake.route("/users/limited", limited)
    fake.route("/repositories/3544490", recorded_reply("server-error-502-repeated.json", 0))
    fake.route("/repos/o/r/stargazers?page=1", quoted_reply("404-stargazers-after-2026-restriction.json"))
    fake.route("/repos/o/html/stargazers?page=1", Reply(200, [("Content-Type", "text/html")], b"<html></html>"))

    errors: list[GitHubError] = []
    with caplog.at_level(logging.DEBUG):
        async with make_client(fake, sleep, max_rate_limit_wait=10) as client:
            for call in (
                client.get_authenticated_user(),
                client.get_user("timeout"),
                client.get_user("limited"),
                client.get_repository(3544490),
                collect(client, "o/r"),
                collect(client, "o/html"),
            ):
                with pytest.raises(GitHubError) as caught:
                    await call
                errors.append(caught.value)
            client_repr = repr(client)

    assert len(errors) == 6
    for error in errors:
        assert TOKEN not in str(error)
        assert TOKEN not in repr(error)
    assert TOKEN not in client_repr
    assert caplog.records
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
        assert "Authorization" not in record.getMessage()

