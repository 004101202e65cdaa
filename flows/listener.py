"""The `listener` flow: start `process-account` for every new account.

It follows the `account` table's change feed from a cursor stored in the database, so a
restarted listener misses no account, and at start it picks up every account that still
has repositories to crawl. The cursor is saved once a change is handed off. An account
whose run then dies still has pending repos, which the next start (or the reaper) picks up.
"""

from __future__ import annotations

import asyncio
from typing import Any

from prefect import flow, get_run_logger

from flows.config import flow_runtime
from flows.dispatch import AccountDispatcher
from flows.process_account import CLAIMABLE


@flow(name="listener", flow_run_name="listener")
async def listener(
    poll_seconds: float = 5.0,
    once: bool = False,
    process_account_deployment: str | None = None,
    database_block: str | None = None,
    github_block: str | None = None,
) -> dict[str, Any]:
    """Follow new accounts and start `process-account` for each.

    Args:
        poll_seconds: time between reads of the change feed (seconds).
        once: handle the accounts with work and the changes so far, then return.
        process_account_deployment: `flow-name/deployment-name` to start per account; without
            one, accounts are processed in this process (embedded mode).
        database_block: name of a saved SurrealDB connection block.
        github_block: name of a saved GitHub API block.

    Returns:
        How many accounts were dispatched and the change-feed cursor reached.
    """
    log = get_run_logger()
    async with flow_runtime(database_block, github_block) as shared:
        store = await shared.store()
        blocks = {"database_block": database_block, "github_block": github_block}
        dispatcher = AccountDispatcher(
            process_account_deployment, {name: value for name, value in blocks.items() if value}
        )
        for github_id in await store.accounts.with_work(CLAIMABLE):
            log.info("account %d has repositories to crawl; starting process-account", github_id)
            await dispatcher.dispatch(github_id)

        since = await store.feed.cursor()
        while not shared.stop.is_set():
            changes, cursor = await store.feed.read(since)
            for change in changes:
                if change.kind == "created":
                    log.info("new account %d; starting process-account", change.github_id)
                    await dispatcher.dispatch(change.github_id)
            if cursor != since:
                await store.feed.save_cursor(cursor)
                since = cursor
            if once and not changes:
                break
            try:
                await asyncio.wait_for(shared.stop.wait(), poll_seconds)
            except TimeoutError:
                pass

        await dispatcher.wait()
    log.info("listener stopped: %d accounts dispatched, cursor %d", dispatcher.dispatched, since)
    return {"dispatched": dispatcher.dispatched, "cursor": since}
