"""The `stats` flow: system-wide statistics as a table artifact."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger

from flows.config import flow_runtime
from gitstars.report import format_stats
from tasks.ui import publish_stats_table


@flow(name="stats", flow_run_name="stats")
async def stats(database_block: str | None = None) -> dict[str, Any]:
    """Publish repositories by status, users, edges and requests as the `gitstars-stats` table.

    Args:
        database_block: name of a saved SurrealDB connection block.
    """
    async with flow_runtime(database_block) as shared:
        store = await shared.store()
        current = await store.stats()
    await publish_stats_table(current)
    get_run_logger().info("%s", format_stats(current))
    return {"repos_by_status": current.repos_by_status, "users": current.users, "edges": current.edges}
