"""The `process-account` flow: crawl every pending repository one account starred."""

from __future__ import annotations

import asyncio
from typing import Any

from prefect import flow, get_run_logger

from gitstars import runtime
from gitstars.github.errors import BadCredentialsError
from gitstars.models import Account, RepoStatus
from gitstars.settle import wait_until_settled
from tasks.starred import sync_starred
from tasks.stargazers import fetch_stargazers, user_tag

# Repos a run picks up: new ones, and ones whose earlier run stopped or crashed.
CLAIMABLE = [RepoStatus.PENDING.value, RepoStatus.PROCESSING.value]


class AccountNotFoundError(LookupError):
    """No `account` record has the given id or login."""


async def resolve_account(account: str | int) -> Account:
    """Find an account by GitHub user id (digits) or login."""
    store = await runtime.current().store()
    found = None
    if isinstance(account, int) or str(account).isdigit():
        found = await store.accounts.get(int(account))
    if found is None and not isinstance(account, int):
        found = await store.accounts.find(str(account))
    if found is None:
        raise AccountNotFoundError(
            f"no account {account!r} in the database: the web app creates accounts at sign-in, "
            "or run `gitstars run --account LOGIN` to add one"
        )
    return found


async def _keep_lock(account_github_id: int, owner: str, lease_seconds: float) -> None:
    store = await runtime.current().store()
    while True:
        await asyncio.sleep(lease_seconds / 3)
        await store.accounts.lock(account_github_id, lease_seconds, owner)


@flow(name="process-account", flow_run_name="account-{account}")
async def process_account(
    account: str | int,
    sync: bool = False,
    settle_seconds: float | None = None,
    settle_max_wait: float | None = None,
    concurrency: int | None = None,
) -> dict[str, Any]:
    """Crawl the stargazers of every pending repository that one account starred.

    Args:
        account: the account's GitHub user id or login.
        sync: fetch the account's starred list from GitHub first, instead of waiting for
            the web app to write it.
        settle_seconds: how long the account's repository count must stay unchanged
            before the crawl starts (seconds); defaults to the `SETTLE_SECONDS` setting.
        settle_max_wait: the longest wait for the count to settle (seconds).
        concurrency: repositories crawled at once; defaults to the `CONCURRENCY` setting.

    Returns:
        Counts by outcome, stargazers stored and GitHub requests sent by this run.
    """
    log = get_run_logger()
    shared = runtime.current()
    settings = shared.settings
    store = await shared.store()
    found = await resolve_account(account)

    owner = await store.accounts.lock(found.id, settings.lease_seconds)
    if owner is None:
        log.warning("account %s is being processed by another run; nothing to do", found.login)
        return {"account": found.login, "skipped": "locked by another run"}
    keeper = asyncio.create_task(_keep_lock(found.id, owner, settings.lease_seconds))
    try:
        if sync:
            await sync_starred(found.id, found.login)
        else:
            settled = await wait_until_settled(
                lambda: store.accounts.repo_count(found.id),
                settle_seconds=settings.settle_seconds if settle_seconds is None else settle_seconds,
                max_wait=settings.settle_max_wait if settle_max_wait is None else settle_max_wait,
            )
            if not settled.settled:
                log.warning(
                    "repository count of %s did not settle within %.0f s; crawling the %d stored",
                    found.login, settled.waited, settled.count,
                )
        results = await _crawl_repos(found, concurrency or settings.concurrency)
    finally:
        keeper.cancel()
        await asyncio.shield(store.accounts.unlock(found.id, owner))

    summary = _summarise(found, results)
    log.info(
        "%s: %d complete, %d restricted, %d failed, %d stargazers stored, %d requests",
        found.login, summary["complete"], summary["restricted"], summary["failed"],
        summary["stargazers"], summary["requests"],
    )
    return summary


async def _crawl_repos(account: Account, concurrency: int) -> list[dict[str, Any] | BaseException]:
    shared = runtime.current()
    store = await shared.store()
    repos = await store.accounts.repos(account.id, CLAIMABLE)
    get_run_logger().info("%s: %d repositories to crawl", account.login, len(repos))
    task = fetch_stargazers.with_options(
        tags=[user_tag(account.login)],
        timeout_seconds=shared.settings.task_timeout,
        retries=shared.settings.task_retries,
    )
    slots = asyncio.Semaphore(concurrency)
    token_rejected = asyncio.Event()

    async def crawl(repo_id: int, full_name: str) -> dict[str, Any] | None:
        async with slots:
            if shared.stop.is_set() or token_rejected.is_set():
                return None
            try:
                return await task(repo_id, full_name, account.id)
            except BadCredentialsError:
                token_rejected.set()
                raise

    outcomes = await asyncio.gather(
        *(crawl(repo.github_id, repo.full_name) for repo in repos), return_exceptions=True
    )
    if token_rejected.is_set():
        get_run_logger().error(
            "GitHub rejected the token of %s (401 Bad credentials); its remaining repositories "
            "stay pending until the account signs in again", account.login,
        )
    return [outcome for outcome in outcomes if outcome is not None]


def _summarise(account: Account, results: list[dict[str, Any] | BaseException]) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "account": account.login,
        "complete": 0,
        "restricted": 0,
        "failed": 0,
        "interrupted": 0,
        "errors": 0,
        "stargazers": 0,
        "requests": 0,
    }
    for result in results:
        if isinstance(result, BaseException):
            summary["errors"] += 1
            continue
        status = result["status"]
        if status in summary:
            summary[status] += 1
        summary["stargazers"] += result["stargazers"]
        summary["requests"] += result["requests"]
    return summary
