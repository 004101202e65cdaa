"""Fetch one repository's stargazers page by page and store each page with its progress.

This is the unit of work behind the Prefect task, kept free of Prefect so it can be
tested and benchmarked alone. Outcomes map to repo statuses:

    every page written          -> complete
    422 past the page cap       -> complete, truncated
    restricted stargazers list  -> restricted (final, not retried)
    451 or gone after page 1    -> failed, error_kind "gone" (final)
    retries ran out, bad data   -> failed, error_kind names the cause
    401 bad credentials         -> released as pending, and the error is raised
    stop requested or cancelled -> released as pending after the page in flight
"""

from __future__ import annotations

import asyncio
import logging
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
from gitstars.metering import RequestMeter, start_meter
from gitstars.models import RepoStatus
from gitstars.store import Claim, ClaimLostError, Store

# What the crawl reports for a repo that it did not claim or did not finish.
NOT_CLAIMED = "not-claimed"
INTERRUPTED = "interrupted"
CLAIM_LOST = "claim-lost"


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
    is released, and the repo resumes at its next page on the next run.
    """

    def __init__(
        self,
        store: Store,
        client,  # gitstars.github.client.GitHubClient; untyped to keep imports light
        *,
        lease_seconds: float = 300.0,
        stop: asyncio.Event | None = None,
        logger: logging.Logger | logging.LoggerAdapter | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.lease_seconds = lease_seconds
        self.stop = stop or asyncio.Event()
        self.log = logger or logging.getLogger("gitstars.crawler")

    async def crawl(self, github_repo_id: int) -> RepoResult:
        """Claim one repository and crawl it from its next unwritten page."""
        claim = await self.store.repos.claim(github_repo_id, self.lease_seconds)
        if claim is None:
            self.log.info("repo %s is held by another run or already final; skipped", github_repo_id)
            return RepoResult(github_repo_id, str(github_repo_id), NOT_CLAIMED)
        meter = start_meter()
        result = RepoResult(github_repo_id, claim.full_name, RepoStatus.PROCESSING.value)
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
        pages = self.client.iter_stargazer_pages(
            claim.full_name,
            claim.github_repo_id,
            start_page=claim.next_page,
            stargazers_count=claim.stargazers_count,
            etags={int(page): etag for page, etag in claim.page_etags.items()},
        )
        async for page in pages:
            if page.renamed_to and page.renamed_to != claim.full_name:
                self.log.info("repo %s was renamed to %s", claim.full_name, page.renamed_to)
                claim.full_name = result.full_name = page.renamed_to
            for problem in page.problems:
                self.log.warning("%s page %d: %s", claim.full_name, page.number, problem)
            written = await self.store.repos.write_page(
                claim,
                page.number,
                page.stargazers,
                next_page=page.next_page,
                requests=meter.requests - claim.requests,
                etag=page.etag,
            )
            claim.requests = meter.requests
            result.pages += 1
            result.stargazers += written
            result.skipped += page.skipped + len(page.stargazers) - written
            result.requests = meter.requests
            result.not_modified = meter.not_modified
            if page.next_page is None:
                result.status = RepoStatus.COMPLETE.value
                self.log.info(
                    "%s complete: %d stargazers in %d pages, %d requests",
                    claim.full_name, result.stargazers, result.pages, result.requests,
                )
                return
            if self.stop.is_set():
                await self._release(claim, meter, result)
                return
        # The pager ended without a last page: the start page lies past the end of the list.
        await self._finish(claim, meter, result, RepoStatus.COMPLETE, None, None)

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
        done = await self.store.repos.finish(
            claim,
            status,
            requests=meter.requests - claim.requests,
            error=message,
            error_kind=error_kind,
            truncated=result.truncated,
        )
        claim.requests = meter.requests
        result.requests = meter.requests
        result.not_modified = meter.not_modified
        result.error = message
        result.status = status.value if done else CLAIM_LOST
        level = logging.WARNING if status is RepoStatus.FAILED else logging.INFO
        suffix = f": {message}" if message else ""
        self.log.log(level, "%s %s%s", claim.full_name, status.value, suffix)

    async def _release(self, claim: Claim, meter: RequestMeter, result: RepoResult) -> None:
        await self.store.repos.release(claim, requests=meter.requests - claim.requests)
        claim.requests = meter.requests
        result.requests = meter.requests
        result.status = INTERRUPTED
        self.log.info("%s released at page %d", claim.full_name, claim.next_page)
