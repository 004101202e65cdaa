"""Primary rate limits per token, in fixed windows, on the server's clock."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

ANONYMOUS_LIMIT = 60
WINDOW_SECONDS = 3600.0


@dataclass(frozen=True, slots=True)
class RateSnapshot:
    """The values of the `x-ratelimit-*` headers."""

    limit: int
    remaining: int
    used: int
    reset: int
    resource: str = "core"

    def headers(self) -> list[tuple[str, str]]:
        """Return the `x-ratelimit-*` headers."""
        return [
            ("x-ratelimit-limit", str(self.limit)),
            ("x-ratelimit-remaining", str(self.remaining)),
            ("x-ratelimit-reset", str(self.reset)),
            ("x-ratelimit-used", str(self.used)),
            ("x-ratelimit-resource", self.resource),
        ]


@dataclass
class _Bucket:
    limit: int
    used: int
    window_end: float
    consumed_total: int = 0
    exhausted_once: bool = False


class RateLimiter:
    """Counts requests per login (None for anonymous) in windows of `window` seconds.

    A window opens at a login's first request and ends `window` seconds later, so `reset`
    differs per login. With `exhaust_after`, the login's remaining quota drops to 0 on its
    `exhaust_after`-th counted request and stays there for `exhaust_seconds`. That scripts
    a primary limit without sending thousands of requests. Each login is exhausted once.
    """

    def __init__(
        self,
        limit: int = 5000,
        *,
        anonymous_limit: int = ANONYMOUS_LIMIT,
        window: float = WINDOW_SECONDS,
        exhaust_after: int | None = None,
        exhaust_seconds: float = 60.0,
    ) -> None:
        self.limit = limit
        self.anonymous_limit = anonymous_limit
        self.window = window
        self.exhaust_after = exhaust_after
        self.exhaust_seconds = exhaust_seconds
        self._buckets: dict[str | None, _Bucket] = {}
        self._lock = threading.Lock()

    def _bucket(self, login: str | None, now: float) -> _Bucket:
        bucket = self._buckets.get(login)
        limit = self.limit if login is not None else self.anonymous_limit
        if bucket is None:
            bucket = _Bucket(limit=limit, used=0, window_end=now + self.window)
            self._buckets[login] = bucket
        elif now >= bucket.window_end:
            bucket.used = 0
            bucket.window_end = now + self.window
        return bucket

    @staticmethod
    def _snapshot(bucket: _Bucket) -> RateSnapshot:
        used = min(bucket.used, bucket.limit)
        return RateSnapshot(
            limit=bucket.limit,
            remaining=bucket.limit - used,
            used=used,
            reset=math.ceil(bucket.window_end),
        )

    def peek(self, login: str | None, now: float) -> RateSnapshot:
        """Return the current values without counting a request."""
        with self._lock:
            return self._snapshot(self._bucket(login, now))

    def is_exhausted(self, login: str | None, now: float) -> bool:
        """Tell whether the login has no request left in its current window."""
        with self._lock:
            bucket = self._bucket(login, now)
            return bucket.used >= bucket.limit

    def consume(self, login: str | None, now: float) -> tuple[RateSnapshot, bool]:
        """Count one request and return the new values and whether it hit the scripted limit."""
        with self._lock:
            bucket = self._bucket(login, now)
            bucket.used += 1
            bucket.consumed_total += 1
            scripted = (
                self.exhaust_after is not None
                and not bucket.exhausted_once
                and bucket.consumed_total >= self.exhaust_after
            )
            if scripted:
                bucket.exhausted_once = True
                bucket.used = bucket.limit
                bucket.window_end = now + self.exhaust_seconds
            return self._snapshot(bucket), scripted

    def reset(self) -> None:
        """Forget every window and scripted exhaustion."""
        with self._lock:
            self._buckets.clear()
