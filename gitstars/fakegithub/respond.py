"""The request pipeline of the fake server: auth, faults, rate limits, API, headers.

The order follows GitHub where it is known. A bad token fails before anything else, a
secondary limit or server error replaces the response, an exhausted quota gets a 403
before the resource is looked up, and a 304 does not count against the quota.
"""

from __future__ import annotations

import logging
import socket
import struct
from email.utils import formatdate
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from gitstars.fakegithub.api import route_kind
from gitstars.fakegithub.cache import etag_for
from gitstars.fakegithub.faults import (
    HTML_ERROR_PAGE,
    TRANSPORT_KINDS,
    Fault,
    FaultKind,
    RetryAfter,
    damage_item,
    truncate_json,
)
from gitstars.fakegithub.paging import link_header
from gitstars.fakegithub.ratelimit import RateSnapshot
from gitstars.fakegithub.render import error_body, user_object
from gitstars.fakegithub.reply import DOCS, Reply, dumps
from gitstars.fakegithub.world import GHOST_ID, GHOST_LOGIN, User

if TYPE_CHECKING:
    from gitstars.fakegithub.server import FakeGitHub, _Handler

logger = logging.getLogger(__name__)

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
STAR_MEDIA_TYPES = ("application/vnd.github.star+json", "application/vnd.github.v3.star+json")
SECONDARY_DOCS = (
    "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
    "#about-secondary-rate-limits"
)
# 500 and 502 bodies as recorded from api.github.com.
SERVER_ERROR_BODY = b'{"error":"Server Error"}'


def parse_token(authorization: str | None) -> str | None:
    """Return the token of an `Authorization: Bearer <t>` or `token <t>` header.

    Returns None without a header, and "" for a header in any other form, which then
    fails like an unknown token.
    """
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() in ("bearer", "token") and token.strip():
        return token.strip()
    return ""


def _etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    bare = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == bare:
            return True
    return False


def _json(status: int, body: object) -> Reply:
    return Reply(status, dumps(body))


def serve_request(
    fake: FakeGitHub, handler: _Handler, *, send_body: bool, method_allowed: bool = True
) -> None:
    """Send the response to one request on `handler`'s connection."""
    api, faults, limiter = fake.api, fake.faults, fake.limiter
    assert api is not None, "serve_request runs only on a started server"
    now = fake.now()
    parts = urlsplit(handler.path)
    path = parts.path or "/"
    query = parse_qsl(parts.query, keep_blank_values=True)
    kind = route_kind(path) if method_allowed else "unknown"
    token = parse_token(handler.headers.get("Authorization"))
    login = fake.world.login_for_token(token) if token else None
    star = any(media in (handler.headers.get("Accept") or "") for media in STAR_MEDIA_TYPES)

    def finish(reply: Reply, rate: RateSnapshot | None, content_type: str = JSON_TYPE) -> None:
        fake.stats.record(handler.command, handler.path, login, kind, reply.status)
        _send(fake, handler, reply, rate, now, content_type, send_body=send_body, star=star)

    if token is not None and login is None:
        return finish(_json(401, error_body("Bad credentials", DOCS, 401)), limiter.peek(None, now))

    fault = faults.decide(path, query, login, kind) if faults and method_allowed else None
    if faults is not None and fault is not None and fault.kind in TRANSPORT_KINDS:
        faults.count(fault.kind)
        if fault.kind is FaultKind.CONNECTION_RESET:
            fake.stats.record(handler.command, handler.path, login, kind, 0)
            return _reset_connection(handler)
        if fault.kind is not FaultKind.SLOW:
            reply, rate = _transport_fault(fake, handler, fault, login, now)
            return finish(reply, rate)
        # A slow response is a normal response after the wait, unless the server stops first.
        if fake.stop_event.wait(faults.slow_seconds):
            return _reset_connection(handler)

    if not method_allowed:
        return finish(_json(404, error_body("Not Found", DOCS, 404)), limiter.peek(login, now))
    if kind == "rate_limit":
        rate = limiter.peek(login, now)
        return finish(_json(200, _rate_limit_body(rate, now)), rate)
    if limiter.is_exhausted(login, now):
        return finish(_primary_limit(handler), limiter.peek(login, now))

    reply = api.handle(path, query, login, star)
    if_none_match = handler.headers.get("If-None-Match")
    if reply.status == 200 and reply.etag and _etag_matches(if_none_match, reply.etag):
        links = [header for header in reply.headers if header[0] == "Link"]
        return finish(Reply(304, b"", reply.etag, links), limiter.peek(login, now))

    rate, scripted = limiter.consume(login, now)
    if scripted and faults is not None:
        faults.count(FaultKind.PRIMARY_LIMIT)
    content_type = JSON_TYPE
    if fault is not None and reply.status == 200 and reply.page is not None:
        reply, content_type = _damage(fake, reply, fault)
    if kind == "stargazers" and fake.latency > 0:
        fake.stop_event.wait(fake.latency)
    finish(reply, rate, content_type)


def _primary_limit(handler: _Handler) -> Reply:
    # The recorded primary-limit body names the client address and has no other field.
    return _json(403, {"message": f"API Rate Limit Exceeded for {handler.client_address[0]}"})


def _transport_fault(
    fake: FakeGitHub, handler: _Handler, fault: Fault, login: str | None, now: float
) -> tuple[Reply, RateSnapshot | None]:
    rate = fake.limiter.peek(login, now)
    if fault.kind is FaultKind.SERVER_ERROR:
        status = fault.status or 500
        body = SERVER_ERROR_BODY if status != 503 else b'{"message":"Service Unavailable"}'
        return Reply(status, body), rate
    if fault.kind is FaultKind.PRIMARY_LIMIT:
        forced = RateSnapshot(limit=rate.limit, remaining=0, used=rate.limit, reset=rate.reset)
        return _primary_limit(handler), forced

    status = fault.status or 403
    request_id = fake.next_request_id(now)
    message = (
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try "
        "again. If you reach out to GitHub Support for help, please include the request ID "
        f"{request_id}."
    )
    reply = _json(status, error_body(message, SECONDARY_DOCS, status))
    seconds = fake.faults.retry_after_seconds if fake.faults else 60
    if fault.retry_after is RetryAfter.SECONDS:
        reply.headers.append(("Retry-After", str(seconds)))
    elif fault.retry_after is RetryAfter.HTTP_DATE:
        reply.headers.append(("Retry-After", formatdate(now + seconds, usegmt=True)))
    reply.headers.append(("x-github-request-id", request_id))
    # The recorded secondary-limit response carries no x-ratelimit-* headers.
    with_headers = fake.faults is not None and fake.faults.secondary_ratelimit_headers
    return reply, rate if with_headers else None


def _damage(fake: FakeGitHub, reply: Reply, fault: Fault) -> tuple[Reply, str]:
    faults = fake.faults
    assert faults is not None
    if fault.kind is FaultKind.HTML_PAGE:
        faults.count(fault.kind)
        return Reply(200, HTML_ERROR_PAGE, None), HTML_TYPE
    if fault.kind is FaultKind.INVALID_JSON:
        faults.count(fault.kind)
        return Reply(200, truncate_json(reply.body), None, reply.headers), JSON_TYPE
    if fault.kind is FaultKind.EMPTY_WITH_NEXT:
        faults.count(fault.kind)
        page = reply.page
        assert page is not None
        links = link_header(page.url, page.query, page.number, max(page.last, page.number + 1))
        return Reply(200, b"[]", etag_for(b"[]"), [("Link", links or "")]), JSON_TYPE
    ghost = user_object(User(id=GHOST_ID, login=GHOST_LOGIN), fake.url)
    damaged = damage_item(reply.body, fault, ghost, users=reply.users)
    if damaged is None:
        return reply, JSON_TYPE
    faults.count(fault.kind)
    return Reply(200, damaged, etag_for(damaged), reply.headers), JSON_TYPE


def _rate_limit_body(rate: RateSnapshot, now: float) -> dict[str, object]:
    core = {
        "limit": rate.limit,
        "used": rate.used,
        "remaining": rate.remaining,
        "reset": rate.reset,
    }
    search_reset = int(now) + 60
    return {
        "resources": {
            "core": core,
            "search": {"limit": 30, "used": 0, "remaining": 30, "reset": search_reset},
            "graphql": {
                "limit": rate.limit,
                "used": 0,
                "remaining": rate.limit,
                "reset": rate.reset,
            },
        },
        "rate": core,
    }


def _reset_connection(handler: _Handler) -> None:
    """Close the connection with a TCP reset instead of a response.

    SO_LINGER with a zero timeout makes close() send RST. The socket is closed for real
    only when `rfile`, which holds a reference to it, is closed too.
    """
    handler.close_connection = True
    try:
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()
        handler.rfile.close()
    except OSError as error:
        logger.debug("reset of the connection from %s failed: %s", handler.client_address, error)


def _send(
    fake: FakeGitHub,
    handler: _Handler,
    reply: Reply,
    rate: RateSnapshot | None,
    now: float,
    content_type: str,
    *,
    send_body: bool,
    star: bool,
) -> None:
    status = reply.status
    phrase = HTTPStatus(status).phrase
    headers = [
        ("Server", "GitHub.com"),
        ("Date", formatdate(now, usegmt=True)),
        ("Content-Type", content_type),
        ("Cache-Control", "private, max-age=60, s-maxage=60"),
        ("Vary", "Accept, Authorization, Accept-Encoding"),
    ]

    if status != 304:
        headers.append(("Content-Length", str(len(reply.body))))
    if reply.etag and status in (200, 304):
        headers.append(("ETag", reply.etag))
    headers.extend(reply.headers)
    if rate is not None:
        headers.extend(rate.headers())

    media = "github.v3; param=star; format=json" if star else "github.v3; format=json"
    headers.append(("X-GitHub-Media-Type", media))
    headers.append(("X-GitHub-Api-Version-Selected", "2022-11-28"))
    if not any(name == "x-github-request-id" for name, _ in headers):
        headers.append(("x-github-request-id", fake.next_request_id(now)))
    if handler.close_connection:
        headers.append(("Connection", "close"))

    head = f"HTTP/1.1 {status} {phrase}\r\n" + "".join(f"{n}: {v}\r\n" for n, v in headers) + "\r\n"
    payload = head.encode("latin-1")
    if send_body and status != 304:
        payload += reply.body
    try:
        handler.wfile.write(payload)
    except OSError as error:
        # The client went away, typically after its timeout on a slow response.
        logger.debug("sending the response to %r failed: %s", handler.requestline, error)
        handler.close_connection = True
