"""GitHub payloads and the records gitstars keeps about them.

The payload models follow the `simple-user`, `stargazer`, `repository` and
`starred-repository` schemas of GitHub's REST API (version 2022-11-28) and keep only the
fields gitstars stores. Unknown fields are ignored, so GitHub may add fields freely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class RepoStatus(StrEnum):
    """Where a repository is in the stargazer crawl.

    `restricted` means GitHub answered the stargazers list only to the repository's admins
    and collaborators (the access change of 2026-06-30); it is final, like `complete`.
    """

    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETE = "complete"
    FAILED = "failed"
    RESTRICTED = "restricted"


FINAL_STATUSES = frozenset({RepoStatus.COMPLETE, RepoStatus.FAILED, RepoStatus.RESTRICTED})


class GitHubUser(BaseModel):
    """A GitHub account as the `simple-user` schema describes it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: int
    login: str
    avatar_url: str | None = None
    html_url: str | None = None
    type: str = "User"
    site_admin: bool = False


class Stargazer(BaseModel):
    """One item of a stargazers page read with `application/vnd.github.star+json`."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    starred_at: datetime | None = None
    user: GitHubUser


class Repository(BaseModel):
    """The fields of a `repository` that gitstars keeps."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: int
    full_name: str
    owner: GitHubUser
    private: bool = False
    html_url: str | None = None
    stargazers_count: int = 0


class StarredRepository(BaseModel):
    """One item of a starred-repositories page read with star+json."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    starred_at: datetime | None = None
    repo: Repository


@dataclass(frozen=True)
class StargazerPage:
    """One page of a repository's stargazers, as the client returns it.

    `skipped` counts items that could not be stored (a null `user`, for example), and
    `problems` says why, one line per item, so the crawl can log them. `renamed_to` is the
    repository's new full name when GitHub answered with a 301 to its numeric id.
    """

    number: int
    stargazers: list[Stargazer]
    next_page: int | None
    etag: str | None = None
    not_modified: bool = False
    skipped: int = 0
    problems: list[str] = field(default_factory=list)
    renamed_to: str | None = None


@dataclass(frozen=True)
class Account:
    """An `account` record: a person who signed in to the web app with GitHub."""

    id: int
    login: str
    has_token: bool
