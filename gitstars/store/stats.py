"""Statistics: repositories by status, users and `starred` edges."""

from __future__ import annotations

from dataclasses import dataclass, field

from gitstars.models import RepoStatus
from gitstars.store.connection import QueryRunner
from gitstars.store.records import account_id

_SYSTEM = """
SELECT status, count() AS repos FROM repo GROUP BY status;
RETURN count(SELECT id FROM github_user);
RETURN count(SELECT id FROM starred);
RETURN count(SELECT id FROM account);
RETURN math::sum((SELECT VALUE requests FROM repo));
"""

_ACCOUNT = """
SELECT out.status AS status, count() AS repos FROM starred_repo WHERE in = $account GROUP BY status;
RETURN math::sum((SELECT VALUE count(<-starred) FROM (SELECT VALUE out FROM starred_repo WHERE in = $account)));
RETURN math::sum((SELECT VALUE out.requests FROM starred_repo WHERE in = $account));
"""


_ACCOUNT_REPOS = """
SELECT record::id(out) AS github_id, out.full_name AS full_name, out.status AS status,
       out.last_error AS last_error, count(out<-starred) AS stargazers
FROM starred_repo WHERE in = $account ORDER BY stargazers DESC, full_name;
"""


@dataclass(frozen=True)
class Stats:
    """Counts of repositories by status, users, edges and GitHub requests."""

    repos_by_status: dict[str, int] = field(default_factory=dict)
    users: int = 0
    edges: int = 0
    accounts: int = 0
    requests: int = 0

    @property
    def repos(self) -> int:
        """All repositories counted."""
        return sum(self.repos_by_status.values())

    def count(self, status: RepoStatus) -> int:
        """Return the number of repositories with this status."""
        return self.repos_by_status.get(status.value, 0)


def _by_status(rows: list[dict]) -> dict[str, int]:
    counts = {status.value: 0 for status in RepoStatus}
    for row in rows:
        counts[str(row["status"])] = int(row["repos"])
    return counts


async def system_stats(runner: QueryRunner) -> Stats:
    """Return statistics over the whole database."""
    rows, users, edges, accounts, requests = await runner.query(_SYSTEM)
    return Stats(_by_status(rows), int(users or 0), int(edges or 0), int(accounts or 0), int(requests or 0))


async def account_stats(runner: QueryRunner, account_github_id: int) -> Stats:
    """Return statistics over the repositories one account starred."""
    rows, edges, requests = await runner.query(_ACCOUNT, {"account": account_id(account_github_id)})
    return Stats(_by_status(rows), edges=int(edges or 0), accounts=1, requests=int(requests or 0))


async def account_repos(runner: QueryRunner, account_github_id: int) -> list[dict]:
    """Return each repository of the account with its status, error and stored stargazers."""
    (rows,) = await runner.query(_ACCOUNT_REPOS, {"account": account_id(account_github_id)})
    return rows
