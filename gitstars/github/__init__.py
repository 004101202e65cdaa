"""Async client for GitHub's REST API: stargazers, starred repositories and users.

`GitHubClient` is the entry point. `classify` decides what each response means, and
`gitstars.github.errors` lists the errors that the client raises.
"""

from __future__ import annotations

from gitstars.github.classify import Verdict, VerdictKind, classify
from gitstars.github.client import DEFAULT_BASE_URL, GitHubClient
from gitstars.github.errors import (
    BadCredentialsError,
    GitHubError,
    InvalidResponseError,
    NotFoundError,
    PaginationLimitError,
    RateLimitError,
    RepositoryGoneError,
    RestrictedError,
    TransientError,
)
from gitstars.github.ratelimit import RateLimitState, parse_rate_limit

__all__ = [
    "DEFAULT_BASE_URL",
    "BadCredentialsError",
    "GitHubClient",
    "GitHubError",
    "InvalidResponseError",
    "NotFoundError",
    "PaginationLimitError",
    "RateLimitError",
    "RateLimitState",
    "RepositoryGoneError",
    "RestrictedError",
    "TransientError",
    "Verdict",
    "VerdictKind",
    "classify",
    "parse_rate_limit",
]
