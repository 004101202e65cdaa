"""Set up a flow run's runtime from Prefect blocks, or from the environment.

A flow run started by a worker begins with nothing configured: it reads its settings
from the blocks named in its parameters, then from environment variables and `.env`.
A run started by the `gitstars` command or a test finds its runtime already set up.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from blocks import GitHubAPI, SurrealDBConnection
from gitstars import runtime
from gitstars.runtime import Runtime
from gitstars.settings import Settings
from tasks.limits import request_pacer


async def _settings_from_blocks(database_block: str | None, github_block: str | None) -> Settings:
    values: dict[str, Any] = {}
    if database_block:
        database = await SurrealDBConnection.aload(database_block)
        values.update(database.settings().model_dump(exclude={"local"}))
    if github_block:
        github = await GitHubAPI.aload(github_block)
        values.update(
            github_api_url=github.base_url,
            github_per_page=github.per_page,
            github_timeout=github.timeout,
            settle_seconds=github.settle_seconds,
            settle_max_wait=github.settle_max_wait,
            concurrency=github.concurrency,
            user_concurrency=github.user_concurrency,
            shared_rate_limit=github.shared_rate_limit,
        )
        if github.fallback_token is not None:
            values["github_token"] = github.fallback_token
    return Settings(**values)


@asynccontextmanager
async def flow_runtime(database_block: str | None = None, github_block: str | None = None) -> AsyncIterator[Runtime]:
    """Yield the process's runtime, creating it from blocks if nothing set it up.

    A runtime created here is closed when the block ends, so a worker's flow run releases
    an embedded database file before its process exits.
    """
    if runtime.configured():
        yield runtime.current()
        return
    shared = runtime.configure(await _settings_from_blocks(database_block, github_block))
    shared.request_pacer = request_pacer
    try:
        yield shared
    finally:
        await shared.close()
        runtime.reset()
