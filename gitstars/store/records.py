"""Turn GitHub payload models into SurrealDB records; pure functions, no I/O.

Record ids are built from GitHub's numeric ids with `RecordID`, which the SDK sends as a
bound value. Logins and repository names never become part of an id or a query text,
because they may contain dots, hyphens, quotes or only digits.
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


def user_id(github_id: int) -> RecordID:
    """Return the record id of a GitHub user."""
    return RecordID("github_user", github_id)


def is_ghost(user: GitHubUser) -> bool:
    """Tell whether a user is GitHub's placeholder for deleted accounts."""
    return user.id == GHOST_ID and user.login == GHOST_LOGIN


def user_record(user: GitHubUser) -> dict[str, Any]:
    """Map a GitHub user to its `github_user` record."""
    return {
        "id": user_id(user.id),
        "login": user.login,
        "avatar_url": user.avatar_url,
        "html_url": user.html_url,
        "type": user.type,
        "site_admin": user.site_admin,
    }


def starred_edge(stargazer: Stargazer, github_repo_id: int) -> dict[str, Any]:
    """Map a stargazer to its `starred` edge; the id makes one edge per (user, repo)."""
    return {
        "id": RecordID("starred", [stargazer.user.id, github_repo_id]),
        "in": user_id(stargazer.user.id),
        "out": repo_id(github_repo_id),
        "starred_at": stargazer.starred_at,
    }


def page_records(
    stargazers: list[Stargazer], github_repo_id: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """Return the user records, edge records and skipped count for one page.

    A user listed twice on one page (GitHub's list can shift while it is read) yields one
    record and one edge, keeping the later `starred_at`.
    """
    users: dict[int, dict[str, Any]] = {}
    edges: dict[int, dict[str, Any]] = {}
    skipped = 0
    for stargazer in stargazers:
        if is_ghost(stargazer.user):
            skipped += 1
            continue
        users[stargazer.user.id] = user_record(stargazer.user)
        edges[stargazer.user.id] = starred_edge(stargazer, github_repo_id)
    return list(users.values()), list(edges.values()), skipped


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
