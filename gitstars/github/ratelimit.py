"""Read GitHub's rate-limit headers and compute how long to wait.

GitHub sends `x-ratelimit-limit`, `-remaining`, `-used`, `-reset` (Unix seconds) and
`-resource` on most REST responses. A request over the primary limit gets 403 or 429 with
`x-ratelimit-remaining: 0`. A secondary ("abuse") limit gets 403 or 429, often with
`Retry-After`. Waits are measured against the response's `Date` header, because the
server's clock sets the reset time and the local clock may be off by minutes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# Added to a primary-limit wait because `x-ratelimit-reset` has whole-second resolution
# and a request sent exactly at the reset second may still be counted in the old window.
PRIMARY_MARGIN_SECONDS = 1.0

# Upper bound of the exponential wait after a secondary limit without Retry-After.
SECONDARY_MAX_WAIT_SECONDS = 900.0


@dataclass(frozen=True)
class RateLimitState:
    """The primary rate limit of one resource, as the latest response reported it."""

    limit: int
    remaining: int
    used: int | None
    reset_at: datetime
    resource: str | None


def lower_keys(headers: Mapping[str, str]) -> dict[str, str]:
    """Return the headers with lower-case names, because HTTP header names ignore case."""
    return {name.lower(): value for name, value in headers.items()}


def parse_rate_limit(headers: Mapping[str, str]) -> RateLimitState | None:
    """Parse the `x-ratelimit-*` headers.

    Returns:
        The state, or None when `limit`, `remaining` or `reset` is missing or not an
        integer. `used` and `resource` are optional, because older GitHub versions and
        some GitHub Enterprise Server releases do not send them.
    """
    lowered = lower_keys(headers)
    limit = _parse_int(lowered.get("x-ratelimit-limit"))
    remaining = _parse_int(lowered.get("x-ratelimit-remaining"))
    reset = _parse_int(lowered.get("x-ratelimit-reset"))
    if limit is None or remaining is None or reset is None:
        return None

    return RateLimitState(
        limit=limit,
        remaining=remaining,
        used=_parse_int(lowered.get("x-ratelimit-used")),
        reset_at=datetime.fromtimestamp(reset, tz=UTC),
        resource=lowered.get("x-ratelimit-resource") or None,
    )


def response_date(headers: Mapping[str, str]) -> datetime | None:
    """Return the response's `Date` header as an aware UTC datetime, or None if absent or invalid."""
    return _parse_http_date(lower_keys(headers).get("date"))


def server_now(headers: Mapping[str, str], received_at: datetime | None = None) -> datetime:
    """Return the server's time when it sent the response.

    The `Date` header comes first. Without it, `received_at` (the local time the response
    arrived) is used, and without that, the local clock now.
    """
    date = response_date(headers)
    if date is not None:
        return date
    if received_at is not None:
        return _as_utc(received_at)
    return datetime.now(UTC)


def primary_wait_seconds(
    headers: Mapping[str, str], received_at: datetime | None = None
) -> float | None:
    """Compute the wait until the primary limit resets, plus `PRIMARY_MARGIN_SECONDS`.

    The wait is `x-ratelimit-reset` minus the response's `Date`, never below the margin.

    Returns:
        Seconds to wait, or None when `x-ratelimit-reset` is missing or invalid.
    """
    reset = _parse_int(lower_keys(headers).get("x-ratelimit-reset"))
    if reset is None:
        return None
    now = server_now(headers, received_at)
    return max(0.0, reset - now.timestamp()) + PRIMARY_MARGIN_SECONDS


def retry_after_seconds(
    headers: Mapping[str, str], received_at: datetime | None = None
) -> float | None:
    """Parse `Retry-After`, given either as seconds or as an HTTP date.

    An HTTP date is measured against the response's `Date` header. A date in the past
    gives 0.

    Returns:
        Seconds to wait, or None when the header is missing or invalid.
    """
    value = lower_keys(headers).get("retry-after")
    if value is None or not value.strip():
        return None

    seconds = _parse_int(value)
    if seconds is not None:
        return float(max(0, seconds))

    retry_at = _parse_http_date(value)
    if retry_at is None:
        return None
    return max(0.0, (retry_at - server_now(headers, received_at)).total_seconds())


def secondary_backoff_seconds(
    attempt: int,
    min_wait: float = 60.0,
    max_wait: float = SECONDARY_MAX_WAIT_SECONDS,
) -> float:
    """Compute the wait after a rate limit that gave no wait time in its headers.

    GitHub's REST documentation recommends waiting at least one minute in that case and
    exponentially longer while the limit persists.

    Args:
        attempt: 1 for the first such response to a request, 2 for the second, and so on.
        min_wait: Wait after the first response, in seconds.
        max_wait: Upper bound, in seconds.
    """
    exponent = max(0, attempt - 1)
    # Cap the exponent so that a long streak cannot overflow the float.
    return min(max_wait, min_wait * 2.0 ** min(exponent, 32))


def _parse_int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def _parse_http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return _as_utc(parsed)


def _as_utc(moment: datetime) -> datetime:
    # A naive datetime is taken as UTC, because HTTP dates are always in GMT.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
