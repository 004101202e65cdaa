"""Prefect concurrency limits that protect each GitHub user's token.

Two limits per GitHub user, both named after the login (a token never appears in them):

- the tag limit `github-user:<login>` caps how many task runs use the token at once,
  everywhere the Prefect API reaches;
- the global limit `github-rate:<login>` with slot decay paces requests across every
  worker and machine, sized from the `x-ratelimit-limit` GitHub reports for the token.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, GlobalConcurrencyLimitUpdate
from prefect.concurrency.asyncio import rate_limit
from prefect.exceptions import ObjectNotFound
from prefect.settings import get_current_settings

logger = logging.getLogger("gitstars.limits")

SECONDS_PER_HOUR = 3600.0
DEFAULT_HOURLY_REQUESTS = 5000


def api_is_ephemeral() -> bool:
    """Tell whether this process runs Prefect's ephemeral API (no PREFECT_API_URL set).

    The ephemeral API runs no lease reaper, so a slot held by a killed process would stay
    taken for ever. One process owns all the work there, and gitstars bounds it itself.
    """
    return not get_current_settings().api.url


def user_tag(login: str) -> str:
    """Return the tag that limits how many task runs use one GitHub user's token at once."""
    return f"github-user:{login.lower()}"


def rate_limit_name(login: str) -> str:
    """Return the name of the global limit that paces one GitHub user's requests."""
    return f"github-rate:{login.lower()}"


async def ensure_user_tag_limit(login: str, default: int) -> int:
    """Create the user's tag limit with `default` slots on first sight; return its slots.

    A limit of 0 would hold every task run of the user for ever, so one found at 0 is
    raised to `default` with a warning.
    """
    if default < 1:
        raise ValueError(f"invalid user concurrency {default}: a tag limit needs at least 1 slot")
    tag = user_tag(login)
    async with get_client() as client:
        try:
            existing = await client.read_concurrency_limit_by_tag(tag)
        except ObjectNotFound:
            await client.create_concurrency_limit(tag=tag, concurrency_limit=default)
            return default
        if existing.concurrency_limit >= 1:
            return existing.concurrency_limit
        logger.warning("tag limit %s was 0, which blocks every run of that user; setting it to %d", tag, default)
        await client.create_concurrency_limit(tag=tag, concurrency_limit=default)
        return default


_sized: dict[str, int] = {}


async def existing_user_tag_limit(login: str) -> int | None:
    """Return the slots of the user's tag limit if one exists, without creating it."""
    async with get_client() as client:
        try:
            existing = await client.read_concurrency_limit_by_tag(user_tag(login))
        except ObjectNotFound:
            return None
    return existing.concurrency_limit


async def ensure_rate_limit(login: str, hourly_requests: int = DEFAULT_HOURLY_REQUESTS) -> None:
    """Create or resize the user's global rate limit to `hourly_requests` an hour."""
    _sized[login.lower()] = hourly_requests
    name = rate_limit_name(login)
    decay = hourly_requests / SECONDS_PER_HOUR
    async with get_client() as client:
        try:
            existing = await client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            await client.create_global_concurrency_limit(
                GlobalConcurrencyLimitCreate(name=name, limit=hourly_requests, slot_decay_per_second=decay)
            )
            return
        if existing.limit != hourly_requests or existing.slot_decay_per_second != decay:
            await client.update_global_concurrency_limit(
                name, GlobalConcurrencyLimitUpdate(limit=hourly_requests, slot_decay_per_second=decay)
            )


def request_pacer(login: str) -> Callable[[], Awaitable[None]]:
    """Return a hook that takes one slot of the user's rate limit before each request."""
    name = rate_limit_name(login)

    async def pace() -> None:
        await rate_limit(name, occupy=1)

    return pace


async def follow_reported_limit(login: str, reported_limit: int | None) -> None:
    """Resize the user's rate limit to the `x-ratelimit-limit` GitHub reported, once it differs.

    GitHub grants 5,000 requests an hour to most user tokens and 15,000 to some (GitHub
    Enterprise Cloud organisations), so the limit follows the value in the token's responses.
    """
    if not reported_limit or reported_limit < 1:
        return
    if _sized.get(login.lower()) == reported_limit:
        return
    logger.info("GitHub reports %d requests an hour for %s; resizing %s", reported_limit, login, rate_limit_name(login))
    await ensure_rate_limit(login, reported_limit)
