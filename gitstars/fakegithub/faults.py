"""Fault plans: which requests get a faulty response from the fake server, and which fault.

A plan draws random faults with per-kind probabilities and also runs scripted faults
("the 3rd request to this path gets a 502"). Random draws are deterministic: each comes
from a generator seeded with the plan's seed, the request's path and query, its login and
how often that exact request was seen before. Two runs that send the same requests
therefore meet the same faults, whatever the order between threads, and a retried request
gets a fresh draw.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from random import Random
from typing import Any
from urllib.parse import parse_qsl


class FaultKind(StrEnum):
    """Kind of fault injected into one response."""

    SERVER_ERROR = "server_error"
    CONNECTION_RESET = "connection_reset"
    SLOW = "slow"
    SECONDARY_LIMIT = "secondary_limit"
    PRIMARY_LIMIT = "primary_limit"
    HTML_PAGE = "html_page"
    INVALID_JSON = "invalid_json"
    EMPTY_WITH_NEXT = "empty_with_next"
    NULL_USER = "null_user"
    GHOST_USER = "ghost_user"
    MISSING_STARRED_AT = "missing_starred_at"


class RetryAfter(StrEnum):
    """Form of the `Retry-After` header on a secondary rate limit."""

    SECONDS = "seconds"
    HTTP_DATE = "http-date"
    ABSENT = "absent"


# Faults that replace the whole response before the request reaches the API.
TRANSPORT_KINDS = frozenset(
    {
        FaultKind.SERVER_ERROR,
        FaultKind.CONNECTION_RESET,
        FaultKind.SLOW,
        FaultKind.SECONDARY_LIMIT,
        FaultKind.PRIMARY_LIMIT,
    }
)
# Faults that damage a successful list page. They apply only to 200 responses of list routes.
BAD_INPUT_KINDS = frozenset(FaultKind) - TRANSPORT_KINDS
LIST_ROUTES = frozenset({"stargazers", "starred"})


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault to inject.

    `status` is the HTTP status of a server error (500, 502, 503) or secondary limit (403,
    429). `position` picks the damaged item of a page as a fraction of its length.
    """

    kind: FaultKind
    status: int | None = None
    retry_after: RetryAfter = RetryAfter.SECONDS
    position: float = 0.0


@dataclass
class ScriptedFault:
    """Inject `fault` into the `nth` (1-based) request that matches `path`.

    `path` is a request path such as `/repositories/7/stargazers`. When it has a query
    (`...?page=2`), a request matches only if it carries those parameters too. With
    `login`, only requests of that token's user count.
    """

    path: str
    nth: int
    fault: Fault
    login: str | None = None
    seen: int = field(default=0, init=False)

    def matches(self, path: str, query: list[tuple[str, str]], login: str | None) -> bool:
        """Tell whether a request is one this script counts."""
        wanted_path, _, wanted_query = self.path.partition("?")
        if path != wanted_path:
            return False
        if self.login is not None and (login or "").lower() != self.login.lower():
            return False
        return all(pair in query for pair in parse_qsl(wanted_query))


@dataclass
class FaultPlan:
    """Probabilities and scripts of faults, which the server consults on every request.

    Probabilities are per request and drawn in the order of the fields below, so that at
    most one fault hits a request. Bad-input faults (`html_page` to `missing_starred_at`)
    apply to 200 responses of list routes only.

    Attributes:
        server_error_statuses: statuses drawn for a server error.
        slow_seconds: delay of a slow response. Make it longer than the client timeout.
        secondary_statuses: statuses drawn for a secondary rate limit.
        retry_after: forms of `Retry-After` drawn for a secondary rate limit.
        retry_after_seconds: wait that `Retry-After` announces.
        secondary_ratelimit_headers: also send `x-ratelimit-*` with a secondary limit. The
            recorded GitHub response has none.
        exhaust_after: scripts a primary limit. Each login's remaining quota drops to 0 on
            its `exhaust_after`-th counted request and stays 0 for `exhaust_seconds` on
            the server clock.
        scripted: faults for exact requests. They apply before random draws.
        routes: route kinds that random faults apply to ("user", "users", "starred",
            "repo", "stargazers", "rate_limit", "unknown"), or None for all of them.
    """

    seed: int = 0
    server_error: float = 0.0
    server_error_statuses: Sequence[int] = (500, 502, 503)
    connection_reset: float = 0.0
    slow: float = 0.0
    slow_seconds: float = 30.0
    secondary_limit: float = 0.0
    secondary_statuses: Sequence[int] = (403, 429)
    retry_after: Sequence[RetryAfter] = (RetryAfter.SECONDS,)
    retry_after_seconds: int = 60
    secondary_ratelimit_headers: bool = False
    html_page: float = 0.0
    invalid_json: float = 0.0
    empty_with_next: float = 0.0
    null_user: float = 0.0
    ghost_user: float = 0.0
    missing_starred_at: float = 0.0
    exhaust_after: int | None = None
    exhaust_seconds: float = 60.0
    scripted: list[ScriptedFault] = field(default_factory=list)
    routes: frozenset[str] | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._occurrences: Counter[tuple[str, str | None]] = Counter()
        self.injected: Counter[FaultKind] = Counter()

    def decide(
        self, path: str, query: list[tuple[str, str]], login: str | None, kind: str
    ) -> Fault | None:
        """Return the fault for this request, or None. Scripted faults come first."""
        with self._lock:
            for script in self.scripted:
                if script.matches(path, query, login):
                    script.seen += 1
                    if script.seen == script.nth:
                        return script.fault
            if self.routes is not None and kind not in self.routes:
                return None
            key = (path + "?" + "&".join(f"{k}={v}" for k, v in query), login)
            self._occurrences[key] += 1
            occurrence = self._occurrences[key]
        return self._draw(key, occurrence, kind)

    def _draw(self, key: tuple[str, str | None], occurrence: int, kind: str) -> Fault | None:
        digest = hashlib.blake2b(
            f"{self.seed}\0{key[0]}\0{key[1]}\0{occurrence}".encode(), digest_size=8
        ).digest()
        rng = Random(int.from_bytes(digest, "big"))
        if rng.random() < self.server_error:
            return Fault(
                FaultKind.SERVER_ERROR, status=rng.choice(list(self.server_error_statuses))
            )
        if rng.random() < self.connection_reset:
            return Fault(FaultKind.CONNECTION_RESET)
        if rng.random() < self.slow:
            return Fault(FaultKind.SLOW)
        if rng.random() < self.secondary_limit:
            return Fault(
                FaultKind.SECONDARY_LIMIT,
                status=rng.choice(list(self.secondary_statuses)),
                retry_after=rng.choice(list(self.retry_after)),
            )
        if kind not in LIST_ROUTES:
            return None
        for bad_kind, probability in (
            (FaultKind.HTML_PAGE, self.html_page),
            (FaultKind.INVALID_JSON, self.invalid_json),
            (FaultKind.EMPTY_WITH_NEXT, self.empty_with_next),
            (FaultKind.NULL_USER, self.null_user),
            (FaultKind.GHOST_USER, self.ghost_user),
            (FaultKind.MISSING_STARRED_AT, self.missing_starred_at),
        ):
            if rng.random() < probability:
                return Fault(bad_kind, position=rng.random())
        return None

    def count(self, kind: FaultKind) -> None:
        """Count one injected fault."""
        with self._lock:
            self.injected[kind] += 1

    def injected_counts(self) -> dict[str, int]:
        """Return how many faults of each kind were injected."""
        with self._lock:
            return {str(kind): number for kind, number in self.injected.items()}

    def reset_counts(self) -> None:
        """Set the injected-fault counters to zero. Draws and scripts keep their state."""
        with self._lock:
            self.injected.clear()


HTML_ERROR_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Unicorn! &middot; GitHub</title></head>\n"
    b"<body><h1>No server is currently available to service your request.</h1>\n"
    b"<p>Sorry about that. Please try refreshing and contact us if the problem persists.</p>"
    b"</body></html>\n"
)


def truncate_json(body: bytes) -> bytes:
    """Cut a JSON body in half, so that it no longer parses."""
    if len(body) < 4:
        return b"[{"
    return body[: len(body) // 2]


def damage_item(body: bytes, fault: Fault, ghost: dict[str, Any], *, users: bool) -> bytes | None:
    """Damage one item of a JSON list page, or return None when the fault does not apply.

    NULL_USER sets an item's `user` to null (an item of a plain user list becomes null),
    GHOST_USER puts the deleted-user placeholder in place of a user, MISSING_STARRED_AT
    drops `starred_at` (only star+json items have it). `users` is true when the page
    lists users (stargazers) rather than repositories, because user faults need users.
    """
    items = json.loads(body)
    if not isinstance(items, list) or not items:
        return None
    index = min(int(fault.position * len(items)), len(items) - 1)
    item = items[index]
    has_star = isinstance(item, dict) and "starred_at" in item
    if fault.kind is FaultKind.MISSING_STARRED_AT:
        if not has_star:
            return None
        del item["starred_at"]
    elif fault.kind in (FaultKind.NULL_USER, FaultKind.GHOST_USER):
        if not users:
            return None
        replacement = None if fault.kind is FaultKind.NULL_USER else ghost
        if has_star:
            item["user"] = replacement
        else:
            items[index] = replacement
    else:
        raise ValueError(f"{fault.kind} does not damage items")
    return json.dumps(items, separators=(",", ":")).encode()
