"""Responses before the server adds its headers, and the error bodies GitHub sends."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from gitstars.fakegithub.cache import etag_for
from gitstars.fakegithub.paging import Query
from gitstars.fakegithub.render import error_body
from gitstars.fakegithub.world import Block

DOCS = "https://docs.github.com/rest"
STARGAZERS_DOCS = "https://docs.github.com/rest/activity/starring#list-stargazers"
STARRED_DOCS = "https://docs.github.com/rest/activity/starring#list-repositories-starred-by-a-user"
REPO_DOCS = "https://docs.github.com/rest/repos/repos#get-a-repository"
USER_DOCS = "https://docs.github.com/rest/users/users#get-a-user"
AUTHENTICATED_USER_DOCS = "https://docs.github.com/rest/users/users#get-the-authenticated-user"
REDIRECT_DOCS = "https://docs.github.com/v3/#http-redirects"

# Body that GitHub sends for a stargazers page past the cap, as users quoted it in issues.
PAGINATION_LIMITED = {
    "message": "In order to keep the API fast for everyone, pagination is limited for this "
    "resource. Check the rel=last link relation in the Link response header to see how far "
    "back you can traverse.",
    "documentation_url": "https://docs.github.com/v3/#pagination",
}
# Message of the 403 variant of the 2026-06-30 stargazers restriction. It must not look like
# a rate limit, so clients treat it as final.
RESTRICTED_MESSAGE = "Must have admin rights to Repository."


def dumps(value: Any) -> bytes:
    """Serialise to compact JSON bytes, as GitHub sends them."""
    return json.dumps(value, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class PageInfo:
    """Position of a list page: the list's URL, the request's query, the page and the last page."""

    url: str
    query: Query
    number: int
    last: int


@dataclass
class Reply:
    """A response before connection-level headers are added.

    `page` is set on 200 list pages, so that a fault can fake an empty page with a next
    link. `users` is true when the page lists users (stargazers) rather than repositories.
    """

    status: int
    body: bytes
    etag: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    page: PageInfo | None = None
    users: bool = False


def ok_reply(body: bytes, etag: str | None = None) -> Reply:
    """Build a 200 reply, computing the ETag unless the cache already did."""
    return Reply(200, body, etag or etag_for(body))


def error_reply(status: int, message: str, docs: str) -> Reply:
    """Build an error reply with a `basic-error` body."""
    return Reply(status, dumps(error_body(message, docs, status)))


def moved_reply(location: str) -> Reply:
    """Build the 301 of a renamed repository, with the body GitHub sends."""
    body = {"message": "Moved Permanently", "url": location, "documentation_url": REDIRECT_DOCS}
    return Reply(301, dumps(body), headers=[("Location", location)])


def blocked_reply(block: Block) -> Reply:
    """Build the 451 of a repository blocked by a takedown, as users quoted it in issues."""
    details = {"reason": block.reason, "created_at": block.created_at, "html_url": block.html_url}
    return Reply(451, dumps({"message": "Repository access blocked", "block": details}))
