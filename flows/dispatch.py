"""Start `process-account` for an account, through a deployment or in this process."""

from __future__ import annotations

import asyncio
from typing import Any

from prefect import get_run_logger
from prefect.deployments import run_deployment

from flows.process_account import process_account
from gitstars import runtime

MAX_ACCOUNTS_AT_ONCE = 4


class AccountDispatcher:
    """Starts `process-account` for an account: through a deployment, or in this process.

    With a deployment, each account becomes its own flow run on a worker, and its
    parameters carry only the account id and block names, never a token. In-process runs
    share this process's embedded database, at most `MAX_ACCOUNTS_AT_ONCE` at a time.
    """

    def __init__(self, deployment: str | None, parameters: dict[str, Any]) -> None:
        self.deployment = deployment
        self.parameters = parameters
        self.dispatched = 0
        self._slots = asyncio.Semaphore(MAX_ACCOUNTS_AT_ONCE)
        self._running: set[asyncio.Task[Any]] = set()

    async def dispatch(self, github_id: int) -> None:
        self.dispatched += 1
        if self.deployment:
            flow_run = await run_deployment(
                self.deployment,
                parameters={"account": github_id, **self.parameters},
                timeout=0,
                as_subflow=False,
            )
            get_run_logger().info("account %d: started flow run %s", github_id, flow_run.name)
            return
        task = asyncio.create_task(self._run_here(github_id))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _run_here(self, github_id: int) -> None:
        async with self._slots:
            if runtime.current().stop.is_set():
                return
            try:
                await process_account(github_id)
            except Exception as error:  # one account's failure must not stop the listener
                get_run_logger().error("process-account for account %d failed: %s", github_id, error)

    async def wait(self) -> None:
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
