"""The async GitHub REST client that gitstars uses.

`GitHubClient` adds GitHub's endpoints to `GitHubSession`, which handles retries,
rate-limit waits and counters. Each method turns a verdict that is not OK into one of
the errors in `gitstars.github.errors`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping

import httpx

from gitstars.github.classify import Verdict, VerdictKind
from gitstars.github.errors import GitHubError, InvalidResponseError, NotFoundError, RepositoryGoneError
from gitstars.github.items import parse_starred_items
from gitstars.github.responses import error_for, expect_list, next_link, parse_model
from gitstars.github.session import MAX_REDIRECTS, GitHubSession
from gitstars.github.stargazers import MAX_EMPTY_PAGES, STAR_MEDIA_TYPE, StargazerPager
from gitstars.github.urls import build_url, is_within_base, loggable_path, user_path
from gitstars.models import GitHubUser, Repository, StargazerPage, StarredRepository

logger = logging.getLogger("gitstars.github")

DEFAULT_BASE_URL = "https://api.github.com"


class GitHubClient(GitHubSession):
    """An async client for the GitHub REST endpoints that gitstars reads.

    Use it as an async context manager, or call `aclose()`. The constructor arguments
    are those of `GitHubSession`: base URL, token, page size, timeouts, retry and wait
    settings, the injected `sleep`, the `before_request` hook and the httpx transport.
    """

    async def get_authenticated_user(self) -> GitHubUser:
        """Fetch the account that owns the token (`GET /user`).

        Raises:
            BadCredentialsError: The token is invalid or expired.
        """
        response, verdict = await self._get_ok(self._url("/user"))
        return parse_model(GitHubUser, response, verdict)

    async def get_user(self, login: str) -> GitHubUser:
        """Fetch a user or organization by login (`GET /users/{login}`).

        Raises:
            ValueError: The login is empty or contains a slash or whitespace.
            NotFoundError: No account has that login.
        """
        response, verdict = await self._get_ok(self._url(user_path(login)))
        return parse_model(GitHubUser, response, verdict)

    async def get_repository(self, repo_id: int) -> Repository:
        """Fetch a repository by its numeric id (`GET /repositories/{id}`).

        The id stays the same when a repository is renamed or transferred.

        Raises:
            RepositoryGoneError: The repository was deleted, made inaccessible (404) or
                blocked (451).
        """
        url = self._url(f"/repositories/{int(repo_id)}")
        response, verdict = await self._get_ok(url, not_found=RepositoryGoneError)
        return parse_model(Repository, response, verdict)

    async def iter_starred(self, login: str | None = None) -> AsyncIterator[list[StarredRepository]]:
        """Yield the repositories that an account starred, one list per page.

        Reads `/users/{login}/starred`, or `/user/starred` for the token's account when
        `login` is None, with the star media type so that each item has `starred_at`.
        Invalid items are skipped with a warning.

        Raises:
            NotFoundError: No account has that login.
            PaginationLimitError: GitHub stops serving pages past its cap.
        """
        path = "/user/starred" if login is None else f"{user_path(login)}/starred"
        url: str | None = self._url(path, page=1)
        empty_pages = 0

        while url is not None:
            response, verdict = await self._get_ok(url, accept=STAR_MEDIA_TYPE)
            items = expect_list(response, verdict)
            repositories, problems = parse_starred_items(items)
            if problems:
                logger.warning(
                    "Skipped %d of %d starred repositories on GET %s: %s",
                    len(problems),
                    len(items),
                    loggable_path(str(response.url)),
                    "; ".join(problems),
                )

            url, _ = next_link(response, verdict, self.base_url)
            empty_pages = empty_pages + 1 if not items else 0
            if url is not None and empty_pages >= MAX_EMPTY_PAGES:
                logger.warning(
                    "Stopped listing starred repositories at GET %s after %d empty pages in a row",
                    loggable_path(str(response.url)),
                    empty_pages,
                )
                url = None
            yield repositories

    def iter_stargazer_pages(
        self,
        full_name: str,
        repo_id: int,
        *,
        start_page: int = 1,
        stargazers_count: int | None = None,
        etags: Mapping[int, str] | None = None,
    ) -> AsyncIterator[StargazerPage]:
        """Yield a repository's stargazers page by page, from `start_page` on.

        See `gitstars.github.stargazers.StargazerPager` for redirects, ETags, empty
        pages and which error each failure raises.

        Args:
            full_name: The repository as `owner/name`, as gitstars last knew it.
            repo_id: GitHub's numeric repository id.
            start_page: The first page to fetch, for resuming a crawl.
            stargazers_count: The repository's known star count, if any. It separates
                an empty first page from a restricted list, and shows whether a page
                after an unchanged (304) page exists.
            etags: The ETag of each page from an earlier crawl, by page number.

        Raises:
            ValueError: `full_name` is not `owner/name`, or `start_page` is below 1.
        """
        pager = StargazerPager(
            self,
            full_name,
            repo_id,
            start_page=start_page,
            stargazers_count=stargazers_count,
            etags=etags,
        )
        return pager.pages()

    async def _get_ok(
        self,
        url: str,
        *,
        accept: str | None = None,
        not_found: type[GitHubError] = NotFoundError,
    ) -> tuple[httpx.Response, Verdict]:
        """Send `GET url`, follow same-host redirects and raise unless the response is OK.

        Args:
            url: An absolute URL under the base URL.
            accept: The `Accept` media type, if not the default.
            not_found: The error class that a 404 raises.
        """
        for _ in range(MAX_REDIRECTS + 1):
            response, verdict = await self.request(url, accept=accept)
            if verdict.kind is VerdictKind.MOVED:
                url = self._redirect_target(url, response, verdict)
                continue
            if verdict.kind is VerdictKind.OK:
                return response, verdict
            raise error_for(verdict, response, not_found=not_found)

        raise InvalidResponseError(
            f"GitHub redirected more than {MAX_REDIRECTS} times",
            status=response.status_code,
            path=loggable_path(str(response.url)),
            request_id=verdict.request_id,
        )

    def _url(self, path: str, *, page: int | None = None) -> str:
        if page is None:
            return build_url(self.base_url, path)
        return build_url(self.base_url, path, {"per_page": self.per_page, "page": page})

    def _redirect_target(self, url: str, response: httpx.Response, verdict: Verdict) -> str:
        target = str(httpx.URL(url).join(verdict.location or ""))
        if not is_within_base(target, self.base_url):
            raise InvalidResponseError(
                f"GitHub redirected to {loggable_path(target)!r} outside the base URL "
                f"{self.base_url}, so the client does not follow it",
                status=response.status_code,
                path=loggable_path(url),
                request_id=verdict.request_id,
            )
        return target
