"""Turn GitHub payload models into SurrealDB records; pure functions, no I/O.

Record ids come from GitHub's numeric ids: as a `RecordID`, which the SDK sends as a bound
value, or as a plain int from which the page write builds the id in SurrealQL. Logins and
repository names never become part of an id or a query text, because they may contain
dots, hyphens, quotes or only digits.
"""

from __future__ import annotations

from typing import Any

from surrealdb import RecordID

from gitstars.models import GitHubUser, Repository, Stargazer, StarredRepository

# GitHub shows stars of deleted accounts as this placeholder user. Edges from it would
# merge every deleted stargazer of a repository into one, so they are skipped.
GHOST_LOGIN = "ghost"
GHOST_ID = 10137


def repo_id(github_id: int) -> RecordID:
    """Return the record id of the repository with GitHub's numeric id."""
    return RecordID("repo", github_id)


def account_id(github_id: int) -> RecordID:
    """Return the record id of the account of the GitHub user with this numeric id."""
    return RecordID("account", github_id)


def is_ghost(user: GitHubUser) -> bool:
    """Tell whether a user is GitHub's placeholder for deleted accounts."""
    return user.id == GHOST_ID and user.login == GHOST_LOGIN


def page_rows(stargazers: list[Stargazer], github_repo_id: int) -> list[dict[str, Any]]:
    """Return one row per user of a page for `_WRITE_PAGE`, without ghosts or repeats.

    A user listed twice on one page (GitHub's list can shift while it is read) keeps the
    later `starred_at`. Fields that GitHub left out stay out of the row, so they are
    stored as NONE.
    """
    rows: dict[int, dict[str, Any]] = {}
    for stargazer in stargazers:
        user = stargazer.user
        if is_ghost(user):
            continue
        row: dict[str, Any] = {
            "id": user.id,
            "login": user.login,
            "type": user.type,
            "site_admin": user.site_admin,
            "repo": github_repo_id,
        }
        if user.avatar_url is not None:
            row["avatar_url"] = user.avatar_url
        if user.html_url is not None:
            row["html_url"] = user.html_url
        if stargazer.starred_at is not None:
            row["starred_at"] = stargazer.starred_at
        rows[user.id] = row
    return list(rows.values())


def repo_record(repository: Repository) -> dict[str, Any]:
    """Map a repository from a starred list to the fields gitstars keeps up to date."""
    return {
        "id": repo_id(repository.id),
        "full_name": repository.full_name,
        "owner_login": repository.owner.login,
        "stargazers_count": repository.stargazers_count,
    }


def starred_repo_edge(account_github_id: int, starred: StarredRepository) -> dict[str, Any]:
    """Map one starred-list item to the `starred_repo` edge from the account."""
    return {
        "id": RecordID("starred_repo", [account_github_id, starred.repo.id]),
        "in": account_id(account_github_id),
        "out": repo_id(starred.repo.id),
        "starred_at": starred.starred_at,
    }
