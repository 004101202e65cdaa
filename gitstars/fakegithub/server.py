"""The fake GitHub REST server: HTTP/1.1 with keep-alive on a loopback address.

Each connection gets a thread (stdlib `ThreadingHTTPServer`). The server adds what GitHub
adds around a body: `Date` on its own (optionally skewed) clock, `x-ratelimit-*` per token,
`x-github-request-id`, `ETag` with `If-None-Match` support, and it consults a `FaultPlan`.
"""

from __future__ import annotations

import contextlib
import ipaddress
import itertools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from gitstars.fakegithub.api import RESTRICTIONS, Api, Restriction
from gitstars.fakegithub.cache import BodyCache
from gitstars.fakegithub.faults import FaultPlan
from gitstars.fakegithub.ratelimit import RateLimiter
from gitstars.fakegithub.respond import serve_request
from gitstars.fakegithub.stats import LoggedRequest, RequestStats
from gitstars.fakegithub.world import World

logger = logging.getLogger(__name__)


def validate_loopback(host: str) -> str:
    """Return `host` if it is a loopback address ("localhost" becomes 127.0.0.1).

    Raises:
        ValueError: the host is not a loopback IP address.
    """
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(
            f"invalid host {host!r}: use a loopback IP address such as 127.0.0.1"
        ) from None
    if not address.is_loopback:
        raise ValueError(
            f"host {host!r} is not a loopback address; the fake server binds loopback only"
        )
    return host


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    fake: FakeGitHub


class _HTTPServer6(_HTTPServer):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.fake._open_connection(self.connection)

    def finish(self) -> None:
        self.server.fake._close_connection(self.connection)
        # The client may have reset the connection already.
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:  # noqa: N802 - name fixed by BaseHTTPRequestHandler
        serve_request(self.server.fake, self, send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        serve_request(self.server.fake, self, send_body=False)

    def _reject_method(self) -> None:
        # Read the request body so that the next request on the connection parses.
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        serve_request(self.server.fake, self, send_body=True, method_allowed=False)

    do_POST = do_PUT = do_PATCH = do_DELETE = _reject_method

    def log_message(self, format: str, *args: Any) -> None:
        # The request log in RequestStats replaces the stdlib's stderr lines.
        pass


class FakeGitHub:
    """A fake GitHub REST API on a loopback address, serving a `World` from a daemon thread.

    Use it as a context manager, or call `start()` and `stop()`. `url` is known after start.

    Args:
        world: the users, repositories and tokens to serve.
        host: loopback address to bind; anything else raises ValueError.
        port: TCP port, 0 for a free one.
        restriction: response to stargazer lists of repositories that the token's user
            neither owns, administers nor collaborates on: "404", "403", "empty" (200 with
            `[]`) or None (no restriction, like a GitHub Enterprise Server without the
            change of 2026-06-30).
        page_cap: last stargazers page served. Later pages get a 422.
        latency: seconds of delay added to every stargazers request.
        clock_skew: seconds added to the local clock for `Date` and rate-limit resets.
        rate_limit: requests per hour per token. Anonymous requests get 60.
        faults: fault plan consulted on every request, or None for no faults.
        clock: source of the local time in epoch seconds, replaceable in tests.
        cache_bytes: maximum total size of cached response bodies.
    """

    def __init__(
        self,
        world: World,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        restriction: Restriction = "404",
        page_cap: int = 400,
        latency: float = 0.0,
        clock_skew: float = 0.0,
        rate_limit: int = 5000,
        faults: FaultPlan | None = None,
        clock: Callable[[], float] = time.time,
        cache_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        if restriction not in RESTRICTIONS:
            raise ValueError(f"invalid restriction {restriction!r}; use one of {RESTRICTIONS}")
        self.world = world
        self.host = validate_loopback(host)
        self.port = port
        self.restriction = restriction
        self.page_cap = page_cap
        self.latency = latency
        self.clock_skew = clock_skew
        self.faults = faults
        # Set by stop(), so that slow responses and latency sleeps end early.
        self.stop_event = threading.Event()
        self._clock = clock
        self._cache = BodyCache(cache_bytes)
        self.limiter = RateLimiter(
            rate_limit,
            exhaust_after=faults.exhaust_after if faults else None,
            exhaust_seconds=faults.exhaust_seconds if faults else 60.0,
        )
        self.stats = RequestStats()
        self.api: Api | None = None
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._request_ids = itertools.count(1)
        self._request_id_prefix = f"{os.getpid() & 0xFFFF:04X}:{id(self) & 0xFFFF:04X}"
        self._base_url = ""

    # Lifecycle

    @property
    def url(self) -> str:
        """Base URL such as `http://127.0.0.1:54321`, without a trailing slash."""
        if self._httpd is None:
            raise RuntimeError("the fake GitHub server is not started")
        return self._base_url

    def start(self) -> FakeGitHub:
        """Bind the socket and serve in a daemon thread. Returns self."""
        if self._httpd is not None:
            return self
        server_class = _HTTPServer6 if ":" in self.host else _HTTPServer
        httpd = server_class((self.host, self.port), _Handler)
        httpd.fake = self
        port = httpd.server_address[1]
        host = f"[{self.host}]" if ":" in self.host else self.host
        self._base_url = f"http://{host}:{port}"
        self.api = Api(
            self.world,
            self._base_url,
            restriction=self.restriction,
            page_cap=self.page_cap,
            cache=self._cache,
        )
        self.stop_event.clear()
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-github-{port}",
            daemon=True,
        )
        self._thread.start()
        logger.info("fake GitHub server started at %s", self._base_url)
        return self

    def stop(self) -> None:
        """Stop serving, close every open connection and release the port."""
        httpd = self._httpd
        if httpd is None:
            return
        self.stop_event.set()
        httpd.shutdown()
        httpd.server_close()
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            # Wakes the handler thread that waits for the next request on this connection.
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        logger.info("fake GitHub server at %s stopped", self._base_url)

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _open_connection(self, connection: socket.socket) -> None:
        self.stats.record_connection()
        with self._connections_lock:
            self._connections.add(connection)

    def _close_connection(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    # Counters

    def request_log(self) -> list[LoggedRequest]:
        """Return the latest requests (at most 10,000) as (method, path, login, status)."""
        return self.stats.log()

    def counters(self) -> dict[str, Any]:
        """Return request counters and injected faults as plain dicts."""
        snapshot = self.stats.snapshot()
        snapshot["faults"] = self.faults.injected_counts() if self.faults else {}
        return snapshot

    def reset_counters(self) -> None:
        """Set request and fault counters to zero and empty the request log."""
        self.stats.reset()
        if self.faults:
            self.faults.reset_counts()

    def clear_cache(self) -> None:
        """Forget rendered pages, after changing the world while the server runs."""
        self._cache.clear()

    def now(self) -> float:
        """Return the server clock: the local clock shifted by `clock_skew` seconds."""
        return self._clock() + self.clock_skew

    def next_request_id(self, now: float) -> str:
        """Return a new `x-github-request-id`, unique for this server."""
        return f"{self._request_id_prefix}:{next(self._request_ids):X}:{int(now):X}"
