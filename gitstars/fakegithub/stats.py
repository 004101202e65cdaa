"""Thread-safe request counters and a bounded request log, for test assertions."""

from __future__ import annotations

import threading
from collections import Counter, deque
from typing import NamedTuple


class LoggedRequest(NamedTuple):
    """One request and the status of its response, 0 when the connection was reset.

    `path` includes the query string. A tuple, so tests can compare with plain tuples.
    """

    method: str
    path: str
    login: str | None
    status: int


class RequestStats:
    """Counts requests in total, per (login, route kind) and per status, and logs the latest.

    `login` is None for anonymous requests and for requests with an unknown token.
    """

    def __init__(self, log_size: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._log_size = log_size
        self._reset()

    def _reset(self) -> None:
        self.total = 0
        self.not_modified = 0
        self.by_route: Counter[tuple[str | None, str]] = Counter()
        self.by_status: Counter[int] = Counter()
        self.connections = 0
        self._log: deque[LoggedRequest] = deque(maxlen=self._log_size)

    def record(self, method: str, path: str, login: str | None, kind: str, status: int) -> None:
        """Count one request and the status of its response (0 for a reset connection)."""
        with self._lock:
            self.total += 1
            self.by_route[(login, kind)] += 1
            self.by_status[status] += 1
            if status == 304:
                self.not_modified += 1
            self._log.append(LoggedRequest(method, path, login, status))

    def record_connection(self) -> None:
        """Count one accepted TCP connection, to check that clients keep connections alive."""
        with self._lock:
            self.connections += 1

    def log(self) -> list[LoggedRequest]:
        """Return a copy of the request log, oldest first."""
        with self._lock:
            return list(self._log)

    def snapshot(self) -> dict[str, object]:
        """Return copies of every counter."""
        with self._lock:
            return {
                "total": self.total,
                "not_modified": self.not_modified,
                "by_route": dict(self.by_route),
                "by_status": dict(self.by_status),
                "connections": self.connections,
            }

    def reset(self) -> None:
        """Set every counter to zero and empty the log."""
        with self._lock:
            self._reset()
