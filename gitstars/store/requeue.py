"""Select repositories for a backfill and hand them back as pending."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from gitstars.models import RepoStatus
from gitstars.store.connection import QueryRunner
from gitstars.store.records import account_id, repo_id

_SELECT = """
SELECT record::id(id) AS github_id, full_name, status, finished_at FROM repo
WHERE status IN $statuses
    AND ($ids = NONE OR id IN $ids)
    AND ($names = NONE OR string::lowercase(full_name) IN $names);
"""

_ACCOUNT_REPO_IDS = "SELECT VALUE out FROM starred_repo WHERE in = $account;"

# A repo with a live claim stays with the run that claimed it.
_REQUEUE = """
UPDATE repo SET
    status = 'pending', last_error = NONE, error_kind = NONE, finished_at = NONE,
    next_page = IF $restart THEN 1 ELSE next_page END,
    pages_fetched = IF $restart THEN 0 ELSE pages_fetched END,
    stargazers_fetched = IF $restart THEN 0 ELSE stargazers_fetched END,
    page_etags = IF $restart THEN {} ELSE page_etags END,
    truncated = IF $restart THEN false ELSE truncated END,
    updated_at = time::now()
WHERE id IN $ids AND NOT (status = 'processing' AND lease_expires_at > time::now())
RETURN VALUE record::id(id);
"""

_STARRED_BY = """
SELECT record::id(out) AS repo, record::id(in) AS account FROM starred_repo WHERE out IN $ids;
"""


@dataclass(frozen=True)
class BackfillCandidate:
    """A repository that matched a backfill's statuses."""

    github_id: int
    full_name: str
    status: str
    finished_at: datetime | None


def keep_candidate(candidate: BackfillCandidate, restricted_older_than_days: float | None, now: datetime) -> bool:
    """Tell whether a matched repo is redone: restricted ones only once old enough, if asked."""
    if candidate.status != RepoStatus.RESTRICTED or restricted_older_than_days is None:
        return True
    if candidate.finished_at is None:
        return True
    return candidate.finished_at <= now - timedelta(days=restricted_older_than_days)


async def select_candidates(
    runner: QueryRunner,
    *,
    statuses: list[str],
    account_github_id: int | None = None,
    full_names: list[str] | None = None,
    restricted_older_than_days: float | None = None,
) -> list[BackfillCandidate]:
    """Return the repos a backfill redoes: of one account or named, in one of `statuses`."""
    ids = None
    if account_github_id is not None:
        (ids,) = await runner.query(_ACCOUNT_REPO_IDS, {"account": account_id(account_github_id)})
    names = [name.lower() for name in full_names] if full_names else None
    (rows,) = await runner.query(_SELECT, {"statuses": statuses, "ids": ids, "names": names})
    now = datetime.now(UTC)
    candidates = [BackfillCandidate(**row) for row in rows]
    return sorted(
        (item for item in candidates if keep_candidate(item, restricted_older_than_days, now)),
        key=lambda item: item.github_id,
    )


async def requeue(runner: QueryRunner, github_ids: list[int], *, restart: bool) -> list[int]:
    """Set repos back to pending; with `restart`, from page 1. Returns the ids requeued."""
    if not github_ids:
        return []
    (requeued,) = await runner.query(
        _REQUEUE, {"ids": [repo_id(github_id) for github_id in github_ids], "restart": restart}
    )
    return [int(github_id) for github_id in requeued or []]


async def accounts_of(runner: QueryRunner, github_ids: list[int]) -> dict[int, list[int]]:
    """Return, for each repo id, the accounts that starred it."""
    (rows,) = await runner.query(_STARRED_BY, {"ids": [repo_id(github_id) for github_id in github_ids]})
    starred_by: dict[int, list[int]] = {}
    for row in rows or []:
        starred_by.setdefault(int(row["repo"]), []).append(int(row["account"]))
    return starred_by

