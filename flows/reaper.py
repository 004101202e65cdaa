"""The `reaper` flow: the dead man's switch for crashed workers.

A worker that dies keeps its repo claims until their leases expire. The reaper hands
those repos back as pending and starts `process-account` for accounts that have pending
repos while no run holds their lock, so no repository waits for ever.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger

from flows.config import flow_runtime
from flows.dispatch import AccountDispatcher
from gitstars.models import RepoStatus


@flow(name="reaper", flow_run_name="reaper")
async def reaper(
    process_account_deployment: str | None = None,
    database_block: str | None = None,
    github_block: str | None = None,
) -> dict[str, Any]:
    """Hand back expired claims and restart accounts whose pending repos no run holds.

    Args:
        process_account_deployment: `flow-name/deployment-name` to start per account;
            without one, accounts are processed in this run.
        database_block: name of a saved SurrealDB connection block.
        github_block: name of a saved GitHub API block.

    Returns:
        Repos handed back and accounts restarted.
    """
    log = get_run_logger()
    async with flow_runtime(database_block, github_block) as shared:
        store = await shared.store()
        reaped = await store.repos.reap_expired()
        if reaped:
            log.warning("handed back %d repositories whose claim lease expired", reaped)
        blocks = {"database_block": database_block, "github_block": github_block}
        dispatcher = AccountDispatcher(
            process_account_deployment, {name: value for name, value in blocks.items() if value}
        )
        idle = [
            github_id
            for github_id in await store.accounts.with_work([RepoStatus.PENDING.value])
            if not await store.accounts.is_locked(github_id)
        ]
        for github_id in idle:
            log.info("account %d has pending repositories and no run; starting process-account", github_id)
            await dispatcher.dispatch(github_id)
        await dispatcher.wait()
    return {"reaped": reaped, "accounts_restarted": len(idle)}
