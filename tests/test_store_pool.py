"""The server connection pool, with fake connections in place of a SurrealDB server."""

from __future__ import annotations

import asyncio

import pytest

from gitstars.settings import DatabaseSettings
from gitstars.store import connection as connection_module
from gitstars.store.connection import ConnectionPool, PoolTimeoutError


class FakeConnection:
    def __init__(self, healthy: bool = True) -> None:
        self.healthy = healthy
        self.closed = False
        self.health_checks = 0

    async def query(self, sql: str):
        self.health_checks += 1
        if not self.healthy:
            raise ConnectionError("socket closed")
        return 1

    async def query_raw(self, sql: str, variables: dict):
        return {"result": [{"status": "OK", "result": [sql]}]}

    async def close(self) -> None:
        self.closed = True


@pytest.fixture
def opened(monkeypatch):
    made: list[FakeConnection] = []

    async def fake_open(settings):
        made.append(FakeConnection())
        return made[-1]

    monkeypatch.setattr(connection_module, "open_connection", fake_open)
    return made


def settings(**values) -> DatabaseSettings:
    return DatabaseSettings(db_url="ws://127.0.0.1:1", **values)


async def test_fill_opens_min_idle(opened):
    pool = ConnectionPool(settings(db_pool_min_idle=2, db_pool_max_size=5))
    await pool.fill()
    assert len(opened) == 2
    assert pool.open_connections == 2


async def test_never_more_than_max(opened):
    pool = ConnectionPool(settings(db_pool_min_idle=0, db_pool_max_size=3, db_connection_timeout=5))
    busy = 0
    peak = 0

    async def borrow() -> None:
        nonlocal busy, peak
        async with pool.connection():
            busy += 1
            peak = max(peak, busy)
            await asyncio.sleep(0.01)
            busy -= 1

    await asyncio.gather(*(borrow() for _ in range(12)))
    assert peak == 3
    assert len(opened) <= 3


async def test_acquire_times_out(opened):
    pool = ConnectionPool(settings(db_pool_min_idle=0, db_pool_max_size=1, db_connection_timeout=0.05))
    async with pool.connection():
        with pytest.raises(PoolTimeoutError, match="--db-pool-max-size"):
            async with pool.connection():
                pass


async def test_unhealthy_connection_replaced(opened):
    pool = ConnectionPool(settings(db_pool_min_idle=1, db_pool_max_size=2))
    await pool.fill()
    opened[0].healthy = False
    async with pool.connection() as lent:
        assert lent is not opened[0]
    assert opened[0].closed
    assert opened[0].health_checks == 1


async def test_idle_connection_health_checked(opened):
    pool = ConnectionPool(settings(db_pool_min_idle=1, db_pool_max_size=2))
    await pool.fill()
    async with pool.connection() as lent:
        assert lent is opened[0]
    assert opened[0].health_checks == 1


async def test_query_uses_pool(opened):
    pool = ConnectionPool(settings(db_pool_min_idle=0, db_pool_max_size=1))
    assert await pool.query("RETURN 1") == [["RETURN 1"]]
