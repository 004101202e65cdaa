"""Errors that the GitHub client raises.

    GitHubError                 a request failed (status, path, request_id, message)
    ├── TransientError          5xx, connection reset or timeout after the retries ran out
    ├── RateLimitError          a rate-limit wait longer than the client's maximum
    ├── RestrictedError         the stargazers list is open only to admins and collaborators
    ├── RepositoryGoneError     451 (blocked) or 404 of a known repository; `.reason`
    ├── PaginationLimitError    422: GitHub serves no pages past its pagination cap
    ├── BadCredentialsError     401: the token is invalid or expired
    ├── InvalidResponseError    HTML, invalid JSON or an unexpected shape
    └── NotFoundError           404 of a user or another resource

The errors store the request's path (with only its `page` and `per_page` query
parameters), never its headers, so neither `str()` nor `repr()` can contain the token.
"""

from __future__ import annotations

from datetime import datetime


class GitHubError(Exception):
    """A GitHub REST request that failed.

    Attributes:
        message: What failed, in a sentence.
        status: The HTTP status, or None when no response arrived.
        path: The request's URL path with only `page` and `per_page` in the query.
        request_id: GitHub's `x-github-request-id`, which GitHub support requests.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        path: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.path = path
        self.request_id = request_id

    def __str__(self) -> str:
        details = []
        if self.status is not None:
            details.append(f"HTTP {self.status}")
        if self.path:
            details.append(f"GET {self.path}")
        if self.request_id:
            details.append(f"request id {self.request_id}")
        if not details:
            return self.message
        return f"{self.message} ({', '.join(details)})"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, status={self.status!r}, "
            f"path={self.path!r}, request_id={self.request_id!r})"
        )


class TransientError(GitHubError):
    """A 5xx response, connection failure or timeout that lasted through every retry."""


class RateLimitError(GitHubError):
    """A rate limit whose wait is longer than the client may sleep.

    Attributes:
        wait_seconds: The wait that GitHub's headers asked for, in seconds.
        retry_at: The local time after which a retry should succeed.
        kind: `"primary"` or `"secondary"`.
    """

    def __init__(
        self,
        message: str,
        *,
        wait_seconds: float,
        retry_at: datetime,
        kind: str,
        status: int | None = None,
        path: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, status=status, path=path, request_id=request_id)
        self.wait_seconds = wait_seconds
        self.retry_at = retry_at
        self.kind = kind


class RestrictedError(GitHubError):
    """GitHub lists this repository's stargazers only to its admins and collaborators.

    Since GitHub's access change of 2026-06-30 other accounts get a 404 or 403 at the
    first page, or an empty first page although the repository has stargazers.
    """


class RepositoryGoneError(GitHubError):
    """The repository is blocked (451) or no longer exists (404 after it was found).

    Attributes:
        reason: GitHub's `block.reason` for a 451 (for example `"dmca"`), or
            `"not found"` for a 404.
    """

    def __init__(
        self,
        message: str,
        *,
        reason: str,
        status: int | None = None,
        path: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, status=status, path=path, request_id=request_id)
        self.reason = reason


class PaginationLimitError(GitHubError):
    """GitHub serves no pages past its pagination cap (422).

    The cap for stargazers is 400 pages of 100. The crawl keeps what it has and marks the
    repository complete but truncated.
    """


class BadCredentialsError(GitHubError):
    """GitHub rejected the token (401)."""


class InvalidResponseError(GitHubError):
    """A response that is not the JSON that the endpoint documents."""


class NotFoundError(GitHubError):
    """A user or another resource that GitHub does not find (404)."""
