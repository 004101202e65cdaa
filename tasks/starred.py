"""The `sync-starred` task: store the repositories an account starred on GitHub."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from gitstars import runtime


@task(name="sync-starred", task_run_name="starred-{login}", retries=2, retry_delay_seconds=10, cache_policy=NO_CACHE)
async def sync_starred(account_github_id: int, login: str) -> int:
    """Fetch the account's starred repositories (star+json) and store them as pending repos.

    Repos already known keep their status and progress. Returns how many were listed.
    """
    shared = runtime.current()
    store = await shared.store()
    client = shared.client_for(await shared.token_for(account_github_id), login)
    listed = 0
    async for page in client.iter_starred(login):
        await store.accounts.sync_starred(account_github_id, page)
        listed += len(page)
    get_run_logger().info("%s starred %d repositories", login, listed)
    return listed
