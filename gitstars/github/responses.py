"""Turn classified responses into data or errors.

`classify` decides what a response means. These helpers raise the matching error from
`gitstars.github.errors`, validate JSON bodies against the models, and read the `next`
link of a list response.
"""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from gitstars.github.classify import Verdict, VerdictKind
from gitstars.github.errors import (
    BadCredentialsError,
    GitHubError,
    InvalidResponseError,
    NotFoundError,
    PaginationLimitError,
    RepositoryGoneError,
)
from gitstars.github.links import page_number, parse_link_header
from gitstars.github.urls import is_within_base, loggable_path

ModelT = TypeVar("ModelT", bound=BaseModel)


def error_for(
    verdict: Verdict,
    response: httpx.Response,
    *,
    not_found: type[GitHubError] = NotFoundError,
    forbidden: type[GitHubError] = GitHubError,
) -> GitHubError:
    """Build the error for a verdict that is not OK.

    Args:
        verdict: The verdict of `response`.
        response: The response, for its status and URL path.
        not_found: The error class for a 404. A `RepositoryGoneError` gets the reason
            "not found".
        forbidden: The error class for a 403 that is not a rate limit.
    """
    status = response.status_code
    path = loggable_path(str(response.url))
    request_id = verdict.request_id
    message = verdict.message or f"GitHub sent HTTP {status}"
    kind = verdict.kind

    if kind is VerdictKind.UNAUTHORIZED:
        return BadCredentialsError(
            f"The account's token is invalid or expired ({message}). Sign in to gitstars "
            "again to get a new token",
            status=status,
            path=path,
            request_id=request_id,
        )

    is_gone = kind is VerdictKind.GONE
    missing_repository = kind is VerdictKind.RESTRICTED_OR_NOT_FOUND and issubclass(
        not_found, RepositoryGoneError
    )
    if is_gone or missing_repository:
        reason = verdict.reason or "not found"
        return RepositoryGoneError(
            f"The repository is no longer available ({reason}): {message}",
            reason=reason,
            status=status,
            path=path,
            request_id=request_id,
        )

    if kind is VerdictKind.RESTRICTED_OR_NOT_FOUND:
        return not_found(f"Not found: {message}", status=status, path=path, request_id=request_id)
    if kind is VerdictKind.FORBIDDEN:
        return forbidden(f"Access denied: {message}", status=status, path=path, request_id=request_id)
    if kind is VerdictKind.PAGINATION_LIMIT:
        return PaginationLimitError(
            f"GitHub serves no pages past this one: {message}",
            status=status,
            path=path,
            request_id=request_id,
        )
    if kind in (VerdictKind.INVALID, VerdictKind.MOVED, VerdictKind.NOT_MODIFIED):
        return InvalidResponseError(
            f"Unexpected response ({kind}): {message}",
            status=status,
            path=path,
            request_id=request_id,
        )
    return GitHubError(
        f"GitHub rejected the request: {message}", status=status, path=path, request_id=request_id
    )


def next_link(
    response: httpx.Response, verdict: Verdict, base_url: str
) -> tuple[str | None, int | None]:
    """Return the `next` URL of a list response and its page number, or (None, None).

    Raises:
        InvalidResponseError: The next URL lies outside the base URL, where the token
            must not go, has no valid `page` parameter, or does not lead past the
            current page.
    """
    next_url = parse_link_header(response.headers.get("link")).get("next")
    if next_url is None:
        return None, None

    path = loggable_path(str(response.url))
    if not is_within_base(next_url, base_url):
        raise InvalidResponseError(
            f"The Link header's next URL {loggable_path(next_url)!r} is not under the base "
            f"URL {base_url}, so the client does not follow it",
            status=response.status_code,
            path=path,
            request_id=verdict.request_id,
        )

    number = page_number(next_url)
    if number is None:
        raise InvalidResponseError(
            f"The Link header's next URL {loggable_path(next_url)!r} has no valid page number",
            status=response.status_code,
            path=path,
            request_id=verdict.request_id,
        )

    # A next page that is not after the current one would make the listing loop.
    current = page_number(str(response.url))
    if current is not None and number <= current:
        raise InvalidResponseError(
            f"The Link header's next URL points back to page {number} from page {current}",
            status=response.status_code,
            path=path,
            request_id=verdict.request_id,
        )
    return next_url, number


def parse_model(model: type[ModelT], response: httpx.Response, verdict: Verdict) -> ModelT:
    """Validate an OK response's JSON body as `model`.

    Raises:
        InvalidResponseError: The body does not match the model. The message names the
            first invalid field but not its value.
    """
    try:
        return model.model_validate(verdict.payload)
    except ValidationError as error:
        first = error.errors(include_input=False, include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"]) or "body"
        raise InvalidResponseError(
            f"The response is not a valid {model.__name__}: {field}: {first['msg']}",
            status=response.status_code,
            path=loggable_path(str(response.url)),
            request_id=verdict.request_id,
        ) from None


def expect_list(response: httpx.Response, verdict: Verdict) -> list[Any]:
    """Return an OK response's JSON body if it is an array.

    Raises:
        InvalidResponseError: The body is not a JSON array.
    """
    if isinstance(verdict.payload, list):
        return verdict.payload
    raise InvalidResponseError(
        f"Expected a JSON array but got {type(verdict.payload).__name__}",
        status=response.status_code,
        path=loggable_path(str(response.url)),
        request_id=verdict.request_id,
    )
