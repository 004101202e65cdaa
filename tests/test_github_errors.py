"""Unit tests of the GitHub client's error types."""

from __future__ import annotations

from datetime import UTC, datetime

from gitstars.github.errors import GitHubError, RateLimitError, RepositoryGoneError, TransientError


def test_str_names_status_path_and_request_id() -> None:
    error = TransientError("GitHub kept failing", status=502, path="/repos/a/b", request_id="F9D6:235E")
    assert str(error) == "GitHub kept failing (HTTP 502, GET /repos/a/b, request id F9D6:235E)"


def test_str_without_details() -> None:
    assert str(GitHubError("failed")) == "failed"


def test_repr_lists_fields() -> None:
    error = RepositoryGoneError("blocked", reason="dmca", status=451, path="/repos/a/b", request_id="X")
    assert repr(error) == (
        "RepositoryGoneError(message='blocked', status=451, path='/repos/a/b', request_id='X')"
    )
    assert error.reason == "dmca"


def test_rate_limit_error_attributes() -> None:
    retry_at = datetime(2030, 1, 1, tzinfo=UTC)
    error = RateLimitError("wait", wait_seconds=4000.0, retry_at=retry_at, kind="primary", status=403)
    assert error.wait_seconds == 4000.0
    assert error.retry_at == retry_at
    assert error.kind == "primary"
    assert isinstance(error, GitHubError)
