"""Plain-text summaries for the terminal; pure functions over counts."""

from __future__ import annotations

from typing import Any

from gitstars.models import RepoStatus
from gitstars.store import Stats

TOP_REPOS = 20


def format_stats(stats: Stats, title: str = "gitstars statistics") -> str:
    """Format repository counts by status, users, edges and requests."""
    lines = [title]
    for status in RepoStatus:
        lines.append(f"  repos {status.value:<11} {stats.count(status):>9,}")
    lines.append(f"  repos total       {stats.repos:>9,}")
    if stats.accounts:
        lines.append(f"  accounts          {stats.accounts:>9,}")
    if stats.users:
        lines.append(f"  github users      {stats.users:>9,}")
    lines.append(f"  starred edges     {stats.edges:>9,}")
    lines.append(f"  requests (stored) {stats.requests:>9,}")
    restricted = stats.count(RepoStatus.RESTRICTED)
    if restricted:
        lines.append(
            f"  {restricted:,} repositories are restricted: since 2026-06-30 GitHub lists "
            "stargazers only to a repository's admins and collaborators."
        )
    return "\n".join(lines)


def format_run_summary(
    login: str, summary: dict[str, Any], stats: Stats, repos: list[dict[str, Any]], requests: int
) -> str:
    """Format what one `gitstars run` did, with the repositories that have stargazers."""
    lines = [
        f"account {login}",
        f"  this run: {summary.get('complete', 0):,} complete, {summary.get('restricted', 0):,} "
        f"restricted, {summary.get('failed', 0):,} failed, {summary.get('interrupted', 0):,} interrupted; "
        f"{summary.get('stargazers', 0):,} stargazers stored; {requests:,} GitHub requests",
        f"  all repos of the account: {stats.count(RepoStatus.COMPLETE):,} complete, "
        f"{stats.count(RepoStatus.RESTRICTED):,} restricted, {stats.count(RepoStatus.FAILED):,} failed, "
        f"{stats.count(RepoStatus.PENDING) + stats.count(RepoStatus.PROCESSING):,} pending; "
        f"{stats.edges:,} stargazers stored",
    ]
    with_stars = [repo for repo in repos if repo["stargazers"]]
    if with_stars:
        lines.append("  stargazers stored per repository:")
        for repo in with_stars[:TOP_REPOS]:
            lines.append(f"    {repo['stargazers']:>8,}  {repo['full_name']}")
        if len(with_stars) > TOP_REPOS:
            lines.append(f"    ... and {len(with_stars) - TOP_REPOS:,} more repositories")
    failed = [repo for repo in repos if repo["status"] == RepoStatus.FAILED.value]
    for repo in failed[:TOP_REPOS]:
        lines.append(f"  failed {repo['full_name']}: {repo['last_error']}")
    if stats.count(RepoStatus.RESTRICTED):
        lines.append(
            f"  {stats.count(RepoStatus.RESTRICTED):,} repositories are restricted: since 2026-06-30 "
            "GitHub lists stargazers only to a repository's admins and collaborators, and "
            f"{login} is neither. They are not retried."
        )
    return "\n".join(lines)
