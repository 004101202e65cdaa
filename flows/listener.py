"""The `listener` flow: start `process-account` for every new account.

It follows the `account` table's change feed from a cursor stored in the database, so a
restarted listener misses no account, and at start it picks up every account that still
has repositories to crawl. The cursor is saved once a change is handed off; an account
whose run then dies still has pending repos, which the next start picks up.
"""

from __future__ import annotations

import asyncio
from typing import Any

from prefect import flow, get_run_logger

from flows.process_account import CLAIMABLE, process_account
from gitstars import runtime

MAX_ACCOUNTS_AT_ONCE = 4


@flow(name="listener", flow_run_name="listener")
async def listener(poll_seconds: float = 5.0, once: bool = False) -> dict[str, Any]:
    """Follow new accounts and run `process-account` for each, in this process.

    Args:
        poll_seconds: time between reads of the change feed (seconds).
        once: handle the accounts with work and the changes so far, then return.

    Returns:
        How many accounts were dispatched and the cursor reached.
    """
    log = get_run_logger()
    shared = runtime.current()
    store = await shared.store()
    slots = asyncio.Semaphore(MAX_ACCOUNTS_AT_ONCE)
    running: set[asyncio.Task[Any]] = set()
    dispatched = 0

    async def run_account(github_id: int) -> None:
        async with slots:
            if shared.stop.is_set():
                return
            try:
                await process_account(github_id)
            except Exception as error:  # one account's failure must not stop the listener
                log.error("process-account for account %d failed: %s", github_id, error)

    def dispatch(github_id: int) -> None:
        nonlocal dispatched
        dispatched += 1
        task = asyncio.create_task(run_account(github_id))
        running.add(task)
        task.add_done_callback(running.discard)

    for github_id in await store.accounts.with_work(CLAIMABLE):
        log.info("account %d has repositories to crawl; starting process-account", github_id)
        dispatch(github_id)

    since = await store.feed.cursor()
    while not shared.stop.is_set():
        changes, cursor = await store.feed.read(since)
        for change in changes:
            if change.kind == "created":
                log.info("new account %d; starting process-account", change.github_id)
                dispatch(change.github_id)
        if cursor != since:
            await store.feed.save_cursor(cursor)
            since = cursor
        if once and not changes:
            break
        try:
            await asyncio.wait_for(shared.stop.wait(), poll_seconds)
        except TimeoutError:
            pass

    if running:
        await asyncio.gather(*running, return_exceptions=True)
    log.info("listener stopped: %d accounts dispatched, cursor %d", dispatched, since)
    return {"dispatched": dispatched, "cursor": since}
