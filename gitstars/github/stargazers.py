"""Fetch the stargazer pages of one repository.

Since GitHub's access change of 2026-06-30, `GET /repos/{owner}/{repo}/stargazers`
returns stargazers only to the repository's admins and collaborators. Other accounts get
a 404 or 403, or an empty list. GitHub Enterprise Server instances without the change
still return them to everyone. `StargazerPager` turns those responses into `RestrictedError`, so the crawl can
mark the repository restricted instead of retrying it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING

import httpx

from gitstars.github.classify import Verdict, VerdictKind
from gitstars.github.errors import (
    GitHubError,
    InvalidResponseError,
    RepositoryGoneError,
    RestrictedError,
)
from gitstars.github.items import parse_stargazer_items
from gitstars.github.links import page_number, parse_link_header
from gitstars.github.responses import error_for, expect_list, next_link
from gitstars.github.session import MAX_REDIRECTS
from gitstars.github.urls import (
    build_url,
    is_within_base,
    loggable_path,
    repository_id_from_location,
    repository_path,
    with_page,
)
from gitstars.models import StargazerPage

if TYPE_CHECKING:
    from gitstars.github.client import GitHubClient

logger = logging.getLogger("gitstars.github")

STAR_MEDIA_TYPE = "application/vnd.github.star+json"

# Consecutive empty pages that still carry a `next` link, after which a listing stops.
# GitHub does not send such pages, so a run of them means a loop on the server's side.
MAX_EMPTY_PAGES = 3

_RESTRICTED_HINT = (
    "Since 2026-06-30 GitHub lists stargazers only to the repository's admins and "
    "collaborators"
)


class StargazerPager:
    """Fetch a repository's stargazer pages for `GitHubClient.iter_stargazer_pages`.

    - Pages are requested as `?per_page=N&page=P` with the star media type, and later
      pages come from the `Link` header's `next` URL. A page's number is the `page`
      parameter of the URL it was requested with.
    - A 301 to `/repositories/{id}[/stargazers]` means the repository was renamed or
      transferred. The pager fetches `GET /repositories/{id}` once, reports the new
      full name as `renamed_to` on this and every later page, and continues with
      `/repositories/{id}/stargazers`.
    - A page with an ETag in `etags` is requested with `If-None-Match`. A 304 yields a
      `not_modified` page without stargazers. Its `next_page` comes from a `Link` header
      if the 304 has one. A 304 without a `Link` header continues with the following
      page when `etags` has a later page or `stargazers_count` exceeds the pages so far.
    - With `prefetch` above 0, once a page's `Link` header names the last page, the
      next `prefetch` pages are requested while the caller handles the current one.
      Pages are still yielded in order, and no page past that last page is requested
      ahead, so prefetching adds no requests unless the list changes during the crawl
      or the caller stops early.
    - An empty page with a `next` link is followed, but after `MAX_EMPTY_PAGES` empty
      pages in a row the pager stops with a warning and `next_page=None`.

    Errors: the first page of this listing (which is `start_page`) raises
    `RestrictedError` on a 404. Any page raises it on a 403 that is not a rate limit, and
    page 1 raises it when it is empty while `stargazers_count` is above 0. A 404 after the
    first page, and any 451, raise `RepositoryGoneError`. A 422 raises
    `PaginationLimitError`. Other failures raise the errors of `error_for`.
    """

    def __init__(
        self,
        client: GitHubClient,
        full_name: str,
        repo_id: int,
        *,
        start_page: int = 1,
        stargazers_count: int | None = None,
        etags: Mapping[int, str] | None = None,
        prefetch: int = 0,
    ) -> None:
        if start_page < 1:
            raise ValueError(f"invalid start_page {start_page}: pages start at 1")
        if prefetch < 0:
            raise ValueError(f"invalid prefetch {prefetch}: expected 0 or more pages")
        self._client = client
        self._full_name = full_name
        self._repo_id = int(repo_id)
        self._start_url = build_url(
            client.base_url,
            f"{repository_path(full_name)}/stargazers",
            {"per_page": client.per_page, "page": start_page},
        )
        self._stargazers_count = stargazers_count
        self._etags = dict(etags or {})
        self._renamed_to: str | None = None
        self._rename_checked = False
        self._pages_yielded = 0
        self._empty_pages = 0
        self._prefetch = prefetch
        # Requests sent ahead of the page being yielded, by page number.
        self._ahead: dict[int, tuple[str, asyncio.Task[tuple[str, httpx.Response, Verdict]]]] = {}

    async def pages(self) -> AsyncIterator[StargazerPage]:
        """Yield the pages from the start page until one has no next page."""
        url: str | None = self._start_url
        try:
            while url is not None:
                number = page_number(url) or 1
                url, response, verdict = await self._response_for(number, url)
                page, url = self._page_from(number, url, response, verdict)
                if url is not None and page.next_page is not None:
                    last_page = _last_page(response, self._client.base_url)
                    self._request_ahead(url, page.next_page, last_page)
                yield page
                self._pages_yielded += 1
        finally:
            # The caller stopped early or a page failed: requests still in flight are moot.
            for _, task in self._ahead.values():
                task.cancel()
                task.add_done_callback(_discard_outcome)
            self._ahead.clear()

    async def _response_for(self, number: int, url: str) -> tuple[str, httpx.Response, Verdict]:
        ahead = self._ahead.pop(number, None)
        if ahead is not None:
            ahead_url, task = ahead
            if _same_resource(ahead_url, url):
                return await task
            # The list moved under us (a rename, or a Link to another URL): fetch as linked.
            task.cancel()
            task.add_done_callback(_discard_outcome)
        return await self._request_following_renames(url, self._etags.get(number))

    def _request_ahead(self, next_url: str, next_page: int, last_page: int | None) -> None:
        if self._prefetch == 0 or last_page is None:
            return
        for number in range(next_page, min(next_page + self._prefetch - 1, last_page) + 1):
            if number in self._ahead:
                continue
            url = with_page(next_url, number)
            task = asyncio.ensure_future(
                self._request_following_renames(url, self._etags.get(number))
            )
            self._ahead[number] = (url, task)

    def _page_from(
        self, number: int, url: str, response: httpx.Response, verdict: Verdict
    ) -> tuple[StargazerPage, str | None]:
        if verdict.kind is VerdictKind.NOT_MODIFIED:
            etag = self._etags.get(number)
            return self._not_modified_page(number, url, response, verdict, etag)
        if verdict.kind is not VerdictKind.OK:
            raise self._error_for(verdict, response)

        items = expect_list(response, verdict)
        next_url, next_page = next_link(response, verdict, self._client.base_url)

        if items:
            self._empty_pages = 0
        else:
            self._check_empty_page(number, response, verdict)
            self._empty_pages += 1
            if next_url is not None and self._empty_pages >= MAX_EMPTY_PAGES:
                logger.warning(
                    "Stopped listing the stargazers of %s at GET %s after %d empty pages in a row",
                    self._full_name,
                    loggable_path(url),
                    self._empty_pages,
                )
                next_url, next_page = None, None

        parsed = parse_stargazer_items(items)
        problems = list(parsed.problems)
        if not items and next_page is not None:
            # GitHub computes a page and its Link header from one list, so an empty page
            # that links another means the list changed or a server failed mid-read.
            problems.append(
                f"page {number} is empty but links page {next_page}; stargazers listed on it may be missing"
            )
        page = StargazerPage(
            number=number,
            stargazers=parsed.stargazers,
            next_page=next_page,
            etag=response.headers.get("etag"),
            skipped=parsed.skipped,
            problems=problems,
            renamed_to=self._renamed_to,
        )
        return page, next_url

    async def _request_following_renames(
        self, url: str, etag: str | None
    ) -> tuple[str, httpx.Response, Verdict]:
        for _ in range(MAX_REDIRECTS + 1):
            response, verdict = await self._client.request(url, accept=STAR_MEDIA_TYPE, etag=etag)
            if verdict.kind is not VerdictKind.MOVED:
                return url, response, verdict
            url = await self._follow_rename(url, response, verdict)

        raise InvalidResponseError(
            f"GitHub redirected the stargazers list of {self._full_name} more than {MAX_REDIRECTS} times",
            status=response.status_code,
            path=loggable_path(url),
            request_id=verdict.request_id,
        )

    async def _follow_rename(self, url: str, response: httpx.Response, verdict: Verdict) -> str:
        location = verdict.location or ""
        moved_id = repository_id_from_location(location, self._client.base_url)
        if moved_id is None:
            raise InvalidResponseError(
                f"GitHub redirected the stargazers list of {self._full_name} to "
                f"{loggable_path(location)!r}, which is not /repositories/{{id}}",
                status=response.status_code,
                path=loggable_path(url),
                request_id=verdict.request_id,
            )
        if moved_id != self._repo_id:
            raise InvalidResponseError(
                f"GitHub redirected the stargazers list of {self._full_name} (repository id "
                f"{self._repo_id}) to repository id {moved_id}",
                status=response.status_code,
                path=loggable_path(url),
                request_id=verdict.request_id,
            )

        if not self._rename_checked:
            repository = await self._client.get_repository(self._repo_id)
            self._rename_checked = True
            if repository.full_name != self._full_name:
                self._renamed_to = repository.full_name
                logger.info(
                    "Repository %s (id %d) is now %s",
                    self._full_name,
                    self._repo_id,
                    repository.full_name,
                )

        number = page_number(url) or 1
        return build_url(
            self._client.base_url,
            f"/repositories/{self._repo_id}/stargazers",
            {"per_page": self._client.per_page, "page": number},
        )

    def _not_modified_page(
        self,
        number: int,
        url: str,
        response: httpx.Response,
        verdict: Verdict,
        sent_etag: str | None,
    ) -> tuple[StargazerPage, str | None]:
        next_url, next_page = next_link(response, verdict, self._client.base_url)
        if next_url is None and "link" not in response.headers:
            # NOTE: without a Link header the next page is inferred from what the caller
            # passed. A new page after an unchanged, full last page is then only found
            # when `stargazers_count` reports the new stars. A Link header without a
            # next relation says that this page is the last one.
            later_page_known = any(known > number for known in self._etags)
            count = self._stargazers_count
            more_stars = count is not None and count > number * self._client.per_page
            if later_page_known or more_stars:
                next_page = number + 1
                next_url = with_page(url, next_page)

        page = StargazerPage(
            number=number,
            stargazers=[],
            next_page=next_page,
            etag=response.headers.get("etag") or sent_etag,
            not_modified=True,
            renamed_to=self._renamed_to,
        )
        return page, next_url

    def _check_empty_page(self, number: int, response: httpx.Response, verdict: Verdict) -> None:
        count = self._stargazers_count
        if number == 1 and count is not None and count > 0:
            raise RestrictedError(
                f"GitHub returned an empty first stargazers page for {self._full_name}, which "
                f"has {count} stargazers. {_RESTRICTED_HINT}",
                status=response.status_code,
                path=loggable_path(str(response.url)),
                request_id=verdict.request_id,
            )

    def _error_for(self, verdict: Verdict, response: httpx.Response) -> GitHubError:
        status = response.status_code
        path = loggable_path(str(response.url))
        first_page = self._pages_yielded == 0

        if verdict.kind is VerdictKind.RESTRICTED_OR_NOT_FOUND and first_page:
            return RestrictedError(
                f"GitHub returned 404 for the stargazers of {self._full_name}. "
                f"{_RESTRICTED_HINT}, or the repository no longer exists",
                status=status,
                path=path,
                request_id=verdict.request_id,
            )
        if verdict.kind is VerdictKind.FORBIDDEN:
            return RestrictedError(
                f"GitHub denied access to the stargazers of {self._full_name} "
                f"({verdict.message}). {_RESTRICTED_HINT}",
                status=status,
                path=path,
                request_id=verdict.request_id,
            )
        return error_for(verdict, response, not_found=RepositoryGoneError)


def _last_page(response: httpx.Response, base_url: str) -> int | None:
    """Return the page number of the `Link` header's `last` relation, or None."""
    last_url = parse_link_header(response.headers.get("link")).get("last")
    if last_url is None or not is_within_base(last_url, base_url):
        return None
    return page_number(last_url)


def _discard_outcome(task: asyncio.Task[object]) -> None:
    # Retrieve the error of a request that nobody awaits, so asyncio does not log it.
    if not task.cancelled():
        task.exception()


def _same_resource(first: str, second: str) -> bool:
    """Tell whether two URLs differ at most in the order of their query parameters."""
    left, right = httpx.URL(first), httpx.URL(second)
    return (
        left.copy_with(query=None) == right.copy_with(query=None)
        and sorted(left.params.multi_items()) == sorted(right.params.multi_items())
    )
