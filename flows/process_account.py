"""The `process-account` flow: crawl every pending repository one account starred."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from prefect import flow, get_run_logger

from flows.config import flow_runtime
from gitstars import runtime
from gitstars.github.errors import BadCredentialsError
from gitstars.models import Account, RepoStatus
from gitstars.settle import wait_until_settled
from gitstars.store import AccountRepo
from tasks.limits import (
    api_is_ephemeral,
    ensure_rate_limit,
    ensure_user_tag_limit,
    existing_user_tag_limit,
    user_tag,
)
from tasks.stargazers import fetch_stargazers
from tasks.starred import sync_starred
from tasks.ui import AccountProgress, publish_account_table

# Repos a run picks up: new ones, and ones whose earlier run stopped or crashed.
CLAIMABLE = [RepoStatus.PENDING.value, RepoStatus.PROCESSING.value]
SUMMARY_COUNTS = ("complete", "restricted", "failed", "interrupted", "not-claimed", "claim-lost", "errors")


class AccountNotFoundError(LookupError):
    """No `account` record has the given id or login."""


async def resolve_account(account: str | int) -> Account:
    """Find an account by GitHub user id (an int) or login (a str, or its id in digits)."""
    store = await runtime.current().store()
    found = None
    if isinstance(account, int):
        found = await store.accounts.get(account)
    else:
        found = await store.accounts.find(account)
        if found is None and account.isdigit():
            found = await store.accounts.get(int(account))
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


async def crawl_account(
    account: str | int,
    *,
    sync: bool = False,
    settle_seconds: float | None = None,
    settle_max_wait: float | None = None,
    concurrency: int | None = None,
    only_repos: Iterable[int] | None = None,
    resync: bool = False,
) -> dict[str, Any]:
    """Crawl an account's claimable repositories inside the current flow run.

    With `resync`, complete repositories are crawled again from their last page with its
    ETag, so an unchanged one costs one request with a 304 response.

    Holds the account's run lock throughout, so two runs never process one account at
    once. Publishes a progress artifact as repositories finish and a table at the end.
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
        if settings.shared_rate_limit:
            # Before the first request, so the starred-list sync is paced as well.
            await ensure_rate_limit(found.login)
        if sync:
            await sync_starred(found.id, found.login)
        elif only_repos is None:
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
        if resync:
            reopened = await store.repos.reopen_for_resync(found.id, per_page=settings.github_per_page)
            log.info("%s: re-syncing %d complete repositories from their last page", found.login, len(reopened))
        repos = await store.accounts.repos(found.id, CLAIMABLE)
        if only_repos is not None:
            wanted = set(only_repos)
            repos = [repo for repo in repos if repo.github_id in wanted]
        results = await _crawl_repos(found, repos, concurrency or settings.concurrency)
    finally:
        keeper.cancel()
        await asyncio.shield(store.accounts.unlock(found.id, owner))

    await publish_account_table(found.login, [result for result in results if isinstance(result, dict)])
    summary = _summarise(found, results)
    log.info(
        "%s: %d complete, %d restricted, %d failed, %d stargazers stored, %d requests",
        found.login, summary["complete"], summary["restricted"], summary["failed"],
        summary["stargazers"], summary["requests"],
    )
    return summary


async def _crawl_repos(
    account: Account, repos: list[AccountRepo], concurrency: int
) -> list[dict[str, Any] | BaseException]:
    log = get_run_logger()
    shared = runtime.current()
    log.info("%s: %d repositories to crawl", account.login, len(repos))
    if api_is_ephemeral():
        # Prefect enforces a tag limit made earlier (by hand, or by a server that shared
        # this PREFECT_HOME) even here. More task runs than slots would only wait.
        user_slots = await existing_user_tag_limit(account.login)
        if user_slots is not None:
            log.warning(
                "tag limit %s (%d slots) exists in this Prefect home; on Prefect's SQLite database each "
                "limited task run waits about 1.5 s for its slot. Remove it with "
                "`prefect concurrency-limit delete %s` to crawl faster in one process",
                user_tag(account.login), user_slots, user_tag(account.login),
            )
    else:
        user_slots = await ensure_user_tag_limit(account.login, shared.settings.user_concurrency)
    if user_slots is not None:
        # Task runs beyond the tag limit would only poll Prefect for a free slot.
        concurrency = min(concurrency, max(user_slots, 1))
    task = fetch_stargazers.with_options(
        tags=[user_tag(account.login)],
        timeout_seconds=shared.settings.task_timeout,
        retries=shared.settings.task_retries,
    )
    progress = AccountProgress(account.login, len(repos))
    await progress.start()
    slots = asyncio.Semaphore(concurrency)
    token_rejected = asyncio.Event()

    async def crawl(repo: AccountRepo) -> dict[str, Any] | None:
        async with slots:
            if shared.stop.is_set() or token_rejected.is_set():
                return None
            try:
                return await task(repo.github_id, repo.full_name, account.id, account.login)
            except BadCredentialsError:
                token_rejected.set()
                raise
            finally:
                await progress.advance()

    outcomes = await asyncio.gather(*(crawl(repo) for repo in repos), return_exceptions=True)
    if token_rejected.is_set():
        log.error(
            "GitHub rejected the token of %s (401 Bad credentials); its remaining repositories "
            "stay pending until the account signs in again", account.login,
        )
    for outcome in outcomes:
        if isinstance(outcome, BaseException) and not isinstance(outcome, BadCredentialsError):
            log.error("a repository of %s failed: %s", account.login, outcome)
    return [outcome for outcome in outcomes if outcome is not None]


def _summarise(account: Account, results: list[dict[str, Any] | BaseException]) -> dict[str, Any]:
    summary: dict[str, Any] = {"account": account.login, "stargazers": 0, "requests": 0}
    summary.update(dict.fromkeys(SUMMARY_COUNTS, 0))
    for result in results:
        if isinstance(result, BaseException):
            summary["errors"] += 1
            continue
        summary[result["status"]] = summary.get(result["status"], 0) + 1
        summary["stargazers"] += result["stargazers"]
        summary["requests"] += result["requests"]
    return summary


@flow(name="process-account", flow_run_name="account-{account}")
async def process_account(
    account: str | int,
    sync: bool = False,
    settle_seconds: float | None = None,
    settle_max_wait: float | None = None,
    concurrency: int | None = None,
    resync: bool = False,
    database_block: str | None = None,
    github_block: str | None = None,
) -> dict[str, Any]:
    """Crawl the stargazers of every pending repository that one account starred.

    Args:
        account: the account's login, or its GitHub user id.
        sync: fetch the account's starred list from GitHub first, instead of waiting for
            the web app to write it.
        settle_seconds: how long the account's repository count must stay unchanged
            before the crawl starts (seconds); defaults to the settings.
        settle_max_wait: the maximum wait for the count to settle (seconds).
        concurrency: repositories crawled at once; defaults to the settings.
        resync: also re-check complete repositories from their last page, with
            conditional requests (one 304 per unchanged repository).
        database_block: name of a saved SurrealDB connection block; without one, the
            `DB_*` environment variables apply.
        github_block: name of a saved GitHub API block; without one, the `GITHUB_*`
            environment variables apply.

    Returns:
        Counts by outcome, stargazers stored and GitHub requests sent by this run.
    """
    async with flow_runtime(database_block, github_block):
        return await crawl_account(
            account,
            sync=sync,
            settle_seconds=settle_seconds,
            settle_max_wait=settle_max_wait,
            concurrency=concurrency,
            resync=resync,
        )
