"""Send GET requests to GitHub's REST API with retries, rate-limit waits and counters.

Two layers handle failures, one per kind, and they do not stack:

- tenacity retries transient failures (500, 502, 503, 504 and `httpx.TransportError`,
  which includes connection resets and timeouts) with bounded, exponential backoff.
- the rate-limit loop waits as long as GitHub's headers specify, and raises
  `RateLimitError` when that is longer than the configured maximum.

Every wait goes through the injected `sleep`, so tests can record waits instead of
sleeping.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Generator
from datetime import UTC, datetime, timedelta

import httpx
from pydantic import SecretStr
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from tenacity import wait_exponential

from gitstars.github.classify import Verdict, VerdictKind, classify
from gitstars.github.errors import RateLimitError, TransientError
from gitstars.github.ratelimit import RateLimitState, parse_rate_limit, secondary_backoff_seconds
from gitstars.github.urls import loggable_path, validate_base_url
from gitstars.metering import record_request

logger = logging.getLogger("gitstars.github")

API_VERSION = "2022-11-28"
JSON_MEDIA_TYPE = "application/vnd.github+json"

# Rate-limit waits for one request after which the client raises RateLimitError. GitHub's
# documentation recommends raising an error after a fixed number of retries.
MAX_RATE_LIMIT_WAITS = 10

# Redirects followed for one resource or page, so that a redirect loop ends.
MAX_REDIRECTS = 3

WAIT_KINDS = ("primary", "secondary", "transient")


class _BearerAuth(httpx.Auth):
    """httpx authentication that sets `Authorization: Bearer` on each request.

    `auth_flow` is the only place where the client unwraps the token.
    """

    def __init__(self, token: SecretStr) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        yield request


class _RetryableStatus(Exception):
    """A transient status inside the tenacity layer. It never leaves this module."""

    def __init__(self, response: httpx.Response, verdict: Verdict) -> None:
        super().__init__(verdict.message)
        self.response = response
        self.verdict = verdict


class GitHubSession:
    """An HTTP session with GitHub's REST API that counts requests and waits.

    Attributes:
        base_url: The validated base URL without a trailing slash.
        per_page: Items per page requested from list endpoints (1 to 100).
        requests_sent: Every HTTP request sent, including retries, redirects and 304s.
        not_modified: Responses with status 304.
        rate_limit: The rate-limit state of the latest response that carried one.
        waits: Number of waits by kind: "primary", "secondary" and "transient".
        wait_seconds: Total seconds waited by kind.
    """

    def __init__(
        self,
        base_url: str,
        token: SecretStr | None,
        *,
        per_page: int = 100,
        timeout: float = 30.0,
        max_transient_attempts: int = 5,
        transient_backoff: tuple[float, float] = (0.5, 30.0),
        secondary_min_wait: float = 60.0,
        max_rate_limit_wait: float = 3600.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        before_request: Callable[[], Awaitable[None]] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        user_agent: str = "gitstars/0.1",
    ) -> None:
        if not 1 <= per_page <= 100:
            raise ValueError(f"invalid per_page {per_page}: GitHub accepts 1 to 100")
        if max_transient_attempts < 1:
            raise ValueError(f"invalid max_transient_attempts {max_transient_attempts}: must be at least 1")
        if transient_backoff[0] < 0 or transient_backoff[1] < transient_backoff[0]:
            raise ValueError(f"invalid transient_backoff {transient_backoff}: expected (initial, maximum) seconds")

        self.base_url = validate_base_url(base_url)
        self.per_page = per_page
        self._max_transient_attempts = max_transient_attempts
        self._transient_backoff = transient_backoff
        self._secondary_min_wait = secondary_min_wait
        self._max_rate_limit_wait = max_rate_limit_wait
        self._sleep = sleep
        self._before_request = before_request

        self.requests_sent = 0
        self.not_modified = 0
        self.rate_limit: RateLimitState | None = None
        self.waits: dict[str, int] = dict.fromkeys(WAIT_KINDS, 0)
        self.wait_seconds: dict[str, float] = dict.fromkeys(WAIT_KINDS, 0.0)

        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=timeout,
            auth=_BearerAuth(token) if token is not None else None,
            follow_redirects=False,
            headers={
                "Accept": JSON_MEDIA_TYPE,
                "User-Agent": user_agent,
                "X-GitHub-Api-Version": API_VERSION,
            },
        )

    async def __aenter__(self) -> GitHubSession:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the underlying HTTP connections."""
        await self._http.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    async def request(
        self, url: str, *, accept: str | None = None, etag: str | None = None
    ) -> tuple[httpx.Response, Verdict]:
        """Send `GET url`, waiting out rate limits and retrying transient failures.

        Args:
            url: An absolute URL under the base URL.
            accept: The `Accept` media type. The default is `application/vnd.github+json`.
            etag: An ETag to send as `If-None-Match`, so an unchanged resource gets 304.

        Returns:
            The response and its verdict, which is never a rate limit or TRANSIENT.

        Raises:
            TransientError: Transient failures lasted through every attempt.
            RateLimitError: A wait would exceed `max_rate_limit_wait`, or GitHub still
                responded with a rate limit after `MAX_RATE_LIMIT_WAITS` waits.
        """
        headers: dict[str, str] = {}
        if accept is not None:
            headers["Accept"] = accept
        if etag is not None:
            headers["If-None-Match"] = etag

        attempt = 0
        while True:
            response, verdict = await self._send_with_retries(url, headers)
            if verdict.kind not in (VerdictKind.PRIMARY_LIMIT, VerdictKind.SECONDARY_LIMIT):
                return response, verdict

            attempt += 1
            wait = self._rate_limit_wait(url, response, verdict, attempt)
            kind = _limit_name(verdict)
            logger.warning(
                "GitHub %s rate limit on GET %s (HTTP %s, request id %s): waiting %.1f s, "
                "wait %d of at most %d",
                kind,
                loggable_path(url),
                response.status_code,
                verdict.request_id,
                wait,
                attempt,
                MAX_RATE_LIMIT_WAITS,
            )
            self.waits[kind] += 1
            self.wait_seconds[kind] += wait
            await self._sleep(wait)

    def _rate_limit_wait(
        self, url: str, response: httpx.Response, verdict: Verdict, attempt: int
    ) -> float:
        """Return the seconds to wait before the next attempt, or raise RateLimitError.

        `attempt` counts the rate-limit responses to this request so far, from 1.
        """
        kind = _limit_name(verdict)
        wait = verdict.wait_seconds
        if wait is None:
            # Without a usable header, GitHub's documentation recommends waiting at least
            # a minute and longer after each repeat.
            wait = secondary_backoff_seconds(attempt, self._secondary_min_wait)

        if wait > self._max_rate_limit_wait:
            message = (
                f"GitHub's {kind} rate limit asks for a wait of {wait:.0f} s, longer than "
                f"the maximum of {self._max_rate_limit_wait:.0f} s. Retry after that wait"
            )
        elif attempt > MAX_RATE_LIMIT_WAITS:
            message = (
                f"GitHub still answered with a {kind} rate limit after "
                f"{MAX_RATE_LIMIT_WAITS} waits. Retry later"
            )
        else:
            return wait

        raise RateLimitError(
            message,
            wait_seconds=wait,
            retry_at=datetime.now(UTC) + timedelta(seconds=wait),
            kind=kind,
            status=response.status_code,
            path=loggable_path(url),
            request_id=verdict.request_id,
        )

    async def _send_with_retries(
        self, url: str, headers: dict[str, str]
    ) -> tuple[httpx.Response, Verdict]:
        initial, maximum = self._transient_backoff
        # A new AsyncRetrying per request, because tenacity keeps per-call state on the
        # instance and concurrent requests would overwrite it.
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._max_transient_attempts),
            wait=wait_exponential(multiplier=initial, min=initial, max=maximum),
            retry=retry_if_exception_type((httpx.TransportError, _RetryableStatus)),
            sleep=self._sleep,
            before_sleep=lambda state: self._note_transient_retry(url, state),
            reraise=True,
        )
        attempts = self._max_transient_attempts
        try:
            return await retrying(self._send_once, url, headers)
        except _RetryableStatus as failure:
            raise TransientError(
                f"GitHub kept failing after {attempts} attempts: {failure.verdict.message}",
                status=failure.response.status_code,
                path=loggable_path(url),
                request_id=failure.verdict.request_id,
            ) from None
        except httpx.TransportError as error:
            raise TransientError(
                f"The request kept failing after {attempts} attempts: {type(error).__name__}: {error}",
                path=loggable_path(url),
            ) from error

    async def _send_once(self, url: str, headers: dict[str, str]) -> tuple[httpx.Response, Verdict]:
        if self._before_request is not None:
            await self._before_request()

        self.requests_sent += 1
        try:
            response = await self._http.get(url, headers=headers)
        except httpx.TransportError:
            record_request(None)
            raise
        record_request(response.status_code)
        verdict = classify(
            response.status_code,
            response.headers,
            response.content,
            received_at=datetime.now(UTC),
        )
        logger.debug(
            "GET %s -> %s %s (request id %s)",
            loggable_path(url),
            response.status_code,
            verdict.kind,
            verdict.request_id,
        )

        state = parse_rate_limit(response.headers)
        if state is not None:
            self.rate_limit = state
        if verdict.kind is VerdictKind.NOT_MODIFIED:
            self.not_modified += 1
        if verdict.kind is VerdictKind.TRANSIENT:
            raise _RetryableStatus(response, verdict)
        return response, verdict

    def _note_transient_retry(self, url: str, state: RetryCallState) -> None:
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        failure = state.outcome.exception() if state.outcome is not None else None
        if isinstance(failure, _RetryableStatus):
            cause = f"HTTP {failure.response.status_code} (request id {failure.verdict.request_id})"
        else:
            cause = f"{type(failure).__name__}: {failure}"
        logger.warning(
            "GET %s failed with %s on attempt %d of %d: retrying in %.1f s",
            loggable_path(url),
            cause,
            state.attempt_number,
            self._max_transient_attempts,
            wait,
        )
        self.waits["transient"] += 1
        self.wait_seconds["transient"] += wait


def _limit_name(verdict: Verdict) -> str:
    return "primary" if verdict.kind is VerdictKind.PRIMARY_LIMIT else "secondary"
