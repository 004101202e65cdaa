"""Wait until the web app has finished syncing an account's starred repositories.

The app writes an account's starred repositories in several requests and gives no
"done" marker, so gitstars waits until their number stops changing for a settle window.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Settled:
    """The repository count at the end of the wait, and whether it had settled."""

    count: int
    settled: bool
    waited: float


async def wait_until_settled(
    count: Callable[[], Awaitable[int]],
    *,
    settle_seconds: float,
    max_wait: float,
    poll_seconds: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Settled:
    """Poll `count` until it stays the same for `settle_seconds`, or `max_wait` passes.

    A count of 0 never settles before `max_wait`: the app has not started writing yet.
    """
    start = clock()
    last = await count()
    if settle_seconds <= 0:
        return Settled(last, True, 0.0)
    last_change = start
    while True:
        now = clock()
        if last > 0 and now - last_change >= settle_seconds:
            return Settled(last, True, now - start)
        if now - start >= max_wait:
            return Settled(last, False, now - start)
        await sleep(min(poll_seconds, settle_seconds))
        value = await count()
        if value != last:
            last, last_change = value, clock()
