"""Fetch one repository's stargazers page by page and store each page with its progress.

This is the unit of work behind the Prefect task, kept free of Prefect so it can be
tested and benchmarked alone. Outcomes map to repo statuses:

    every page written          -> complete
    422 past the page cap       -> complete, truncated
    restricted stargazers list  -> restricted (final, not retried)
    451 or gone after page 1    -> failed, error_kind "gone" (final)
    retries ran out, bad data   -> failed, error_kind names the cause
    invalid repo record         -> failed, error_kind "invalidrecord" (final)
    401 bad credentials         -> released as pending, and the error is raised
    stop requested or cancelled -> released as pending after the page in flight

A repo that `RepoWork.reopen_for_resync` handed back starts at its last written page
with that page's ETag: a 304 leaves it complete and writes no data, a 200 stores that
page and every page after it.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import aclosing
from dataclasses import dataclass

from gitstars.github.errors import (
    BadCredentialsError,
    GitHubError,
    InvalidResponseError,
    PaginationLimitError,
    RateLimitError,
    RepositoryGoneError,
    RestrictedError,
    TransientError,
)
from gitstars.github.stargazers import StargazerPager
from gitstars.github.urls import repository_path
from gitstars.metering import RequestMeter, start_meter
from gitstars.models import RepoStatus, StargazerPage
from gitstars.store import Claim, ClaimLostError, Store

# What the crawl reports for a repo that it did not claim or did not finish.
NOT_CLAIMED = "not-claimed"
INTERRUPTED = "interrupted"
CLAIM_LOST = "claim-lost"

# Pages of one repo requested while the crawler writes the current one. The pages are
# still written in order, one transaction each. With 100 ms per response, 4 pages ahead
# let one large repo reach the write rate of the database (see docs/benchmarks.md).
DEFAULT_PREFETCH = 4


@dataclass
class RepoResult:
    """What one crawl of one repository did."""

    github_id: int
    full_name: str
    status: str
    stargazers: int = 0
    pages: int = 0
    requests: int = 0
    not_modified: int = 0
    skipped: int = 0
    truncated: bool = False
    error: str | None = None


class Crawler:
    """Crawls repositories into a store with one GitHub client.

    `stop` lets a caller end the crawl cleanly: the page in flight is written, the claim
    is released, and the repo resumes at its next page on the next run. `prefetch` is the
    number of a repo's pages requested ahead of the one being written (see
    `StargazerPager`).
    """

    def __init__(
        self,
        store: Store,
        client,  # gitstars.github.client.GitHubClient; untyped to keep imports light
        *,
        lease_seconds: float = 300.0,
        stop: asyncio.Event | None = None,
        logger: logging.Logger | logging.LoggerAdapter | None = None,
        prefetch: int = DEFAULT_PREFETCH,
    ) -> None:
        if prefetch < 0:
            raise ValueError(f"invalid prefetch {prefetch}: expected 0 or more pages")
        self.store = store
        self.client = client
        self.lease_seconds = lease_seconds
        self.stop = stop or asyncio.Event()
        self.log = logger or logging.getLogger("gitstars.crawler")
        self.prefetch = prefetch

    async def crawl(self, github_repo_id: int) -> RepoResult:
        """Claim one repository and crawl it from its next unwritten page."""
        claim = await self.store.repos.claim(github_repo_id, self.lease_seconds)
        if claim is None:
            self.log.info("repo %s is held by another run or already final; skipped", github_repo_id)
            return RepoResult(github_repo_id, str(github_repo_id), NOT_CLAIMED)
        meter = start_meter()
        result = RepoResult(github_repo_id, claim.full_name, RepoStatus.PROCESSING.value)
        problem = invalid_record_problem(claim)
        if problem is not None:
            await self._finish(claim, meter, result, RepoStatus.FAILED, ValueError(problem), "invalidrecord")
            return result
        try:
            await self._fetch_pages(claim, meter, result)
        except ClaimLostError as error:
            self.log.warning("%s", error)
            result.status = CLAIM_LOST
        except RestrictedError as error:
            await self._finish(claim, meter, result, RepoStatus.RESTRICTED, error, "restricted")
        except PaginationLimitError:
            result.truncated = True
            await self._finish(claim, meter, result, RepoStatus.COMPLETE, None, None)
        except RepositoryGoneError as error:
            await self._finish(claim, meter, result, RepoStatus.FAILED, error, "gone")
        except BadCredentialsError:
            await self._release(claim, meter, result)
            raise
        except (TransientError, RateLimitError, InvalidResponseError, GitHubError) as error:
            kind = type(error).__name__.removesuffix("Error").lower()
            await self._finish(claim, meter, result, RepoStatus.FAILED, error, kind)
        except BaseException:
            # Cancellation (a Prefect timeout, Ctrl+C) or a bug: hand the repo back so the
            # next attempt resumes at its next unwritten page, then let the error through.
            await asyncio.shield(self._release(claim, meter, result))
            raise
        return result

    async def _fetch_pages(self, claim: Claim, meter: RequestMeter, result: RepoResult) -> None:
        while await self._fetch_from_next_page(claim, meter, result):
            # The re-synced last page came back empty: stars were removed, and stars
            # added since may now sit on the page before it.
            self.log.info(
                "%s: page %d is empty now; re-syncing from page %d",
                claim.full_name, claim.next_page, claim.next_page - 1,
            )
            if not await self.store.repos.rewind(claim, claim.next_page - 1):
                raise ClaimLostError(
                    f"repo {claim.full_name} (id {claim.github_repo_id}) could not move back "
                    "to an earlier page: the claim passed to another worker"
                )

    async def _fetch_from_next_page(
        self, claim: Claim, meter: RequestMeter, result: RepoResult
    ) -> bool:
        """Fetch and write pages from the claim's next page on.

        Returns:
            True when the first page is one written before, other than page 1, and is
            empty now, so the caller moves back one page; False when the crawl ended.
        """
        known_pages = set(claim.page_etags)
        pager = StargazerPager(
            self.client,
            claim.full_name,
            claim.github_repo_id,
            start_page=claim.next_page,
            stargazers_count=claim.stargazers_count,
            etags={int(page): etag for page, etag in claim.page_etags.items()},
            prefetch=self.prefetch,
        )
        first = True
        async with aclosing(pager.pages()) as pages:
            async for page in pages:
                refetch = str(page.number) in known_pages
                if first and refetch and _emptied(page):
                    return True
                first = False
                await self._write(claim, meter, result, page, refetch)
                if page.next_page is None:
                    result.status = RepoStatus.COMPLETE.value
                    self.log.info(
                        "%s complete: %d new stargazers in %d pages, %d requests (%d not modified)",
                        claim.full_name, result.stargazers, result.pages, result.requests,
                        result.not_modified,
                    )
                    return False
                if self.stop.is_set():
                    await self._release(claim, meter, result)
                    return False
        # The pager ended without a last page: the start page lies past the end of the list.
        await self._finish(claim, meter, result, RepoStatus.COMPLETE, None, None)
        return False

    async def _write(
        self,
        claim: Claim,
        meter: RequestMeter,
        result: RepoResult,
        page: StargazerPage,
        refetch: bool,
    ) -> None:
        if page.renamed_to and page.renamed_to != claim.full_name:
            self.log.info("repo %s was renamed to %s", claim.full_name, page.renamed_to)
            claim.full_name = result.full_name = page.renamed_to
        for problem in page.problems:
            self.log.warning("%s page %d: %s", claim.full_name, page.number, problem)
        # Pages requested ahead keep counting while the write awaits, so the count is
        # read once: what is stored now and what the next write adds never overlap.
        sent = meter.requests
        written = await self.store.repos.write_page(
            claim,
            page.number,
            page.stargazers,
            next_page=page.next_page,
            requests=sent - claim.requests,
            etag=page.etag,
            not_modified=page.not_modified,
        )
        claim.requests = sent
        result.pages += 1
        result.stargazers += written
        if not refetch:
            # A page read again was counted the first time; its old edges are not skips.
            result.skipped += page.skipped + len(page.stargazers) - written
        result.requests = meter.requests
        result.not_modified = meter.not_modified

    async def _finish(
        self,
        claim: Claim,
        meter: RequestMeter,
        result: RepoResult,
        status: RepoStatus,
        error: BaseException | None,
        error_kind: str | None,
    ) -> None:
        message = str(error) if error else None
        sent = meter.requests
        done = await self.store.repos.finish(
            claim,
            status,
            requests=sent - claim.requests,
            error=message,
            error_kind=error_kind,
            truncated=result.truncated,
        )
        claim.requests = sent
        result.requests = meter.requests
        result.not_modified = meter.not_modified
        result.error = message
        result.status = status.value if done else CLAIM_LOST
        level = logging.WARNING if status is RepoStatus.FAILED else logging.INFO
        suffix = f": {message}" if message else ""
        if status is RepoStatus.RESTRICTED and isinstance(error, GitHubError):
            # The full explanation is stored in last_error; one line per restricted repo
            # stays short, because an account can have hundreds of them.
            suffix = f" (HTTP {error.status}, request id {error.request_id})"
        self.log.log(level, "%s %s%s", claim.full_name, status.value, suffix)

    async def _release(self, claim: Claim, meter: RequestMeter, result: RepoResult) -> None:
        sent = meter.requests
        await self.store.repos.release(claim, requests=sent - claim.requests)
        claim.requests = sent
        result.requests = meter.requests
        result.status = INTERRUPTED
        self.log.info("%s released at page %d", claim.full_name, claim.next_page)


def _emptied(page: StargazerPage) -> bool:
    """Tell whether a page read again is now an empty last page past page 1."""
    return (
        page.number > 1
        and page.next_page is None
        and not page.not_modified
        and not page.stargazers
        and not page.skipped
    )


def invalid_record_problem(claim: Claim) -> str | None:
    """Return why a claimed repo record cannot be crawled, or None when it can.

    A name that is not `owner/name`, a `next_page` below 1 or an ETag key that is not a
    page number fails the same way on every run. The crawl therefore marks the repo
    failed with this text instead of handing it back as pending for ever.
    """
    prefix = f"repo record {claim.github_repo_id} is invalid"
    try:
        repository_path(claim.full_name)
    except ValueError as error:
        return f"{prefix}: {error}"
    if claim.next_page < 1:
        return f"{prefix}: next_page {claim.next_page} is below 1"
    for key in claim.page_etags:
        if not str(key).isascii() or not str(key).isdigit() or int(key) < 1:
            return f"{prefix}: page_etags key {key!r} is not a page number"
    return None
