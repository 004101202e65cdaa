"""Connections to SurrealDB: one shared embedded connection, or a pool for a server.

The embedded engine (`surrealkv://`, `mem://`) lives inside the process that opens it and
takes no lock on its files, so exactly one connection per process serves every caller.
A server (`ws://`) gets a pool that honours the `--db-pool-*` options.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import urlsplit

from surrealdb import AsyncSurreal

from gitstars.settings import DatabaseSettings

logger = logging.getLogger("gitstars.store")


class StoreError(RuntimeError):
    """A SurrealDB statement failed; the message names the statement's error."""


class ConflictError(StoreError):
    """A transaction met a concurrent write and was rolled back whole; it may be retried."""


CONFLICT_MARKER = "can be retried"
CONFLICT_RETRIES = 8


class QueryRunner(Protocol):
    """Anything that runs SurrealQL with bound variables."""

    async def query(self, sql: str, variables: Mapping[str, Any] | None = None) -> list[Any]: ...

    async def close(self) -> None: ...


def statement_results(response: Mapping[str, Any], sql: str) -> list[Any]:
    """Return each statement's result from a raw response, or raise the first error.

    In a transaction that failed, every statement reports "not executed due to a failed
    transaction"; the error that caused it is the one worth showing, so it wins.
    """
    if "error" in response:
        raise StoreError(f"SurrealDB rejected the query: {response['error']}")
    errors = [item["result"] for item in response["result"] if item.get("status") != "OK"]
    if errors:
        causes = [error for error in errors if "failed transaction" not in str(error)]
        first_line = sql.strip().splitlines()[0][:80]
        message = f"{(causes or errors)[0]} (in query starting {first_line!r})"
        if any(CONFLICT_MARKER in str(error) for error in errors):
            raise ConflictError(message)
        raise StoreError(message)
    return [item["result"] for item in response["result"]]


async def open_connection(settings: DatabaseSettings) -> AsyncSurreal:
    """Open, sign in to and select the namespace of one SurrealDB connection."""
    connection = AsyncSurreal(settings.db_url)
    await connection.connect()
    if not settings.embedded and settings.db_user:
        password = settings.db_pass.get_secret_value() if settings.db_pass else ""
        await connection.signin({"username": settings.db_user, "password": password})
    await connection.use(settings.db_namespace, settings.db_database)
    return connection


async def retry_conflicts(run: Callable[[], Awaitable[list[Any]]], sql: str) -> list[Any]:
    """Run a query again while it fails with a transaction conflict, if it is one transaction.

    Only a query that is a single transaction is retried: it was rolled back whole, so
    running it again cannot apply any statement twice.
    """
    transaction = sql.lstrip().upper().startswith("BEGIN")
    for attempt in range(CONFLICT_RETRIES):
        try:
            return await run()
        except ConflictError:
            if not transaction or attempt == CONFLICT_RETRIES - 1:
                raise
            await asyncio.sleep(random.uniform(0, 0.01 * 2**attempt))
    raise AssertionError("unreachable")


class DatabaseInUseError(StoreError):
    """Another process has the embedded database directory open."""


def _lock_path(settings: DatabaseSettings) -> Path | None:
    parts = urlsplit(settings.db_url)
    location = (parts.netloc + parts.path).rstrip("/")
    if parts.scheme in ("mem", "memory") or not location:
        return None
    return Path(location).with_name(Path(location).name + ".lock")


def lock_directory(settings: DatabaseSettings) -> IO[str] | None:
    """Lock an embedded database directory for this process, or raise if another has it.

    The surrealdb 2.0 embedded engine takes no lock of its own: a second process can open
    the same directory, and each then overwrites what the other wrote.
    """
    path = _lock_path(settings)
    if path is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise DatabaseInUseError(
            f"the embedded database {settings.db_url} is in use by another process (pid {holder}); "
            "stop that process first, or run a SurrealDB server (ws://) for several processes"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


class EmbeddedRunner:
    """The one connection to an embedded database, shared by every caller in the process.

    Queries run one at a time. On the surrealdb 2.0 embedded engine, concurrent
    transactions abort each other with read or write conflicts when pages share users,
    and two concurrent conditional UPDATEs could both succeed. One process owns the
    database, so a lock here costs little and removes both problems.
    """

    def __init__(self, connection: AsyncSurreal, directory_lock: IO[str] | None = None) -> None:
        self._connection = connection
        self._lock = asyncio.Lock()
        self._directory_lock = directory_lock

    async def query(self, sql: str, variables: Mapping[str, Any] | None = None) -> list[Any]:
        async def run() -> list[Any]:
            async with self._lock:
                response = await self._connection.query_raw(sql, dict(variables or {}))
            return statement_results(response, sql)

        return await retry_conflicts(run, sql)

    async def close(self) -> None:
        try:
            await self._connection.close()
        finally:
            if self._directory_lock is not None:
                self._directory_lock.close()
                self._directory_lock = None


class PoolTimeoutError(StoreError):
    """No pooled connection became free within `--db-connection-timeout`."""


class ConnectionPool:
    """A pool of server connections: at most `max_size` open, `min_idle` kept warm.

    Each connection is checked with a trivial query before it is handed out, and a
    connection that fails the check or a query is closed rather than reused.
    """

    def __init__(self, settings: DatabaseSettings) -> None:
        self._settings = settings
        self._idle: asyncio.LifoQueue[AsyncSurreal] = asyncio.LifoQueue()
        self._slots = asyncio.Semaphore(settings.db_pool_max_size)
        self._open = 0

    @property
    def open_connections(self) -> int:
        """The number of connections open now, idle or in use."""
        return self._open

    async def fill(self) -> None:
        """Open connections until `min_idle` of them are idle."""
        while self._idle.qsize() < self._settings.db_pool_min_idle and self._open < self._settings.db_pool_max_size:
            self._idle.put_nowait(await self._new_connection())

    async def _new_connection(self) -> AsyncSurreal:
        self._open += 1
        try:
            return await open_connection(self._settings)
        except BaseException:
            self._open -= 1
            raise

    async def _discard(self, connection: AsyncSurreal) -> None:
        self._open -= 1
        try:
            await connection.close()
        except Exception as error:  # a broken socket may fail to close; it is gone either way
            logger.debug("closing a broken SurrealDB connection failed: %s", error)

    async def _healthy(self, connection: AsyncSurreal) -> bool:
        try:
            await asyncio.wait_for(connection.query("RETURN 1"), self._settings.db_connection_timeout)
        except Exception as error:
            logger.warning("a pooled SurrealDB connection failed its health check: %s", error)
            return False
        return True

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncSurreal]:
        """Lend one healthy connection, waiting at most `--db-connection-timeout`."""
        timeout = self._settings.db_connection_timeout
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout)
        except TimeoutError as error:
            raise PoolTimeoutError(
                f"no SurrealDB connection became free within {timeout:g} s "
                f"(pool max size {self._settings.db_pool_max_size}); raise --db-pool-max-size "
                "or --db-connection-timeout"
            ) from error
        connection = None
        try:
            while not self._idle.empty():
                candidate = self._idle.get_nowait()
                if await self._healthy(candidate):
                    connection = candidate
                    break
                await self._discard(candidate)
            if connection is None:
                connection = await self._new_connection()
            try:
                yield connection
            except BaseException:
                await self._discard(connection)
                connection = None
                raise
        finally:
            if connection is not None:
                self._idle.put_nowait(connection)
            self._slots.release()

    async def query(self, sql: str, variables: Mapping[str, Any] | None = None) -> list[Any]:
        async def run() -> list[Any]:
            async with self.connection() as connection:
                response = await connection.query_raw(sql, dict(variables or {}))
            return statement_results(response, sql)

        return await retry_conflicts(run, sql)

    async def close(self) -> None:
        while not self._idle.empty():
            await self._discard(self._idle.get_nowait())


async def open_runner(settings: DatabaseSettings) -> QueryRunner:
    """Open the shared embedded connection or a server pool, by the URL's scheme."""
    if settings.embedded:
        directory_lock = lock_directory(settings)
        try:
            return EmbeddedRunner(await open_connection(settings), directory_lock)
        except BaseException:
            if directory_lock is not None:
                directory_lock.close()
            raise
    pool = ConnectionPool(settings)
    await pool.fill()
    return pool
