"""Bad input from GitHub and from the database: each case ends in a clear status or error.

Every case crawls a target repository that meets the bad input and a sibling repository
that does not, with the core classes. Each case checks the target's status and the text
that names the bad value, in the stored error, a raised error or a logged warning. It
also checks that the sibling still completes and that the database stays consistent:
no repo is left `processing`, and each repo's edges equal its `stargazers_fetched`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from pydantic import SecretStr
from surrealdb import RecordID

from gitstars.crawler import NOT_CLAIMED, Crawler, RepoResult
from gitstars.fakegithub import Block, FakeGitHub, World
from gitstars.fakegithub.stargazers import ExplicitStargazers
from gitstars.github.errors import BadCredentialsError
from gitstars.github.items import parse_starred_items
from gitstars.models import GitHubUser, Repository, StarredRepository
from gitstars.runtime import MissingTokenError, Runtime
from gitstars.settings import Settings
from gitstars.store import Store
from gitstars.store.records import account_id, repo_id
from tests.reliability.scripted_server import ScriptedResponse, ScriptedServer
from tests.reliability.support import (
    consistency_problems,
    crawl_all,
    expected_edges,
    make_client,
    recording_logger,
    repo_rows,
    seed_account,
    stored_edges,
    user_logins,
)


ACCOUNT = GitHubUser(id=5, login="alice")
OWNER = GitHubUser(id=6, login="o")
TARGET_ID = 100
SIBLING_ID = 200
SIBLING_STARS = 3
TOKEN = "ghp_BadInputTestToken0000000000000000000"
STARRED_AT = "2021-03-04T05:06:07Z"
FIRST_USER = 1_000


async def no_wait(seconds: float) -> None:
    """Skip a client wait, so retries happen without the delay."""


@pytest.fixture
async def store():
    """A fresh in-memory store with the schema applied."""
    opened = await Store.open(Settings(db_url="mem://"))
    yield opened
    await opened.close()


# ---------------------------------------------------------------------------------------
# Helpers to script GitHub's responses


def item(user_id: int, login: str | None = None, starred_at: Any = STARRED_AT) -> dict[str, Any]:
    """Build one star+json stargazer item."""
    user = {"login": login or f"user-{user_id}", "id": user_id, "type": "User", "site_admin": False}
    return {"starred_at": starred_at, "user": user}


def items(count: int, first: int = FIRST_USER) -> list[dict[str, Any]]:
    """Build `count` valid stargazer items with consecutive user ids from `first`."""
    return [item(first + index) for index in range(count)]


def page_url(number: int, repo: str = "/repositories/100") -> str:
    """Return the request path and query of a stargazers page, as the client sends it."""
    return f"{repo}/stargazers?per_page=100&page={number}"


def link(number: int, last: int) -> list[tuple[str, str]]:
    """Return a GitHub `Link` header for page `number` of `last`, by repository id."""
    if number >= last:
        return []
    target = "{base}/repositories/100/stargazers?per_page=100&page="
    return [("Link", f'<{target}{number + 1}>; rel="next", <{target}{last}>; rel="last"')]


def page(number: int, body: Any, last: int) -> ScriptedResponse:
    """Build page `number` of `last` with a valid Link header."""
    return ScriptedResponse(200, body, link(number, last))


def target_routes(pages: dict[int, ScriptedResponse]) -> dict[str, ScriptedResponse | list[ScriptedResponse]]:
    """Route the target's pages (page 1 by name, later pages by id) and the sibling's page."""
    routes: dict[str, ScriptedResponse | list[ScriptedResponse]] = {}
    for number, response in pages.items():
        routes[page_url(number, "/repos/o/target") if number == 1 else page_url(number)] = response
    routes[page_url(1, "/repos/o/sibling")] = ScriptedResponse(200, items(SIBLING_STARS, first=900))
    return routes


def starred(github_id: int, full_name: str, stargazers_count: int) -> StarredRepository:
    """Build a starred-list item for a repository of OWNER."""
    return StarredRepository(
        starred_at=datetime(2024, 1, 1, tzinfo=UTC),
        repo=Repository(id=github_id, full_name=full_name, owner=OWNER, stargazers_count=stargazers_count),
    )


async def seed_target(store: Store, stargazers_count: int, target_name: str = "o/target") -> None:
    """Store the account, the target and the sibling as pending repositories."""
    await store.accounts.upsert(ACCOUNT)
    await store.accounts.sync_starred(
        ACCOUNT.id,
        [starred(TARGET_ID, target_name, stargazers_count), starred(SIBLING_ID, "o/sibling", SIBLING_STARS)],
    )


@dataclass
class Outcome:
    """What a crawl of the target and the sibling left behind."""

    results: dict[int, RepoResult | BaseException]
    rows: dict[int, dict[str, Any]]
    edges: dict[tuple[int, int], datetime | None]
    evidence: str
    requests: list[str] = field(default_factory=list)

    def target_edges(self) -> dict[int, datetime | None]:
        """Return the target's edges by user id."""
        return {user: at for (user, repo), at in self.edges.items() if repo == TARGET_ID}


async def crawl_target(store: Store, base_url: str, token: str = TOKEN, **client_options: Any) -> Outcome:
    """Crawl the target and the sibling, and collect errors and warnings as evidence."""
    options = {"sleep": no_wait, "transient_backoff": (0.01, 0.01), **client_options}
    with recording_logger("gitstars.reliability") as log, recording_logger("gitstars.github") as client_log:
        async with make_client(base_url, token, **options) as client:
            crawler = Crawler(store, client, logger=logging.getLogger("gitstars.reliability"))
            results = await crawl_all(crawler, [TARGET_ID, SIBLING_ID])
    rows = await repo_rows(store)
    evidence = [*log.messages(), *client_log.messages()]
    evidence += [str(result) for result in results if isinstance(result, BaseException)]
    evidence += [str(row.get("last_error")) for row in rows.values()]
    return Outcome(dict(zip([TARGET_ID, SIBLING_ID], results)), rows, await stored_edges(store), "\n".join(evidence))


async def assert_others_go_on(store: Store, outcome: Outcome) -> None:
    """Check the sibling completed with its stars and the store stayed consistent."""
    sibling = outcome.results[SIBLING_ID]
    assert isinstance(sibling, RepoResult)
    assert sibling.status == "complete"
    assert sum(1 for _, repo in outcome.edges if repo == SIBLING_ID) == SIBLING_STARS
    assert await consistency_problems(store) == []


# ---------------------------------------------------------------------------------------
# GitHub's responses: one table, served by the scripted server


@dataclass(frozen=True)
class ResponseCase:
    """A stargazers list that GitHub sends broken, and the outcome the crawl must reach."""

    name: str
    pages: dict[int, ScriptedResponse]
    status: str
    edges: int
    text: str | None = None
    error_kind: str | None = None
    stargazers_count: int = 150
    stored_ids: tuple[int, ...] = ()


HTML = b"<!DOCTYPE html><html><body><h1>Unicorn!</h1></body></html>"
BIG = 2**63 - 1

RESPONSE_CASES = [
    ResponseCase(
        "html-200-first-page",
        {1: ScriptedResponse(200, HTML, content_type="text/html; charset=utf-8")},
        "failed", 0, "expected a JSON body but got text/html", "invalidresponse",
    ),
    ResponseCase(
        "html-200-second-page",
        {1: page(1, items(100), 2), 2: ScriptedResponse(200, HTML, content_type="text/html")},
        "failed", 100, "expected a JSON body but got text/html", "invalidresponse",
    ),
    ResponseCase(
        "invalid-json-200",
        {1: ScriptedResponse(200, b'[{"starred_at": "2021-03-04T05:06:07Z", "user": {"login":')},
        "failed", 0, "not valid JSON", "invalidresponse",
    ),
    ResponseCase(
        "json-object-not-list",
        {1: ScriptedResponse(200, {"message": "Server busy"})},
        "failed", 0, "Expected a JSON array but got dict", "invalidresponse",
    ),
    ResponseCase(
        "empty-body-200",
        {1: ScriptedResponse(200, b"")},
        "failed", 0, "Expected a JSON array but got NoneType", "invalidresponse",
    ),
    ResponseCase(
        "empty-page-with-next-link",
        {1: page(1, items(100), 3), 2: page(2, [], 3), 3: page(3, items(50, first=FIRST_USER + 200), 3)},
        "complete", 150, "page 2 is empty but links page 3", stargazers_count=250,
    ),
    ResponseCase(
        "empty-pages-loop",
        {1: page(1, items(10), 9), **{number: page(number, [], 9) for number in range(2, 10)}},
        "complete", 10, "after 3 empty pages", stargazers_count=10,
    ),
    ResponseCase(
        "empty-first-page-with-stars",
        {1: ScriptedResponse(200, [])},
        "restricted", 0, "empty first stargazers page", "restricted",
    ),
    ResponseCase(
        "next-link-outside-api",
        {1: ScriptedResponse(200, items(100), [("Link", '<http://198.51.100.7/steal?page=2>; rel="next"')])},
        "failed", 0, "is not under the base URL", "invalidresponse",
    ),
    ResponseCase(
        "next-link-back-to-page-1",
        {1: ScriptedResponse(200, items(100), [("Link", '<{base}/repositories/100/stargazers?per_page=100&page=1>; rel="next"')])},
        "failed", 0, "points back to page 1", "invalidresponse",
    ),
    ResponseCase(
        "next-link-without-page",
        {1: ScriptedResponse(200, items(100), [("Link", '<{base}/repositories/100/stargazers?per_page=100>; rel="next"')])},
        "failed", 0, "has no valid page number", "invalidresponse",
    ),
    ResponseCase(
        "item-not-an-object",
        {1: ScriptedResponse(200, [*items(2), 42, "ghost"])},
        "complete", 2, "expected an object but got int", stargazers_count=4,
    ),
    ResponseCase(
        "null-user",
        {1: ScriptedResponse(200, [*items(2), {"starred_at": STARRED_AT, "user": None}])},
        "complete", 2, "user is null or missing", stargazers_count=3,
    ),
    ResponseCase(
        "ghost-user",
        {1: ScriptedResponse(200, [*items(2), item(10137, "ghost")])},
        "complete", 2, stargazers_count=3,
    ),
    ResponseCase(
        "missing-starred-at",
        {1: ScriptedResponse(200, [*items(2), {"user": item(1005)["user"]}])},
        "complete", 3, "item 2: starred_at is missing", stargazers_count=3,
    ),
    ResponseCase(
        "invalid-starred-at",
        {1: ScriptedResponse(200, [*items(2), item(1005, starred_at="yesterday")])},
        "complete", 3, "starred_at 'yesterday' is not a valid timestamp", stargazers_count=3,
    ),
    ResponseCase(
        "user-id-not-a-number",
        {1: ScriptedResponse(200, [*items(2), item(1005) | {"user": {"login": "x", "id": "abc"}}])},
        "complete", 2, "invalid user: id", stargazers_count=3,
    ),
    ResponseCase(
        "user-without-login",
        {1: ScriptedResponse(200, [*items(2), {"starred_at": STARRED_AT, "user": {"id": 1005}}])},
        "complete", 2, "invalid user: login", stargazers_count=3,
    ),
    ResponseCase(
        "user-id-beyond-64-bits",
        {1: ScriptedResponse(200, [*items(2), item(2**64 + 3)])},
        "complete", 2, f"user id {2**64 + 3}", stargazers_count=3,
    ),
    ResponseCase(
        "user-id-just-beyond-signed-64-bits",
        {1: ScriptedResponse(200, [*items(2), item(2**63)])},
        "complete", 2, f"user id {2**63}", stargazers_count=3,
    ),
    ResponseCase(
        "user-id-negative",
        {1: ScriptedResponse(200, [*items(2), item(-7)])},
        "complete", 2, "user id -7", stargazers_count=3,
    ),
    ResponseCase(
        "user-id-largest-64-bit",
        {1: ScriptedResponse(200, [*items(2), item(BIG)])},
        "complete", 3, stargazers_count=3, stored_ids=(BIG,),
    ),
    ResponseCase(
        "user-id-beyond-javascript-safe",
        {1: ScriptedResponse(200, [*items(2), item(2**53 + 1)])},
        "complete", 3, stargazers_count=3, stored_ids=(2**53 + 1,),
    ),
    ResponseCase(
        "same-user-twice-on-a-page",
        {1: ScriptedResponse(200, [*items(2), item(FIRST_USER)])},
        "complete", 2, stargazers_count=3,
    ),
    ResponseCase(
        "server-error-every-attempt",
        {1: ScriptedResponse(502, {"message": "Server Error"})},
        "failed", 0, "kept failing after 5 attempts", "transient",
    ),
    ResponseCase(
        "forbidden-not-a-rate-limit",
        {1: ScriptedResponse(403, {"message": "Must have admin rights to Repository."})},
        "restricted", 0, "Must have admin rights", "restricted",
    ),
    ResponseCase(
        "not-found-first-page",
        {1: ScriptedResponse(404, {"message": "Not Found"})},
        "restricted", 0, "returned 404 for the stargazers of o/target", "restricted",
    ),
    ResponseCase(
        "not-found-second-page",
        {1: page(1, items(100), 2), 2: ScriptedResponse(404, {"message": "Not Found"})},
        "failed", 100, "no longer available", "gone",
    ),
    ResponseCase(
        "blocked-451",
        {1: ScriptedResponse(451, {"message": "Repository access blocked", "block": {"reason": "dmca"}})},
        "failed", 0, "(dmca)", "gone",
    ),
    ResponseCase(
        "pagination-cap-422",
        {
            1: page(1, items(100), 3),
            2: page(2, items(100, first=FIRST_USER + 100), 3),
            3: ScriptedResponse(422, {"message": "In order to keep the API fast for everyone, pagination is limited for this resource."}),
        },
        "complete", 200, stargazers_count=250,
    ),
    ResponseCase(
        "redirect-to-other-repository",
        {1: ScriptedResponse(301, {"message": "Moved Permanently"}, [("Location", "{base}/repositories/999/stargazers?per_page=100&page=1")])},
        "failed", 0, "to repository id 999", "invalidresponse",
    ),
    ResponseCase(
        "redirect-without-location",
        {1: ScriptedResponse(301, {"message": "Moved Permanently"})},
        "failed", 0, "without a Location header", "invalidresponse",
    ),
    ResponseCase(
        "unexpected-status-400",
        {1: ScriptedResponse(400, {"message": "Problems parsing JSON"})},
        "failed", 0, "Problems parsing JSON", "github",
    ),
]


@pytest.mark.parametrize("case", RESPONSE_CASES, ids=[case.name for case in RESPONSE_CASES])
async def test_github_response(store, case: ResponseCase):
    await seed_target(store, case.stargazers_count)
    with ScriptedServer(target_routes(case.pages)).serving() as server:
        outcome = await crawl_target(store, server.url)

    target = outcome.rows[TARGET_ID]
    assert target["status"] == case.status, outcome.evidence
    assert len(outcome.target_edges()) == case.edges
    if case.error_kind is not None and case.status != "complete":
        assert target["error_kind"] == case.error_kind
    if case.text is not None:
        assert case.text in outcome.evidence
    for user_id in case.stored_ids:
        assert user_id in outcome.target_edges()
    await assert_others_go_on(store, outcome)


async def test_invalid_token_releases_repo(store):
    await seed_target(store, 150)
    routes = target_routes({1: ScriptedResponse(401, {"message": "Bad credentials"})})
    with ScriptedServer(routes).serving() as server:
        outcome = await crawl_target(store, server.url)

    raised = outcome.results[TARGET_ID]
    assert isinstance(raised, BadCredentialsError)
    assert "invalid or expired" in str(raised)
    assert TOKEN not in outcome.evidence
    assert outcome.rows[TARGET_ID]["status"] == "pending"
    await assert_others_go_on(store, outcome)


async def test_missing_starred_at_stored_as_none(store):
    await seed_target(store, 3)
    routes = target_routes({1: ScriptedResponse(200, [*items(2), {"user": item(1005)["user"]}])})
    with ScriptedServer(routes).serving() as server:
        outcome = await crawl_target(store, server.url)

    assert outcome.target_edges()[1005] is None
    assert outcome.target_edges()[FIRST_USER] == datetime(2021, 3, 4, 5, 6, 7, tzinfo=UTC)


# ---------------------------------------------------------------------------------------
# Names: logins and repository names that could break a query, a URL or a record id


TRICKY_LOGINS = [
    "dotted.login.name",
    "-hyphen--login-",
    "1234567",
    "ユーザー✓",
    "o'brien\"quote",
    "SELECT",
    "NONE",
    "'; DELETE starred; --",
    "⟩; REMOVE TABLE repo; ⟨",
    "$repo",
    "repo:100",
    "back\\slash",
    "a" * 300,
]


def world_with_stargazer(login: str) -> World:
    """Build a world where `login` stars account-1's repository between two plain users."""
    world = World()
    world.add_user("account-1", 2_000_001)
    world.add_user("plain-1", 7_001)
    world.add_user(login, 7_002)
    world.add_user("plain-3", 7_003)
    stars = ExplicitStargazers([(7_001, 1_600_000_000), (7_002, 1_600_000_100), (7_003, 1_600_000_200)])
    world.add_repo("account-1", "target", repo_id=TARGET_ID, stargazers=stars)
    world.add_repo("account-1", "sibling", repo_id=SIBLING_ID, stargazers=ExplicitStargazers([(7_001, 1_600_000_300)]))
    world.issue_token("account-1")
    return world


@pytest.mark.parametrize("login", TRICKY_LOGINS, ids=lambda login: login[:24])
async def test_stargazer_login_stored_verbatim(store, login):
    world = world_with_stargazer(login)
    with FakeGitHub(world) as server:
        await seed_account(store, world, "account-1", [TARGET_ID, SIBLING_ID])
        async with make_client(server.url, world.token_for("account-1")) as client:
            results = await crawl_all(Crawler(store, client), [TARGET_ID, SIBLING_ID])

    assert [result.status for result in results] == ["complete", "complete"]
    assert (await user_logins(store))[7_002] == login
    assert await stored_edges(store) == expected_edges(world, [TARGET_ID, SIBLING_ID])
    assert await consistency_problems(store) == []


TRICKY_REPO_NAMES = [
    "my.repo.name",
    "-dash-repo-",
    "123456",
    "名前",
    "it's",
    'double"quote',
    "SELECT",
    "x');DELETE_repo;--",
    "a%20b",
]


@pytest.mark.parametrize("name", TRICKY_REPO_NAMES)
async def test_repo_name_quoted_and_kept(store, name):
    world = world_with_stargazer("plain-2")
    # The fake server matches the raw request path, so the repository is registered under
    # the percent-encoded name. A request that reaches it proves the client encoded it.
    encoded = quote(name, safe="")
    world.add_repo("account-1", encoded, repo_id=300, stargazers=ExplicitStargazers([(7_003, 1_600_000_400)]))
    full_name = f"account-1/{name}"
    with FakeGitHub(world) as server:
        await seed_account(store, world, "account-1", [SIBLING_ID])
        owner = GitHubUser(id=2_000_001, login="account-1")
        item_ = StarredRepository(repo=Repository(id=300, full_name=full_name, owner=owner, stargazers_count=1))
        await store.accounts.sync_starred(2_000_001, [item_])
        async with make_client(server.url, world.token_for("account-1")) as client:
            results = await crawl_all(Crawler(store, client), [300, SIBLING_ID])
        requested = [entry.path for entry in server.request_log()]

    rows = await repo_rows(store)
    assert [result.status for result in results] == ["complete", "complete"]
    assert f"/repos/account-1/{encoded}/stargazers?per_page=100&page=1" in requested
    assert rows[300]["full_name"] == full_name
    assert (7_003, 300) in await stored_edges(store)
    assert await consistency_problems(store) == []


async def test_account_login_injection_finds_nothing(store):
    await seed_target(store, 3)
    before = await repo_rows(store)
    for login in TRICKY_LOGINS:
        assert await store.accounts.find(login) is None
    assert await store.accounts.find("ALICE") is not None
    assert await repo_rows(store) == before


# ---------------------------------------------------------------------------------------
# The database: records that the web app or an older gitstars left behind


@pytest.mark.parametrize(
    ("field", "value", "text"),
    [
        ("full_name", "no-slash-name", "invalid repository full name 'no-slash-name'"),
        ("full_name", "owner/name with space", "invalid repository full name 'owner/name with space'"),
        ("next_page", 0, "next_page 0 is below 1"),
        ("page_etags", {"first": '"etag"'}, "'first'"),
    ],
    ids=["name-without-slash", "name-with-space", "next-page-zero", "etag-key-not-a-page"],
)
async def test_invalid_repo_record_fails_clearly(store, field, value, text):
    await seed_target(store, 150)
    await store.runner.query(f"UPDATE $repo SET {field} = $value RETURN NONE;", {"repo": repo_id(TARGET_ID), "value": value})
    routes = target_routes({1: page(1, items(100), 2), 2: page(2, items(50, first=FIRST_USER + 100), 2)})
    with ScriptedServer(routes).serving() as server:
        outcome = await crawl_target(store, server.url)

    target = outcome.rows[TARGET_ID]
    assert target["status"] == "failed", outcome.evidence
    assert target["error_kind"] == "invalidrecord"
    assert text in target["last_error"]
    await assert_others_go_on(store, outcome)


async def test_unknown_repo_not_claimed(store):
    await seed_target(store, 3)
    with ScriptedServer({}).serving() as server:
        async with make_client(server.url, TOKEN) as client:
            result = await Crawler(store, client).crawl(424242)
        requests = list(server.requests)
    assert result.status == NOT_CLAIMED
    assert requests == []


async def test_processing_without_lease_taken_over(store):
    await seed_target(store, 3)
    await store.runner.query(
        "UPDATE $repo SET status = 'processing', claim_token = 'lost', lease_expires_at = NONE RETURN NONE;",
        {"repo": repo_id(TARGET_ID)},
    )
    with ScriptedServer(target_routes({1: ScriptedResponse(200, items(3))})).serving() as server:
        outcome = await crawl_target(store, server.url)
    assert outcome.rows[TARGET_ID]["status"] == "complete"
    await assert_others_go_on(store, outcome)


async def test_live_claim_of_another_worker_respected(store):
    await seed_target(store, 3)
    await store.runner.query(
        "UPDATE $repo SET status = 'processing', claim_token = 'theirs', "
        "lease_expires_at = time::now() + 1h RETURN NONE;",
        {"repo": repo_id(TARGET_ID)},
    )
    with ScriptedServer(target_routes({1: ScriptedResponse(200, items(3))})).serving() as server:
        outcome = await crawl_target(store, server.url)
        requests = list(server.requests)
    assert outcome.results[TARGET_ID].status == NOT_CLAIMED
    assert outcome.rows[TARGET_ID]["claim_token"] == "theirs"
    assert page_url(1, "/repos/o/target") not in requests


async def test_stale_starred_at_overwritten(store):
    await seed_target(store, 3)
    await store.runner.query(
        "INSERT INTO github_user { id: $user, login: 'user-1000' } RETURN NONE;"
        "INSERT RELATION INTO starred { id: $edge, in: $user, out: $repo, starred_at: d'1999-01-01T00:00:00Z' } RETURN NONE;",
        {
            "user": RecordID("github_user", FIRST_USER),
            "edge": RecordID("starred", [FIRST_USER, TARGET_ID]),
            "repo": repo_id(TARGET_ID),
        },
    )
    with ScriptedServer(target_routes({1: ScriptedResponse(200, items(3))})).serving() as server:
        outcome = await crawl_target(store, server.url)
    assert outcome.target_edges()[FIRST_USER] == datetime(2021, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert len(outcome.target_edges()) == 3


async def runtime_with_account(tmp_path, token: SecretStr | None, fallback: SecretStr | None) -> Runtime:
    """Store the account (with `token`) in a database directory and open a runtime on it."""
    settings = Settings(db_url=f"surrealkv://{tmp_path / 'db'}", github_token=fallback)
    seeded = await Store.open(settings)
    await seeded.accounts.upsert(ACCOUNT, token)
    await seeded.close()
    return Runtime(settings)


async def test_account_without_token_named_in_error(tmp_path):
    runtime = await runtime_with_account(tmp_path, None, None)
    try:
        with pytest.raises(MissingTokenError, match="account 5 has no GitHub access token"):
            await runtime.token_for(ACCOUNT.id)
    finally:
        await runtime.close()


async def test_account_empty_token_uses_fallback(tmp_path):
    runtime = await runtime_with_account(tmp_path, SecretStr(""), SecretStr("ghp_fallback"))
    try:
        token = await runtime.token_for(ACCOUNT.id)
    finally:
        await runtime.close()
    assert token.get_secret_value() == "ghp_fallback"


# ---------------------------------------------------------------------------------------
# Changes while the crawl runs


class MutableStars:
    """A stargazer list that a test changes while the server runs."""

    def __init__(self, stars: list[tuple[int, int]]) -> None:
        self.stars = list(stars)

    def __len__(self) -> int:
        return len(self.stars)

    def slice(self, start: int, stop: int) -> list[tuple[int, int]]:
        """Return the stars at positions `start` to `stop - 1` that exist."""
        return self.stars[start:stop]


def changing_world(size: int = 250) -> World:
    """Build account-1 with a target of `size` stars and a sibling, for mid-run changes."""
    world = World()
    world.add_user("account-1", 2_000_001)
    for index in range(size + 1):
        world.add_user(f"fan-{index}", 8_000 + index)
    stars = MutableStars([(8_000 + index, 1_600_000_000 + index) for index in range(size)])
    world.add_repo("account-1", "target", repo_id=TARGET_ID, stargazers=stars)
    world.add_repo("account-1", "sibling", repo_id=SIBLING_ID, stargazers=ExplicitStargazers([(8_000 + size, 1_600_000_000)]))
    world.issue_token("account-1")
    return world


async def crawl_changing(
    store: Store, world: World, change: Callable[[FakeGitHub], Awaitable[None]], after_requests: int
) -> tuple[list[RepoResult | Exception], FakeGitHub]:
    """Crawl the sibling, then the target; run `change(server)` before request `after_requests`.

    Request 1 is the sibling's page, 2 the target's page 1, and 3 its page 2.
    """
    sent = 0
    with FakeGitHub(world) as server:

        async def change_midway() -> None:
            nonlocal sent
            sent += 1
            if sent == after_requests:
                await change(server)

        await seed_account(store, world, "account-1", [TARGET_ID, SIBLING_ID])
        async with make_client(server.url, world.token_for("account-1"), before_request=change_midway) as client:
            crawler = Crawler(store, client)
            results = []
            for github_id in (SIBLING_ID, TARGET_ID):
                try:
                    results.append(await crawler.crawl(github_id))
                except Exception as error:  # noqa: BLE001 - the test inspects it
                    results.append(error)
    return results, server


async def test_account_deleted_on_github_mid_run(store):
    world = changing_world()
    token = world.token_for("account-1")

    async def revoke(server: FakeGitHub) -> None:
        del world.tokens[token]

    results, _ = await crawl_changing(store, world, revoke, after_requests=3)
    rows = await repo_rows(store)
    assert results[0].status == "complete"
    assert isinstance(results[1], BadCredentialsError)
    assert rows[TARGET_ID]["status"] == "pending"
    assert rows[TARGET_ID]["next_page"] == 2
    assert await consistency_problems(store) == []


async def test_account_record_deleted_mid_run(store):
    world = changing_world()

    async def delete_account(server: FakeGitHub) -> None:
        await store.runner.query("DELETE $account RETURN NONE;", {"account": account_id(2_000_001)})

    results, _ = await crawl_changing(store, world, delete_account, after_requests=3)
    assert [result.status for result in results] == ["complete", "complete"]
    assert await stored_edges(store) == expected_edges(world, [TARGET_ID, SIBLING_ID])
    assert await consistency_problems(store) == []


async def test_repo_unstarred_by_account_mid_run(store):
    world = changing_world()

    async def unstar(server: FakeGitHub) -> None:
        await store.runner.query(
            "DELETE starred_repo WHERE out = $repo RETURN NONE;", {"repo": repo_id(TARGET_ID)}
        )

    results, _ = await crawl_changing(store, world, unstar, after_requests=3)
    assert [result.status for result in results] == ["complete", "complete"]
    assert await stored_edges(store) == expected_edges(world, [TARGET_ID, SIBLING_ID])
    assert await consistency_problems(store) == []


async def test_stargazer_unstars_mid_run(store):
    """One star removed between pages: the list shifts, and the run still ends consistent."""
    world = changing_world()
    stars = world.repos[TARGET_ID].stargazers

    async def unstar_first(server: FakeGitHub) -> None:
        stars.stars.pop(0)
        server.clear_cache()

    results, _ = await crawl_changing(store, world, unstar_first, after_requests=3)
    edges = await stored_edges(store)
    target_users = {user for user, repo in edges if repo == TARGET_ID}
    assert [result.status for result in results] == ["complete", "complete"]
    # Page 1 was read before the removal, so its 100 users stay. The user who moved from
    # page 2 to page 1 is missed until the next full crawl, as offset pagination allows.
    assert len(target_users) == 249
    assert 8_000 in target_users
    assert 8_100 not in target_users
    assert await consistency_problems(store) == []


async def test_repo_deleted_mid_run(store):
    world = changing_world()

    async def delete_repo(server: FakeGitHub) -> None:
        # Later pages are requested by id, and an unknown id gets GitHub's 404.
        del world.repos[TARGET_ID]
        server.clear_cache()

    results, _ = await crawl_changing(store, world, delete_repo, after_requests=3)
    rows = await repo_rows(store)
    assert results[1].status == "failed"
    assert rows[TARGET_ID]["error_kind"] == "gone"
    assert "no longer available" in rows[TARGET_ID]["last_error"]
    assert len([1 for _, repo in await stored_edges(store) if repo == TARGET_ID]) == 100
    assert await consistency_problems(store) == []


async def test_repo_blocked_mid_run(store):
    world = changing_world()

    async def block(server: FakeGitHub) -> None:
        world.repos[TARGET_ID].blocked = Block()

    results, _ = await crawl_changing(store, world, block, after_requests=3)
    rows = await repo_rows(store)
    assert results[1].status == "failed"
    assert "(dmca)" in rows[TARGET_ID]["last_error"]
    assert await consistency_problems(store) == []


async def no_change(server: FakeGitHub) -> None:
    """Change nothing."""


async def test_repo_without_stars_complete(store):
    world = changing_world(size=0)
    results, server = await crawl_changing(store, world, no_change, after_requests=99)
    rows = await repo_rows(store)
    target_requests = [entry for entry in server.request_log() if "/target/" in entry.path]
    assert results[1].status == "complete"
    assert rows[TARGET_ID]["stargazers_fetched"] == 0
    assert len(target_requests) == 1


def test_starred_item_id_out_of_range_skipped():
    owner = {"login": "o", "id": 6}
    items_ = [
        {"starred_at": STARRED_AT, "repo": {"id": 2**63, "full_name": "o/huge", "owner": owner}},
        {"starred_at": STARRED_AT, "repo": {"id": 7, "full_name": "o/fine", "owner": owner}},
        {"starred_at": STARRED_AT, "repo": {"id": 8, "full_name": "o/bad-owner", "owner": {"login": "x", "id": 0}}},
    ]
    repositories, problems = parse_starred_items(items_)
    assert [repository.repo.id for repository in repositories] == [7]
    assert problems == [
        f"item 0: skipped, repo.id {2**63} outside 1 to {2**63 - 1}",
        f"item 2: skipped, repo.owner.id 0 outside 1 to {2**63 - 1}",
    ]
