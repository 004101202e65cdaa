"""Unit tests of `gitstars.github.classify` on recorded and quoted GitHub responses."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gitstars.github.classify import VerdictKind, classify

DATA = Path(__file__).parent / "data" / "github_client"

# Headers that described the recorded transfer, not the decoded body stored in the file.
TRANSFER_HEADERS = {"status", "content-length", "content-encoding", "transfer-encoding"}

MODERN_DATE = "Mon, 15 May 2023 22:59:22 GMT"
MODERN_RESET = 1684195041  # 3479 s after MODERN_DATE


def load(name: str) -> dict[str, Any]:
    raw = (DATA / name).read_bytes()
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
    return json.loads(raw)


def recorded(name: str, index: int) -> tuple[int, dict[str, str], bytes]:
    response = load(name)["exchanges"][index]["response"]
    headers = {
        header: value
        for header, value in response["headers"]
        if header.lower() not in TRANSFER_HEADERS
    }
    body = response["body"]
    content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    return response["status"], headers, content


def quoted(name: str) -> tuple[int, bytes]:
    response = load(f"quoted/{name}")["response"]
    return response["status"], json.dumps(response["body"]).encode()


def modern_headers(**overrides: str) -> dict[str, str]:
    """Return the header set of the recorded `GET /rate_limit`, with some values replaced."""
    _, headers, _ = recorded("rate-limit-endpoint.json", 0)
    headers.update(overrides)
    return headers


def test_ok_recorded_stargazers_page() -> None:
    status, headers, body = recorded("stargazers-star-json-single-page.json", 2)
    verdict = classify(status, headers, body)
    assert verdict.kind is VerdictKind.OK
    assert isinstance(verdict.payload, list)
    assert len(verdict.payload) == 6
    assert verdict.request_id == "44AE6A38:AB2F:94E8764:561EA76D"


def test_ok_empty_body_has_no_payload() -> None:
    verdict = classify(204, {}, b"")
    assert verdict.kind is VerdictKind.OK
    assert verdict.payload is None


def test_ok_html_body_is_invalid() -> None:
    headers = {"Content-Type": "text/html; charset=utf-8", "X-GitHub-Request-Id": "AB:CD"}
    verdict = classify(200, headers, b"<html><body>Unicorn!</body></html>")
    assert verdict.kind is VerdictKind.INVALID
    assert "text/html" in verdict.message
    assert verdict.request_id == "AB:CD"


def test_ok_broken_json_is_invalid() -> None:
    verdict = classify(200, {"content-type": "application/json"}, b'[{"user": ')
    assert verdict.kind is VerdictKind.INVALID
    assert "not valid JSON" in verdict.message


def test_ok_json_without_content_type() -> None:
    verdict = classify(200, {}, b"[]")
    assert verdict.kind is VerdictKind.OK
    assert verdict.payload == []


def test_not_modified() -> None:
    verdict = classify(304, {"ETag": 'W/"abc"'}, b"")
    assert verdict.kind is VerdictKind.NOT_MODIFIED


def test_moved_recorded_redirect() -> None:
    status, headers, body = recorded("repo-renamed-301.json", 0)
    verdict = classify(status, headers, body)
    assert verdict.kind is VerdictKind.MOVED
    assert verdict.location == "https://api.github.com/repositories/112116543"
    assert verdict.request_id == "91C2:0E1E:35F25D0:44D48B0:5BB6117E"


def test_moved_without_location_is_invalid() -> None:
    verdict = classify(301, {}, b"")
    assert verdict.kind is VerdictKind.INVALID


def test_primary_recorded_without_reset() -> None:
    status, headers, body = recorded("primary-rate-limit-403.json", 1)
    verdict = classify(status, headers, body)
    assert verdict.kind is VerdictKind.PRIMARY_LIMIT
    # The 2013 recording has no x-ratelimit-reset, so the client must back off itself.
    assert verdict.wait_seconds is None
    assert verdict.message == "API Rate Limit Exceeded for 92.104.200.119"


def test_primary_wait_uses_date_header() -> None:
    headers = modern_headers(**{"X-RateLimit-Remaining": "0"})
    verdict = classify(403, headers, b'{"message": "API rate limit exceeded"}')
    assert verdict.kind is VerdictKind.PRIMARY_LIMIT
    assert verdict.wait_seconds == 3479 + 1


def test_primary_429_wait_uses_date_header() -> None:
    headers = modern_headers(**{"X-RateLimit-Remaining": "0"})
    verdict = classify(429, headers, b'{"message": "API rate limit exceeded"}')
    assert verdict.kind is VerdictKind.PRIMARY_LIMIT
    assert verdict.wait_seconds == 3480


def test_primary_without_date_uses_received_at() -> None:
    headers = modern_headers(**{"X-RateLimit-Remaining": "0"})
    del headers["Date"]
    received_at = datetime.fromtimestamp(MODERN_RESET - 100, tz=UTC)
    verdict = classify(403, headers, b"{}", received_at=received_at)
    assert verdict.wait_seconds == 101


def test_primary_reset_in_past_waits_margin() -> None:
    headers = modern_headers(**{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1684191000"})
    verdict = classify(403, headers, b"{}")
    assert verdict.wait_seconds == 1


def test_primary_with_longer_retry_after() -> None:
    headers = modern_headers(**{"X-RateLimit-Remaining": "0", "Retry-After": "4000"})
    verdict = classify(403, headers, b"{}")
    assert verdict.kind is VerdictKind.PRIMARY_LIMIT
    assert verdict.wait_seconds == 4000


def test_secondary_recorded_retry_after() -> None:
    status, headers, body = recorded("secondary-rate-limit-403-retry-after.json.gz", 1)
    verdict = classify(status, headers, body)
    assert verdict.kind is VerdictKind.SECONDARY_LIMIT
    assert verdict.wait_seconds == 60
    assert verdict.request_id == "6EFB:2C9E:20874C7:50B5096:5BCEBCD7"


def test_secondary_message_without_headers() -> None:
    body = b'{"message": "You have exceeded a secondary rate limit. Please wait a few minutes."}'
    verdict = classify(403, {"Date": MODERN_DATE}, body)
    assert verdict.kind is VerdictKind.SECONDARY_LIMIT
    assert verdict.wait_seconds is None


def test_secondary_retry_after_http_date() -> None:
    headers = {"Date": MODERN_DATE, "Retry-After": "Mon, 15 May 2023 23:01:52 GMT"}
    verdict = classify(403, headers, b'{"message": "secondary rate limit"}')
    assert verdict.kind is VerdictKind.SECONDARY_LIMIT
    assert verdict.wait_seconds == 150


def test_secondary_with_spent_quota_waits_for_reset() -> None:
    headers = modern_headers(**{"X-RateLimit-Remaining": "0"})
    verdict = classify(403, headers, b'{"message": "You have exceeded a secondary rate limit."}')
    assert verdict.kind is VerdictKind.SECONDARY_LIMIT
    assert verdict.wait_seconds == 3480


def test_secondary_bare_429() -> None:
    verdict = classify(429, {}, b"")
    assert verdict.kind is VerdictKind.SECONDARY_LIMIT
    assert verdict.wait_seconds is None


def test_forbidden_without_rate_limit() -> None:
    headers = modern_headers(**{"X-RateLimit-Remaining": "4000"})
    verdict = classify(403, headers, b'{"message": "Resource not accessible by integration"}')
    assert verdict.kind is VerdictKind.FORBIDDEN
    assert verdict.message == "Resource not accessible by integration"


@pytest.mark.parametrize(
    ("name", "index"),
    [("server-error-500-then-200.json", 0), ("server-error-502-repeated.json", 0)],
)
def test_transient_recorded(name: str, index: int) -> None:
    status, headers, body = recorded(name, index)
    verdict = classify(status, headers, body)
    assert verdict.kind is VerdictKind.TRANSIENT
    assert verdict.message == "Server Error"
    assert verdict.request_id == "F9D6:235E:3C00DD:772BC6:5BD2AE02"


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_transient_statuses(status: int) -> None:
    assert classify(status, {}, b"").kind is VerdictKind.TRANSIENT


@pytest.mark.parametrize("status", [400, 405, 501, 505])
def test_unexpected_statuses(status: int) -> None:
    assert classify(status, {}, b"").kind is VerdictKind.UNEXPECTED


def test_not_found_recorded_user() -> None:
    status, headers, body = recorded("user-not-found-404.json", 0)
    verdict = classify(status, headers, body)
    assert verdict.kind is VerdictKind.RESTRICTED_OR_NOT_FOUND
    assert verdict.message == "Not Found"


def test_not_found_quoted_restriction() -> None:
    status, body = quoted("404-stargazers-after-2026-restriction.json")
    verdict = classify(status, {}, body)
    assert verdict.kind is VerdictKind.RESTRICTED_OR_NOT_FOUND


def test_unauthorized() -> None:
    body = b'{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}'
    verdict = classify(401, {}, body)
    assert verdict.kind is VerdictKind.UNAUTHORIZED
    assert verdict.message == "Bad credentials"


def test_pagination_limit_quoted() -> None:
    status, body = quoted("422-stargazers-pagination-limited.json")
    verdict = classify(status, {}, body)
    assert verdict.kind is VerdictKind.PAGINATION_LIMIT
    assert "pagination is limited" in verdict.message


def test_other_422_is_unexpected() -> None:
    verdict = classify(422, {}, b'{"message": "Validation Failed"}')
    assert verdict.kind is VerdictKind.UNEXPECTED


def test_gone_quoted_block_reason() -> None:
    status, body = quoted("451-repository-access-blocked.json")
    verdict = classify(status, {}, body)
    assert verdict.kind is VerdictKind.GONE
    assert verdict.reason == "dmca"
    assert verdict.message == "Repository access blocked"


def test_gone_without_block() -> None:
    verdict = classify(451, {}, b"")
    assert verdict.kind is VerdictKind.GONE
    assert verdict.reason == "gone"


def test_html_error_message_is_short() -> None:
    verdict = classify(502, {"content-type": "text/html"}, b"<html>" + b"x" * 5000 + b"</html>")
    assert verdict.kind is VerdictKind.TRANSIENT
    assert verdict.message == "GitHub sent HTTP 502 with an HTML body"


def test_header_names_ignore_case() -> None:
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(MODERN_RESET), "date": MODERN_DATE}
    verdict = classify(403, headers, b"{}")
    assert verdict.wait_seconds == 3480
