"""Count GitHub requests per unit of work, even when units share one HTTP client.

Each crawl of a repository runs in its own asyncio task, so a context variable gives
every crawl its own counter while one client (and its connection pool) serves them all.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class RequestMeter:
    """Requests sent for one unit of work; `not_modified` counts the 304 responses among them."""

    requests: int = 0
    not_modified: int = 0


_current: ContextVar[RequestMeter | None] = ContextVar("gitstars_request_meter", default=None)


def start_meter() -> RequestMeter:
    """Start counting the current task's requests in a new meter."""
    meter = RequestMeter()
    _current.set(meter)
    return meter


def record_request(status: int | None) -> None:
    """Count one request sent, with its HTTP status (None when no response arrived)."""
    meter = _current.get()
    if meter is None:
        return
    meter.requests += 1
    if status == 304:
        meter.not_modified += 1
