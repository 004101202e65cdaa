"""Accounts, their starred repositories, and the per-account run lock."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr
from surrealdb import RecordID

from gitstars.models import Account, GitHubUser, StarredRepository
from gitstars.store.connection import QueryRunner
from gitstars.store.records import account_id, repo_record, starred_repo_edge

_UPSERT_ACCOUNT = """
UPSERT $account MERGE { login: $login, updated_at: time::now() } RETURN NONE;
"""

_SET_TOKEN = "UPDATE $account SET access_token = $access_token, updated_at = time::now() RETURN NONE;"

# New repos start pending. A repo already known keeps its status and progress, and only
# its name and star count follow GitHub. A name that a 301 showed to be outdated (GitHub
# can list a starred repo under its old name for a while) does not replace the new one.
_SYNC_STARRED = """
BEGIN TRANSACTION;
INSERT INTO repo $repos ON DUPLICATE KEY UPDATE
    full_name = IF $input.full_name IN previous_names THEN full_name ELSE $input.full_name END,
    owner_login = IF $input.full_name IN previous_names THEN owner_login ELSE $input.owner_login END,
    stargazers_count = $input.stargazers_count, updated_at = time::now()
RETURN NONE;
INSERT RELATION INTO starred_repo $edges ON DUPLICATE KEY UPDATE starred_at = $input.starred_at
RETURN NONE;
COMMIT TRANSACTION;
"""

_FIND_BY_LOGIN = """
SELECT record::id(id) AS github_id, login, access_token != NONE AS has_token
FROM account WHERE string::lowercase(login) = string::lowercase($login) LIMIT 1;
"""

_FIND_BY_ID = """
SELECT record::id(id) AS github_id, login, access_token != NONE AS has_token FROM ONLY $account;
"""

_REPO_COUNT = "RETURN count(SELECT id FROM starred_repo WHERE in = $account);"

_ACCOUNT_REPOS = """
SELECT record::id(out) AS github_id, out.full_name AS full_name, out.status AS status,
       out.stargazers_count AS stargazers_count, out.owner_login AS owner_login
FROM starred_repo WHERE in = $account AND out.status IN $statuses;
"""

_ACCOUNTS_WITH_WORK = """
RETURN array::distinct((SELECT VALUE record::id(in) FROM starred_repo WHERE out.status IN $statuses));
"""

_LOCK_ACCOUNT = """
UPSERT $lock SET owner = $owner, lease_expires_at = time::now() + duration::from::millis($lease_ms)
WHERE owner = NONE OR owner = $owner OR lease_expires_at < time::now()
RETURN NONE;
SELECT owner FROM ONLY $lock;
"""

_UNLOCK_ACCOUNT = "DELETE $lock WHERE owner = $owner RETURN NONE;"


@dataclass(frozen=True)
class AccountRepo:
    """A repository that an account starred, with its crawl status."""

    github_id: int
    full_name: str
    status: str
    stargazers_count: int
    owner_login: str


def _account(row: dict[str, Any] | None) -> Account | None:
    if not row or row.get("github_id") is None:
        return None
    return Account(id=row["github_id"], login=row["login"], has_token=bool(row["has_token"]))


class Accounts:
    """Reads and writes of `account`, `starred_repo` and `account_lock`."""

    def __init__(self, runner: QueryRunner) -> None:
        self._runner = runner
        # Conditional writes race on the embedded engine; see RepoWork.
        self._lock_lock = asyncio.Lock()

    async def upsert(self, user: GitHubUser, token: SecretStr | None = None) -> Account:
        """Create or update the account of a GitHub user; store its token if one is given."""
        await self._runner.query(_UPSERT_ACCOUNT, {"account": account_id(user.id), "login": user.login})
        if token is not None:
            await self._runner.query(
                _SET_TOKEN, {"account": account_id(user.id), "access_token": token.get_secret_value()}
            )
        found = await self.get(user.id)
        assert found is not None  # the UPSERT above created it
        return found

    async def get(self, github_id: int) -> Account | None:
        """Return the account with this GitHub user id, or None."""
        (row,) = await self._runner.query(_FIND_BY_ID, {"account": account_id(github_id)})
        return _account(row)

    async def find(self, login: str) -> Account | None:
        """Return the account with this login (compared case-insensitively), or None."""
        (rows,) = await self._runner.query(_FIND_BY_LOGIN, {"login": login})
        return _account(rows[0] if rows else None)

    async def token(self, github_id: int) -> SecretStr | None:
        """Return the account's stored GitHub access token, or None."""
        (row,) = await self._runner.query(
            "SELECT access_token FROM ONLY $account;", {"account": account_id(github_id)}
        )
        value = (row or {}).get("access_token")
        return SecretStr(value) if value else None

    async def sync_starred(self, account_github_id: int, page: list[StarredRepository]) -> None:
        """Store one page of the account's starred repositories and its edges to them."""
        if not page:
            return
        repos = {item.repo.id: repo_record(item.repo) for item in page}
        edges = {item.repo.id: starred_repo_edge(account_github_id, item) for item in page}
        await self._runner.query(
            _SYNC_STARRED, {"repos": list(repos.values()), "edges": list(edges.values())}
        )

    async def repo_count(self, account_github_id: int) -> int:
        """Return how many repositories the account starred, as stored now."""
        (count,) = await self._runner.query(_REPO_COUNT, {"account": account_id(account_github_id)})
        return int(count or 0)

    async def repos(self, account_github_id: int, statuses: list[str]) -> list[AccountRepo]:
        """Return the account's starred repositories whose status is one of `statuses`."""
        (rows,) = await self._runner.query(
            _ACCOUNT_REPOS, {"account": account_id(account_github_id), "statuses": statuses}
        )
        return sorted((AccountRepo(**row) for row in rows), key=lambda repo: repo.github_id)

    async def with_work(self, statuses: list[str]) -> list[int]:
        """Return the GitHub ids of accounts with a starred repo in one of `statuses`."""
        (ids,) = await self._runner.query(_ACCOUNTS_WITH_WORK, {"statuses": statuses})
        return sorted(int(github_id) for github_id in ids or [])

    async def is_locked(self, account_github_id: int) -> bool:
        """Tell whether a run holds the account's lock with a lease that has not expired."""
        (row,) = await self._runner.query(
            "SELECT lease_expires_at > time::now() AS live FROM ONLY $lock;", {"lock": _lock_id(account_github_id)}
        )
        return bool((row or {}).get("live"))

    async def lock(self, account_github_id: int, lease_seconds: float, owner: str | None = None) -> str | None:
        """Take the account's run lock; return the owner token, or None if another run holds it."""
        owner = owner or uuid.uuid4().hex
        lock = _lock_id(account_github_id)
        async with self._lock_lock:
            _, row = await self._runner.query(
                _LOCK_ACCOUNT, {"lock": lock, "owner": owner, "lease_ms": int(lease_seconds * 1000)}
            )
        return owner if row and row.get("owner") == owner else None

    async def unlock(self, account_github_id: int, owner: str) -> None:
        """Release the account's run lock if `owner` still holds it."""
        await self._runner.query(_UNLOCK_ACCOUNT, {"lock": _lock_id(account_github_id), "owner": owner})


def _lock_id(account_github_id: int) -> RecordID:
    return RecordID("account_lock", account_github_id)
