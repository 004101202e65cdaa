"""Repository work items: claim, write a page with its progress, finish, release, reap.

A claim is a unique token written to the repo record together with a lease expiry. Every
later write carries the token in its `WHERE` clause, so a worker that lost its claim (its
lease expired and another worker took over) cannot write progress any more.

A re-sync hands complete repos back as pending at their last written page, whose stored
ETag makes the request conditional: an unchanged list costs one 304 per repo.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from gitstars.models import RepoStatus, Stargazer
from gitstars.store.connection import QueryRunner, StoreError
from gitstars.store.records import account_id, page_rows, repo_id

CLAIM_LOST = "gitstars: claim lost"

_CLAIMABLE = (
    "(status = 'pending' OR (status = 'processing' AND "
    "(lease_expires_at = NONE OR lease_expires_at < time::now())))"
)

_CLAIM = f"""
UPDATE $repo SET
    status = 'processing',
    claim_owner = $owner,
    claim_token = $claim_token,
    lease_expires_at = time::now() + duration::from::millis($lease_ms),
    attempts += 1,
    started_at = started_at ?? time::now(),
    updated_at = time::now()
WHERE {_CLAIMABLE}
RETURN NONE;
SELECT claim_token, next_page, full_name, stargazers_count, page_etags, owner_login
    FROM ONLY $repo;
"""

# `$rows` contains one plain object per stargazer: the user's fields under GitHub's names,
# with `starred_at` and `repo` (the repository's id) added. The user INSERT keeps only
# the fields of the schema, and the record ids are built here rather than sent as
# `RecordID`s, because the SDK encodes a `RecordID` in pure Python about 10 times slower
# than an int (see docs/benchmarks.md). Closures cannot read outer variables, hence `repo`
# in every row.
#
# A page written before (a re-sync fetches the last page again) adds only its new edges
# to `stargazers_fetched` and no page to `pages_fetched`; a 304 page adds neither.
_WRITE_PAGE = f"""
BEGIN TRANSACTION;
LET $new_edges = IF $refetch THEN
    array::len($rows) - array::len((
        SELECT VALUE id FROM $rows.map(|$row| type::thing('starred', [$row.id, $row.repo]))
    ))
ELSE array::len($rows) END;
LET $progress = (UPDATE $repo SET
    next_page = $next_page ?? (next_page + 1),
    pages_fetched += IF $refetch OR $not_modified THEN 0 ELSE 1 END,
    stargazers_fetched += $new_edges,
    requests += $requests,
    page_etags[$page_key] = $etag ?? page_etags[$page_key],
    previous_names = IF $full_name != full_name THEN array::union(previous_names, [full_name]) ELSE previous_names END,
    owner_login = IF $full_name != full_name THEN string::split($full_name, '/')[0] ELSE owner_login END,
    full_name = $full_name,
    status = $status,
    truncated = $truncated,
    lease_expires_at = IF $status = 'processing' THEN time::now() + duration::from::millis($lease_ms) ELSE NONE END,
    claim_owner = IF $status = 'processing' THEN claim_owner ELSE NONE END,
    claim_token = IF $status = 'processing' THEN claim_token ELSE NONE END,
    finished_at = IF $status = 'processing' THEN NONE ELSE time::now() END,
    last_error = NONE,
    error_kind = NONE,
    updated_at = time::now()
WHERE claim_token = $claim_token AND next_page = $page RETURN id);
IF array::len($progress) = 0 {{ THROW "{CLAIM_LOST}" }};
IF array::len($rows) > 0 {{
    INSERT INTO github_user $rows ON DUPLICATE KEY UPDATE
        login = $input.login, avatar_url = $input.avatar_url, html_url = $input.html_url,
        type = $input.type, site_admin = $input.site_admin, updated_at = time::now()
    RETURN NONE;
    INSERT RELATION INTO starred $rows.map(|$row| {{
        id: [$row.id, $row.repo],
        in: type::thing('github_user', $row.id),
        out: type::thing('repo', $row.repo),
        starred_at: $row.starred_at
    }}) ON DUPLICATE KEY UPDATE starred_at = $input.starred_at
    RETURN NONE;
}};
RETURN $new_edges;
COMMIT TRANSACTION;
"""

_FINISH = """
UPDATE $repo SET
    status = $status,
    truncated = $truncated,
    last_error = $error,
    error_kind = $error_kind,
    requests += $requests,
    previous_names = IF $full_name != full_name THEN array::union(previous_names, [full_name]) ELSE previous_names END,
    owner_login = IF $full_name != full_name THEN string::split($full_name, '/')[0] ELSE owner_login END,
    full_name = $full_name,
    claim_owner = NONE, claim_token = NONE, lease_expires_at = NONE,
    finished_at = time::now(),
    updated_at = time::now()
WHERE claim_token = $claim_token RETURN id;
"""

_RELEASE = """
UPDATE $repo SET
    status = 'pending', requests += $requests,
    claim_owner = NONE, claim_token = NONE, lease_expires_at = NONE, updated_at = time::now()
WHERE claim_token = $claim_token RETURN id;
"""

_RENEW = """
UPDATE $repo SET lease_expires_at = time::now() + duration::from::millis($lease_ms)
WHERE claim_token = $claim_token RETURN id;
"""

# Only a repo whose whole list was read is re-synced: past GitHub's page cap (truncated)
# new stars cannot be reached anyway. The start page is the last page written, or an
# earlier one when ghosts or duplicates made the stored count smaller than a full list.
_REOPEN_FOR_RESYNC = """
UPDATE repo SET
    status = 'pending',
    next_page = math::max([1, math::min([
        next_page - 1, math::ceil(<float> stargazers_fetched / $per_page)
    ])]),
    finished_at = NONE,
    updated_at = time::now()
WHERE id IN (SELECT VALUE out FROM starred_repo WHERE in = $account)
    AND status = 'complete' AND truncated = false
RETURN VALUE record::id(id);
"""

_REWIND = """
UPDATE $repo SET
    next_page = $page,
    lease_expires_at = time::now() + duration::from::millis($lease_ms),
    updated_at = time::now()
WHERE claim_token = $claim_token RETURN id;
"""

_REAP = """
UPDATE repo SET
    status = 'pending', claim_owner = NONE, claim_token = NONE, lease_expires_at = NONE,
    updated_at = time::now()
WHERE status = 'processing' AND (lease_expires_at = NONE OR lease_expires_at < time::now())
RETURN id;
"""


class ClaimLostError(StoreError):
    """The repo's claim expired and passed to another worker; this worker must stop."""


@dataclass
class Claim:
    """A worker's hold on one repository, with what it needs to resume the crawl."""

    github_repo_id: int
    token: str
    owner: str
    full_name: str
    owner_login: str
    next_page: int
    stargazers_count: int
    page_etags: dict[str, str]
    lease_seconds: float
    requests: int = 0


class RepoWork:
    """Claims and progress of repositories, for one process.

    The embedded engine of surrealdb 2.0 let two concurrent conditional UPDATEs both
    succeed in a few percent of rounds, so claims in one process are serialised by a lock,
    and every claim is proven by reading its unique token back.
    """

    def __init__(self, runner: QueryRunner, owner: str | None = None) -> None:
        self._runner = runner
        self._claim_lock = asyncio.Lock()
        self.owner = owner or f"gitstars-{uuid.uuid4().hex[:12]}"

    async def claim(self, github_repo_id: int, lease_seconds: float) -> Claim | None:
        """Claim a pending repo, or one whose lease expired; None if another holds it."""
        token = uuid.uuid4().hex
        variables = {
            "repo": repo_id(github_repo_id),
            "owner": self.owner,
            "claim_token": token,
            "lease_ms": int(lease_seconds * 1000),
        }
        async with self._claim_lock:
            _, record = await self._runner.query(_CLAIM, variables)
        if not record or record.get("claim_token") != token:
            return None
        return Claim(
            github_repo_id=github_repo_id,
            token=token,
            owner=self.owner,
            full_name=record["full_name"],
            owner_login=record["owner_login"],
            next_page=record["next_page"],
            stargazers_count=record["stargazers_count"],
            page_etags=dict(record.get("page_etags") or {}),
            lease_seconds=lease_seconds,
        )

    async def write_page(
        self,
        claim: Claim,
        page: int,
        stargazers: list[Stargazer],
        *,
        next_page: int | None,
        requests: int,
        etag: str | None = None,
        truncated: bool = False,
        not_modified: bool = False,
    ) -> int:
        """Write one page's users and edges with the repo's progress, in one transaction.

        With no `next_page` the same transaction marks the repo complete and releases the
        claim. A page whose ETag the claim already has was written before (a re-sync), so
        only its new edges count towards `stargazers_fetched`. A `not_modified` (304) page
        has no stargazers and moves only the progress.

        Returns:
            The number of edges that did not exist before: every edge of a page read for
            the first time, only the new ones of a page read again.

        Raises:
            ClaimLostError: The claim is no longer this worker's, or the page was already
                written. Nothing is written then.
        """
        rows = page_rows(stargazers, claim.github_repo_id)
        key = str(page)
        refetch = key in claim.page_etags
        status = RepoStatus.PROCESSING if next_page is not None else RepoStatus.COMPLETE
        variables: dict[str, Any] = {
            "repo": repo_id(claim.github_repo_id),
            "claim_token": claim.token,
            "page": page,
            "next_page": next_page,
            "refetch": refetch,
            "not_modified": not_modified,
            "requests": requests,
            "page_key": key,
            "etag": etag,
            "full_name": claim.full_name,
            "status": status.value,
            "truncated": truncated,
            "lease_ms": int(claim.lease_seconds * 1000),
            "rows": rows,
        }
        try:
            results = await self._runner.query(_WRITE_PAGE, variables)
        except StoreError as error:
            if CLAIM_LOST in str(error):
                raise ClaimLostError(
                    f"page {page} of repo {claim.full_name} (id {claim.github_repo_id}) was not "
                    "written: the claim passed to another worker, or that page was written already"
                ) from error
            raise
        if etag:
            claim.page_etags[key] = etag
        claim.next_page = next_page if next_page is not None else page + 1
        return int(results[-1])

    async def finish(
        self,
        claim: Claim,
        status: RepoStatus,
        *,
        requests: int,
        error: str | None = None,
        error_kind: str | None = None,
        truncated: bool = False,
    ) -> bool:
        """Record a final status and release the claim; False if the claim was lost."""
        result = await self._runner.query(
            _FINISH,
            {
                "repo": repo_id(claim.github_repo_id),
                "claim_token": claim.token,
                "status": status.value,
                "truncated": truncated,
                "error": error,
                "error_kind": error_kind,
                "requests": requests,
                "full_name": claim.full_name,
            },
        )
        return bool(result[0])

    async def release(self, claim: Claim, *, requests: int = 0) -> bool:
        """Hand the repo back as pending, so the next run resumes at its next page."""
        result = await self._runner.query(
            _RELEASE, {"repo": repo_id(claim.github_repo_id), "claim_token": claim.token, "requests": requests}
        )
        return bool(result[0])

    async def rewind(self, claim: Claim, page: int) -> bool:
        """Move the claimed repo's next page back to `page`; False if the claim was lost.

        A re-sync uses it when the list shrank (stars were removed) so much that its last
        page is now empty, and newer stars may sit on the page before it.
        """
        result = await self._runner.query(
            _REWIND,
            {
                "repo": repo_id(claim.github_repo_id),
                "claim_token": claim.token,
                "page": page,
                "lease_ms": int(claim.lease_seconds * 1000),
            },
        )
        if not result[0]:
            return False
        claim.next_page = page
        return True

    async def reopen_for_resync(self, account_github_id: int, *, per_page: int = 100) -> list[int]:
        """Hand an account's complete repos back as pending, each at its last page.

        The next crawl of such a repo requests that page with its stored ETag: a 304
        leaves the repo complete without writing data, and a 200 stores that page and
        the pages after it. Truncated repos, and repos in any other status, stay as they
        are.

        Args:
            account_github_id: The account whose starred repos are re-synced.
            per_page: The page size of the crawl that wrote the pages (items).

        Returns:
            The GitHub ids of the repos handed back.
        """
        (reopened,) = await self._runner.query(
            _REOPEN_FOR_RESYNC, {"account": account_id(account_github_id), "per_page": per_page}
        )
        return sorted(int(github_id) for github_id in reopened or [])

    async def renew(self, claim: Claim) -> bool:
        """Extend the claim's lease; False if the claim was lost."""
        result = await self._runner.query(
            _RENEW,
            {
                "repo": repo_id(claim.github_repo_id),
                "claim_token": claim.token,
                "lease_ms": int(claim.lease_seconds * 1000),
            },
        )
        return bool(result[0])

    async def reap_expired(self) -> int:
        """Hand back every repo whose claim lease expired; return how many."""
        result = await self._runner.query(_REAP)
        return len(result[0] or [])
