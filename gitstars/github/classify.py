"""Classify every GitHub REST response in one place.

`classify` is pure: it reads the status, headers and body and returns a `Verdict`. The
client decides from the verdict whether to return data, wait, retry or raise, and which
error a 404 means for the endpoint it called.

The rate-limit rules follow GitHub's documentation "Rate limits for the REST API"
(API version 2022-11-28): honour `Retry-After` when present, wait for `x-ratelimit-reset`
when `x-ratelimit-remaining` is 0, and otherwise wait at least a minute.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from gitstars.github.ratelimit import lower_keys, primary_wait_seconds, retry_after_seconds

TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 307, 308})

# Maximum length of an error message taken from a response body, so that an HTML error
# page cannot flood logs and exception text.
_MAX_MESSAGE_LENGTH = 300

# Phrases of GitHub's secondary-limit messages, old ("abuse detection mechanism") and new
# ("You have exceeded a secondary rate limit"). Matched in lower case.
_SECONDARY_PHRASES = ("secondary rate limit", "abuse")

# GitHub's 422 message for a page past the cap: "In order to keep the API fast for
# everyone, pagination is limited for this resource. ..."
_PAGINATION_PHRASE = "pagination is limited"


class VerdictKind(StrEnum):
    """Category of a response, which decides what the client does next."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"
    MOVED = "moved"
    PRIMARY_LIMIT = "primary_limit"
    SECONDARY_LIMIT = "secondary_limit"
    TRANSIENT = "transient"
    RESTRICTED_OR_NOT_FOUND = "restricted_or_not_found"
    FORBIDDEN = "forbidden"
    GONE = "gone"
    PAGINATION_LIMIT = "pagination_limit"
    UNAUTHORIZED = "unauthorized"
    INVALID = "invalid"
    # Any other status, such as 400 or 501: a request the client should not have sent
    # or a server that cannot serve it. Retrying does not help.
    UNEXPECTED = "unexpected"


@dataclass(frozen=True)
class Verdict:
    """The classification of one response.

    Attributes:
        kind: What the response means.
        message: GitHub's `message` field, or a description of what is wrong with the body.
        request_id: GitHub's `x-github-request-id` header.
        wait_seconds: For rate limits, the wait that the headers ask for. None means the
            headers give no wait, so the client backs off on its own.
        location: For MOVED, the `Location` header.
        reason: For GONE, GitHub's `block.reason` (or "gone" when the body has none).
        payload: For OK, the decoded JSON body (None for an empty body).
    """

    kind: VerdictKind
    message: str = ""
    request_id: str | None = None
    wait_seconds: float | None = None
    location: str | None = None
    reason: str | None = None
    payload: Any = field(default=None, repr=False, compare=False)


def classify(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    received_at: datetime | None = None,
) -> Verdict:
    """Classify a response of GitHub's REST API.

    Args:
        status: The HTTP status code.
        headers: The response headers. Names may have any case.
        body: The raw response body.
        received_at: The local time the response arrived. It replaces the `Date` header
            in wait computations when the response has none.

    Returns:
        The verdict. A 2xx response with a body that is not JSON is INVALID.
    """
    lowered = lower_keys(headers)
    request_id = lowered.get("x-github-request-id")

    if 200 <= status < 300:
        return _classify_success(lowered, body, request_id)
    if status == 304:
        return Verdict(VerdictKind.NOT_MODIFIED, request_id=request_id)
    if status in REDIRECT_STATUSES:
        location = lowered.get("location")
        if not location:
            return Verdict(
                VerdictKind.INVALID,
                message=f"GitHub sent a {status} redirect without a Location header",
                request_id=request_id,
            )
        return Verdict(VerdictKind.MOVED, request_id=request_id, location=location)

    payload = _decode_json(body)
    message = _error_message(payload, body, status)

    if status == 401:
        return Verdict(VerdictKind.UNAUTHORIZED, message=message, request_id=request_id)
    if status in (403, 429):
        return _classify_forbidden(status, lowered, message, request_id, received_at)
    if status == 404:
        return Verdict(VerdictKind.RESTRICTED_OR_NOT_FOUND, message=message, request_id=request_id)
    if status in (410, 451):
        return Verdict(
            VerdictKind.GONE,
            message=message,
            request_id=request_id,
            reason=_block_reason(payload) or "gone",
        )
    if status == 422 and _PAGINATION_PHRASE in message.lower():
        return Verdict(VerdictKind.PAGINATION_LIMIT, message=message, request_id=request_id)
    if status in TRANSIENT_STATUSES:
        return Verdict(VerdictKind.TRANSIENT, message=message, request_id=request_id)
    return Verdict(VerdictKind.UNEXPECTED, message=message, request_id=request_id)


def _classify_success(headers: dict[str, str], body: bytes, request_id: str | None) -> Verdict:
    if not body.strip():
        return Verdict(VerdictKind.OK, request_id=request_id)

    content_type = headers.get("content-type", "")
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type and not (media_type == "application/json" or media_type.endswith("+json")):
        return Verdict(
            VerdictKind.INVALID,
            message=f"expected a JSON body but got {media_type}",
            request_id=request_id,
        )

    try:
        payload = json.loads(body)
    except ValueError as error:
        return Verdict(
            VerdictKind.INVALID,
            message=f"the response body is not valid JSON: {error}",
            request_id=request_id,
        )
    return Verdict(VerdictKind.OK, request_id=request_id, payload=payload)


def _classify_forbidden(
    status: int,
    headers: dict[str, str],
    message: str,
    request_id: str | None,
    received_at: datetime | None,
) -> Verdict:
    lowered_message = message.lower()
    mentions_secondary = any(phrase in lowered_message for phrase in _SECONDARY_PHRASES)
    quota_spent = headers.get("x-ratelimit-remaining", "").strip() == "0"
    retry_after = retry_after_seconds(headers, received_at)

    if quota_spent and not mentions_secondary:
        wait = primary_wait_seconds(headers, received_at)
        if retry_after is not None:
            wait = max(wait or 0.0, retry_after)
        return Verdict(
            VerdictKind.PRIMARY_LIMIT, message=message, request_id=request_id, wait_seconds=wait
        )

    # A 429 is a rate limit by definition, and a 403 that mentions a rate limit but lacks
    # the headers is treated as one rather than as a permanent refusal.
    if mentions_secondary or retry_after is not None or status == 429 or "rate limit" in lowered_message:
        wait = retry_after
        if wait is None and quota_spent:
            wait = primary_wait_seconds(headers, received_at)
        return Verdict(
            VerdictKind.SECONDARY_LIMIT, message=message, request_id=request_id, wait_seconds=wait
        )

    return Verdict(VerdictKind.FORBIDDEN, message=message, request_id=request_id)


def _decode_json(body: bytes) -> Any:
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _error_message(payload: Any, body: bytes, status: int) -> str:
    if isinstance(payload, dict):
        message = payload.get("message") or payload.get("error")
        if isinstance(message, str) and message.strip():
            return message.strip()[:_MAX_MESSAGE_LENGTH]
    if payload is None and body.strip():
        text = body.decode("utf-8", errors="replace").strip()
        if text.startswith("<"):
            return f"GitHub sent HTTP {status} with an HTML body"
        return text[:_MAX_MESSAGE_LENGTH]
    return f"GitHub sent HTTP {status}"


def _block_reason(payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return None
    block = payload.get("block")
    if isinstance(block, dict) and isinstance(block.get("reason"), str):
        return block["reason"]
    return None
