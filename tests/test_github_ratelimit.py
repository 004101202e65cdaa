"""Unit tests of `gitstars.github.ratelimit` on recorded GitHub headers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gitstars.github.ratelimit import (
    parse_rate_limit,
    primary_wait_seconds,
    response_date,
    retry_after_seconds,
    secondary_backoff_seconds,
    server_now,
)

DATA = Path(__file__).parent / "data" / "github_client"

MODERN_DATE = "Mon, 15 May 2023 22:59:22 GMT"
MODERN_DATE_EPOCH = 1684191562


def recorded_headers(name: str, index: int) -> dict[str, str]:
    recording = json.loads((DATA / name).read_text())
    return dict(recording["exchanges"][index]["response"]["headers"])


def test_state_recorded_modern_headers() -> None:
    state = parse_rate_limit(recorded_headers("rate-limit-endpoint.json", 0))
    assert state is not None
    assert state.limit == 5000
    assert state.remaining == 4904
    assert state.used == 96
    assert state.reset_at == datetime.fromtimestamp(1684195041, tz=UTC)
    assert state.resource == "core"


def test_state_recorded_old_headers_without_reset() -> None:
    # The 2013 recording has limit and remaining but no reset, so there is no state.
    assert parse_rate_limit(recorded_headers("primary-rate-limit-403.json", 1)) is None


def test_state_without_used_and_resource() -> None:
    state = parse_rate_limit(recorded_headers("repo-renamed-301.json", 0))
    assert state is not None
    assert state.remaining == 4989
    assert state.used is None
    assert state.resource is None


def test_state_invalid_number() -> None:
    headers = {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "many", "x-ratelimit-reset": "1"}
    assert parse_rate_limit(headers) is None


def test_response_date_parses_gmt() -> None:
    date = response_date({"Date": MODERN_DATE})
    assert date == datetime.fromtimestamp(MODERN_DATE_EPOCH, tz=UTC)


def test_response_date_invalid() -> None:
    assert response_date({"Date": "yesterday"}) is None


def test_server_now_prefers_date() -> None:
    received_at = datetime(2030, 1, 1, tzinfo=UTC)
    assert server_now({"Date": MODERN_DATE}, received_at).timestamp() == MODERN_DATE_EPOCH


def test_server_now_falls_back_to_received_at() -> None:
    received_at = datetime(2030, 1, 1, tzinfo=UTC)
    assert server_now({}, received_at) == received_at


def test_server_now_treats_naive_as_utc() -> None:
    assert server_now({}, datetime(2030, 1, 1)) == datetime(2030, 1, 1, tzinfo=UTC)


def test_primary_wait_reset_minus_date() -> None:
    headers = {"Date": MODERN_DATE, "X-RateLimit-Reset": str(MODERN_DATE_EPOCH + 600)}
    assert primary_wait_seconds(headers) == 601


def test_primary_wait_ignores_local_clock() -> None:
    headers = {"Date": MODERN_DATE, "X-RateLimit-Reset": str(MODERN_DATE_EPOCH + 600)}
    received_at = datetime(2030, 1, 1, tzinfo=UTC)
    assert primary_wait_seconds(headers, received_at) == 601


def test_primary_wait_without_date_uses_received_at() -> None:
    headers = {"X-RateLimit-Reset": str(MODERN_DATE_EPOCH + 30)}
    received_at = datetime.fromtimestamp(MODERN_DATE_EPOCH, tz=UTC)
    assert primary_wait_seconds(headers, received_at) == 31


def test_primary_wait_past_reset() -> None:
    headers = {"Date": MODERN_DATE, "X-RateLimit-Reset": str(MODERN_DATE_EPOCH - 30)}
    assert primary_wait_seconds(headers) == 1


def test_primary_wait_without_reset() -> None:
    assert primary_wait_seconds({"Date": MODERN_DATE}) is None


def test_retry_after_seconds_value() -> None:
    assert retry_after_seconds({"Retry-After": "60"}) == 60


def test_retry_after_http_date() -> None:
    headers = {"Date": MODERN_DATE, "Retry-After": "Mon, 15 May 2023 23:00:22 GMT"}
    assert retry_after_seconds(headers) == 60


def test_retry_after_http_date_in_past() -> None:
    headers = {"Date": MODERN_DATE, "Retry-After": "Mon, 15 May 2023 22:00:00 GMT"}
    assert retry_after_seconds(headers) == 0


@pytest.mark.parametrize("value", ["", "soon", "-"])
def test_retry_after_invalid(value: str) -> None:
    assert retry_after_seconds({"Retry-After": value}) is None


def test_retry_after_missing() -> None:
    assert retry_after_seconds({}) is None


def test_backoff_doubles_from_minimum() -> None:
    waits = [secondary_backoff_seconds(attempt) for attempt in range(1, 7)]
    assert waits == [60, 120, 240, 480, 900, 900]


def test_backoff_custom_bounds() -> None:
    assert secondary_backoff_seconds(3, min_wait=10, max_wait=25) == 25


def test_backoff_long_streak_stays_bounded() -> None:
    assert secondary_backoff_seconds(10_000) == 900
